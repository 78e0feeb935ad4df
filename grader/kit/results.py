"""The results of a grading run and the one module that writes them:
Gradescope's results.json, JUnit XML, Markdown (CI job summaries), and text.

Much of a report's text comes from the submission, which is hostile: its
compiler log, file names, program output, folder name. render() hands every
writer a copy of the report whose every text is neutral (text.neutral: no
control, hidden or unwritable character); each writer then adds only its own
format's rule (XML and HTML escaping, Markdown fences and code spans)."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

from .text import indent_block, neutral

Value = TypeVar("Value")


@dataclass
class CheckResult:
    id: str                 # "04-accept/listen"
    lab: str
    name: str               # "04-accept: listens on port 50000 ..."
    points: float
    score: float
    status: str             # passed | failed | skipped | error
    output: str
    visibility: str = "visible"
    internal: str = ""      # for teachers only (e.g. a grader traceback)
    duration: float = 0.0
    measured: str = ""      # a measurement the check reports (e.g. throughput), shown in every report
    # What the check's network showed, for the HTML report (empty when nothing
    # was captured): {"diagram": seqdiagram.Diagram as a dict, "capped": bool,
    # "states": {"source": ..., "note": ..., "changes": [...]}} (see Session.trace_data).
    trace: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class LabResult:
    lab: str
    submitted: bool
    tests: list[CheckResult] = field(default_factory=list)
    note: str = ""

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def checks(self) -> list[CheckResult]:
        """The tests that carry points (the build report carries none)."""
        return [t for t in self.tests if t.points > 0]


@dataclass
class Report:
    submission: str
    isolation: str
    labs: list[LabResult] = field(default_factory=list)
    duration: float = 0.0
    notes: list[str] = field(default_factory=list)
    grader_error: str = ""   # set when the grader itself failed
    not_graded: str = ""     # why the grading was refused or stopped (no sandbox here, SIGINT...)

    @property
    def score(self) -> float:
        return sum(lab.score for lab in self.labs)

    @property
    def max_score(self) -> float:
        return sum(lab.max_score for lab in self.labs)

    def tests(self) -> list[CheckResult]:
        return [test for lab in self.labs for test in lab.tests]


def _points(value: float) -> str:
    return f"{value:g}"


def _one_line(text: str) -> str:
    """A name on one line (a newline shown as \\n), so that a folder's name cannot fake a report line."""
    return text.replace("\n", "\\n")


def header(report: Report) -> str:
    lines = [f"Socket Lab Kit: grading {_one_line(report.submission)}", f"Isolation: {report.isolation}"]
    lines += report.notes
    if report.grader_error:
        lines.append(f"THE GRADER FAILED: {report.grader_error}")
    if report.not_graded:
        lines.append(f"NOT GRADED: {report.not_graded}")
    return "\n".join(lines)


def score_table(report: Report) -> str:
    rows = [("Lab", "Score", "Checks")]
    for lab in report.labs:
        passed = sum(t.passed for t in lab.checks)
        status = f"{passed}/{len(lab.checks)} passed" if lab.submitted else "not submitted"
        rows.append((lab.lab, f"{_points(lab.score)}/{_points(lab.max_score)}", status))
    rows.append(("Total", f"{_points(report.score)}/{_points(report.max_score)}", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def measurements(report: Report) -> list[str]:
    """Each reported measurement (no points): the check's title, then its lines indented."""
    return [f"{test.name}:\n{indent_block(test.measured, '  ')}" for test in report.tests() if test.measured]


def to_text(report: Report, verbose: bool = False) -> str:
    parts = [header(report), score_table(report)]
    measured = measurements(report)
    if measured:
        parts.append("Measured (no points):\n" + "\n".join(indent_block(line, "  ") for line in measured))
    shown = [t for t in report.tests() if verbose or (not t.passed and t.status != "skipped" and
                                                         (t.points > 0 or t.status == "error"))]
    skipped = [t for t in report.tests() if t.status == "skipped"]
    for test in shown:
        mark = "PASS" if test.passed else test.status.upper()
        parts.append(f"── {mark} {test.name} [{_points(test.score)}/{_points(test.points)}] ──\n{test.output}")
    if skipped and not verbose:
        parts.append("Not run here:\n" + "\n".join(f"  {t.name}: {t.output}" for t in skipped))
    parts.append(f"Graded in {report.duration:.1f} s.")
    return "\n\n".join(parts) + "\n"


def to_markdown(report: Report) -> str:
    lines = [f"## Socket Lab Kit: {_points(report.score)}/{_points(report.max_score)}", "",
             f"Submission: {_inline_code(report.submission)}  ", f"Isolation: {_html_line(report.isolation)}", ""]
    if report.grader_error:
        lines += [f"**The grader failed:** {_html_line(report.grader_error)}", ""]
    if report.not_graded:
        lines += [f"**Not graded:** {_html_line(report.not_graded)}", ""]
    lines += ["| Lab | Score | Checks |", "|---|---|---|"]
    for lab in report.labs:
        passed = sum(t.passed for t in lab.checks)
        status = f"{passed}/{len(lab.checks)} passed" if lab.submitted else "not submitted"
        lines.append(f"| {lab.lab} | {_points(lab.score)}/{_points(lab.max_score)} | {status} |")
    measured = measurements(report)
    if measured:
        lines += ["", "Measured (no points):", ""] + [f"- {_html_line(line)}" for line in measured]
    for lab in report.labs:
        if not lab.submitted:
            continue
        lines += ["", f"### {lab.lab}", ""]
        for test in lab.tests:
            icon = {"passed": "✅", "skipped": "⏭️"}.get(test.status, "❌")
            fence = _fence(test.output)
            lines.append(f"<details><summary>{icon} {_html_line(test.name)} "
                         f"({_points(test.score)}/{_points(test.points)})</summary>\n\n{fence}text\n"
                         f"{test.output}\n{fence}\n</details>")
    return "\n".join(lines) + "\n"


def _html_line(text: str) -> str:
    """Text for a Markdown line or an HTML block, escaped and kept on its line:
    a submission's text then opens no tag, starts no heading and ends no block."""
    return escape(text).replace("\n", "<br>")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)


def _fence(text: str) -> str:
    """A code fence that no line of text can close: CommonMark closes a fence only
    with a run of backticks at least as long, so one longer than any in text (and
    at least the 3 a fence needs)."""
    return "`" * max(3, _longest_backtick_run(text) + 1)


def _inline_code(text: str) -> str:
    """Text as one inline code span whatever it holds: on one line, between runs
    of backticks longer than any inside (CommonMark ends a span only at a run of
    the same length), padded with a space where it starts or ends with a backtick
    or a space (CommonMark strips one each side)."""
    text = _one_line(text)
    ticks = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text[:1] in ("`", " ") or text[-1:] in ("`", " ") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def to_gradescope(report: Report) -> dict:
    """Gradescope's results.json: score, tests[] with name, score, max_score,
    status, output, visibility (and our own fields in extra_data)."""
    tests = []
    for lab_index, lab in enumerate(report.labs, start=1):
        for index, test in enumerate(lab.tests, start=1):
            tests.append({
                "name": test.name,
                "number": f"{lab_index}.{index}",
                "score": test.score,
                "max_score": test.points,
                "status": "passed" if test.passed else "failed",
                "output": test.output,
                "output_format": "text",
                "visibility": test.visibility,
                "tags": [lab.lab],
                "extra_data": {"id": test.id, "outcome": test.status, "duration": test.duration,
                               **({"internal": test.internal} if test.internal else {}),
                               **({"measured": test.measured} if test.measured else {})},
            })
    result = {
        "score": report.score,
        "execution_time": round(report.duration),
        "output": header(report) + "\n\n" + score_table(report),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    return result


def to_json(report: Report) -> str:
    return json.dumps(to_gradescope(report), indent=1, ensure_ascii=False) + "\n"


def to_junit(report: Report) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="socket-lab-kit" tests="{len(report.tests())}" '
           f'failures="{sum(t.status in ("failed", "error") for t in report.tests())}" time="{report.duration:.3f}">']
    for lab in report.labs:
        failures = sum(t.status == "failed" for t in lab.tests)
        errors = sum(t.status == "error" for t in lab.tests)
        skipped = sum(t.status == "skipped" for t in lab.tests)
        out.append(f'  <testsuite name={quoteattr(lab.lab)} tests="{len(lab.tests)}" failures="{failures}" '
                   f'errors="{errors}" skipped="{skipped}" time="{sum(t.duration for t in lab.tests):.3f}">')
        for test in lab.tests:
            out.append(f'    <testcase classname={quoteattr(lab.lab)} name={quoteattr(test.name)} '
                       f'time="{test.duration:.3f}">')
            body = escape(test.output)
            first = test.output.splitlines()[0] if test.output else test.status
            if test.status == "failed":
                out.append(f'      <failure message={quoteattr(first)}>{body}</failure>')
            elif test.status == "error":
                out.append(f'      <error message={quoteattr(first)}>{body}</error>')
            elif test.status == "skipped":
                out.append(f'      <skipped message={quoteattr(first)}/>')
            else:
                out.append(f'      <system-out>{body}</system-out>')
            out.append('    </testcase>')
        out.append('  </testsuite>')
    out.append('</testsuites>')
    return "\n".join(out) + "\n"


def to_html(report: Report) -> str:
    """The HTML page (kit/htmlreport.py, imported here: it imports this module)."""
    from . import htmlreport
    return htmlreport.to_html(report)


WRITERS = {"text": to_text, "json": to_json, "junit": to_junit, "markdown": to_markdown, "html": to_html}


def _neutral_copy(value: Value) -> Value:
    """A copy of value with every string in it neutral, through dataclasses,
    lists, tuples and dict values (a check's trace); value itself unchanged."""
    if isinstance(value, str):
        return neutral(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_neutral_copy(item) for item in value)
    if isinstance(value, dict):
        return {key: _neutral_copy(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{part.name: _neutral_copy(getattr(value, part.name))
                                             for part in dataclasses.fields(value)})
    return value


def render(report: Report, form: str, verbose: bool = False) -> str:
    """The report in one format (WRITERS), written from a neutral copy: no
    writer sees a submission's text raw, so none can forget to neutralise it."""
    safe = _neutral_copy(report)
    if form == "text":
        return to_text(safe, verbose)
    return WRITERS[form](safe)
