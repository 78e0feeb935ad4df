"""The HTML report (kit/htmlreport.py) and its drawings: the SVG sequence
diagram (kit/svgdiagram.py) and the TCP state machine (kit/statediagram.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kit import htmlreport, statediagram
from kit.results import CheckResult, LabResult, Report, render
from kit.statediagram import dot_source, to_svg
from kit.svgdiagram import sequence_svg

SVG = "{http://www.w3.org/2000/svg}"
PAYLOAD = 'PSH-ACK seq=1 ack=1 len=8 "a<b & "c"'   # what a student's client sent, as seqdiagram writes it
KERNEL = "from the kernel (tracepoint sock:inet_sock_set_state)"
TIME_WAIT_NOTE = "the kernel's trace shows CLOSED: the TIME_WAIT socket is a separate one"


def row(number: int, ms: float, rightwards: bool, text: str) -> dict:
    return {"number": number, "ms": ms, "rightwards": rightwards, "text": text}


def change(ms: float, side: str, old: str, new: str, note: str = "") -> dict:
    return {"ms": ms, "side": side, "old": old, "new": new, "note": note}


# Lab 05: the student's client connects where nothing listens.
REFUSED = {"diagram": {"left": "client 127.0.0.1:58924", "right": "zeus 127.1.0.1:50000",
                       "rows": [row(1, 0.0, True, "SYN seq=0 win=65495"), row(2, 0.437, False, "RST-ACK seq=0 ack=1")],
                       "others": [], "endpoints": [["127.0.0.1", 58924], ["127.1.0.1", 50000]]},
           "capped": False,
           "states": {"source": "kernel", "note": KERNEL,
                      "changes": [change(-0.05, "left", "CLOSED", "SYN_SENT"),
                                  change(0.45, "left", "SYN_SENT", "CLOSED")]}}

# A whole connection: handshake, 8 bytes each way, the client closing first.
FULL_ROWS = [row(1, 0.0, True, "SYN seq=0 win=65495"), row(2, 0.03, False, "SYN-ACK seq=0 ack=1 win=65483"),
             row(3, 0.06, True, "ACK seq=1 ack=1"), row(4, 0.5, True, PAYLOAD), row(5, 0.52, False, "ACK seq=1 ack=9"),
             row(6, 0.7, False, 'PSH-ACK seq=1 ack=9 len=8 "Bonjour!"'), row(7, 0.72, True, "ACK seq=9 ack=9"),
             row(8, 1.01, True, "FIN-ACK seq=9 ack=9"), row(9, 1.11, False, "FIN-ACK seq=9 ack=10"),
             row(10, 1.15, True, "ACK seq=10 ack=10")]
FULL_CHANGES = [change(-0.05, "left", "CLOSED", "SYN_SENT"), change(0.02, "right", "LISTEN", "SYN_RCVD"),
                change(0.05, "left", "SYN_SENT", "ESTABLISHED"), change(0.08, "right", "SYN_RCVD", "ESTABLISHED"),
                change(1.0, "left", "ESTABLISHED", "FIN_WAIT1"), change(1.02, "right", "ESTABLISHED", "CLOSE_WAIT"),
                change(1.1, "right", "CLOSE_WAIT", "LAST_ACK"), change(1.12, "left", "FIN_WAIT1", "FIN_WAIT2"),
                change(1.13, "left", "FIN_WAIT2", "TIME_WAIT", TIME_WAIT_NOTE),
                change(1.2, "right", "LAST_ACK", "CLOSED")]
FULL = {"diagram": {"left": "client 127.0.0.2:41234", "right": "zeus 127.1.0.1:50000", "rows": FULL_ROWS,
                    "others": ["(and 3 segment(s) between client 127.0.0.2:40000 and zeus 127.1.0.1:50000)"],
                    "endpoints": [["127.0.0.2", 41234], ["127.1.0.1", 50000]]},
        "capped": True, "states": {"source": "kernel", "note": KERNEL, "changes": FULL_CHANGES}}


def report(with_traces: bool = True) -> Report:
    refused = CheckResult("05-connect/refused", "05-connect", "05-connect: says the connection was refused", 2, 0,
                          "failed", "Expected: a message\nObserved: <nothing> & more",
                          trace=REFUSED if with_traces else {})
    echo = CheckResult("05-connect/echo", "05-connect", "05-connect: sends 8 bytes, reads 8", 2, 0, "failed",
                       "Expected: Bonjour!", trace=FULL if with_traces else {})
    build = CheckResult("05-connect/build", "05-connect", "05-connect: builds (no points)", 0, 0, "passed", "ok")
    return Report("solutions", "namespaces", [LabResult("05-connect", True, [build, refused, echo])],
                  duration=2.5, notes=["A note <for> the teacher"])


class Nesting(HTMLParser):
    """Checks that every element opened is closed, in order (void elements aside)."""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:]} at {self.getpos()}")
        else:
            self.open.pop()


def svgs(page: str) -> list[ET.Element]:
    """Each inline <svg> of the page, parsed as XML (so each is well-formed)."""
    return [ET.fromstring(match) for match in re.findall(r"<svg\b.*?</svg>", page, re.S)]


def sequence(page: str) -> list[ET.Element]:
    return [svg for svg in svgs(page) if svg.get("class") == "sequence"]


def test_the_page_is_well_nested_and_says_everything():
    page = render(report(), "html")
    checker = Nesting()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.open == []
    assert page.startswith("<!DOCTYPE html>")
    assert not any(outside in page for outside in ("<script", "<link", "src=", "href="))
    assert "Observed: &lt;nothing&gt; &amp; more" in page and "A note &lt;for&gt; the teacher" in page
    assert "<td>05-connect</td><td class=\"number\">0/4</td><td>0/2 passed</td>" in page
    assert page.count("<details open>") == 2 and page.count("<details>") == 1   # the build passed: closed
    assert page.count("The capture stopped at its bound") == 1                  # FULL only
    assert "(and 3 segment(s) between client 127.0.0.2:40000" in page and "Graded in 2.5 s." in page


def test_one_arrow_per_segment_in_order_and_text_escaped():
    page = htmlreport.to_html(report())
    refused, full = sequence(page)
    for svg, rows in ((refused, REFUSED["diagram"]["rows"]), (full, FULL_ROWS)):
        arrows = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "arrow"]
        assert [g.get("data-number") for g in arrows] == [str(r["number"]) for r in rows]
        assert [g.findall(f"{SVG}text")[-1].text for g in arrows] == [r["text"] for r in rows]
    assert 'a&lt;b &amp; "c' in page and "a<b" not in page
    colours = {g.findall(f"{SVG}text")[-1].text.split()[0]: g.find(f"{SVG}line").get("stroke")
               for g in full.iter(f"{SVG}g") if g.get("class") == "arrow"}
    assert len({colours["SYN"], colours["FIN-ACK"], colours["ACK"]}) == 3 and colours["SYN"] == colours["SYN-ACK"]


def test_state_changes_sit_between_the_segments_that_bracket_them():
    svg = ET.fromstring(sequence_svg(REFUSED["diagram"], REFUSED["states"]["changes"]))
    order = [g.get("class") for g in svg if g.tag == f"{SVG}g"]
    assert order == ["state left", "arrow", "arrow", "state left"]   # SYN_SENT before the SYN, CLOSED after the RST


def test_a_gap_row_is_a_dashed_break_not_an_arrow():
    rows = [row(1, 0.0, True, "SYN seq=0"), row(0, 0.0, True, "(… 12 more segments …)"), row(15, 9.0, False, "ACK")]
    svg = ET.fromstring(sequence_svg({"left": "a", "right": "b", "rows": rows}))
    groups = [g for g in svg if g.tag == f"{SVG}g"]
    assert [g.get("class") for g in groups] == ["arrow", "gap", "arrow"]
    assert groups[1].find(f"{SVG}line").get("stroke-dasharray")
    assert "12 more segments" in groups[1].find(f"{SVG}text").text
    diagram = {"left": "a", "right": "b", "rows": rows}
    assert sequence_svg(diagram) == sequence_svg(diagram)   # deterministic


def test_the_timeline_lists_the_changes_in_order_under_the_note():
    page = htmlreport.to_html(report())
    assert page.count(f"<p>{KERNEL}</p>") == 2
    table = re.findall(r'<table class="timeline">(.*?)</table>', page, re.S)[1]
    assert page.index(f"<p>{KERNEL}</p>", page.index("Bonjour!")) < page.index(table)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", line) for line in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    expected = [[f"{c['ms']:.3f}", f"{c['old']} → {c['new']}" if c["side"] == "left" else "",
                 f"{c['old']} → {c['new']}" if c["side"] == "right" else ""] for c in FULL_CHANGES]
    expected[8][1] += f"<br><small>{TIME_WAIT_NOTE}</small>"
    assert cells == expected


def edges(dot: str) -> dict[tuple[str, str], dict[str, str]]:
    """The edges of a DOT graph as written by dot_source, with their attributes."""
    found = {}
    for old, new, attributes in re.findall(r'^\s*"(\w+)" -> "(\w+)" \[(.*)\];$', dot, re.M):
        pairs = re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|[\w.]+)', attributes)
        found[(old, new)] = {key: value.strip('"') for key, value in pairs}
    return found


def test_dot_source_highlights_exactly_the_transitions_taken():
    dot = dot_source(FULL_CHANGES, "client", "zeus")
    found = edges(dot)
    assert len(found) == len(statediagram.TRANSITIONS)
    taken = {pair: attributes for pair, attributes in found.items() if attributes.get("penwidth") == "3"}
    assert set(taken) == {(c["old"], c["new"]) for c in FULL_CHANGES}
    for number, c in enumerate(FULL_CHANGES, start=1):
        attributes = taken[(c["old"], c["new"])]
        assert attributes["label"].startswith(f"{number}. ")
        assert attributes["color"] == statediagram.SIDE_COLOURS[c["side"]]
    assert not any(attributes.get("style") == "dashed" for attributes in found.values())
    filled = set(re.findall(r'^\s*"(\w+)" \[.*fillcolor=', dot, re.M))
    assert filled == set(statediagram.STATES) - {"CLOSING"}


def test_an_off_diagram_change_is_added_dashed():
    reset = [change(0.0, "right", "ESTABLISHED", "CLOSED", "a reset")]
    found = edges(dot_source(reset))
    assert found[("ESTABLISHED", "CLOSED")]["style"] == "dashed"
    assert found[("ESTABLISHED", "CLOSED")]["label"] == "1." and found[("ESTABLISHED", "CLOSED")]["penwidth"] == "3"
    dashed = [pair for pair, attributes in found.items() if attributes.get("style") == "dashed"]
    assert dashed == [("ESTABLISHED", "CLOSED")]


@pytest.mark.skipif(not Path("/usr/bin/dot").exists(),
                    reason="Graphviz's dot (Debian package graphviz) is not installed")
def test_to_svg_draws_with_graphviz():
    svg = to_svg(dot_source(FULL_CHANGES, graph_id="lab1_check2"))
    assert svg is not None and svg.startswith("<svg")
    texts = {element.text for element in ET.fromstring(svg).iter(f"{SVG}text")}
    assert {"SYN_SENT", "TIME_WAIT", "1. connect() / send SYN"} <= texts
    assert 'id="lab1_check2"' in svg
    assert to_svg("digraph {") is None


def test_without_dot_the_timeline_stands(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert to_svg("digraph { a -> b }") is None
    page = htmlreport.to_html(report())
    assert page.count("Graphviz's <code>dot</code> is not available here") == 2
    assert len(svgs(page)) == 2 and len(sequence(page)) == 2


def test_a_report_without_traces_has_no_drawing():
    page = render(report(with_traces=False), "html")
    assert "<svg" not in page and "TCP states" not in page and "Observed: &lt;nothing&gt;" in page



def test_a_udp_check_shows_its_datagrams_with_the_losses_marked():
    datagram = {"number": 1, "ms": 0.0, "source": "localhost 127.0.0.1:40000", "destination": "relay zeus 127.1.0.1:50000",
                "length": 12, "text": "1#OPER#<b>&", "lost": True}
    rows = [datagram, {**datagram, "number": 0, "text": "(… 4 more datagrams …)", "lost": False},
            {**datagram, "number": 6, "ms": 500.1, "lost": False}]
    retries = CheckResult("13-udp/retries", "13-udp", "13-udp: retries", 1, 1, "passed", "ok",
                          trace={"datagrams": rows, "capped": False})
    page = htmlreport.to_html(Report("solutions", "namespaces", [LabResult("13-udp", True, [retries])], duration=1))
    checker = Nesting()
    checker.feed(page)
    checker.close()
    assert checker.errors == [] and checker.open == []
    table = page[page.index("The UDP datagrams, as captured"):]
    assert table.count("<tr>") == 4 and "1#OPER#&lt;b&gt;&amp;" in table and "<b>&" not in table
    assert table.count("lost by the relay") == 1 and "(… 4 more datagrams …)" in table
    assert "<details open>" in page and not sequence(page), "drawn open, and no TCP diagram"
