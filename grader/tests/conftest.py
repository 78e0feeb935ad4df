"""Shared helpers of the grader's own tests: run grader/grade as a teacher would."""

from __future__ import annotations

import json
import re
import os
import select
import shutil
import subprocess
import time
import uuid
import sys
from pathlib import Path

import pytest

GRADER = Path(__file__).resolve().parent.parent
KIT = GRADER.parent
sys.path.insert(0, str(GRADER))


def grade(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> dict:
    """Run grader/grade with --format json and return the results it wrote."""
    output = Path(os.environ.get("TMPDIR", "/tmp")) / f"slk-test-{os.getpid()}-{uuid.uuid4().hex}.json"
    try:
        done = subprocess.run([str(GRADER / "grade"), *args, "--format", "json", "--output", str(output)],
                              capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
        assert done.returncode == 0, f"grader/grade failed ({done.returncode}):\n{done.stderr}"
        return json.loads(output.read_text())
    finally:
        output.unlink(missing_ok=True)


def wait_until(probe, timeout: float, what: str):
    """probe()'s first truthy result, looking every 20 ms until timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = probe()
        if found:
            return found
        select.select([], [], [], 0.02)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def checks(results: dict) -> list[dict]:
    """The tests that carry points (not the 0-point build reports)."""
    return [t for t in results["tests"] if t["max_score"] > 0]


def outcome(results: dict) -> dict[str, str]:
    return {t["extra_data"]["id"]: t["extra_data"]["outcome"] for t in checks(results)}


def copy_solutions(target: Path, *labs: str) -> Path:
    """A submission folder holding the reference code of the given labs."""
    target.mkdir(parents=True, exist_ok=True)
    for lab in labs:
        shutil.copytree(KIT / "solutions" / lab, target / lab)
    return target


def mutant_header(patch: Path) -> tuple[set[str] | None, str]:
    """(ids of the checks the mutant must fail, or None for all; text its failures show)."""
    text = patch.read_text()
    breaks = re.search(r"^Breaks:(.*)$", text, re.MULTILINE).group(1).split()
    shows = re.search(r"^Shows:[ \t]*(.*)$", text, re.MULTILINE)
    return (None if breaks == ["*"] else set(breaks)), (shows.group(1) if shows else "")


def apply(patch: Path, submission: Path) -> None:
    lab_dir = submission / patch.parent.name
    done = subprocess.run(["patch", "-p1", "--quiet", "-d", str(lab_dir), "-i", str(patch)],
                          capture_output=True, text=True)
    assert done.returncode == 0, f"{patch} no longer applies to the reference:\n{done.stdout}{done.stderr}"


from kit import gradings, sandbox, slots  # noqa: E402
from kit.buildbox import Box  # noqa: E402

ISOLATION = sandbox.detect(os.environ.get("SLK_ISOLATION") or None)
ISOLATED = ISOLATION.isolated


@pytest.fixture
def box():
    """Where a test's builds of submissions run, as the grader runs them: in
    a sandbox, under a slot of its own (held for the test), in a grading of
    its own (its work folder every uid may walk through, and its lock: a
    grading that starts meanwhile on the machine must not take the test's
    control groups for a dead grading's and remove them)."""
    grading = gradings.start()
    try:
        with slots.acquire() as slot:
            yield Box(ISOLATION, slot.uid, grading.work, (KIT,), grading.name)
    finally:
        grading.close(remove=True)
# Grading a program that resolves names such as www.google.be, or that reaches
# for arbitrary addresses, is only safe in the grader's namespaces.
needs_namespaces = pytest.mark.skipif(not ISOLATED, reason="SKIP: namespaces cannot be made on this machine; "
                                      "these tests grade programs that must not reach a real network")


def scored_checks(*labs: str) -> list[str]:
    """--check arguments for every check with points of these labs: gradings
    that test points leave out the measurements (no points), which have tests
    of their own."""
    from kit.check import load_checks
    from kit.labs import lab_named
    return [arg for lab in labs for _, spec in load_checks(lab_named(lab).check_module) if spec.points > 0
            for arg in ("--check", spec.id)]


@pytest.fixture(scope="session")
def reference_results() -> dict:
    return grade()
