"""A class's scores: the CSV gradebook and the plot of each lab's distribution.

Input: per student, the Gradescope results.json the grader wrote. The CSV has
one row per student, a column per lab (its maximum in the header), the total,
and how the row was obtained (graded, unchanged since the last run, error).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class StudentScores:
    student: str
    status: str                                            # graded | unchanged | error
    labs: dict[str, float] = field(default_factory=dict)  # lab -> points
    maxima: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""

    @property
    def total(self) -> float:
        return sum(self.labs.values())


def scores_from_results(student: str, status: str, results: dict, seconds: float = 0.0) -> StudentScores:
    """Per-lab points of one results.json (tests are tagged with their lab)."""
    scores = StudentScores(student, status, seconds=seconds)
    for test in results.get("tests", []):
        lab = (test.get("tags") or ["?"])[0]
        scores.labs[lab] = scores.labs.get(lab, 0.0) + float(test.get("score", 0))
        scores.maxima[lab] = scores.maxima.get(lab, 0.0) + float(test.get("max_score", 0))
    return scores


def load_results(path: Path) -> dict:
    return json.loads(path.read_text())


def _points(value: float) -> str:
    return f"{value:g}"


def write_csv(rows: list[StudentScores], path: Path) -> None:
    maxima: dict[str, float] = {}
    for row in rows:
        for lab, value in row.maxima.items():
            maxima[lab] = max(maxima.get(lab, 0.0), value)
    labs = sorted(maxima)
    total_max = sum(maxima.values())
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["student", *(f"{lab} (/{_points(maxima[lab])})" for lab in labs),
                         f"total (/{_points(total_max)})", "status", "seconds", "note"])
        for row in sorted(rows, key=lambda r: r.student):
            writer.writerow([row.student, *(_points(row.labs.get(lab, 0.0)) for lab in labs), _points(row.total),
                             row.status, f"{row.seconds:.1f}", row.note])


def write_plot(rows: list[StudentScores], path: Path) -> str | None:
    """The distribution of each lab's scores (percent of its maximum) and of
    the totals, as a PNG. Returns why it could not be drawn, or None."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return "matplotlib is not installed (scripts/setup class installs python3-matplotlib)"
    graded = [row for row in rows if row.status != "error" and row.maxima]
    if not graded:
        return "no graded submission to plot"
    labs = sorted({lab for row in graded for lab in row.maxima})
    percents = [[100.0 * row.labs.get(lab, 0.0) / row.maxima[lab] for row in graded if row.maxima.get(lab)]
                for lab in labs]
    totals = [row.total for row in graded]
    total_max = max(sum(row.maxima.values()) for row in graded)
    figure, (by_lab, overall) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 1]})
    by_lab.boxplot(percents, showmeans=True)
    for index, values in enumerate(percents, start=1):  # every student as a dot, spread a little
        spread = [index + 0.25 * ((i % 7) - 3) / 7 for i in range(len(values))]
        by_lab.scatter(spread, values, s=8, alpha=0.5, color="tab:blue")
    by_lab.set_xticks(range(1, len(labs) + 1), [lab.split("-", 1)[0] for lab in labs])
    by_lab.set_xlabel("lab")
    by_lab.set_ylabel("score (% of the lab's points)")
    by_lab.set_ylim(-5, 105)
    by_lab.set_title(f"Scores per lab ({len(graded)} submissions)")
    overall.hist(totals, bins=min(20, max(5, len(totals) // 2)), range=(0, total_max), color="tab:green")
    overall.set_xlabel(f"total (of {_points(total_max)})")
    overall.set_ylabel("students")
    overall.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    overall.set_title("Totals")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return None
