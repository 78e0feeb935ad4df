"""Start a student's program the way a terminal would, and watch it.

- stdout is a pseudo-terminal, so the C library line-buffers it as it does in a
  terminal: a program that prints a line and then waits in pause() shows the
  line (through a pipe it would stay in the buffer). The terminal is in raw
  mode: no echo, no newline translation.
- stderr is a pipe of its own, so error messages can be told from output.
- stdin is /dev/null, or the terminal for interactive programs.
- It is started through a prefix that drops every privilege (sandbox.drop:
  the grading uid, no capability, no_new_privs); limits (CPU time, memory,
  files, processes, output file size) are then set by prlimit(1), which execs
  the program: the pid is the program's.
- Each program gets a session and process group of its own.
- A thread per stream drains the output into a bounded buffer, so a program
  that prints without end never blocks and never fills the grader's memory.
"""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import termios
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

from .text import decode_output

OUTPUT_CAP = 256 * 1024          # bytes kept per stream; the rest is counted
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "WARNING: ThreadSanitizer", "ERROR: ThreadSanitizer")


@dataclass(frozen=True)
class Limits:
    """Resource limits for one program (prlimit syntax; None: leave as is)."""
    cpu_seconds: int = 20
    address_space: int | None = 2 << 30    # bytes; None for sanitizer builds
    open_files: int = 256
    processes: int | None = 64             # RLIMIT_NPROC: counts every process of the uid
    file_size: int = 16 << 20

    def prlimit_args(self) -> list[str]:
        args = [f"--cpu={self.cpu_seconds}", f"--nofile={self.open_files}",
                f"--fsize={self.file_size}", "--core=0"]
        if self.address_space is not None:
            args.append(f"--as={self.address_space}")
        if self.processes is not None:
            args.append(f"--nproc={self.processes}")
        return args


class OutputStream:
    """Everything a program writes on one descriptor, collected by a thread.
    Both streams of a program share one condition, so a wait can watch both."""

    def __init__(self, fd: int, name: str, cond: threading.Condition, cap: int = OUTPUT_CAP) -> None:
        self.name = name
        self._fd = fd
        self._cap = cap
        self._data = bytearray()
        self.dropped = 0
        self.closed = False
        self._cond = cond
        self._thread = threading.Thread(target=self._drain, name=f"drain-{name}", daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except InterruptedError:
                continue
            except OSError:  # EIO: the terminal's last writer is gone
                chunk = b""
            with self._cond:
                if not chunk:
                    self.closed = True
                    self._cond.notify_all()
                    break
                room = self._cap - len(self._data)
                self._data += chunk[:room]
                self.dropped += max(0, len(chunk) - room)
                self._cond.notify_all()
        os.close(self._fd)

    @property
    def data(self) -> bytes:
        with self._cond:
            return bytes(self._data)

    @property
    def text(self) -> str:
        return decode_output(self.data)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


@dataclass(frozen=True)
class ExitStatus:
    code: int | None      # exit status, if it exited
    signal: int | None    # signal number, if a signal killed it

    @classmethod
    def from_returncode(cls, returncode: int) -> "ExitStatus":
        return cls(None, -returncode) if returncode < 0 else cls(returncode, None)

    @property
    def crashed(self) -> bool:
        return self.signal in (signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGFPE, signal.SIGILL)

    def describe(self) -> str:
        if self.signal is None:
            return f"exited with status {self.code}"
        try:
            name = signal.Signals(self.signal).name
        except ValueError:
            name = f"signal {self.signal}"
        meaning = signal.strsignal(self.signal) or ""
        crash = " (it crashed)" if self.crashed else ""
        return f"was killed by {name} ({meaning.lower()}){crash}"


@dataclass
class Program:
    """A running student program."""
    name: str
    argv: list[str]
    popen: subprocess.Popen
    stdout: OutputStream
    stderr: OutputStream
    stdin_fd: int | None = None
    cursor: int = 0                  # how far expect() has consumed stdout
    _status: ExitStatus | None = field(default=None, repr=False)
    _pidfd: int | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def command(self) -> str:
        return " ".join(self.argv)

    def poll(self) -> ExitStatus | None:
        if self._status is None:
            code = self.popen.poll()
            if code is not None:
                self._status = ExitStatus.from_returncode(code)
        return self._status

    def running(self) -> bool:
        return self.poll() is None

    def wait_exit(self, until: float) -> ExitStatus | None:
        """Wait (on the process's pidfd) until it exits or time `until` passes;
        then until its output is read to the end (unless a process it left
        behind still holds its terminal), so that what it printed is all there."""
        if self._pidfd is None and self.poll() is None:
            self._pidfd = os.pidfd_open(self.pid)
        while self.poll() is None:
            left = until - time.monotonic()
            if left <= 0:
                return None
            select.select([self._pidfd], [], [], left)
        self.wait_output(lambda out, err: False, min(until, time.monotonic() + 1.0))
        return self._status

    @property
    def pidfd(self) -> int:
        """A descriptor that becomes readable when the process exits."""
        if self._pidfd is None:
            self._pidfd = os.pidfd_open(self.pid)
        return self._pidfd

    def wait_or_exit(self, until: float) -> None:
        """Block until time `until` or until the process exits, whichever is first:
        the pause between two looks at /proc in a wait for a condition."""
        if self.poll() is not None:
            return
        if self._pidfd is None:
            self._pidfd = os.pidfd_open(self.pid)
        left = until - time.monotonic()
        if left > 0:
            select.select([self._pidfd], [], [], left)

    def signal(self, number: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, number)
            except ProcessLookupError:
                pass

    def wait_output(self, predicate, until: float):
        """Wait until predicate(stdout_text, stderr_text) returns something
        truthy, both streams close, or time `until` passes; return its last result."""
        cond = self.stdout._cond
        with cond:
            while True:
                result = predicate(decode_output(bytes(self.stdout._data)), decode_output(bytes(self.stderr._data)))
                left = until - time.monotonic()
                if result or (self.stdout.closed and self.stderr.closed) or left <= 0:
                    return result
                cond.wait(left)

    def match_stdout(self, regex: re.Pattern, until: float) -> re.Match | None:
        """Wait for regex in stdout after the cursor; on success move the cursor past it."""
        start = self.cursor
        match = self.wait_output(lambda out, err: regex.search(out, start), until)
        if match:
            self.cursor = match.end()
        return match

    def match_any(self, regex: re.Pattern, until: float) -> re.Match | None:
        """Wait for regex anywhere in stdout or stderr (error messages go either way)."""
        return self.wait_output(lambda out, err: regex.search(out) or regex.search(err), until)

    def write_stdin(self, data: bytes) -> None:
        if self.stdin_fd is None:
            raise RuntimeError(f"{self.name} was not started with a terminal on stdin")
        view = memoryview(data)
        while view:
            written = os.write(self.stdin_fd, view)
            view = view[written:]

    def end_input(self) -> None:
        """End of input at the terminal, as Ctrl-D at the start of a line (the
        program was started with line_mode=True: a read() begun on a raw
        terminal would not end on it): its next read() returns 0."""
        if self.stdin_fd is None:
            raise RuntimeError(f"{self.name} was not started with a terminal on stdin")
        eof = termios.tcgetattr(self.stdin_fd)[6][termios.VEOF]
        self.write_stdin(eof if isinstance(eof, bytes) else bytes([eof]))

    def sanitizer_report(self) -> str | None:
        text = self.stderr.text
        for marker in SANITIZER_MARKERS:
            index = text.find(marker)
            if index != -1:
                start = text.rfind("\n", 0, max(0, text.rfind("=====", 0, index))) + 1
                return text[start:]
        return None

    def close(self) -> None:
        """Release the grader's side (terminal, pidfd); the process must be dead."""
        for fd in (self.stdin_fd, self._pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.stdin_fd = self._pidfd = None
        self.stdout.join(2.0)
        self.stderr.join(2.0)


def start_program(path: Path, args: list[str], *, cwd: Path, env: dict[str, str], limits: Limits,
                  prefix: list[str], interactive: bool = False, pass_fds: tuple[int, ...] = (),
                  line_mode: bool = False) -> Program:
    """Start path with args under limits, through prefix (sandbox.drop). The
    terminal is raw (no echo, no special characters); with line_mode, it
    delivers whole lines and takes Ctrl-D (VEOF) for the end of input, as a
    user's terminal does (still without echo)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    if line_mode:
        attributes = termios.tcgetattr(slave)
        attributes[3] |= termios.ICANON
        termios.tcsetattr(slave, termios.TCSANOW, attributes)
    err_read, err_write = os.pipe()
    stdin_fd = slave if interactive else os.open(os.devnull, os.O_RDONLY)
    argv = [path.name, *args]
    command = [*prefix, "/usr/bin/prlimit", *limits.prlimit_args(), "--", str(path), *args]
    try:
        popen = subprocess.Popen(command, stdin=stdin_fd, stdout=slave, stderr=err_write, cwd=cwd, env=env,
                                 start_new_session=True, close_fds=True, pass_fds=pass_fds)
    except BaseException:
        for fd in {master, slave, err_read, err_write, stdin_fd}:
            os.close(fd)
        raise
    os.close(err_write)
    if not interactive:
        os.close(stdin_fd)
    writer = os.dup(master) if interactive else None
    os.close(slave)
    cond = threading.Condition()
    return Program(path.name, argv, popen, OutputStream(master, "stdout", cond),
                   OutputStream(err_read, "stderr", cond), stdin_fd=writer)
