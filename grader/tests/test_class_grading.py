"""scripts/grade-class on a class of correct, buggy, hostile and broken
submissions (labs 01 and 06): every score as its patch header predicts, a
clear report for each, nothing left running, and a rerun that regrades nothing.

The hostile corpus (grader/tests/hostile/LAB/*.patch, headers as the mutants')
forks without end, allocates without end, prints megabytes of binary junk,
daemonizes, closes its stdout, searches the file system for the kit's
solutions and other submissions, takes the ports around the course's, and
floods the loopback with datagrams (its captures stop at their bound, and say so).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import GRADER, KIT, apply, copy_solutions, mutant_header, needs_namespaces
from kit.check import load_checks
from kit.labs import lab_named

pytestmark = needs_namespaces

LABS = ("01-creation-socket", "06-serveur-client")
HOSTILE = sorted((GRADER / "tests" / "hostile").glob("*/*.patch"))
# A few buggy submissions beside the hostile ones (every mutant is graded on its own in test_grading).
MUTANTS = [GRADER / "tests" / "mutants" / name for name in (
    "01-creation-socket/does-not-compile.patch", "06-serveur-client/never-closes.patch")]


def points(lab: str) -> dict[str, float]:
    return {spec.id: spec.points for _, spec in load_checks(lab_named(lab).check_module)}


def expected_failures(patch: Path | None) -> set[str]:
    if patch is None:
        return set()
    breaks, _ = mutant_header(patch)
    return set(points(patch.parent.name)) if breaks is None else breaks


def make_class(root: Path) -> dict[str, Path | None]:
    """The class folder; returns student -> the patch their submission carries."""
    root.mkdir()
    students: dict[str, Path | None] = {"reference": None}
    copy_solutions(root / "reference", *LABS)
    for patch in MUTANTS + HOSTILE:
        student = f"{patch.parent.name[:2]}-{patch.stem}"
        apply(patch, copy_solutions(root / student, *LABS))
        students[student] = patch
    # Archives, as students upload them: wrapped in one more folder, or not.
    with tarfile.open(root / "tarred.tar.gz", "w:gz") as tar:
        tar.add(KIT / "solutions" / LABS[0], arcname=f"my-labs/{LABS[0]}")
        tar.add(KIT / "solutions" / LABS[1], arcname=f"my-labs/{LABS[1]}")
    students["tarred"] = None
    with zipfile.ZipFile(root / "zipped.zip", "w") as zipped:
        for lab in LABS:
            for file in (KIT / "solutions" / lab).iterdir():
                zipped.write(file, f"{lab}/{file.name}")
    students["zipped"] = None
    only_01 = copy_solutions(root / "only-01", LABS[0])
    assert only_01.is_dir()
    students["only-01"] = None
    with tarfile.open(root / "escaping.tar.gz", "w:gz") as tar:
        data = b"int main() { return 0; }\n"
        member = tarfile.TarInfo("../../escape.cpp")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
    return students


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    students = make_class(root / "submissions")
    out = root / "grades"
    command = [str(KIT / "scripts" / "grade-class"), str(root / "submissions"), "--out", str(out),
               "--jobs", "2", "--lab", *LABS]
    env = {**os.environ, "SLK_TIMEOUT_SCALE": "0.3"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    (root / "first-gradebook.csv").write_text((out / "gradebook.csv").read_text())  # the rerun rewrites it
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    yield students, out, done, rerun
    shutil.rmtree(root, ignore_errors=True)


def test_every_submission_scores_as_predicted(graded_class):
    students, out, _, _ = graded_class
    for student, patch in students.items():
        results = json.loads((out / "students" / student / "results.json").read_text())
        outcomes = {t["extra_data"]["id"]: t["status"] for t in results["tests"] if t["max_score"] > 0}
        failed = {check for check, status in outcomes.items() if status != "passed"}
        expected = expected_failures(patch)
        if student == "only-01":
            expected = set(points(LABS[1]))
        assert failed == expected, f"{student}: failed {sorted(failed)}, expected {sorted(expected)}"


def test_each_hostile_submission_gets_a_clear_report(graded_class):
    students, out, _, _ = graded_class
    for student, patch in students.items():
        if patch is None:
            continue
        _, shows = mutant_header(patch)
        report = (out / "students" / student / "report.txt").read_text()
        assert shows in report, f"{student}: {shows!r} not in its report"
        assert len(report) < 60_000, f"{student}: a report of {len(report)} characters"


def test_the_gradebook_has_a_row_per_student(graded_class):
    students, out, _, _ = graded_class
    rows = {row["student"]: row for row in csv.DictReader((out.parent / "first-gradebook.csv").open())}
    assert set(rows) == set(students) | {"escaping"}
    assert rows["escaping"]["status"] == "error" and "outside the archive" in rows["escaping"]["note"]
    full = sum(points(LABS[0]).values()) + sum(points(LABS[1]).values())
    for student, patch in students.items():
        lost = sum({**points(LABS[0]), **points(LABS[1])}[check] for check in expected_failures(patch))
        if student == "only-01":
            lost = sum(points(LABS[1]).values())
        assert float(rows[student][f"total (/{full:g})"]) == full - lost, student
        assert rows[student]["status"] == "graded"
    rerun_rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    assert {student: row["status"] for student, row in rerun_rows.items()} == {
        **{student: "unchanged" for student in students}, "escaping": "error"}
    assert (out / "scores.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_nothing_is_left_running(graded_class):
    """Each grading kills and reports what runs under its slots' uids after a
    lab (its own, never another grading's): none here, the daemons and fork
    bombs of the hostile corpus included (each check kills its processes)."""
    _, _, done, _ = graded_class
    assert "Processes left by the submissions: none" in done.stdout


def test_a_rerun_regrades_nothing_that_did_not_change(graded_class):
    students, _, _, rerun = graded_class
    assert rerun.returncode == 0, rerun.stderr
    assert f"0 graded, {len(students)} unchanged since the last run, 1 not graded" in rerun.stdout
