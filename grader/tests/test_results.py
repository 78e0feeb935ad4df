"""The one module that writes results: JSON (Gradescope), JUnit, Markdown, text."""

import json
import xml.etree.ElementTree as ET

from kit.results import LabResult, Report, CheckResult, render


def sample() -> Report:
    passed = CheckResult("04-accept/listen", "04-accept", "04-accept: listens", 2, 2, "passed", "steps")
    failed = CheckResult("04-accept/peer", "04-accept", "04-accept: prints <peer> & port", 2, 0, "failed",
                        "Expected: a\nObserved: b")
    skipped = CheckResult("02-name-resolution/unknown", "02-name-resolution", "02-name-resolution: unknown",
                         2, 0, "skipped", "Not run: needs namespaces")
    build = CheckResult("04-accept/build", "04-accept", "04-accept: builds (no points)", 0, 0, "passed", "ok")
    return Report("solutions", "namespaces", [LabResult("04-accept", True, [build, passed, failed]),
                                              LabResult("02-name-resolution", True, [skipped]),
                                              LabResult("05-connect", False, [])], duration=1.5)


def test_json_is_gradescope_results():
    results = json.loads(render(sample(), "json"))
    assert results["score"] == 2
    assert [t["status"] for t in results["tests"]] == ["passed", "passed", "failed", "failed"]
    assert results["tests"][3]["extra_data"]["outcome"] == "skipped"
    assert all(t["visibility"] == "visible" and "max_score" in t for t in results["tests"])


def test_junit_parses_and_counts():
    root = ET.fromstring(render(sample(), "junit"))
    suites = {s.get("name"): s for s in root}
    assert suites["04-accept"].get("failures") == "1" and suites["02-name-resolution"].get("skipped") == "1"
    names = [case.get("name") for case in root.iter("testcase")]
    assert "04-accept: prints <peer> & port" in names


def test_markdown_has_a_score_table():
    text = render(sample(), "markdown")
    assert "| 04-accept | 2/4 | 1/2 passed |" in text
    assert "| 05-connect | 0/0 | not submitted |" in text


def test_text_shows_failures_not_passes():
    text = render(sample(), "text")
    assert "Observed: b" in text and "FAILED 04-accept: prints <peer> & port" in text
    assert "PASS" not in text
    assert "PASS 04-accept: listens" in render(sample(), "text", verbose=True)


def test_a_grader_failure_is_said():
    report = sample()
    report.grader_error = "RuntimeError: boom"
    assert "THE GRADER FAILED: RuntimeError: boom" in render(report, "text")
    assert "RuntimeError: boom" in json.loads(render(report, "json"))["output"]


def test_measurements_are_shown_in_every_format():
    report = sample()
    measured = CheckResult("10-smop-threads/throughput", "10-smop-threads", "10-smop-threads: throughput (no points)",
                           0, 0, "passed", "steps", measured="your server 100 replies/s: 0.01×\nHint: look")
    report.labs.append(LabResult("10-smop-threads", True, [measured]))
    text = render(report, "text")
    assert "Measured (no points):\n  10-smop-threads: throughput (no points):\n" \
           "    your server 100 replies/s: 0.01×\n    Hint: look" in text
    assert "your server 100 replies/s: 0.01×<br>" in render(report, "markdown")
    tests = json.loads(render(report, "json"))["tests"]
    assert tests[-1]["extra_data"]["measured"] == measured.measured
    assert "Measured" not in render(sample(), "text"), "no section without measurements"


def test_measurements_of_library_variants_are_merged_line_by_line():
    from kit.cli import merge_measurements
    merged = merge_measurements([("your 08-tcp-lib", "slow: 0.01×\nHint: look"), ("the kit's 08-tcp-lib", "1.02×"),
                                 ("a third", "0.05×\nHint: look")])
    assert merged.splitlines() == ["linked with your 08-tcp-lib: slow: 0.01×", "linked with the kit's 08-tcp-lib: 1.02×",
                                   "linked with a third: 0.05×", "Hint: look"]
    assert merge_measurements([("only", "1.00×")]) == "1.00×"
    assert merge_measurements([("a", ""), ("b", "")]) == ""
    assert merge_measurements([("a", ""), ("b", "0.9×")]) == "linked with b: 0.9×"
