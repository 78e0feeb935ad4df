"""A failing check's feedback ends with the command that runs it again: run
as printed, it fails the same way (the same seeded pieces), and --keep leaves
the check's files where it says."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from conftest import GRADER, KIT, apply, copy_solutions, needs_namespaces

CHECK = "06-serveur-client/segmented"
SCALE = {"SLK_TIMEOUT_SCALE": "0.3"}


def run_grade(argv: list[str], output: Path) -> tuple[dict, str]:
    """grader/grade ARGV (from the kit's folder, as a student types it): its results and its stderr."""
    done = subprocess.run([str(GRADER / "grade"), *argv, "--format", "json", "--output", str(output)], cwd=KIT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, **SCALE})
    assert done.returncode == 0, done.stderr
    return json.loads(output.read_text()), done.stderr


def feedback(results: dict) -> str:
    test = next(t for t in results["tests"] if t["extra_data"]["id"] == CHECK)
    assert test["extra_data"]["outcome"] == "failed", test["output"]
    return test["output"]


def what_failed(output: str) -> list[str]:
    """The verdict and the grader's sends (the parts that do not change with pids and ports)."""
    return [line for line in output.splitlines() if line.startswith(("Expected:", "Observed:"))
            or re.match(r"\s+\d+\. send ", line)]


@needs_namespaces
def test_the_printed_command_replays_the_failure(tmp_path):
    submission = copy_solutions(tmp_path / "submission", "06-serveur-client")
    apply(GRADER / "tests" / "mutants" / "06-serveur-client" / "reads-eight.patch", submission)
    first, _ = run_grade(["--submission", str(submission), "--lab", "06"], tmp_path / "first.json")
    output = feedback(first)
    command = re.search(r"^To run this check again: (.+)$", output, re.MULTILINE).group(1)
    argv = shlex.split(command)
    assert argv[0] == "grader/grade" and "--keep" in argv
    seed = argv[argv.index("--seed") + 1]
    assert f"(seed {seed})" in output   # the seeded sizes of the pieces are said in the transcript

    again, stderr = run_grade(argv[1:], tmp_path / "again.json")
    replayed = feedback(again)
    assert what_failed(replayed) == what_failed(output) and what_failed(output)
    assert [t["extra_data"]["id"] for t in again["tests"] if t["max_score"] > 0] == [CHECK]

    kept = Path(re.search(r"kept the build and run folder: (\S+)", stderr).group(1))
    try:
        files = kept / "runs" / "06-serveur-client" / "checks" / "segmented"
        assert (files / "capture.pcap").read_bytes()[:4] == bytes.fromhex("d4c3b2a1")  # pcap, little-endian
        assert "Expected:" in (files / "feedback.txt").read_text()
        assert "nbLus" in "".join(path.read_text() for path in files.glob("Serveur-*.stdout"))
        assert (files / "sockets.txt").read_text().startswith("TCP sockets in the check's network, as `ss -tan`")
    finally:
        shutil.rmtree(kept, ignore_errors=True)
