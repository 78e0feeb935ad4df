"""The spec-coverage tables (grader/spec-coverage/NN-name.md) are not stale.

Each lab has a table mapping the normative statements of its handout to the
check (and the case in it) that exercises them. Here, without grading anything:
- the table exists and is well formed;
- every statement is a verbatim quotation of the handout (whitespace collapsed);
- every check id it names is a check of that lab;
- every status is `covered`, `gap` or `not graded (the handout says so)`;
- every scored check of the lab is named by at least one covered row.
Gaps are the open work the tables record: they never fail a test. SUMMARY
holds, per lab, how many statements are covered, gaps and not graded.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import GRADER
from kit.check import load_checks
from kit.labs import all_labs

LABS = all_labs()
TABLES = GRADER / "spec-coverage"
HEADER = ["statement", "check", "case", "status"]
STATUSES = ("covered", "gap", "not graded (the handout says so)")
NO_CHECK = "—"


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def cells(line: str) -> list[str]:
    """The cells of one Markdown table row (`\\|` stands for a literal bar)."""
    inner = line.strip()[1:-1] if line.strip().endswith("|") else line.strip()[1:]
    return [cell.replace("\\|", "|").strip() for cell in re.split(r"(?<!\\)\|", inner)]


def table_rows(lab) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each row of the lab's coverage table."""
    path = TABLES / f"{lab.name}.md"
    assert path.is_file(), f"{lab.name}: no coverage table {path.relative_to(GRADER.parent)}"
    lines = path.read_text().splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.lstrip().startswith("|") and [c.lower() for c in cells(line)] == HEADER), None)
    assert start is not None, f"{lab.name}: {path.name} has no table with the columns | {' | '.join(HEADER)} |"
    assert start + 1 < len(lines) and re.fullmatch(r"\s*\|(\s*:?-+:?\s*\|)+\s*", lines[start + 1]), \
        f"{lab.name}: {path.name}:{start + 2}: the header is not followed by a |---| separator row"
    rows = []
    for number, line in enumerate(lines[start + 2:], start + 3):
        if not line.lstrip().startswith("|"):
            break
        rows.append((number, cells(line)))
    assert rows, f"{lab.name}: {path.name} has an empty table"
    return rows


def check_ids(lab) -> dict[str, float]:
    """The lab's check ids and their points."""
    return {spec.id: spec.points for _, spec in load_checks(lab.check_module)}


def summary() -> dict[str, dict[str, int]]:
    counts = {}
    for lab in LABS:
        path = TABLES / f"{lab.name}.md"
        if not path.is_file():
            continue
        try:
            rows = table_rows(lab)
        except AssertionError:
            continue
        statuses = [row[3] if len(row) == 4 else "" for _, row in rows]
        counts[lab.name] = {"statements": len(rows), **{status: statuses.count(status) for status in STATUSES}}
    return counts


SUMMARY = summary()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_coverage_table_is_current(lab):
    handout = normalised((lab.kit_dir / "README.md").read_text())
    ids = check_ids(lab)
    named: set[str] = set()
    problems = []
    for number, row in table_rows(lab):
        where = f"{lab.name}.md:{number}"
        if len(row) != 4:
            problems.append(f"{where}: {len(row)} cells instead of 4: {row}")
            continue
        statement, checks, case, status = row
        quote = normalised(statement)
        if not quote:
            problems.append(f"{where}: empty statement")
        elif quote not in handout:
            problems.append(f"{where}: not a quotation of labs/{lab.name}/README.md: \"{quote}\"")
        if status not in STATUSES:
            problems.append(f"{where}: status \"{status}\" is none of {', '.join(STATUSES)}")
            continue
        if status == "covered":
            names = [name.strip() for name in checks.split(",")]
            unknown = [name for name in names if name not in ids]
            if unknown:
                problems.append(f"{where}: no such check in {lab.check_module}: {', '.join(unknown)}")
            if not case:
                problems.append(f"{where}: a covered statement names the case that exercises it")
            named.update(names)
        elif checks != NO_CHECK:
            problems.append(f"{where}: a {status} row names no check (\"{NO_CHECK}\"), not \"{checks}\"")
        if status == "gap" and not case:
            problems.append(f"{where}: a gap says which case would cover it")
    for check_id, points in ids.items():
        if points > 0 and check_id not in named:
            problems.append(f"{lab.name}.md: the scored check {check_id} is named by no covered row")
    assert not problems, f"{lab.name}: the coverage table is stale or malformed:\n" + "\n".join(problems)


def test_summary_counts_every_row():
    """SUMMARY (statements, covered, gaps, not graded per lab) adds up; gaps do not fail."""
    for lab, counts in SUMMARY.items():
        assert counts["statements"] == sum(counts[status] for status in STATUSES), \
            f"{lab}: some rows have no valid status ({counts})"
