#!/usr/bin/python3
"""Grade a generated class of 40 submissions (labs 01 and 06) with scripts/grade-class --jobs 2
and check every score against its patch header: the reference, every mutant of those labs,
the hostile corpus, archives; prints the wall time, the median per submission, and the
processes of the grading uids still running afterwards (ps).

usage: bench/class-grading.py [--size 40] [--keep]
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(KIT / "grader"), str(KIT / "grader" / "tests")]

from conftest import apply, copy_solutions  # noqa: E402
from test_class_grading import LABS, expected_failures  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="slk-class-"))
    patches = sorted((KIT / "grader" / "tests" / "hostile").glob("*/*.patch"))
    patches += sorted(p for lab in LABS for p in (KIT / "grader" / "tests" / "mutants" / lab).glob("*.patch"))
    students = {}
    for index in range(args.size):
        patch = patches[index] if index < len(patches) else None
        name = f"student{index:02d}"
        submission = copy_solutions(root / "class" / name, *LABS)
        if patch is not None:
            apply(patch, submission)
        students[name] = patch
    started = time.monotonic()
    done = subprocess.run([str(KIT / "scripts" / "grade-class"), str(root / "class"), "--out", str(root / "grades"),
                           "--jobs", "2", "--lab", *LABS], capture_output=True, text=True)
    wall = time.monotonic() - started
    print(done.stdout)
    wrong = []
    for name, patch in students.items():
        results = json.loads((root / "grades" / "students" / name / "results.json").read_text())
        failed = {t["extra_data"]["id"] for t in results["tests"] if t["max_score"] > 0 and t["status"] != "passed"}
        if failed != expected_failures(patch):
            wrong.append(f"{name} ({patch.name if patch else 'reference'}): failed {sorted(failed)}")
    print(f"{len(students)} submissions ({sum(p is not None for p in students.values())} buggy or hostile), "
          f"wall {wall:.1f} s; scores as expected: {len(students) - len(wrong)}/{len(students)}")
    for line in wrong:
        print("  UNEXPECTED", line)
    ps = subprocess.run(["ps", "-eo", "uid,pid,stat,etime,args"], capture_output=True, text=True).stdout.splitlines()
    left = [line for line in ps[1:] if 61000 <= int(line.split()[0]) < 62000]
    print("ps -eo uid,pid,stat,etime,args | grading uids 61000-61999: " + ("none" if not left else "\n" + "\n".join(left)))
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"kept {root}")
    return 1 if wrong or left or done.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
