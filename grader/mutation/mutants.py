"""A mutant: one edit of one reference source, with a stable id, a sentence
saying what it changes, and its diff.

The id must survive unrelated edits of the file (a comment added above, a
function moved), so it holds no line number and no offset: it is built from
the lab, the file, the enclosing function, the operator, the original text of
the mutated node (whitespace normalised), what it becomes, and the rank of
this site among the sites identical in all of those (the second `close(fd)`
of a function). It reads `06/Serveur.cpp/main/delete-call/1f3a9c02`: the
readable part says where and what, the hash which one.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .sources import SourceFile

SHOWN_TEXT = 60  # characters of code quoted in a description


@dataclass(frozen=True)
class Edit:
    start: int          # byte offsets in the original file
    end: int
    replacement: bytes


@dataclass(frozen=True)
class Site:
    """What an operator found, before it is numbered: one way to mutate one node."""
    source: SourceFile
    function: str        # "main", "FileAttente::Deposer", "-" outside any function
    operator: str        # "delete-call", "comparison", ...
    original: str        # the mutated node's text, whitespace normalised
    change: str          # what the mutant does, in words with code quoted
    edits: tuple[Edit, ...]

    @property
    def offset(self) -> int:
        return min(edit.start for edit in self.edits)


@dataclass(frozen=True)
class Mutant:
    id: str
    site: Site
    mutated: bytes       # the whole file, mutated

    @property
    def lab(self) -> str:
        return self.site.source.lab

    @property
    def file(self) -> str:
        return self.site.source.name

    @property
    def operator(self) -> str:
        return self.site.operator

    @property
    def line(self) -> int:
        return self.site.source.line_of(self.site.offset)

    @property
    def description(self) -> str:
        where = "" if self.site.function == "-" else f" in {self.site.function}()"
        return f"{self.file}:{self.line}{where}: {self.site.change}"

    def diff(self, context: int = 1) -> str:
        """A unified diff of the mutated file against the reference (a few lines)."""
        before = self.site.source.text.decode(errors="replace").splitlines(keepends=True)
        after = self.mutated.decode(errors="replace").splitlines(keepends=True)
        lines = difflib.unified_diff(before, after, f"a/{self.file}", f"b/{self.file}", n=context)
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def normalise(text: str) -> str:
    return " ".join(text.split())


def quote(text: str) -> str:
    """Code for a description: one line, cut at SHOWN_TEXT characters, in backticks."""
    text = normalise(text)
    if len(text) > SHOWN_TEXT:
        text = text[:SHOWN_TEXT - 1] + "…"
    return f"`{text}`"


def apply(text: bytes, edits: Iterable[Edit]) -> bytes:
    """text with the edits made (they must not overlap)."""
    out = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < position:
            raise ValueError(f"overlapping edits at byte {edit.start}")
        out += [text[position:edit.start], edit.replacement]
        position = edit.end
    out.append(text[position:])
    return b"".join(out)


def short_hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]


def number(sites: Iterable[Site]) -> list[Mutant]:
    """Mutants from sites, in file order: each with its stable id, those
    whose mutated file is the same as an earlier one's (or as the reference)
    left out."""
    ordered = sorted(sites, key=lambda s: (s.source.lab, s.source.name, s.offset, s.operator, s.change))
    rank: Counter[tuple[str, ...]] = Counter()
    seen: set[tuple[str, str, bytes]] = set()
    mutants = []
    for site in ordered:
        key = (site.source.lab, site.source.name, site.function, site.operator, site.original, site.change)
        occurrence = rank[key]
        rank[key] += 1
        mutated = apply(site.source.text, site.edits)
        identity = (site.source.lab, site.source.name, hashlib.sha256(mutated).hexdigest())
        if mutated == site.source.text or identity in seen:
            continue
        seen.add(identity)
        lab_number = site.source.lab.split("-", 1)[0]
        readable = "/".join((lab_number, site.source.name, site.function, site.operator))
        mutants.append(Mutant(f"{readable}/{short_hash(*key, str(occurrence))}", site, mutated))
    return mutants


ID = re.compile(r"^\d\d/[^/\s]+/[^/\s]+/[a-z-]+/[0-9a-f]{8}$")
