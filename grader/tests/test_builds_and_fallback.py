"""What holds on any machine: the reference builds without warnings, and
without namespaces the grader still grades (and says so)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import GRADER, KIT, copy_solutions, grade, outcome
from kit.labs import all_labs


@pytest.mark.parametrize("lab", [lab.name for lab in all_labs()])
def test_reference_compiles_without_warnings(lab, tmp_path):
    made = subprocess.run(["make", "-s", "-j2", "-C", str(KIT / "solutions" / lab), f"OUT={tmp_path}",
                           "EXTRA_CXXFLAGS=-Werror"], capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr


def test_without_namespaces_checks_pass_or_are_skipped():
    results = grade("--lab", "01", "02", "05", "--trace", env={"SLK_ISOLATION": "none"})
    assert "NONE" in results["output"] and "no packets are recorded" in results["output"]
    assert not any("TCP segments" in t["output"] for t in results["tests"])
    statuses = outcome(results)
    assert statuses["02-name-resolution/unknown-host"] == "skipped"
    assert all(status in ("passed", "skipped") for status in statuses.values()), statuses


def test_without_namespaces_a_submission_is_graded_only_when_trusted(tmp_path):
    """No sandbox: the grader refuses to run a submission's code (valid
    results that say why, exit status 1), unless told --trusted."""
    submission = copy_solutions(tmp_path / "submission", "03-bind")
    command = [str(GRADER / "grade"), "--submission", str(submission), "--lab", "03", "--format", "json",
               "--output", str(tmp_path / "results.json")]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=300, env={**os.environ, "SLK_ISOLATION": "none"})
    assert refused.returncode == 1, refused.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 0 and "cannot isolate a submission" in results["output"]
    assert all("--trusted" in t["output"] for t in results["tests"])
    trusted = subprocess.run([*command, "--trusted"], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "SLK_ISOLATION": "none"})
    assert trusted.returncode == 0, trusted.stderr
    assert json.loads((tmp_path / "results.json").read_text())["score"] == 10


@pytest.mark.parametrize("variant", ["end-marker", "length-header"])
def test_the_library_suite_passes_on_both_framings(variant, tmp_path):
    """Lab 08's whole GoogleTest suite (visible and hidden), built without
    warnings, passes on the reference library and on its length-header variant."""
    build = ["make", "-s", "-j2", "-f", str(KIT / "grader" / "gtest" / "tcp.mk"), f"LIB_DIR={KIT / 'solutions' / '08-tcp-lib'}",
             f"OUT={tmp_path}", "EXTRA_CXXFLAGS=-Werror"] + (["VARIANT=length-header"] if variant == "length-header" else [])
    made = subprocess.run(build, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    ran = subprocess.run([str(tmp_path / "tcp_tests"), "--gtest_color=no"], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0 and "[  PASSED  ]" in ran.stdout, ran.stdout[-3000:] + ran.stderr[-2000:]


def test_a_build_is_reused_only_for_the_same_files(box, monkeypatch):
    """Lab builds are cached by content: the same files (here lab 03 copied
    twice) run make once and get the same binary and messages; one changed
    byte builds again, and the build is that of the changed file. (Counted:
    the lab's makes, not those of its units, see test_lab_builds.py.)"""
    from kit import build as building, buildbox
    from kit.labs import lab_named

    monkeypatch.setenv("SLK_CACHE", str(box.work / "cache"))
    makes = []
    real_make = buildbox.make

    def counted_make(tree, arguments, **rest):
        if not arguments[-1].endswith(".o"):
            makes.append(arguments)
        return real_make(tree, arguments, **rest)
    monkeypatch.setattr(buildbox, "make", counted_make)
    lab = lab_named("03-bind")
    submission = copy_solutions(box.work / "submission", lab.name)
    first = building.build_lab(lab, submission, box.work / "one", box)
    second = building.build_lab(lab, submission, box.work / "two", box)
    assert len(makes) == 1 and first.built_all and second.built_all
    assert second.log == first.log
    assert all(Path(second.programs[p]).read_bytes() == Path(first.programs[p]).read_bytes() for p in lab.programs)
    assert all(Path(path).parent == second.dir for path in second.programs.values())

    source = submission / lab.name / "BindSocket.cpp"
    source.write_text(source.read_text() + "\nstatic_assert(false, \"changed\");\n")
    third = building.build_lab(lab, submission, box.work / "three", box)
    assert len(makes) == 2 and not third.built_all and "changed" in third.log


def test_pruning_keeps_the_newest_builds_and_leaves_others_work_alone(tmp_path):
    import os

    from kit.buildcache import prune
    for age, name in enumerate(["old", "older", "new"][::-1]):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (1000 - age, 1000 - age))
    (tmp_path / "abc.4242").mkdir()  # a folder another grading is producing
    (tmp_path / "new.lock").touch()
    prune(tmp_path, keep=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["abc.4242", "new", "new.lock"]
