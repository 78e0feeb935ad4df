"""The runner and its pytest plugin on checks that pass, fail, break and block."""

import json
import os
import subprocess
import sys
import time

import pytest

from conftest import GRADER
from kit.context import RunContext


@pytest.fixture
def results(tmp_path):
    """The runner's records, read from the pipe it writes them on."""
    ctx = RunContext(lab="99-fake", check_module="tests.fake_checks", build_dir=str(tmp_path), programs={},
                     isolation="none", slot=0, uid=os.getuid(), work_dir=str(tmp_path), shared_dir=str(tmp_path))
    ctx.save(tmp_path / "context.json")
    started = time.monotonic()
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as results_pipe:
        try:
            runner = subprocess.Popen([sys.executable, "-m", "kit.runner", str(tmp_path / "context.json"),
                                       str(write_fd)], cwd=GRADER, pass_fds=(write_fd,), stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(GRADER)})
        finally:
            os.close(write_fd)
        lines = results_pipe.read().splitlines()  # to the end: the runner closed it
    output, _ = runner.communicate(timeout=60)
    assert runner.returncode == 0, output
    records = [json.loads(line) for line in lines]
    return {r["key"]: r for r in records}, time.monotonic() - started


def test_every_check_gets_exactly_one_result(results):
    records, _ = results
    assert set(records) == {"passes", "fails", "breaks", "blocks", "needs-hosts", "peer-resets"}


def test_pass_and_fail(results):
    records, _ = results
    assert records["passes"]["status"] == "passed" and records["passes"]["score"] == 1
    fails = records["fails"]
    assert fails["status"] == "failed" and fails["score"] == 0
    assert "Expected: the answer 42\nObserved: the answer 41" in fails["output"]
    assert "Hint: Count again." in fails["output"] and "--check 99-fake/fails" in fails["output"]


def test_a_bug_in_a_check_is_an_error_with_a_hidden_traceback(results):
    records, _ = results
    broken = records["breaks"]
    assert broken["status"] == "error" and "grader itself failed" in broken["output"]
    assert "Traceback" not in broken["output"] and "ValueError: a bug in the check" in broken["internal"]


def test_a_connection_reset_under_a_step_is_the_programs_failure_not_the_graders(results):
    records, _ = results
    reset = records["peer-resets"]
    assert reset["status"] == "failed" and "grader itself failed" not in reset["output"]
    assert "Connection reset by peer" in reset["output"]
    assert " ✗  1. send on a connection the program has reset" in reset["output"]


def test_a_blocked_check_is_interrupted(results):
    records, elapsed = results
    blocked = records["blocks"]
    assert blocked["status"] == "failed" and "completes within 0.5 s" in blocked["output"]
    assert " ✗  1. about to block" in blocked["output"]
    assert elapsed < 20


def test_checks_needing_namespaces_are_skipped_without_them(results):
    records, _ = results
    assert records["needs-hosts"]["status"] == "skipped" and "namespaces" in records["needs-hosts"]["output"]
