"""A lab's reference sources as mutation sees them: the files of
solutions/NN-name/ that hold SOLUTION regions, the byte ranges of those
regions (only there is a mutant made: that is what a student writes), and the
include paths libclang needs to parse them (labs 09-12 take TCP.h and SMOP.h
from labs 08 and 10, as their Makefiles say)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

# The markers as scripts/make-skeletons reads them (it rejects malformed ones,
# so here a region is simply the lines between a BEGIN and the next END).
BEGIN = re.compile(rb"^[ \t]*// BEGIN SOLUTION\b")
END = re.compile(rb"^[ \t]*// END SOLUTION[ \t]*$")
SOURCE_SUFFIXES = (".cpp", ".h")


@dataclass(frozen=True)
class Region:
    start: int  # byte offset of the first line after BEGIN SOLUTION
    end: int    # byte offset of the END SOLUTION line (exclusive bound)


@dataclass(frozen=True)
class SourceFile:
    lab: str                        # "03-bind"
    path: Path                      # .../solutions/03-bind/BindSocket.cpp
    text: bytes
    regions: tuple[Region, ...]
    include_dirs: tuple[Path, ...]
    _line_starts: list[int] = field(default_factory=list, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    def in_region(self, start: int, end: int) -> bool:
        """Whether the bytes start..end lie wholly inside one SOLUTION region."""
        return any(region.start <= start and end <= region.end for region in self.regions)

    def line_of(self, offset: int) -> int:
        """The 1-based line of a byte offset."""
        if not self._line_starts:
            self._line_starts.extend([0] + [m.end() for m in re.finditer(rb"\n", self.text)])
        return bisect.bisect_right(self._line_starts, offset)


def solution_regions(text: bytes) -> tuple[Region, ...]:
    regions = []
    start = None
    offset = 0
    for line in text.splitlines(keepends=True):
        if BEGIN.match(line):
            start = offset + len(line)
        elif END.match(line.rstrip(b"\r\n")) and start is not None:
            regions.append(Region(start, offset))
            start = None
        offset += len(line)
    return tuple(regions)


def include_dirs(lab_dir: Path) -> tuple[Path, ...]:
    """The lab's folder, then each -I of its Makefile's CPPFLAGS, with the
    defaults of the variables they name (`TCPLIB_DIR ?= ../08-tcp-lib`)."""
    makefile = (lab_dir / "Makefile").read_text() if (lab_dir / "Makefile").exists() else ""
    defaults = dict(re.findall(r"^(\w+)\s*\?=\s*(\S+)\s*$", makefile, re.MULTILINE))
    found = [lab_dir]
    for flags in re.findall(r"^CPPFLAGS\s*\+?=\s*(.*)$", makefile, re.MULTILINE):
        for word in re.findall(r"-I(\S+)", flags):
            word = re.sub(r"\$\((\w+)\)", lambda m: defaults.get(m.group(1), m.group(0)), word)
            if "$" not in word:
                found.append((lab_dir / word).resolve())
    return tuple(dict.fromkeys(found))


def solution_files(lab_dir: Path) -> list[SourceFile]:
    """The lab's sources that hold at least one SOLUTION region, by name."""
    includes = include_dirs(lab_dir)
    files = []
    for path in sorted(lab_dir.iterdir()):
        if path.is_file() and path.suffix in SOURCE_SUFFIXES:
            text = path.read_bytes()
            regions = solution_regions(text)
            if regions:
                files.append(SourceFile(lab_dir.name, path, text, regions, includes))
    return files
