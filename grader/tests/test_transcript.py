"""Transcripts: numbered steps, the failing one marked; one shared deadline."""

import time

import pytest

from kit.transcript import Deadline, Transcript


def test_a_step_that_raises_is_marked_failed():
    transcript = Transcript()
    with transcript.step("start the server") as step:
        step.outcome = "pid 7"
    with pytest.raises(RuntimeError):
        with transcript.step("connect"):
            raise RuntimeError("refused")
    transcript.add("never reached")
    lines = transcript.render().splitlines()
    assert lines[0] == "    1. start the server  → pid 7"
    assert lines[1] == " ✗  2. connect"
    assert "✗" not in lines[2]


def test_deadline_is_shared_and_never_exceeded():
    deadline = Deadline(0.5)
    assert 0 < deadline.remaining() <= 0.5
    assert deadline.remaining(cap=0.1) <= 0.1
    assert deadline.until(10) <= time.monotonic() + 0.5
