"""What a check did, step by step, as a console transcript; and how it failed.

A check's steps are numbered as they happen. When one fails, the feedback shows
the steps so far with the failing one marked, the way a student would replay
them by hand in a terminal.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator


class CheckFailed(Exception):
    """The program under test did not do what the check expects."""

    def __init__(self, expected: str, observed: str, hint: str = "") -> None:
        super().__init__(f"expected {expected}; observed {observed}")
        self.expected = expected
        self.observed = observed
        self.hint = hint


class CheckTimeout(Exception):
    """A check ran past its time budget (raised from a timer signal)."""


class CheckSkipped(Exception):
    """A check that cannot run here (e.g. it needs network namespaces)."""


@dataclass
class Step:
    number: int
    action: str
    outcome: str = ""
    failed: bool = False


@dataclass
class Transcript:
    steps: list[Step] = field(default_factory=list)

    def add(self, action: str, outcome: str = "") -> Step:
        step = Step(len(self.steps) + 1, action, outcome)
        self.steps.append(step)
        return step

    @contextmanager
    def step(self, action: str) -> Iterator[Step]:
        """A step whose outcome the body fills in; marked failed if the body raises."""
        step = self.add(action)
        try:
            yield step
        except BaseException:
            step.failed = True
            raise

    def render(self) -> str:
        lines = []
        for step in self.steps:
            mark = " ✗" if step.failed else "  "
            outcome = f"  → {step.outcome}" if step.outcome else ""
            lines.append(f"{mark}{step.number:3d}. {step.action}{outcome}")
        return "\n".join(lines)


class Deadline:
    """One time budget shared by every wait of a check."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self, cap: float | None = None) -> float:
        left = max(0.0, self.end - time.monotonic())
        return left if cap is None else min(left, cap)

    def until(self, seconds: float | None) -> float:
        """Absolute monotonic time of a wait of `seconds`, never past the deadline."""
        return time.monotonic() + self.remaining(seconds)
