"""The grader's child processes: started, bounded, and stopped all at once.

Every sandbox the grader starts (a build, a lab's runner) goes through
start(): a session of its own (so a Ctrl-C at the terminal reaches the
grader alone, which decides), SIGKILL if the grader dies (setpriv
--pdeathsig in sandbox.wrap), and a registry from which stop_all() kills
them all when the grading is interrupted (SIGINT, SIGTERM). After that,
start() refuses: an interrupted grading starts nothing new.

run() is subprocess.run for commands whose output comes from a submission
(a compiler's messages): the output is read as it comes and kept up to a
bound, the rest counted, so that no amount of it fills the grader's memory.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import threading
import time
from dataclasses import dataclass

_live: set[subprocess.Popen] = set()
_lock = threading.Lock()
stopping = threading.Event()
stop_reason = ""


class Stopped(Exception):
    """The grading was interrupted: nothing more is started."""


def start(command: list[str], **options: object) -> subprocess.Popen:
    with _lock:
        if stopping.is_set():
            raise Stopped(stop_reason)
        process = subprocess.Popen(command, start_new_session=True, **options)  # type: ignore[call-overload]
        _live.add(process)
    return process


def finished(process: subprocess.Popen) -> None:
    with _lock:
        _live.discard(process)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the process's whole group (it leads a session of its own)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_all(reason: str) -> None:
    """Interrupt the grading: kill every child, start no more."""
    global stop_reason
    with _lock:
        stop_reason = reason
        stopping.set()
        live = list(_live)
    for process in live:
        kill(process)


@dataclass
class Outcome:
    returncode: int | None     # None: stopped at the timeout (or by stop_all)
    output: bytes              # stdout and stderr together, at most `limit` bytes
    dropped: int = 0           # bytes beyond the limit
    timed_out: bool = False


def run(command: list[str], timeout: float, limit: int, **options: object) -> Outcome:
    """Run command (stdin /dev/null, stdout and stderr together), kept to
    `limit` bytes of output and `timeout` seconds; its process group is
    killed at the timeout."""
    process = start(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **options)
    kept, dropped, timed_out = bytearray(), 0, False
    end = time.monotonic() + timeout
    try:
        assert process.stdout is not None
        fd = process.stdout.fileno()
        while True:
            left = end - time.monotonic()
            if left <= 0:
                timed_out = True
                kill(process)
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            room = limit - len(kept)
            kept += chunk[:max(room, 0)]
            dropped += max(0, len(chunk) - max(room, 0))
        process.stdout.close()
        returncode = process.wait(timeout=max(end - time.monotonic(), 0) + 10)
    except subprocess.TimeoutExpired:  # the output closed but the command lingers
        kill(process)
        returncode, timed_out = process.wait(), True
    finally:
        finished(process)
    if stopping.is_set() and returncode is not None and returncode < 0:
        raise Stopped(stop_reason)
    return Outcome(None if timed_out else returncode, bytes(kept), dropped, timed_out)
