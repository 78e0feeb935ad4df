"""grader/mutation-ledger.md: the surviving mutants a teacher has looked at.

A Markdown table, one row per survivor:

    | id | lab | change | verdict | reason |

verdict is `equivalent` (no program could tell the mutant from the reference:
the reason says why), `ungraded` (the change shows only in what the handout
says the grader does not read, e.g. a log line "for you": the reason quotes
the handout), or `gap` (a real mistake no check catches yet: the reason says
what a check should do). A `|` inside a cell is written `\\|`.

Against a run, the ledger sorts survivors into explained (equivalent, ungraded, gap) and
unexplained (no row: a failure of `make mutation`), and finds stale rows:
a mutant that is no longer made, or was graded and no longer survives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .mutants import ID, Mutant
from .runner import SURVIVED, Verdict

EQUIVALENT, UNGRADED, GAP = "equivalent", "ungraded", "gap"
VERDICTS = (EQUIVALENT, UNGRADED, GAP)
COLUMNS = ("id", "lab", "change", "verdict", "reason")
CELL_SPLIT = re.compile(r"(?<!\\)\|")


class LedgerError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    id: str
    lab: str
    change: str
    verdict: str
    reason: str
    line: int


@dataclass
class Audit:
    equivalent: list[str] = field(default_factory=list)   # surviving ids, by what the ledger says
    ungraded: list[str] = field(default_factory=list)
    gap: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    stale: list[tuple[Entry, str]] = field(default_factory=list)  # (row, why it is stale)

    def explained(self, mutant_id: str) -> str | None:
        if mutant_id in self.equivalent:
            return EQUIVALENT
        if mutant_id in self.ungraded:
            return UNGRADED
        if mutant_id in self.gap:
            return GAP
        return None


def cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.strip().replace("\\|", "|") for cell in CELL_SPLIT.split(inner)]


def escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def parse(text: str) -> dict[str, Entry]:
    """The ledger's rows by id; LedgerError naming every malformed row."""
    entries: dict[str, Entry] = {}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.lstrip().startswith("|"):
            continue
        row = cells(line)
        if [c.lower() for c in row] == list(COLUMNS) or all(re.fullmatch(r":?-+:?", c) for c in row):
            continue
        if len(row) != len(COLUMNS):
            problems.append(f"line {number}: {len(row)} cells, not {len(COLUMNS)} ({', '.join(COLUMNS)})")
            continue
        entry = Entry(*(c.strip("`") if i == 0 else c for i, c in enumerate(row)), line=number)
        if not ID.match(entry.id):
            problems.append(f"line {number}: {entry.id!r} is not a mutant id "
                            "(e.g. 06/Serveur.cpp/main/delete-call/1f3a9c02)")
        elif entry.verdict not in VERDICTS:
            problems.append(f"line {number}: verdict {entry.verdict!r} is not one of "
                            + ", ".join(f"`{verdict}`" for verdict in VERDICTS))
        elif not entry.reason:
            problems.append(f"line {number}: {entry.id}: no reason given")
        elif entry.id in entries:
            problems.append(f"line {number}: {entry.id} is already on line {entries[entry.id].line}")
        else:
            entries[entry.id] = entry
    if problems:
        raise LedgerError("; ".join(problems))
    return entries


def read(path: Path) -> dict[str, Entry]:
    if not path.exists():
        return {}
    try:
        return parse(path.read_text())
    except LedgerError as error:
        raise LedgerError(f"{path}: {error}") from None


def audit(entries: dict[str, Entry], made: list[Mutant], labs: list[str],
          verdicts: dict[str, Verdict]) -> Audit:
    """Sort this run's survivors by what the ledger says of them; find its
    stale rows among those of the labs run (made: every mutant of those labs,
    graded or not, so that a sample does not make the rest stale)."""
    result = Audit()
    for mutant in made:
        verdict = verdicts.get(mutant.id)
        if verdict is None or verdict.status != SURVIVED:
            continue
        entry = entries.get(mutant.id)
        if entry is None:
            result.unexplained.append(mutant.id)
        elif entry.verdict == EQUIVALENT:
            result.equivalent.append(mutant.id)
        elif entry.verdict == UNGRADED:
            result.ungraded.append(mutant.id)
        else:
            result.gap.append(mutant.id)
    exists = {mutant.id for mutant in made}
    for entry in entries.values():
        if entry.lab not in labs:
            continue
        if entry.id not in exists:
            result.stale.append((entry, "no such mutant is made any more"))
        elif entry.id in verdicts and verdicts[entry.id].status != SURVIVED:
            result.stale.append((entry, f"it no longer survives ({verdicts[entry.id].status})"))
    return result


def row(mutant: Mutant, verdict: str = "?", reason: str = "?") -> str:
    """A ledger row for mutant, ready to paste and complete."""
    where = "" if mutant.site.function == "-" else f" {mutant.site.function}()"
    change = f"{mutant.file}{where}: {mutant.site.change}"  # no line number: lines move, ids do not
    return f"| {mutant.id} | {mutant.lab} | {escape(change)} | {verdict} | {escape(reason)} |"
