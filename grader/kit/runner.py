"""The process that runs one lab's checks, inside the sandbox (PID 1 there).

usage: python3 -m kit.runner CONTEXT.json RESULTS_FD

It writes each check's result as a JSON line on RESULTS_FD, a pipe the
grader reads: the results never pass through a file that a program could
reach.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from . import sandbox
from .check import load_checks
from .context import RunContext
from .plugin import GradingPlugin


def main(argv: list[str]) -> int:
    if len(argv) != 2 or not argv[1].isdigit():
        print("usage: python3 -m kit.runner CONTEXT.json RESULTS_FD", file=sys.stderr)
        return 2
    ctx = RunContext.load(Path(argv[0]))
    results = int(argv[1])
    # A grader started in the background of a shell (`grader/grade &`, nohup)
    # inherits SIGINT and SIGQUIT ignored, and so would every program it
    # starts: the checks that send SIGINT need the default action back.
    for number in (signal.SIGINT, signal.SIGQUIT):
        if signal.getsignal(number) == signal.SIG_IGN:
            signal.signal(number, signal.SIG_DFL)
    sandbox.enter_run(sandbox.Isolation(ctx.isolation))
    checks = load_checks(ctx.check_module)
    selected = [f"{sys.modules[function.__module__].__file__}::{function.__name__}" for function, spec in checks
                if not ctx.check_ids or spec.id in ctx.check_ids]
    if not selected:
        return 0
    grader_dir = Path(__file__).resolve().parent.parent
    # No faulthandler: it gives the process a small alternate signal stack, on
    # which Python runs every signal handler (SA_ONSTACK); the signals a
    # program may send the runner in a burst then nest there, overflow it, and
    # the kernel kills the runner with SIGSEGV ("overflowed sigaltstack").
    args = [*selected, "-q", "-p", "no:cacheprovider", "-p", "no:faulthandler", "-c", os.devnull,
            "--rootdir", str(grader_dir),
            "-o", "python_functions=check_*", "--noconftest", "--tb=short", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    pytest.main(args, plugins=[GradingPlugin(ctx, results)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
