"""Translation units compiled once, in a sandbox each, and kept by the grader.

A lab's build compiles each source on its own (mk/lab.mk: obj/KIND/NAME.o).
Gradings share many of those compiles: the student's TCP.cpp in every
variant of labs 09-12, the reference solutions graded as a submission and
built as the kit's reference programs, a mutant's unchanged files. A
compiler cache in the sandbox would let a hostile compile write entries
other gradings read; so the grader keeps its own, safely:

- each unit is compiled alone, in a sandbox whose tree holds only that
  source, every header of the lab's tree, and the kit's Makefile and rules;
- its key is a digest of exactly that tree, the make variables and the
  object's name (buildcache.digest adds the compiler): nothing else can
  reach the compiler (the sandbox shows only the system), so the object is
  what those inputs compile to, whoever's build asked for it first;
- the grader (never the sandbox) stores the object and the compiler's
  messages, and copies them into the lab's tree before its make, which
  then only links (and compiles what would not compile alone, such as a
  source that includes another: the full tree's make does that, its
  messages reported as usual).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import safefs
from .buildbox import Box
from .buildcache import BuildFailed, cached, digest, prune

HEADER_SUFFIXES = (".h", ".hpp")
MAX_OBJECT_BYTES = 64 << 20
UNITS_KEPT = 4000    # compiled units kept in the cache (about 250 KB each), the newest


@dataclass(frozen=True)
class Unit:
    source: str      # relative to the tree: "Serveur.cpp", "08-tcp-lib/TCP.cpp"
    object: str      # where lab.mk puts it: "obj/plain/Serveur.o", "tsan/obj/thread/TCP.o"


def units_of(tree: Path, programs: list[str], common_sources: list[str], variables: list[str]) -> list[Unit]:
    """The units lab.mk compiles for one set of variables (OUT=, SAN=, library
    folders): the programs' sources and the COMMON_SRCS present in the tree."""
    values = dict(variable.split("=", 1) for variable in variables)
    out, kind = values.get("OUT", "."), values.get("SAN") or "plain"
    sources = [f"{program}.cpp" for program in programs]
    sources += [re.sub(r"\$\((\w+)\)", lambda use: values.get(use.group(1), ""), source) for source in common_sources]
    folder = Path(out) / "obj" / kind
    return [Unit(source, str(folder / (Path(source).stem + ".o"))) for source in sources
            if (tree / source).is_file()]


def compile_units(tree: Path, units: list[Unit], variables: list[str], box: Box, label: str) -> str:
    """Put every unit's object into the tree (from the grader's cache, or
    compiled alone in a sandbox), before the tree's own make; the compiler's
    messages of those units, in order."""
    messages = []
    for unit in units:
        mini = box.work / "units" / f"{label}-{Path(unit.object).parent.name}-{Path(unit.source).stem}"
        _mini_tree(tree, unit.source, mini)
        key = digest([" ".join(variables).encode(), unit.object.encode()],
                     [(str(path.relative_to(mini)), path) for path in sorted(mini.rglob("*")) if path.is_file()])

        def produce(folder: Path, unit: Unit = unit, mini: Path = mini) -> None:
            log = box.make(mini, [*variables, unit.object], f"{label}-unit")
            try:
                safefs.copy_regular(mini, unit.object, folder / "object.o", MAX_OBJECT_BYTES)
            except (safefs.Refused, OSError) as error:
                raise BuildFailed(log) from error  # compiled in the full tree instead, and reported there
            (folder / "log").write_text(log)
            prune(folder.parent, UNITS_KEPT)

        try:
            with cached("units", key, box.work, produce) as folder:
                (tree / unit.object).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(folder / "object.o", tree / unit.object)
                messages.append((folder / "log").read_text())
        except BuildFailed:
            pass
        finally:
            safefs.remove_tree(mini)
    return "\n".join(message for message in messages if message.strip())


def _mini_tree(tree: Path, source: str, mini: Path) -> None:
    """A tree with one source of `tree`, its headers, Makefile and rules (all
    the grader's own copies: tree is not written by any sandbox yet)."""
    safefs.remove_tree(mini)
    mini.mkdir(parents=True)
    for path in sorted(tree.rglob("*")):
        relative = path.relative_to(tree)
        keep = (path.suffix in HEADER_SUFFIXES or str(relative) == source or relative.parts[0] == "mk"
                or str(relative) == "Makefile")
        if path.is_file() and not path.is_symlink() and keep:
            (mini / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, mini / relative)
