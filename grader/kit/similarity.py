"""A plagiarism signal for teachers: how alike two students' sources are, lab by lab.

Robust to renamed identifiers and reformatting: the sources are reduced to
tokens with comments and layout gone, every identifier that is not a C++
keyword becomes `I`, every literal `N`, `S` or `C`; then, as MOSS does, the
hashes of all k-token runs are winnowed to a set of fingerprints per
submission. The starter code everyone received (the lab's skeleton) is taken
out, so only what students wrote counts. Two submissions' similarity is the
Jaccard index of their fingerprint sets. It is a signal to read the two
sources side by side, never a verdict: short labs written from the same
handout look alike; the report gives each lab's median next to each pair.

The sources are a student's: they are read without following a link, and at
most MAX_LAB_SOURCE bytes of them per lab (see lab_sources). scripts/grade-class
takes each submission's fingerprints in the child that reads the submission
(intake.py), and compares the sets.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from .safefs import Refused, read_regular

K = 12          # tokens per fingerprinted run
WINDOW = 6      # winnowing window: any shared run of K + WINDOW - 1 tokens is seen
MIN_PRINTS = 10  # fewer fingerprints than this: too little code to compare
MAX_LAB_SOURCE = 256 << 10  # bytes of one lab's sources compared (a lab's reference: about 20 kB)

KEYWORDS = set("""
alignas alignof and asm auto bool break case catch char char16_t char32_t class const constexpr const_cast
continue decltype default delete do double dynamic_cast else enum explicit export extern false float for friend
goto if inline int long mutable namespace new noexcept not nullptr operator or private protected public register
reinterpret_cast return short signed sizeof static static_assert static_cast struct switch template this
thread_local throw true try typedef typeid typename union unsigned using virtual void volatile wchar_t while
""".split())

TOKEN = re.compile(r"""
    (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:\\.|[^"\\\n])*")
  | (?P<char>'(?:\\.|[^'\\\n])*')
  | (?P<number>\d[\w.']*)
  | (?P<name>[A-Za-z_]\w*)
  | (?P<preprocessor>\#[^\n]*)
  | (?P<op>::|->|<<=?|>>=?|[-+*/%&|^!=<>]=?|&&|\|\||\+\+|--|[{}()\[\];,.?:~])
  | (?P<space>\s+)
""", re.VERBOSE | re.DOTALL)


def tokens(source: str) -> list[str]:
    """The normalized token stream of a C++ source."""
    out = []
    for match in TOKEN.finditer(source):
        kind = match.lastgroup
        text = match.group()
        if kind in ("comment", "space", "preprocessor"):
            continue
        if kind == "name":
            out.append(text if text in KEYWORDS else "I")
        elif kind in ("string", "char", "number"):
            out.append({"string": "S", "char": "C", "number": "N"}[kind])
        else:
            out.append(text)
    return out


def fingerprints(source: str) -> set[int]:
    """Winnowed hashes of the K-token runs of source."""
    stream = tokens(source)
    hashes = [int.from_bytes(hashlib.blake2b(" ".join(stream[i:i + K]).encode(), digest_size=8).digest(), "big")
              for i in range(len(stream) - K + 1)]
    chosen = set()
    for start in range(max(1, len(hashes) - WINDOW + 1)):
        window = hashes[start:start + WINDOW]
        if window:
            chosen.add(min(window))
    return chosen


def lab_sources(folder: Path, files: list[str]) -> str:
    """The lab's sources in folder, as one text. A file that is missing, not a
    regular file (a link: never followed) or past what is left of
    MAX_LAB_SOURCE is left out: nobody writes that much for a lab by hand, and
    its tokens would cost more memory than the signal is worth."""
    texts, left = [], MAX_LAB_SOURCE
    for name in files:
        try:
            data = read_regular(folder, name, left)
        except (Refused, OSError):
            continue
        left -= len(data)
        texts.append(data.decode(errors="replace"))
    return "\n".join(texts)


def lab_prints(folder: Path, files: list[str]) -> set[int]:
    """The fingerprints of a lab folder's sources."""
    return fingerprints(lab_sources(folder, files))


@dataclass(frozen=True)
class Pair:
    lab: str
    first: str
    second: str
    similarity: float
    shared: int


def compare(submissions: dict[str, set[int]], lab: str, given: set[int]) -> list[Pair]:
    """Every pair of submissions of one lab (student -> lab_prints) with enough
    code of their own once the starter code's fingerprints (given) are taken
    out, most alike first."""
    prints = {}
    for student, theirs in submissions.items():
        mine = theirs - given
        if len(mine) >= MIN_PRINTS:
            prints[student] = mine
    names = sorted(prints)
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            shared = len(prints[first] & prints[second])
            union = len(prints[first] | prints[second])
            pairs.append(Pair(lab, first, second, shared / union if union else 0.0, shared))
    return sorted(pairs, key=lambda pair: -pair.similarity)


def flagged(pairs: list[Pair], threshold: float = 0.8, above_median: float = 0.3) -> list[Pair]:
    """The pairs worth a look: very alike, and far more alike than the lab's usual pair."""
    if not pairs:
        return []
    median = statistics.median(pair.similarity for pair in pairs)
    return [pair for pair in pairs if pair.similarity >= threshold and pair.similarity >= median + above_median]
