"""Building a submission's lab: a fresh tree, the kit's own Makefile, a sandbox.

Only the source files the lab names are taken from the submission, each a
regular file of at most MAX_SOURCE_BYTES read without following links (a
link, a FIFO or a device is refused with a line in the build report), so a
submission cannot change how it is built or checked. The tree gets the
kit's Makefile and rules, and what the kit gives compiled: its reference
library's objects (for the variants linked with it) and its test objects
(lab 08's GoogleTest suite), never their sources. make runs in a sandbox
(buildbox.py); `make -k` builds every program it can: a lab with one broken
program still gets the others checked. The programs are copied out of the
tree (regular files only, bounded) into the folder the runs see.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import buildbox, kitbuilds, safefs
from .buildcache import cached, digest, prune
from .labs import KIT, Lab, lab_named, submitted_folder
from .units import compile_units, units_of
from .text import file_name

BUILDS_KEPT = 2000              # lab builds kept in the cache (about 250 KB each), the newest
MAX_SOURCE_BYTES = 1 << 20      # a submitted source file
MAX_PROGRAM_BYTES = 256 << 20   # a program the build made
TEST_PROGRAM = "tcp_tests"


@dataclass
class LabBuild:
    lab: Lab
    dir: Path                     # the programs (what the lab's runs see, as their folder)
    submitted: bool
    programs: dict[str, str | None] = field(default_factory=dict)
    copied: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
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
        if self.refused:
            return f"Refused: {'; '.join(self.refused)}."
        if self.missing:
            return f"Missing from the submission: {', '.join(self.missing)}."
        first_error = next((line for line in self.log.splitlines()
                            if " error: " in line or "error:" in line[:8] or "undefined reference" in line), "")
        return f"It did not compile: {first_error.strip()}" if first_error else "It did not compile."

    def summary(self) -> str:
        if not self.submitted:
            return " ".join(["Not submitted: the submission has no folder for this lab.", self.folder_note]).strip()
        lines = [self.folder_note] if self.folder_note else []
        lines.append(f"Files used: {', '.join(self.copied) or 'none'}")
        if self.refused:
            lines.append("Refused (only regular files of at most "
                         f"{safefs.size_words(MAX_SOURCE_BYTES)} are built): {'; '.join(self.refused)}")
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
    parts: tuple[tuple[str, Lab, Path | None], ...]  # (make variable, library lab, submitted folder; None: the kit's)
    label: str                                       # "your 08-tcp-lib" or "the kit's reference 08-tcp-lib"


# The extra sanitizer builds a lab may ask for: SAN= kind -> the folder (OUT=),
# which is also the suffix of the program's name ("Serveur-tsan"), and the
# sanitizer's name.
SANITIZER_VARIANTS = {"thread": ("tsan", "ThreadSanitizer"), "address,undefined": ("asan", "AddressSanitizer")}


def build_lab(lab: Lab, submission: Path, work: Path, box: buildbox.Box, sanitize: bool = False, *,
              library: Library | None = None, test_suite: str | None = None,
              sanitized: dict[str, tuple[str, ...]] | None = None, name: str = "") -> LabBuild:
    """Build the submitted sources of lab: in the tree work/trees/NAME, into
    work/programs/NAME (NAME: name, or the lab's). With library's files (the
    student's, or the kit's compiled), the lab's test suite (plain and ASan)
    if it has one, and the programs named in sanitized once more with that
    sanitizer ({"thread": ("Serveur",)} builds "Serveur-tsan"; see
    SANITIZER_VARIANTS)."""
    sanitized = {kind: programs for kind, programs in (sanitized or {}).items() if programs}
    folder, note = submitted_folder(submission, lab)
    label = name or lab.name
    build = LabBuild(lab, work / "programs" / label, submitted=folder is not None, folder_note=note)
    build.programs = {program: None for program in lab.programs}
    if folder is None:
        return build
    tree = work / "trees" / label
    tree.mkdir(parents=True)
    kinds = list(dict.fromkeys(["address,undefined" if sanitize else "plain", *sanitized]))
    variables = _assemble(build, folder, tree, library, kinds, box.work)
    if sanitize:
        variables.append("SAN=address,undefined")
    extra = [f"{SANITIZER_VARIANTS[kind][0]}/{program}" for kind, programs in sanitized.items()
             for program in programs]
    outputs = [*build.programs, *extra]
    if test_suite:
        _add_test_objects(tree, KIT / test_suite, box.work)
        outputs += [f"tests/{TEST_PROGRAM}", f"tests-asan/{TEST_PROGRAM}"]
    key = digest([" ".join(variables).encode(), " ".join(extra).encode(), (test_suite or "").encode()],
                 [(str(path.relative_to(tree)), path) for path in sorted(tree.rglob("*")) if path.is_file()])

    def produce(cache: Path) -> None:
        log = _make_all(tree, box, variables, sanitized, bool(test_suite), label, lab)
        log += _harvest(tree, cache, outputs)
        (cache / "log").write_text(log)
        prune(cache.parent, BUILDS_KEPT)

    build.dir.mkdir(parents=True)
    with cached("lab-builds", key, work, produce) as cache:
        build.log = (cache / "log").read_text()
        for output in outputs:
            if (cache / output).is_file():
                (build.dir / output).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(cache / output, build.dir / output)
    if not box.keep:
        safefs.remove_tree(tree)
    for program in build.programs:
        build.programs[program] = _present(build.dir / program)
    for kind, programs in sanitized.items():
        for program in programs:
            folder = SANITIZER_VARIANTS[kind][0]
            build.programs[f"{program}-{folder}"] = _present(build.dir / folder / program)
    if test_suite:
        build.programs[TEST_PROGRAM] = _present(build.dir / "tests" / TEST_PROGRAM)
        build.programs[f"{TEST_PROGRAM}-asan"] = _present(build.dir / "tests-asan" / TEST_PROGRAM)
    return build


def _present(path: Path) -> str | None:
    return str(path) if path.is_file() else None


def _assemble(build: LabBuild, folder: Path, tree: Path, library: Library | None, kinds: list[str],
              work: Path) -> list[str]:
    """Fill the tree: the kit's Makefile and rules, the submitted sources,
    the library's files; the make variables that build it. Every path is
    relative to the tree: the compiler's messages are the same in every grading."""
    lab = build.lab
    shutil.copyfile(lab.kit_dir / "Makefile", tree / "Makefile")
    (tree / "mk").mkdir()
    shutil.copyfile(KIT / "mk" / "lab.mk", tree / "mk" / "lab.mk")
    for file in lab.student_files:
        _take(build, folder, file, tree / file, file)
    build.ignored = _ignored(folder, lab)
    variables = ["KIT_MK=mk", "OUT=."]
    for variable, library_lab, library_folder in (library.parts if library else ()):
        library_dir = tree / library_lab.name
        library_dir.mkdir()
        variables.append(f"{variable}={library_lab.name}")
        if library_folder is not None:
            for file in library_lab.library_files:
                _take(build, library_folder, file, library_dir / file, f"{library_lab.name}/{file} ({library.label})")
            continue
        # The kit's library: its header as the handout gives it, its code compiled.
        for file in library_lab.library_files:
            if not file.endswith(".cpp"):
                shutil.copyfile(library_lab.kit_dir / file, library_dir / file)
        makefile = (library_lab.kit_dir / "Makefile").read_text()
        others = {v: lab_.name for v, lab_, _ in library.parts if lab_ != library_lab and f"$({v})" in makefile}
        shutil.copytree(kitbuilds.reference_objects(library_lab, kinds, others, work) / "obj", library_dir / "obj")
        build.copied.append(f"{library_lab.name} ({library.label}, compiled)")
    return variables


def _take(build: LabBuild, folder: Path, file: str, target: Path, shown: str) -> None:
    """Copy one submitted source into the tree, if it is a regular file of bounded size."""
    try:
        safefs.copy_regular(folder, file, target, MAX_SOURCE_BYTES)
        build.copied.append(shown)
    except FileNotFoundError:
        build.missing.append(shown)
    except (safefs.Refused, OSError) as refusal:
        why = str(refusal) if isinstance(refusal, safefs.Refused) else f"{file} cannot be read ({refusal.strerror})"
        build.refused.append(why if shown == file else f"{shown}: {why}")


def _ignored(folder: Path, lab: Lab) -> list[str]:
    """The files of the submitted folder that the build does not use (shown, never read)."""
    wanted = set(lab.student_files)
    kit_files = {p.name for p in lab.kit_dir.iterdir()}  # the Makefile, the handout...
    return sorted(file_name(path.name) for path in folder.iterdir()
                  if path.name not in wanted and path.name not in kit_files and not path.name.startswith(".")
                  and path.name != "obj" and not _executable_file(path))


def _executable_file(path: Path) -> bool:
    """A program the student built (left beside the sources): not worth a mention."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return (info.st_mode & 0o170000) == 0o100000 and bool(info.st_mode & 0o111)


def _add_test_objects(tree: Path, makefile: Path, work: Path) -> None:
    """The test suite's makefile and its objects, compiled apart by the kit."""
    shutil.copyfile(makefile, tree / makefile.name)
    for kind in ("plain", "address,undefined"):
        shutil.copytree(kitbuilds.test_objects(makefile, kind, work), tree / "tests-obj" / kind)


def _make_all(tree: Path, box: buildbox.Box, variables: list[str], sanitized: dict[str, tuple[str, ...]],
              test_suite: bool, label: str, lab: Lab) -> str:
    """Every make of one build, in the sandbox (each unit compiled alone
    first, or taken from the grader's cache: units.py); their messages."""
    common = lab.makefile_list("COMMON_SRCS")
    log = _joined(compile_units(tree, units_of(tree, lab.programs, common, variables), variables, box, label),
                  box.make(tree, variables, f"{label}-build"))
    for kind, programs in sanitized.items():
        # Only what the plain build could make: a program that does not compile says so once.
        names = [name for name in programs if _built(tree, name)]
        if not names:
            continue
        out, sanitizer = SANITIZER_VARIANTS[kind]
        san_variables = [v for v in variables if not v.startswith(("OUT=", "SAN="))] + [f"OUT={out}", f"SAN={kind}"]
        compiled = compile_units(tree, units_of(tree, names, common, san_variables), san_variables, box,
                                 f"{label}-{out}")
        made = _joined(compiled, box.make(tree, [*san_variables, *(f"{out}/{name}" for name in names)],
                                          f"{label}-{out}"))
        for program in names:
            if not _built(tree, f"{out}/{program}"):
                log += f"\n[{program}-{out}: the {sanitizer} build failed]\n" + made
    if test_suite:
        for out, kind in (("tests", "plain"), ("tests-asan", "address,undefined")):
            san = [] if kind == "plain" else [f"SAN={kind}"]
            objects = " ".join(f"tests-obj/{kind}/{path.name}" for path in sorted((tree / "tests-obj" / kind).glob("*.o")))
            made = box.make(tree, ["-f", "tcp.mk", "LIB_DIR=.", f"OUT={out}", *san, f"TEST_OBJS={objects}"],
                            f"{label}-{out}")
            if not _built(tree, f"{out}/{TEST_PROGRAM}"):
                log += (f"\n[{TEST_PROGRAM}{'' if kind == 'plain' else '-asan'}: the test suite did not build. "
                        "The tests are compiled against the kit's own header, the contract the handout gives: "
                        "your library must define the functions it declares, exactly so.]\n" + made)
    return log


def _joined(*logs: str) -> str:
    return "\n".join(log for log in logs if log.strip())


def _built(tree: Path, name: str) -> bool:
    """Whether the sandbox made `name`: a regular file, not a link to one."""
    try:
        fd, _ = safefs.open_regular(tree, name)
    except (safefs.Refused, OSError):
        return False
    os.close(fd)
    return True


def _harvest(tree: Path, cache: Path, outputs: list[str]) -> str:
    """Copy what the sandboxed build made (regular files only, bounded) into
    the cache folder; a line of the log for each output refused."""
    notes = ""
    for output in outputs:
        (cache / output).parent.mkdir(parents=True, exist_ok=True)
        try:
            safefs.copy_regular(tree, output, cache / output, MAX_PROGRAM_BYTES, mode=0o755)
        except FileNotFoundError:
            continue
        except (safefs.Refused, OSError) as refusal:
            notes += f"\n[{output}: not taken ({refusal})]"
    return notes


def build_reference(lab: Lab, programs: tuple[str, ...], libraries: dict[str, str], work: Path,
                    box: buildbox.Box) -> dict[str, str | None]:
    """The kit's reference programs of lab that its checks start, built from
    solutions/ as a submission is (linked with the kit's libraries, compiled):
    each grading gets copies of the binaries only. Nothing where the kit has
    no solutions (a student's copy of the kit)."""
    if not programs or not (KIT / "solutions" / lab.name).is_dir():
        return {}
    library = None
    if libraries:
        library = Library(tuple((variable, lab_named(name), None) for variable, name in libraries.items()),
                          f"the kit's reference {', '.join(libraries.values())}")
    built = build_lab(lab, KIT / "solutions", work, box, library=library, name=f"reference-{lab.name}")
    target = work / "reference" / lab.name
    target.mkdir(parents=True, exist_ok=True)
    found: dict[str, str | None] = {}
    for program in programs:
        path = built.programs.get(program)
        found[program] = None
        if path is not None:
            shutil.copyfile(path, target / program)
            (target / program).chmod(0o755)
            found[program] = str(target / program)
    return found
