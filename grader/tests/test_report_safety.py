"""Every text a submission controls (compiler log, file names, program output,
the folder's name, notes, traces) reaches every report format neutralised:
no terminal escape, no character XML forbids, no byte that cannot be written
as UTF-8, no hidden reordering, no way out of a Markdown code block, no raw HTML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser

import pytest

from kit import text
from kit.results import CheckResult, LabResult, Report, render

FORMS = ("text", "json", "junit", "markdown", "html")

# Each attack found, as a submission would plant it.
ESCAPES = "clear\x1b[2J title\x1b]0;pwned\x07 csi\x9b31m back\x08\x08 nul\x00 del\x7f\nok\rFAKE: all passed"
XML_FORBIDDEN = "vtab\x0b esc\x1b nonchar\ufffe\uffff lone\ud800"
NOT_UTF8 = "file\udcff\udcfe.c"                      # a file name that is not UTF-8, as Python gives it
BIDI = "main\u202ec.exe iso\u2066x\u2069 zw\u200b"
FENCE_BREAK = "````\n\n## Socket Lab Kit: 140/140 — every check passed\n```\n~~~~\n   ``````` \n" \
              "<details><summary>fake</summary>"
MARKUP = '<script>alert("x")</script> \' " </details> </pre> <style>'
HOSTILE = "\n".join((ESCAPES, XML_FORBIDDEN, NOT_UTF8, BIDI, FENCE_BREAK, MARKUP))
SUBMISSION = "sub`mission``\n## Socket Lab Kit: 140/140\udcff\u202e"
SUBMISSION_SHOWN = "sub`mission``\\n## Socket Lab Kit: 140/140\\xff\\u202e"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def trace(label: str) -> dict:
    """A captured exchange whose every text carries label (what a student's program sent or named)."""
    return {"diagram": {"left": f"client {label}", "right": "zeus 127.1.0.1:50000",
                        "rows": [{"number": 1, "ms": 0.0, "rightwards": True, "text": f'PSH-ACK len=8 "{label}"'}],
                        "others": [label], "endpoints": [["127.0.0.1", 40000], ["127.1.0.1", 50000]]},
            "capped": False,
            "states": {"source": "kernel", "note": label,
                       "changes": [{"ms": 0.1, "side": "left", "old": "CLOSED", "new": "SYN_SENT", "note": label}]},
            "datagrams": [{"number": 1, "ms": 0.0, "source": label, "destination": label, "length": 8,
                           "text": label, "lost": False}]}


def report(hostile: str = HOSTILE, submission: str = SUBMISSION) -> Report:
    """A report where every text a submission reaches is `hostile`."""
    failed = CheckResult("04-accept/peer", "04-accept", f"04-accept: {hostile}", 2, 0, "failed", hostile,
                         internal=hostile, measured=hostile, trace=trace(hostile))
    passed = CheckResult("04-accept/listen", "04-accept", "04-accept: listens", 2, 2, "passed", hostile)
    skipped = CheckResult("04-accept/ipv6", "04-accept", "04-accept: IPv6", 1, 0, "skipped", hostile)
    lab = LabResult("04-accept", True, [failed, passed, skipped], note=hostile)
    return Report(submission, "namespaces", [lab], duration=1.5, notes=[hostile], grader_error=f"OSError: {hostile}")


@pytest.mark.parametrize("raw, shown", [
    ("clear\x1b[2J", "clear\\x1b[2J"), ("a\rb", "a\\x0db"), ("\x07\x08\x00", "\\x07\\x08\\x00"),
    ("\x9b31m", "\\x9b31m"), ("\x7f", "\\x7f"), ("\udcff", "\\xff"), ("\ud800", "\\ud800"),
    ("\u202e\u2066\u200b", "\\u202e\\u2066\\u200b"), ("\ufffe\uffff", "\\ufffe\\uffff"),
    ("\U000e0041", "\\U000e0041"), ("\u2028", "\\u2028"),
    ("Résultat ✓ ─│└ 🙂\n\tx", "Résultat ✓ ─│└ 🙂\n\tx"),
])
def test_neutral_makes_hidden_characters_visible_and_keeps_the_rest(raw: str, shown: str):
    assert text.neutral(raw) == shown


def test_program_output_is_shown_as_neutral_text_shows_it():
    data = "ok\u202e\u009b\n\t".encode() + b"\xff\x1b"
    assert text.decode_output(data) == "ok\\u202e\\x9b\n\t\\xff\\x1b"


@pytest.mark.parametrize("form", FORMS)
def test_every_format_is_writable_and_shows_no_control_character(form: str):
    hostile = report()
    page = render(hostile, form, verbose=True)
    page.encode("utf-8")                                         # no lone surrogate: results.json is never 0 bytes
    assert CONTROLS.findall(page) == [], "only newline and tab"
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200b\ufffe\uffff\ud800-\udfff]", page)
    shown = json.loads(page)["tests"][0]["output"] if form == "json" else page
    assert "clear\\x1b[2J" in shown and "ok\\x0dFAKE" in shown and "file\\xff\\xfe.c" in shown
    assert "main\\u202ec.exe" in shown
    assert hostile.submission == SUBMISSION and hostile.tests()[0].output == HOSTILE, "the report itself unchanged"


def test_junit_parses_and_shows_the_output_visibly():
    root = ET.fromstring(render(report(), "junit").encode("utf-8"))
    failure = next(root.iter("failure"))
    assert failure.text.startswith("clear\\x1b[2J title\\x1b]0;pwned\\x07 csi\\x9b31m back\\x08\\x08 nul\\x00 del\\x7f\n")
    assert "vtab\\x0b esc\\x1b nonchar\\ufffe\\uffff lone\\ud800\nfile\\xff\\xfe.c\n" in failure.text
    assert failure.get("message") == "clear\\x1b[2J title\\x1b]0;pwned\\x07 csi\\x9b31m back\\x08\\x08 nul\\x00 del\\x7f"


FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def markdown_blocks(page: str) -> tuple[list[str], list[str]]:
    """The page read as CommonMark reads fenced code: the lines outside code
    blocks, and each block's text. A fence of N backticks (or tildes) is closed
    only by a line of at least N of the same, after at most 3 spaces, then
    nothing but spaces or tabs."""
    outside: list[str] = []
    blocks: list[str] = []
    fence, block = "", []
    for line in page.split("\n"):
        found = FENCE.match(line)
        rest = line[found.end():] if found else ""
        if not fence:
            if found and not (found.group(1)[0] == "`" and "`" in rest):
                fence, block = found.group(1), []
            else:
                outside.append(line)
        elif found and found.group(1)[0] == fence[0] and len(found.group(1)) >= len(fence) and not rest.strip(" \t"):
            blocks.append("\n".join(block))
            fence = ""
        else:
            block.append(line)
    assert not fence, "a code block is left open"
    return outside, blocks


def code_span(line: str) -> str:
    """The content of the first inline-code span of a line, as CommonMark gives it."""
    found = re.search(r"(?<!`)(`+)(?!`)(.*?)(?<!`)\1(?!`)", line)
    assert found, f"no code span in {line!r}"
    content = found.group(2)
    if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
        content = content[1:-1]
    return content


def test_markdown_keeps_submission_text_in_its_code_blocks():
    page = render(report(), "markdown")
    outside, blocks = markdown_blocks(page)
    assert [line for line in outside if line.lstrip().startswith("#")] == ["## Socket Lab Kit: 2/5", "### 04-accept"]
    assert len(blocks) == 3 and all("## Socket Lab Kit: 140/140 — every check passed" in block for block in blocks)
    rest = "\n".join(outside)
    assert set(re.findall(r"</?([A-Za-z][\w-]*)", rest)) == {"details", "summary", "br"}, "no raw HTML"
    assert rest.count("<details>") == rest.count("</details>") == 3


def test_markdown_shows_the_submission_in_one_inline_code_span():
    outside, _ = markdown_blocks(render(report(), "markdown"))
    line = next(line for line in outside if line.startswith("Submission: "))
    assert code_span(line) == SUBMISSION_SHOWN
    assert code_span(render(report(submission="solutions"), "markdown")) == "solutions"


class Tags(HTMLParser):
    """The start tags of a page, counted by name, and the names of their attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags[tag] += 1
        self.attributes |= {name for name, _ in attrs}


def tags(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser


def test_html_escapes_every_submission_text():
    clean = tags(render(report("plain text, " * 20, "solutions"), "html"))   # as long: its labels squeezed too
    page = render(report(), "html")
    hostile = tags(page)
    assert (hostile.tags["script"], hostile.tags["style"]) == (clean.tags["script"], clean.tags["style"]) == (0, 1)
    assert set(hostile.tags) == set(clean.tags) and hostile.attributes == clean.attributes, "no tag or attribute added"
    svgs = re.findall(r"<svg\b.*?</svg>", page, re.S)
    assert len(svgs) >= 1 and all(ET.fromstring(svg.encode("utf-8")) is not None for svg in svgs)
    assert "&lt;script&gt;alert(\"x\")&lt;/script&gt;" in page and "file\\xff\\xfe.c" in page


def test_text_shows_the_submission_on_one_line():
    first = render(report(), "text").splitlines()[0]
    assert first == f"Socket Lab Kit: grading {SUBMISSION_SHOWN}", "a folder's name cannot fake a report line"
