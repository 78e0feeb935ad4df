"""The kit's own builds: its reference libraries, its tests, its tools.

Only the kit's sources go into these builds, never a submission's: they run
outside the sandbox, through ccache where it is installed, and their
outputs are kept in the grader's cache (buildcache.py), keyed by the
sources, flags and compiler. What a submission's sandboxed build gets of
them is compiled objects (the reference library, the hidden tests), never a
source; what its runs get is binaries (the tools). The reference programs
are built as a submission is (build.build_reference), so that grading the
reference solutions reuses their compiled units.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from . import children
from .buildcache import BuildFailed, cache_root, cached, digest
from .buildbox import BUILD_TIMEOUT, LOG_LIMIT, finish_log
from .labs import KIT, Lab, lab_named

CCACHE_SIZE = "500M"  # bound of the compiler cache (ccache drops its oldest objects beyond it)
# The kit's tools that checks run against the student's programs: name -> its
# source folder (one .cpp of that name, headers beside it).
TOOLS = {"smop-bench": KIT / "bench" / "smop-bench"}


def make(arguments: list[str]) -> str:
    """Run make -k on the kit's own sources; its messages, bounded."""
    compiler, settings = _compiler_cache()
    environment = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "HOME": str(Path.home()), **settings}
    return finish_log(children.run(["make", "-k", "-s", *arguments, *compiler], BUILD_TIMEOUT, LOG_LIMIT * 4,
                                env=environment))


def _compiler_cache() -> tuple[list[str], dict[str, str]]:
    """(make arguments, environment) that compile through ccache where it is
    installed, with its cache in the grader's cache folder: the kit's sources
    compiled before with the same flags are not compiled again. Without
    ccache (or a cache folder), plain g++."""
    root = cache_root("ccache") if shutil.which("ccache") else None
    if root is None:
        return [], {}
    return ["CXX=ccache g++"], {
        "CCACHE_DIR": str(root),
        "CCACHE_CONFIGPATH": str(root / "ccache.conf"),  # and not a system-wide configuration
        "CCACHE_MAXSIZE": CCACHE_SIZE,
        "CCACHE_NOHASHDIR": "1",
    }


def kit_sources(folder: Path) -> list[Path]:
    """The files of a kit folder that programs are built from (not built files)."""
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and (path.suffix in (".cpp", ".h", ".txt", ".mk") or path.name == "Makefile"))


def _library_variables(libraries: dict[str, str]) -> list[str]:
    return [f"{variable}={KIT / 'solutions' / name}" for variable, name in libraries.items()]


def reference_objects(library: Lab, kinds: list[str], libraries: dict[str, str], work: Path) -> Path:
    """A folder holding the kit's reference library `library` compiled for
    each kind of object (plain, or a SAN list such as "address,undefined" or
    "thread") as obj/KIND/NAME.o, the way mk/lab.mk links a library given
    compiled. `libraries`: the other library labs its headers include."""
    source = KIT / "solutions" / library.name
    folders = [source, KIT / "mk", *(KIT / "solutions" / name for name in libraries.values())]
    key = digest([library.name.encode(), " ".join(sorted(kinds)).encode(), " ".join(libraries.values()).encode()],
                 [(f"{folder.name}/{path.name}", path) for folder in folders for path in kit_sources(folder)])
    sources = [name for name in library.library_files if name.endswith(".cpp")]

    def produce(folder: Path) -> None:
        build = folder / "build"
        build.mkdir()
        for path in kit_sources(source):
            shutil.copyfile(path, build / path.name)
        for kind in kinds:
            san = [] if kind == "plain" else [f"SAN={kind}"]
            objects = [f"obj/{kind}/{Path(name).stem}.o" for name in sources]
            log = make(["-C", str(build), f"KIT_MK={KIT / 'mk'}", "OUT=.", *_library_variables(libraries), *san,
                        *objects])
            for name in objects:
                if not (build / name).is_file():
                    raise BuildFailed(f"the kit's {library.name} did not compile ({name}):\n{log}")
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(build / name, folder / name)
        shutil.rmtree(build)

    with cached("reference-objects", key, work, produce) as folder:
        target = work / "reference-objects" / f"{library.name}-{key}"
        if not target.is_dir():
            shutil.copytree(folder, target)
    return target


def test_objects(makefile: Path, kind: str, work: Path) -> Path:
    """A folder with the test objects (visible.o, and hidden.o where the kit
    has the hidden tests) of a test-suite makefile (grader/gtest/tcp.mk),
    compiled against the kit's own library header (labs/08-tcp-lib/TCP.h,
    which the handout gives), for one kind of object (plain or a SAN list).
    They are compiled in a folder of their own with relative paths, so that
    messages about them (a missing function at link time) name tests/... and
    nothing of the grader's machine."""
    lab = lab_named("08-tcp-lib")
    tests = sorted((lab.kit_dir / "tests").glob("*"))
    inputs = [*sorted(makefile.parent.iterdir()), *tests, lab.kit_dir / "TCP.h"]
    variables = ["LIB_DIR=lib", "TESTS_DIR=tests", "TEST_OBJ_DIR=.", "OUT=."]
    key = digest([kind.encode(), " ".join(variables).encode(), b"-fdebug-prefix-map"],
                 [(path.name, path) for path in inputs if path.is_file()])

    def produce(folder: Path) -> None:
        build = folder / "build"
        (build / "tests").mkdir(parents=True)
        (build / "lib").mkdir()
        for path in makefile.parent.iterdir():
            if path.is_file():
                shutil.copyfile(path, build / path.name)
        for path in tests:
            if path.is_file():
                shutil.copyfile(path, build / "tests" / path.name)
        shutil.copyfile(lab.kit_dir / "TCP.h", build / "lib" / "TCP.h")
        san = [] if kind == "plain" else [f"SAN={kind}"]
        log = make(["-C", str(build), "-f", makefile.name, *variables, *san, "test-objects",
                    f"EXTRA_CXXFLAGS=-fdebug-prefix-map={build}=."])
        if not (build / "visible.o").is_file():
            raise BuildFailed(f"the kit's tests did not compile:\n{log}")
        for path in build.glob("*.o"):
            shutil.copyfile(path, folder / path.name)
        shutil.rmtree(build)

    with cached("test-objects", key, work, produce) as folder:
        target = work / "test-objects" / f"{kind}-{key}"
        if not target.is_dir():
            target.mkdir(parents=True)
            for path in folder.glob("*.o"):
                shutil.copyfile(path, target / path.name)
    return target


def build_tool(name: str, work: Path) -> tuple[str | None, str]:
    """(path of the tool `name` built at -O2 into work/tools, error). The binary
    is kept in the grader's cache, keyed by its sources and the compiler, so
    that gradings after the first only copy it."""
    folder = TOOLS[name]
    if not (folder / f"{name}.cpp").is_file():
        return None, f"its source ({folder.relative_to(KIT)}/{name}.cpp) is not part of this copy of the kit"
    key = digest([name.encode()], [(path.name, path) for path in sorted([*folder.glob("*.cpp"), *folder.glob("*.h")])])

    def produce(built: Path) -> None:
        made = subprocess.run(["g++", "-std=c++17", "-O2", "-o", str(built / name), str(folder / f"{name}.cpp")],
                              capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        if made.returncode != 0:
            raise BuildFailed(made.stderr[-LOG_LIMIT:])

    target = work / "tools"
    target.mkdir(parents=True, exist_ok=True)
    try:
        with cached("tool-builds", key, work, produce) as built:
            shutil.copyfile(built / name, target / name)
            (target / name).chmod(0o755)
    except BuildFailed as failure:
        return None, str(failure)
    return str(target / name), ""
