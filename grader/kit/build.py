"""Building a submission's lab in a fresh tree with the kit's own Makefile.

Only the source files the lab names are copied from the submission, so a
submission cannot change how it is built or checked. `make -k` builds every
program it can: a lab with one broken program still gets the others checked.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .labs import KIT, Lab, submitted_folder
from .text import cut

BUILD_TIMEOUT = 180  # seconds for one lab's make
BUILDS_KEPT = 2000   # lab builds kept in the cache (about 250 KB each), the newest
CCACHE_SIZE = "500M" # bound of the compiler cache (ccache drops its oldest objects beyond it)
LOG_LIMIT = 20000


@dataclass
class LabBuild:
    lab: Lab
    dir: Path
    submitted: bool
    programs: dict[str, str | None] = field(default_factory=dict)
    copied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    log: str = ""
    folder_note: str = ""

    @property
    def built_all(self) -> bool:
        return all(self.programs.values())

    def note(self) -> str:
        """Why programs are missing, in one sentence for feedback."""
        if not self.submitted:
            return "The lab was not submitted."
        if self.missing:
            return f"Missing from the submission: {', '.join(self.missing)}."
        first_error = next((line for line in self.log.splitlines() if " error: " in line or "error:" in line[:8]), "")
        return f"It did not compile: {first_error.strip()}" if first_error else "It did not compile."

    def summary(self) -> str:
        lines = []
        if not self.submitted:
            return "Not submitted: the submission has no folder for this lab."
        if self.folder_note:
            lines.append(self.folder_note)
        lines.append(f"Files used: {', '.join(self.copied) or 'none'}")
        if self.missing:
            lines.append(f"Missing: {', '.join(self.missing)}")
        if self.ignored:
            lines.append(f"Ignored (the kit builds with its own Makefile): {', '.join(self.ignored)}")
        built = [name for name, path in self.programs.items() if path]
        failed = [name for name, path in self.programs.items() if not path]
        lines.append(f"Built: {', '.join(built) or 'nothing'}" + (f"; not built: {', '.join(failed)}" if failed else ""))
        if self.log.strip():
            lines.append("Compiler output (warnings are shown, not penalized):\n" + self.log.rstrip())
        return "\n".join(lines)


@dataclass(frozen=True)
class Library:
    """The library labs a lab links with, and where their files come from."""
    parts: tuple[tuple[str, Lab, Path | None], ...]  # (make variable, library lab, folder or None)
    label: str                                       # "your 08-tcp-lib" or "the kit's reference 08-tcp-lib"


def build_lab(lab: Lab, submission: Path, work: Path, sanitize: bool = False, *,
              library: Library | None = None, test_suite: str | None = None,
              thread_sanitized: tuple[str, ...] = (), name: str = "") -> LabBuild:
    """Build the submitted sources of lab in work/<name or lab>: with library's
    files (copied in), the lab's test suite (plain and ASan) if it has one, and
    the programs named in thread_sanitized once more with ThreadSanitizer."""
    folder, note = submitted_folder(submission, lab)
    build_dir = work / (name or lab.name)
    build = LabBuild(lab, build_dir, submitted=folder is not None, folder_note=note)
    build.programs = {program: None for program in lab.programs}
    if folder is None:
        return build
    build_dir.mkdir(parents=True)
    shutil.copy2(lab.kit_dir / "Makefile", build_dir / "Makefile")
    wanted = set(lab.student_files)
    for file in sorted(wanted):
        source = folder / file
        if source.is_file():
            shutil.copyfile(source, build_dir / file)
            build.copied.append(file)
        else:
            build.missing.append(file)
    kit_files = {p.name for p in lab.kit_dir.iterdir()}  # the Makefile, the handout...
    build.ignored = sorted(p.name for p in folder.iterdir()
                           if p.name not in wanted and p.name not in kit_files and not p.name.startswith(".")
                           and not (p.is_file() and os.access(p, os.X_OK)) and not (p.name == "obj" and p.is_dir()))
    # Every path make is given is relative to the build folder: the compiler's
    # commands, hence its messages and the compiler cache's keys, are the same
    # in every grading.
    variables = [f"KIT_MK={KIT / 'mk'}", "OUT=."]
    if library is not None:
        for variable, library_lab, folder in library.parts:
            library_dir = build_dir / library_lab.name
            library_dir.mkdir()
            for file in library_lab.library_files:
                source = folder / file if folder else None
                if source is not None and source.is_file():
                    shutil.copyfile(source, library_dir / file)
                    build.copied.append(f"{library_lab.name}/{file} ({library.label})")
                else:
                    build.missing.append(f"{library_lab.name}/{file} ({library.label})")
            variables.append(f"{variable}={library_lab.name}")
    if sanitize:
        variables.append("SAN=address,undefined")
    _build_programs(build, variables, thread_sanitized)
    if test_suite:
        build.programs.update(build_test_suite(build, KIT / test_suite))
    if library is not None:
        # The programs are linked: the library sources (the kit's reference,
        # for some variants) must not stay where the programs could read them.
        for _, library_lab, _ in library.parts:
            shutil.rmtree(build_dir / library_lab.name, ignore_errors=True)
    return build


def _build_programs(build: LabBuild, variables: list[str], thread_sanitized: tuple[str, ...]) -> None:
    """make the lab's programs (and their ThreadSanitizer copies) in build.dir.
    A build is a function of its files: the same files, flags and compiler
    (the library variants of a submission whose libraries are the kit's; the
    same program graded again) reuse the binaries and messages of the first
    build, kept in the grader's cache."""
    build_dir = build.dir
    names = [*build.programs, *(f"tsan/{program}" for program in thread_sanitized)]
    key = _digest([" ".join(thread_sanitized).encode(), " ".join(v.replace(str(build_dir), ".") for v in variables).encode()],
                  [(str(path.relative_to(folder)), path) for folder in (build_dir, KIT / "mk")
                   for path in sorted(folder.rglob("*")) if path.is_file()])

    def produce(folder: Path) -> None:
        _make_programs(build, variables, thread_sanitized)
        _copy_present(build_dir, folder, names)
        (folder / "log").write_text(build.log.replace(str(build_dir), "<BUILD_DIR>"))
        _prune(folder.parent, BUILDS_KEPT)

    with _cached("lab-builds", key, build.dir.parent, produce) as folder:
        build.log = (folder / "log").read_text().replace("<BUILD_DIR>", str(build_dir))
        _copy_present(folder, build_dir, names)
    for program in build.programs:
        binary = build_dir / program
        if binary.is_file() and os.access(binary, os.X_OK):
            build.programs[program] = str(binary)
    for program in thread_sanitized:
        binary = build_dir / "tsan" / program
        build.programs[f"{program}-tsan"] = str(binary) if binary.is_file() and os.access(binary, os.X_OK) else None


def _copy_present(source: Path, target: Path, names: list[str]) -> None:
    """Copy those of the files `names` (relative paths) that exist under source."""
    for name in names:
        if (source / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, target / name)


def _prune(root: Path, keep: int) -> None:
    """Delete the oldest cached builds beyond `keep` (skipping any in use)."""
    entries = []
    for path in root.iterdir():
        if "." in path.name:
            continue  # a lock, or a folder another grading is producing (key.pid)
        try:
            entries.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue  # pruned by another grading meanwhile
    entries.sort()
    for _, entry in entries[:max(0, len(entries) - keep)]:
        with entry.with_suffix(".lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another grading is reading or writing it
            shutil.rmtree(entry, ignore_errors=True)
        entry.with_suffix(".lock").unlink(missing_ok=True)


def _make_programs(build: LabBuild, variables: list[str], thread_sanitized: tuple[str, ...]) -> None:
    build_dir = build.dir
    build.log = _make(["-C", str(build_dir), *variables])
    shutil.rmtree(build_dir / "obj", ignore_errors=True)  # the object files: only the programs stay
    built = [p for p in build.programs if (build_dir / p).is_file() and os.access(build_dir / p, os.X_OK)]
    tsan = [name for name in thread_sanitized if name in built]
    if tsan:
        tsan_variables = [v for v in variables if not v.startswith(("OUT=", "SAN="))] + ["OUT=tsan", "SAN=thread"]
        log = _make(["-C", str(build_dir), *tsan_variables, *(f"tsan/{name}" for name in tsan)])
        for program in tsan:
            if not (build_dir / "tsan" / program).is_file():
                build.log += f"\n[{program}-tsan: the ThreadSanitizer build failed]\n" + log
        shutil.rmtree(build_dir / "tsan" / "obj", ignore_errors=True)


def build_test_suite(build: LabBuild, makefile: Path) -> dict[str, str | None]:
    """The lab's test binary linked with the student's files, plain and under
    ASan + UBSan (both at once). The test objects do not depend on the
    student's sources, only on the tests and the headers: they are cached."""
    program = f"{makefile.stem}_tests"
    flavours = ((program, []), (f"{program}-asan", ["SAN=address,undefined"]))

    def one(flavour: str, extra: list[str]) -> tuple[str, str | None, str]:
        out = build.dir / flavour.replace(program, "tests")
        arguments = ["-C", str(build.dir), "-f", str(makefile), "LIB_DIR=.", f"OUT={out.name}", *extra]
        cache = _object_cache(makefile, build, extra)
        if cache is None:
            log = _make(arguments)
        else:
            with cache.with_suffix(".lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # one build per key at a time, across parallel runs
                log = _make([*arguments, f"TEST_OBJ_DIR={cache}", "TEST_DEPS="])
        binary = out / program
        ok = binary.is_file() and os.access(binary, os.X_OK)
        return flavour, str(binary) if ok else None, "" if ok else log

    built: dict[str, str | None] = {}
    with ThreadPoolExecutor(max_workers=len(flavours)) as pool:
        for flavour, binary, log in pool.map(lambda f: one(*f), flavours):
            built[flavour] = binary
            if binary is None:
                build.log += f"\n[{flavour}: the test suite did not build]\n" + log
    return built


def _cache_root(kind: str) -> Path | None:
    """The grader's cache folder for one kind of build output (shared by
    gradings of this user), or None where none can be written."""
    try:
        root = Path(os.environ.get("SLK_CACHE") or Path.home() / ".cache" / "socket-lab-kit") / kind
        root.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no writable home (RuntimeError: no home at all)
        return None
    return root if os.access(root, os.W_OK) else None


@functools.cache
def _compiler_version() -> bytes:
    return subprocess.run(["g++", "--version"], capture_output=True, timeout=30).stdout


def _digest(parts: Iterable[bytes], files: Iterable[tuple[str, Path]]) -> str:
    """A cache key: the compiler, some parts, and files (each under its name)."""
    key = hashlib.sha256(_compiler_version())
    for part in parts:
        key.update(part + b"\0")
    for name, path in files:
        key.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return key.hexdigest()[:32]


class BuildFailed(Exception):
    """Raised by a cache's produce(): nothing is kept, the next grading tries again."""


@contextmanager
def _cached(kind: str, key: str, work: Path, produce: Callable[[Path], None]) -> Iterator[Path]:
    """The folder of one cached build output, produced once per key by
    produce(folder) into a fresh folder that is renamed into place only when
    complete. It is held under the key's lock (one build per key at a time,
    across parallel gradings; _prune skips it) while the caller copies from
    it. Where no cache folder can be written, the folder is made under work."""
    root = _cache_root(kind) or work / "uncached" / kind
    root.mkdir(parents=True, exist_ok=True)
    folder = root / key
    with folder.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not folder.is_dir():
            partial = folder.with_name(f"{folder.name}.{os.getpid()}")
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            produce(partial)
            partial.rename(folder)
        yield folder


def _object_cache(makefile: Path, build: LabBuild, extra: list[str]) -> Path | None:
    """A folder for the test objects of this makefile, keyed by everything they
    are built from: the test sources, the student's headers, the flags and the
    compiler. None where no cache folder can be written."""
    root = _cache_root("test-objects")
    if root is None:
        return None
    inputs = [*sorted(makefile.parent.iterdir()), *sorted((build.lab.kit_dir / "tests").glob("*")),
              *sorted(build.dir.glob("*.h"))]
    return root / _digest([" ".join(extra).encode()], [(path.name, path) for path in inputs if path.is_file()])


def build_reference(lab: Lab, programs: tuple[str, ...], work: Path,
                    libraries: dict[str, str]) -> dict[str, str | None]:
    """The kit's reference programs of lab (from solutions/), or nothing where the
    kit has no solutions (a student's copy of the kit). They are built once per
    state of their sources, the kit's makefiles and the compiler, and kept in
    the grader's cache; each grading gets copies of the binaries only, so the
    programs under test never find the kit's sources in the work folder."""
    source = KIT / "solutions" / lab.name
    if not programs or not source.is_dir():
        return {}
    folders = [source, KIT / "mk", *(KIT / "solutions" / name for name in libraries.values())]
    key = _digest([lab.name.encode(), " ".join(programs).encode()],
                  [(f"{folder.name}/{path.name}", path) for folder in folders for path in _kit_sources(folder)])

    def produce(folder: Path) -> None:
        for path in _kit_sources(source):  # not what someone built in solutions/
            shutil.copyfile(path, folder / path.name)
        variables = [f"KIT_MK={KIT / 'mk'}", "OUT=."]
        variables += [f"{variable}={KIT / 'solutions' / name}" for variable, name in libraries.items()]
        _make(["-C", str(folder), *variables, *programs])
        shutil.rmtree(folder / "obj", ignore_errors=True)  # the cache keeps the programs only

    target = work / "reference" / lab.name
    target.mkdir(parents=True, exist_ok=True)
    with _cached("reference-programs", key, work, produce) as folder:
        _copy_present(folder, target, list(programs))
    return {program: str(target / program) if (target / program).is_file() else None for program in programs}


def _kit_sources(folder: Path) -> list[Path]:
    """The files of a kit folder that programs are built from (not built files)."""
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and (path.suffix in (".cpp", ".h", ".txt", ".mk") or path.name == "Makefile"))


def _make(arguments: list[str]) -> str:
    """Run make -k; its output (compiler messages), bounded."""
    compiler, settings = _compiler_cache()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CCACHE_")}
    try:
        made = subprocess.run(["make", "-k", "-s", *arguments, *compiler], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT,
                              env={**environment, **settings, "LC_ALL": "C"})
        log = made.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as expired:
        log = (expired.stdout or b"").decode(errors="replace") + f"\n(make was stopped after {BUILD_TIMEOUT} s)"
    return cut(_drop_make_noise(log), LOG_LIMIT)


def _compiler_cache() -> tuple[list[str], dict[str, str]]:
    """(make arguments, environment) that compile through ccache where it is
    installed, with its cache in the grader's cache folder: a translation unit
    compiled before with the same flags (the kit's library in every library
    variant, the files a submission graded again did not change) is not
    compiled again, and ccache shows its compiler messages again. Without
    ccache (or a cache folder), plain g++: grading does not depend on it."""
    root = _cache_root("ccache") if shutil.which("ccache") else None
    if root is None:
        return [], {}
    return ["CXX=ccache g++"], {
        "CCACHE_DIR": str(root),
        "CCACHE_CONFIGPATH": str(root / "ccache.conf"),  # and not a system-wide configuration
        "CCACHE_MAXSIZE": CCACHE_SIZE,
        # Build folders differ between gradings and the commands name none
        # (paths relative to the build folder): the debug information then
        # names the folder of the first grading that compiled the unit, as
        # the programs of the cached lab builds already do.
        "CCACHE_NOHASHDIR": "1",
    }


def _drop_make_noise(log: str) -> str:
    """Keep the compiler's messages; drop make's own directory chatter."""
    keep = [line for line in log.splitlines()
            if not line.startswith(("make: Entering", "make: Leaving", "make[1]:")) and "Nothing to be done" not in line]
    return "\n".join(keep)


def build_native(work: Path) -> tuple[str | None, str]:
    """Compile the grader's helper libraries; (path of fill_fds.so, error)."""
    source = KIT / "grader" / "native" / "fill_fds.c"
    target = work / "native" / "libfillfds.so"
    target.parent.mkdir(parents=True, exist_ok=True)
    made = subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-Wall", "-o", str(target), str(source)],
                          capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        return None, made.stderr
    return str(target), ""


# The kit's tools that checks run against the student's programs: name -> its
# source folder (one .cpp of that name, headers beside it).
TOOLS = {"smop-bench": KIT / "bench" / "smop-bench"}


def build_tool(name: str, work: Path) -> tuple[str | None, str]:
    """(path of the tool `name` built at -O2 into work/tools, error). The binary
    is kept in the grader's cache, keyed by its sources and the compiler, so
    that gradings after the first only copy it."""
    folder = TOOLS[name]
    if not (folder / f"{name}.cpp").is_file():
        return None, f"its source ({folder.relative_to(KIT)}/{name}.cpp) is not part of this copy of the kit"
    key = _digest([name.encode()], [(path.name, path) for path in sorted([*folder.glob("*.cpp"), *folder.glob("*.h")])])

    def produce(built: Path) -> None:
        made = subprocess.run(["g++", "-std=c++17", "-O2", "-o", str(built / name), str(folder / f"{name}.cpp")],
                              capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        if made.returncode != 0:
            raise BuildFailed(cut(made.stderr, LOG_LIMIT))

    target = work / "tools"
    target.mkdir(parents=True, exist_ok=True)
    try:
        with _cached("tool-builds", key, work, produce) as built:
            _copy_present(built, target, [name])
    except BuildFailed as failure:
        return None, str(failure)
    return str(target / name), ""
