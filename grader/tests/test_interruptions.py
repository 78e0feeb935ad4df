"""A grading stopped half-way: valid results whatever happens, nothing left.

SIGINT and SIGTERM stop it cleanly (its sandboxes killed, results written
with the labs not graded, exit 130 or 143). kill -9 leaves no process behind
(every sandbox dies with its grader) and the next grading reclaims what the
dead one left: its work folder, control groups and tracefs instances.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import GRADER, needs_namespaces, wait_until
from kit import cgroups, kerneltrace, procfs, slots

pytestmark = needs_namespaces


def runners(grader: int) -> list[int]:
    """The grader's runners (kit.runner processes among its descendants)."""
    return [pid for pid in procfs.descendants(grader) if "kit.runner" in procfs.command_line(pid)]


def gradings() -> set[Path]:
    return set(slots.shared_folder().glob("slk-grade-*.lock"))


def start_grading(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, Path, list[int]]:
    """A grading of the reference's lab 10, started and seen running its first
    checks: (the process, its work folder, its runners' pids)."""
    before = gradings()
    process = subprocess.Popen([str(GRADER / "grade"), "--lab", "10", *args, "--format", "json", "--output",
                                str(tmp_path / "results.json")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        pids = wait_until(lambda: runners(process.pid), 120, "the grading's first runner")
        lock = wait_until(lambda: gradings() - before, 10, "the grading's lock file")
        work = Path(next(iter(lock)).read_text())
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, work, pids


def gone(pids: list[int]) -> bool:
    return all(procfs.process_state(pid) in (None, "Z") for pid in pids)


@pytest.mark.parametrize("number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_grading_with_valid_results(tmp_path, number, status):
    process, work, pids = start_grading(tmp_path)
    process.send_signal(number)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == status, errors
    results = json.loads((tmp_path / "results.json").read_text())
    name = signal.Signals(number).name
    unfinished = [t for t in results["tests"] if t["max_score"] > 0 and t["status"] == "failed"]
    assert unfinished and all(f"interrupted ({name})" in t["output"] for t in unfinished), unfinished
    assert f"interrupted ({name})" in results["output"]
    wait_until(lambda: gone(pids), 30, "the runners to die")
    assert not work.exists()


def test_after_kill_9_nothing_runs_and_the_next_grading_reclaims_the_rest(tmp_path):
    process, work, pids = start_grading(tmp_path)
    name = work.name
    process.kill()
    process.wait()
    wait_until(lambda: gone(pids), 30, "the sandboxes of the killed grading to die with it")
    assert work.exists(), "a grading killed with SIGKILL cannot clean up: the next one does"
    done = subprocess.run([str(GRADER / "grade"), "--lab", "01", "--format", "json", "--output",
                           str(tmp_path / "next.json")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"removed what a grading that died left: the work folder {work}" in done.stderr
    assert not work.exists()
    left = [path for parent in (cgroups.ROOT / "socket-lab-kit", *(cgroups.ROOT / c / "socket-lab-kit"
                                                                   for c in cgroups.V1_LIMITS))
            if parent.is_dir() for path in parent.iterdir() if path.name.startswith(name)]
    instances = kerneltrace.TRACEFS / "instances"
    left += [path for path in instances.glob(f"{name}*")] if instances.is_dir() else []
    assert left == []
