"""Lines a program prints, matched in the course's French or in English.

The grader keys on facts (a pid, a descriptor, an address, a count): a Line
names those facts as regex groups and accepts both wordings, whatever the case
and spacing. `shows` is how the handout writes the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    shows: str           # e.g. "socket creee = <fd>"
    english: str         # e.g. "socket created = <fd>"
    pattern: str         # regex with named groups for the facts

    @property
    def regex(self) -> re.Pattern:
        return re.compile(self.pattern, re.IGNORECASE)

    def describe(self) -> str:
        if self.english == self.shows:
            return f'"{self.shows}"'
        return f'"{self.shows}" (or "{self.english}")'
