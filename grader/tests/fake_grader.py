#!/usr/bin/python3
"""A stand-in for grader/grade in tests of scripts/grade-class (SLK_CLASS_GRADER):
no build, no program run. It writes into --save DIR a results.json shaped as
the real one, 10/10 for each --lab whose folder the submission has, 0/10 for
the others.

A submission holding a file named `block` is never graded: the fake starts a
child (in its process group, as a grader's helpers are), writes
"blocked PID CHILD_PID" to the FIFO named by SLK_FAKE_GRADER_EVENTS, and waits
to be killed, so that a test can interrupt grade-class mid-grading and check
that both are gone.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path


def block() -> None:
    helper = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
    with open(os.environ["SLK_FAKE_GRADER_EVENTS"], "w") as events:
        events.write(f"blocked {os.getpid()} {helper.pid}\n")
    signal.pause()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submission", type=Path, required=True)
    parser.add_argument("--save", type=Path, required=True)
    parser.add_argument("--lab", nargs="+", default=[])
    args, _ = parser.parse_known_args()
    if (args.submission / "block").exists():
        block()
    tests = [{"name": f"{lab}: the lab's folder is there", "score": 10 if (args.submission / lab).is_dir() else 0,
              "max_score": 10, "tags": [lab], "status": "passed" if (args.submission / lab).is_dir() else "failed",
              "output": "", "visibility": "visible", "extra_data": {"id": f"{lab}/fake"}} for lab in args.lab]
    args.save.mkdir(parents=True, exist_ok=True)
    results = {"score": sum(test["score"] for test in tests), "tests": tests}
    (args.save / "results.json").write_text(json.dumps(results))
    print(f"fake grader: {args.submission}: {results['score']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
