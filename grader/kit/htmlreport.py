"""The grading report as one self-contained HTML page (inline CSS and SVG, no
script): score table, measurements, notes, then each check with its feedback
and, where its network was captured, the sequence diagram, the state timeline
and the TCP state machine with the path each side took, or its UDP datagrams."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from . import statediagram
from .results import CheckResult, LabResult, Report, measurements
from .svgdiagram import sequence_svg

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #212121; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #bdbdbd; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #eceff1; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f5f5f5; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
details { border: 1px solid #cfd8dc; border-radius: 4px; margin: 0.4em 0; padding: 0.3em 0.6em; }
summary { cursor: pointer; font-weight: 600; }
.passed { color: #2e7d32; } .failed, .error { color: #c62828; } .skipped { color: #757575; }
.error-box { border: 2px solid #c62828; padding: 0.5em; }
.figure { overflow-x: auto; margin: 0.6em 0; }
.figure svg { max-width: 100%; height: auto; }
small { color: #616161; }
"""
MARKS = {"passed": "✔ passed", "failed": "✘ failed", "error": "✘ error", "skipped": "– skipped"}


def _points(value: float) -> str:
    return f"{value:g}"


def _header(report: Report) -> list[str]:
    parts = [f"<h1>Socket Lab Kit: {_points(report.score)}/{_points(report.max_score)}</h1>",
             f"<p>Submission: <code>{escape(report.submission)}</code><br>Isolation: {escape(report.isolation)}</p>"]
    if report.grader_error:
        parts.append(f'<p class="error-box"><strong>The grader failed:</strong> {escape(report.grader_error)}</p>')
    if report.not_graded:
        parts.append(f'<p class="error-box"><strong>Not graded:</strong> {escape(report.not_graded)}</p>')
    rows = []
    for lab in report.labs:
        passed = sum(t.passed for t in lab.checks)
        status = f"{passed}/{len(lab.checks)} passed" if lab.submitted else "not submitted"
        rows.append(f"<tr><td>{escape(lab.lab)}</td><td class=\"number\">{_points(lab.score)}/"
                    f"{_points(lab.max_score)}</td><td>{status}</td></tr>")
    rows.append(f"<tr><th>Total</th><th>{_points(report.score)}/{_points(report.max_score)}</th><th></th></tr>")
    parts.append("<table>\n<tr><th>Lab</th><th>Score</th><th>Checks</th></tr>\n" + "\n".join(rows) + "\n</table>")
    measured = measurements(report)
    if measured:
        parts.append("<h2>Measured (no points)</h2>\n<pre>" + escape("\n".join(measured)) + "</pre>")
    if report.notes:
        parts.append("<h2>Notes</h2>\n<ul>" + "".join(f"<li>{escape(note)}</li>" for note in report.notes) + "</ul>")
    return parts


def _timeline(diagram: dict, states: dict) -> str:
    """The state changes as a table: time, the left side's change, the right side's."""
    rows = []
    for change in states.get("changes", []):
        words = escape(f"{change.get('old') or 'CLOSED'} → {change['new']}")
        if change.get("note"):
            words += f"<br><small>{escape(change['note'])}</small>"
        left, right = (words, "") if change.get("side") != "right" else ("", words)
        rows.append(f'<tr><td class="number">{change["ms"]:.3f}</td><td>{left}</td><td>{right}</td></tr>')
    return (f"<table class=\"timeline\">\n<tr><th>ms</th><th>{escape(diagram.get('left', 'left side'))}</th>"
            f"<th>{escape(diagram.get('right', 'right side'))}</th></tr>\n" + "\n".join(rows) + "\n</table>")


def _datagrams(trace: dict) -> str:
    """The check's UDP datagrams as a table, those the relay lost marked."""
    rows = []
    for row in trace.get("datagrams", []):
        if row["number"] == 0:
            rows.append(f'<tr><td></td><td colspan="4">{escape(row["text"])}</td></tr>')
            continue
        lost = '<br><small class="failed">✘ lost by the relay</small>' if row["lost"] else ""
        rows.append(f'<tr><td class="number">{row["number"]}</td><td class="number">{row["ms"]:.3f}</td>'
                    f'<td>{escape(row["source"])}</td><td>{escape(row["destination"])}</td>'
                    f'<td><code>{escape(row["text"])}</code> <small>({row["length"]} B)</small>{lost}</td></tr>')
    capped = "<p>The capture stopped at its bound: later datagrams are not shown.</p>" if trace.get("capped") else ""
    return ("<h4>The UDP datagrams, as captured</h4>\n" + capped + "<table>\n<tr><th>#</th><th>ms</th><th>from</th>"
            "<th>to</th><th>datagram</th></tr>\n" + "\n".join(rows) + "\n</table>")


def _trace(trace: dict, key: str) -> str:
    """What the check's network showed: its TCP diagram and states, its UDP datagrams."""
    udp = _datagrams(trace) if trace.get("datagrams") else ""
    tcp = _tcp(trace, key) if trace.get("diagram") else ""
    return "\n".join(part for part in (tcp, udp) if part)


def _tcp(trace: dict, key: str) -> str:
    diagram = trace["diagram"]
    states = trace.get("states") or {}
    changes = states.get("changes") or []
    parts = ["<h4>The TCP segments, as captured (seq/ack relative)</h4>"]
    if trace.get("capped"):
        parts.append("<p>The capture stopped at its bound: later segments are not shown.</p>")
    parts.append(f'<div class="figure">{sequence_svg(diagram, changes)}</div>')
    if diagram.get("others"):
        parts.append("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in diagram["others"]) + "</ul>")
    if not states:
        return "\n".join(parts)
    parts.append("<h4>TCP states</h4>")
    if states.get("note"):
        parts.append(f"<p>{escape(states['note'])}</p>")
    if not changes:
        parts.append("<p>No state change was recorded.</p>")
        return "\n".join(parts)
    parts.append(_timeline(diagram, states))
    dot = statediagram.dot_source(changes, diagram.get("left", "left side"), diagram.get("right", "right side"),
                                  graph_id=key)
    svg = statediagram.to_svg(dot)
    if svg is None:
        parts.append("<p>Graphviz's <code>dot</code> is not available here (or could not draw), so the state machine "
                     "is not drawn: the timeline above stands.</p>")
    else:
        parts.append(f'<div class="figure">{svg}</div>')
    return "\n".join(parts)


def _check(test: CheckResult, key: str) -> str:
    opened = " open" if test.status in ("failed", "error") or test.trace else ""  # with --trace: the drawings
    mark = MARKS.get(test.status, escape(test.status))
    return (f"<details{opened}><summary><span class={quoteattr(test.status)}>{mark}</span> {escape(test.name)} "
            f"({_points(test.score)}/{_points(test.points)})</summary>\n"
            f"<pre>{escape(test.output)}</pre>\n{_trace(test.trace, key)}</details>")


def _lab(lab: LabResult, number: int) -> str:
    parts = [f"<section>\n<h2>{escape(lab.lab)}: {_points(lab.score)}/{_points(lab.max_score)}</h2>"]
    if lab.note:
        parts.append(f"<p>{escape(lab.note)}</p>")
    if not lab.submitted:
        parts.append("<p>Not submitted.</p>")
    parts += [_check(test, f"lab{number}_check{index}") for index, test in enumerate(lab.tests, start=1)]
    return "\n".join(parts + ["</section>"])


def to_html(report: Report) -> str:
    """The whole page."""
    title = f"Socket Lab Kit: {report.submission}"
    body = _header(report) + [_lab(lab, number) for number, lab in enumerate(report.labs, start=1)]
    body.append(f"<p>Graded in {report.duration:.1f} s.</p>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
