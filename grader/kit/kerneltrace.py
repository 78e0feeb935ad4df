"""The kernel's own record of TCP state changes (tracepoint sock:inet_sock_set_state).

The grader (as root, outside the sandbox) gives each runner a tracefs instance
of its own: a ring buffer where the tracepoint writes every TCP socket's state
changes, system-wide. The runner reads it through trace_pipe. The events
carry addresses and ports but no network namespace: a check keeps the changes
of the connections its own capture saw (see tcpstates.of_connection), and runs
graded in parallel use distinct loopback addresses (network.py), so they are
told apart.

    instance, why = create_instance("slk-grade-x1y2-04-accept")   # grader side: the grading's name, the run
    reader = StateReader(instance)                 # runner side
    changes = reader.read()                        # what happened since the last read
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Callable

from .tcpstates import StateChange, course_name

TRACEFS = Path("/sys/kernel/tracing")
EVENT = Path("events/sock/inet_sock_set_state")
INSTANCE_PREFIX = "slk-grade-"  # instances are named after their grading (gradings.py) and run
BUFFER_KB = 512   # per CPU: thousands of state changes between two reads
LINE = re.compile(r"\s(\d+\.\d+): inet_sock_set_state: (.*)$")
FIELD = re.compile(r"(\w+)=(\S+)")


def _tracefs() -> tuple[Path | None, str]:
    """tracefs, mounted if it is not (as systemd would); or why it cannot be."""
    if (TRACEFS / "instances").is_dir():
        return TRACEFS, ""
    if os.geteuid() != 0:
        return None, "the kernel's trace (tracefs) needs root"
    mounted = subprocess.run(["mount", "-t", "tracefs", "nodev", str(TRACEFS)], capture_output=True, text=True)
    if mounted.returncode != 0 or not (TRACEFS / "instances").is_dir():
        return None, f"tracefs could not be mounted ({mounted.stderr.strip() or 'no instances folder'})"
    return TRACEFS, ""


def create_instance(name: str) -> tuple[Path | None, str]:
    """A tracefs instance recording TCP state changes (monotonic clock); or
    None and why there is none."""
    root, why = _tracefs()
    if root is None:
        return None, why
    if not (root / EVENT).is_dir():
        return None, "this kernel has no sock:inet_sock_set_state tracepoint"
    path = root / "instances" / name
    try:
        path.mkdir()
        (path / "trace_clock").write_text("mono")
        (path / "buffer_size_kb").write_text(str(BUFFER_KB))
        (path / EVENT / "filter").write_text("protocol == 6")  # TCP only
        (path / EVENT / "enable").write_text("1")
    except OSError as error:
        remove_instance(path)
        return None, f"a tracefs instance could not be set up ({error.strerror or error})"
    return path, ""


def remove_instance(path: Path) -> None:
    """Best effort: an instance left behind is removed by the next grading (gradings.reclaim)."""
    try:
        (path / EVENT / "enable").write_text("0")
        path.rmdir()
    except OSError:
        pass


def remove_dead(dead: Callable[[str], bool]) -> list[Path]:
    """Remove the instances that `dead` says (by name) belonged to gradings
    that are no longer running; the instances removed."""
    folder = TRACEFS / "instances"
    if os.geteuid() != 0 or not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.glob(f"{INSTANCE_PREFIX}*")):
        if dead(path.name):
            remove_instance(path)
            if not path.exists():
                removed.append(path)
    return removed


class StateReader:
    """Reads an instance's trace_pipe without blocking: each read returns the
    state changes recorded since the previous one (reading consumes them)."""

    def __init__(self, instance: Path) -> None:
        self._fd = os.open(instance / "trace_pipe", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        self._partial = b""
        self._to_epoch = time.time() - time.monotonic()  # trace times are CLOCK_MONOTONIC

    def read(self) -> list[StateChange]:
        chunks = [self._partial]
        while True:
            try:
                chunk = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                break
            except InterruptedError:
                continue
            if not chunk:
                break
            chunks.append(chunk)
        data = b"".join(chunks)
        complete, _, self._partial = data.rpartition(b"\n")
        changes = []
        for line in complete.decode(errors="replace").splitlines():
            change = parse_line(line, self._to_epoch)
            if change is not None:
                changes.append(change)
        return changes

    def close(self) -> None:
        if self._fd != -1:
            os.close(self._fd)
            self._fd = -1


def parse_line(line: str, to_epoch: float = 0.0) -> StateChange | None:
    """One trace line → a state change (times since the epoch)."""
    match = LINE.search(line)
    if not match:
        return None
    fields = dict(FIELD.findall(match.group(2)))
    try:
        if fields.get("family") == "AF_INET6":
            source, destination = fields["saddrv6"], fields["daddrv6"]
        else:
            source, destination = fields["saddr"], fields["daddr"]
        local, remote = (source, int(fields["sport"])), (destination, int(fields["dport"]))
        old, new = course_name(fields["oldstate"]), course_name(fields["newstate"])
    except (KeyError, ValueError):
        return None
    return StateChange(float(match.group(1)) + to_epoch, local, remote, old, new)


_readers: dict[str, StateReader] = {}


def reader_for(instance: str) -> StateReader:
    """The runner's one reader of its instance (opened on first use)."""
    if instance not in _readers:
        _readers[instance] = StateReader(Path(instance))
    return _readers[instance]
