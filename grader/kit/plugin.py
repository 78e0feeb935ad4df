"""The pytest plugin a runner grades with: one Session per check, results as JSON lines.

For each check it
- moves the runner into a fresh network namespace and opens the check's Session
  (the `run` fixture), and always closes it (kills every process) afterwards;
- bounds the check's running time with a timer signal;
- turns the outcome into a result: points, status, and the student's feedback,
  written while the programs are still running so that the socket snapshot
  shows the moment of the failure.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import signal
import time
import traceback
from typing import Iterator

import pytest

from . import sandbox
from .check import CheckSpec
from .context import RunContext
from .session import Session
from .transcript import CheckFailed, CheckSkipped, CheckTimeout

GRACE = 5.0  # at most this long past a check's own deadline before the timer interrupts it


def grace(timeout: float) -> float:
    return min(GRACE, timeout)


def replay_command(ctx: RunContext, check_id: str, seeded: bool) -> str:
    """The command that runs one check again as it ran here: same programs,
    same seed if it drew from it (the same random choices), its files kept."""
    submission = f" --submission {shlex.quote(ctx.submission)}" if ctx.submission else ""
    seed = f" --seed {ctx.seed}" if seeded else ""
    sanitize = " --sanitize" if ctx.sanitize else ""
    return f"grader/grade{submission} --check {check_id}{seed}{sanitize} --keep"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class GradingPlugin:
    def __init__(self, ctx: RunContext, results_fd: int) -> None:
        self.ctx = ctx
        self.isolation = sandbox.Isolation(ctx.isolation)
        self.results: dict[str, dict] = {}
        self.results_fd = results_fd  # a pipe to the grader (see runner.py)

    def spec_of(self, item: pytest.Item) -> CheckSpec:
        """The check's declaration, its time budget scaled for this run."""
        spec = item.function.check_spec
        return dataclasses.replace(spec, timeout=spec.timeout * self.ctx.timeout_scale)

    @pytest.fixture
    def run(self, request: pytest.FixtureRequest) -> Iterator[Session]:
        spec = self.spec_of(request.node)
        sandbox.fresh_network(self.isolation)
        session = Session(self.ctx, spec)
        request.node.grading_session = session
        try:
            yield session
        finally:
            request.node.teardown_notes = session.close()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        spec = self.spec_of(item)
        budget = spec.timeout + grace(spec.timeout)
        deadline = time.monotonic() + budget

        def expired(signum: int, frame: object) -> None:
            # A program may send the runner SIGALRM too (without root it has the
            # runner's uid): only the timer's, at the deadline, ends the check.
            if time.monotonic() >= deadline - 0.05:
                raise CheckTimeout(f"the check ran past its {spec.timeout:g} s budget")

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
        yield
        spec = self.spec_of(item)
        record = self.results.setdefault(item.nodeid, {
            "id": spec.id, "lab": spec.lab, "key": spec.key, "name": spec.title,
            "points": spec.points, "score": 0.0, "status": "error", "visibility": spec.visibility,
            "output": "", "internal": "", "started": time.monotonic(),
        })
        error = call.excinfo.value if call.excinfo else None
        session: Session | None = getattr(item, "grading_session", None)
        replay = replay_command(self.ctx, spec.id, session is not None and session.seeded)
        if call.when == "setup" and error is not None:
            if isinstance(error, CheckSkipped):
                record.update(status="skipped", output=f"Not run: {error}")
            else:
                self._internal(record, call)
        elif call.when == "call":
            if error is None and session is not None:
                error = session.sanitizer_failure()
            if session is not None and session.measured:
                record["measured"] = session.measured
            if error is None:
                record.update(status="passed", score=spec.points, output=session.report(None) if session else "")
            elif isinstance(error, CheckFailed):
                record.update(status="failed", output=session.report(error, replay) if session else str(error))
            elif isinstance(error, CheckTimeout):
                self._failed_at_last_step(record, session, error, replay, CheckFailed(
                    f"the check completes within {spec.timeout:g} s", "it was still waiting at the step marked ✗ below",
                    "A program that blocks where it should not (or loops) stops the check."))
            elif isinstance(error, CheckSkipped):
                record.update(status="skipped", output=f"Not run: {error}")
            elif isinstance(error, ConnectionError) and session is not None:
                # A reset or closed connection that a step did not expect: the
                # grader's sockets only talk to the programs, so the program did it.
                self._failed_at_last_step(record, session, error, replay, CheckFailed(
                    "the connection stays open for the step marked ✗ below",
                    f"the grader's socket failed: {error.strerror or error}",
                    "The program closed or reset the connection (or ended) before the step."))
            else:
                self._internal(record, call)
            if session is not None and session.traffic.data:
                record["trace"] = session.traffic.data
            if session is not None and self.ctx.keep:
                session.keep_report(record["output"])
        elif call.when == "teardown":
            notes = getattr(item, "teardown_notes", None) or []
            if error is not None and record["status"] != "error":
                notes.append(f"(the grader could not clean up after this check: {error!r})")
            if notes:
                record["output"] = (record["output"] + "\n\n" + "\n".join(notes)).strip()
            record["duration"] = round(time.monotonic() - record.pop("started"), 3)
            _write_all(self.results_fd, (json.dumps(record) + "\n").encode())

    @staticmethod
    def _failed_at_last_step(record: dict, session, error: BaseException, replay: str, failure: CheckFailed) -> None:
        """The check failed where it was: its last step is marked, and the
        report says what was expected there."""
        if session is not None and session.transcript.steps:
            session.transcript.steps[-1].failed = True
        record.update(status="failed", output=session.report(failure, replay) if session else str(error))

    @staticmethod
    def _internal(record: dict, call: pytest.CallInfo) -> None:
        error = call.excinfo.value
        record.update(status="error", score=0.0,
                      output=f"The grader itself failed on this check ({type(error).__name__}: {error}). "
                             "This is a problem of the grader, not of your program: please report it.",
                      internal="".join(traceback.format_exception(error)))
