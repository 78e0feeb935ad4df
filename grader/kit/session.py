"""One check's session: the transcript-like API the checks are written in.

    prog = run.start("AttenteConnexion")
    run.expect_line(prog, LISTEN_OK)
    client = run.connect(run.net.zeus, 50000)
    sock = run.socket_of(prog, fd)

Every call is a numbered step of the check's transcript. Waits share the
check's deadline. When something is not as expected, run.fail() raises
CheckFailed; the report then shows the steps, the programs' output and a
snapshot of their sockets, taken at that moment.
"""

from __future__ import annotations

import dataclasses
import random
import re
import select
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path
from typing import Callable, NoReturn, TypeVar

from . import adversary, datagram, procfs, sandbox, snapshot
from .check import CheckSpec
from .context import RunContext
from .lan import Lan, LanUnavailable
from .lines import Line
from .network import Network
from .peer import Listener, Peer, bind_probe, connect
from .process import ExitStatus, Limits, Program, start_program
from .traffic import Traffic
from .text import cut, first_difference, indent_block, show_wire, tail_lines
from .transcript import CheckFailed, CheckSkipped, Deadline, Transcript

T = TypeVar("T")
LEFTOVERS_SHOWN = 5   # processes named in the note about what a check left running
POLL_INTERVAL = 0.02  # between two looks at /proc while waiting for a state
SMALL_BUFFERS = 64 << 10  # bytes: TCP buffers of a check's network, for a client that does not read
RUNNER_TASKS = 64         # the runner's own threads and helpers, in a process limit without root


class Session:
    def __init__(self, ctx: RunContext, spec: CheckSpec) -> None:
        self.ctx = ctx
        self.spec = spec
        self.isolation = sandbox.Isolation(ctx.isolation)
        self.net = Network(ctx.slot, private_hosts=self.isolation.isolated)
        self.deadline = Deadline(spec.timeout)
        # The check's own random choices: the same seed and check, the same choices.
        self._rng = random.Random(f"{ctx.seed}/{spec.id}")
        self.seeded = False  # whether the check drew anything from the seed
        self.adversary = adversary.Adversary(self._rng)
        self.files = Path(ctx.work_dir) / "checks" / spec.key  # the check's capture (and, with --keep, more)
        self.transcript = Transcript()
        self.programs: list[Program] = []
        self.peers: list[Peer] = []
        self.listeners: list[Listener] = []
        self.endpoints: list[datagram.Endpoint] = []  # the grader's UDP sockets
        self.relays: list[datagram.Relay] = []
        self.lans: list[Lan] = []
        self.measured = ""  # a measurement to report with the check (run.report_measurement)
        self.traffic = Traffic(ctx, self.isolation.isolated)  # its packets and TCP states
        if spec.needs_hosts and not self.net.private_hosts:
            raise CheckSkipped("this check needs the grader's private hosts file (zeus, moon, "
                               "www.google.be), which needs namespaces; they are not available here")

    @property
    def rng(self) -> random.Random:
        """The check's random choices (its replay command then gives the seed)."""
        self.seeded = True
        return self._rng

    # --- programs ------------------------------------------------------------

    @property
    def drop(self) -> list[str]:
        """The prefix that starts a program without any privilege (sandbox.drop)."""
        return sandbox.drop(self.isolation, self.ctx.uid)

    def _process_limit(self, limits: Limits) -> Limits:
        """RLIMIT_NPROC counts the tasks of a uid: the slot's grading uid's as
        root (the run's programs only); without root, those of the run's user
        namespace, where the runner's own threads count too; without
        namespaces, every process of the user (then no limit)."""
        if self.isolation is sandbox.Isolation.USER and limits.processes is not None:
            return dataclasses.replace(limits, processes=limits.processes + RUNNER_TASKS)
        if not self.isolation.isolated:
            return dataclasses.replace(limits, processes=None)
        return limits

    def limits(self, **changes: int | None) -> Limits:
        """The default limits of a program (no address-space limit under
        the sanitizers, which reserve terabytes of virtual memory), changed."""
        base = Limits(address_space=None) if self.ctx.sanitize else Limits()
        return dataclasses.replace(base, **changes)

    def program_path(self, name: str, reference: bool = False) -> Path:
        if reference:
            path = self.ctx.reference_programs.get(name)
            if path is None:
                raise CheckSkipped(f"this check needs the kit's reference {name}, which is not available here "
                                   "(the kit's solutions/ folder is not part of this copy of the kit)")
            return Path(path)
        path = self.ctx.programs.get(name)
        if path is None:
            note = f" {self.ctx.build_note}" if self.ctx.build_note else ""
            base, _, flavour = name.partition("-")
            sanitizer = {"tsan": "ThreadSanitizer", "asan": "AddressSanitizer"}.get(flavour, flavour)
            what = f"a {sanitizer} build of {base}" if flavour else f"a program {name} built from {name}.cpp"
            raise CheckFailed(what,
                              f"{name} was not built.{note}",
                              "See this lab's build report for the compiler's messages.")
        return Path(path)

    def run_tool(self, name: str, *args: str, timeout: float) -> subprocess.CompletedProcess:
        """Run one of the kit's tools (the lab declares it in TOOLS) from the
        grader's side, in the check's network; its output, as text."""
        path = self.ctx.tools.get(name)
        if path is None:
            why = self.ctx.tools_missing.get(name, "the lab does not declare it in TOOLS")
            raise CheckSkipped(f"this check needs the kit's {name}, which could not be built here: {why}")
        with self.transcript.step(f"$ {' '.join([name, *args])}   # the kit's {name}") as step:
            seconds = min(timeout, max(self.deadline.remaining(), 0.1))
            try:
                done = subprocess.run([*self.drop, path, *args], stdin=subprocess.DEVNULL, capture_output=True,
                                      text=True, errors="replace", timeout=seconds)
            except subprocess.TimeoutExpired:
                self.fail(f"{name} ends within {seconds:g} s", "it was still running",
                          "The server under test stopped answering: see its output below.")
            step.outcome = f"exit status {done.returncode}"
        return done

    def report_measurement(self, text: str) -> None:
        """A measurement this check reports (no points): shown at the top of its
        feedback and in the summary of every report."""
        self.measured = text

    def start(self, name: str, *args: str, interactive: bool = False, fill_descriptors: bool = False,
              limits: Limits | None = None, reference: bool = False, line_mode: bool = False) -> Program:
        """Start one of the lab's programs, as `./name args` in its folder
        (with reference=True, the kit's reference program of that name;
        line_mode: its terminal delivers whole lines and knows Ctrl-D, for
        end_input)."""
        path = self.program_path(name, reference)
        shown = f"{name} (the kit's reference)" if reference else name
        with self.transcript.step(f"$ ./{' '.join([name, *args])}" + ("   # the kit's reference " + name if reference else "")) as step:
            limits = limits or self.limits()
            if name.endswith(("-asan", "-tsan")):
                # A sanitizer reserves terabytes of address space for its shadow memory.
                limits = dataclasses.replace(limits, address_space=None)
            env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": "dumb",
                   "HOME": self.ctx.build_dir,
                   "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:verify_asan_link_order=0",
                   "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1",
                   # Data races are the point; a "thread leak" is reported, sometimes
                   # wrongly, when a handler _exit()s while detached threads finish.
                   "TSAN_OPTIONS": "report_thread_leaks=0"}
            if fill_descriptors:
                if not self.ctx.fill_fds_lib:
                    raise RuntimeError("the descriptor-filling library was not built")
                env["LD_PRELOAD"] = self.ctx.fill_fds_lib
            program = start_program(path, list(args), cwd=Path(self.ctx.build_dir), env=env,
                                    limits=self._process_limit(limits), prefix=self.drop, interactive=interactive,
                                    line_mode=line_mode)
            program.name = shown
            self.programs.append(program)
            step.outcome = f"pid {program.pid}"
        return program

    def expect_line(self, program: Program, line: Line, timeout: float | None = None,
                    hint: str = "") -> re.Match:
        """Wait until the program prints `line` (after what earlier expects consumed)."""
        with self.transcript.step(f"wait for {program.name} to print {line.describe()}") as step:
            match = program.match_stdout(line.regex, self.deadline.until(timeout))
            if not match:
                self.fail(f"{program.name} prints a line like {line.describe()}",
                          self._silence(program, timeout),
                          hint or "Print the line on stdout, ending with a newline, at the moment the handout says.")
            step.outcome = f'"{cut(match.group(0).strip(), 100)}"'
        return match

    def expect_message(self, program: Program, pattern: str, shows: str, timeout: float | None = None,
                       hint: str = "") -> re.Match:
        """Wait until the program writes a message matching pattern, on stdout or stderr."""
        with self.transcript.step(f"wait for {program.name} to report {shows}") as step:
            match = program.match_any(re.compile(pattern, re.IGNORECASE), self.deadline.until(timeout))
            if not match:
                self.fail(f"{program.name} reports {shows}", self._silence(program, timeout),
                          hint or "Report the error (on stdout or stderr) with the reason perror() or strerror() gives.")
            step.outcome = f'"{cut(match.group(0).strip(), 100)}"'
        return match

    def _silence(self, program: Program, timeout: float | None) -> str:
        waited = self.deadline.seconds if timeout is None else timeout
        status = program.poll()
        where = f"it {status.describe()}" if status else f"it is still running after {waited:g} s"
        return f"no such output: {where}"

    def expect_exit(self, program: Program, timeout: float | None = None, hint: str = "") -> ExitStatus:
        with self.transcript.step(f"wait for {program.name} to end") as step:
            status = program.wait_exit(self.deadline.until(timeout))
            if status is None:
                self.fail(f"{program.name} ends", "it is still running",
                          hint or "Here the program must end by itself; it seems to wait or loop instead.")
            step.outcome = status.describe()
        return status

    def expect_failure_exit(self, program: Program, hint: str = "") -> ExitStatus:
        """The program must end with a non-zero exit status (not a crash)."""
        status = self.expect_exit(program, hint=hint)
        if status.code is None or status.code == 0:
            self.fail(f"{program.name} exits with a non-zero status (e.g. exit(1)) after reporting the error",
                      f"it {status.describe()}", hint or "A failed call is reported and ends the program with "
                      "a non-zero status, so that a shell script (or the grader) can tell it failed.")
        return status

    def expect_waiting(self, program: Program, what: str) -> None:
        """The program must be alive and blocked, waiting for something
        (pause(), accept(), read()...): asleep in the same system call on two
        looks in a row, not running, not on its way out."""
        last: list[int | None] = [None]

        def settled() -> bool:
            number = None
            if procfs.process_state(program.pid) in ("S", "D"):
                number = procfs.waiting_syscall(program.pid)
            same = number is not None and number == last[0]
            last[0] = number
            return same

        with self.transcript.step(f"check that {program.name} {what}") as step:
            if not self.wait_until(settled, program=program):
                status = program.poll()
                observed = f"it {status.describe()}" if status else "it keeps running without waiting"
                self.fail(f"{program.name} {what}", observed,
                          "Here the program must stay alive and wait (e.g. in pause()) until it is interrupted.")
            step.outcome = "alive, waiting"

    def write_file(self, name: str, text: str) -> str:
        """A file of the check's own (e.g. a users file), which the programs
        can read (and not change); its path as they see it."""
        name = f"{self.spec.key}-{name}"
        path = Path(self.ctx.work_dir) / "files" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        path.chmod(0o644)
        return str(Path(self.ctx.shared_dir) / name)

    @staticmethod
    def settled_probe(program: Program) -> Callable[[], bool]:
        """A probe that holds once every thread of the program waits (asleep in
        the same system calls on two looks in a row)."""
        last: list[dict | None] = [None]

        def settled() -> bool:
            waits = procfs.thread_waits(program.pid)
            calm = bool(waits) and all(number is not None for number in waits.values())
            same = calm and waits == last[0]
            last[0] = waits if calm else None
            return same
        return settled

    def expect_settled(self, program: Program, what: str) -> None:
        """Every thread of the program waits (asleep in the same system call on
        two looks in a row): whatever it had to do with the data it was sent
        is done. A fact to wait for before checking that something did NOT happen."""
        settled = self.settled_probe(program)
        with self.transcript.step(f"wait until every thread of {program.name} waits ({what})") as step:
            if not self.wait_until(settled, program=program):
                status = program.poll()
                self.fail(f"{program.name} settles: every thread waiting for something",
                          f"it {status.describe()}" if status else "some thread keeps running")
            step.outcome = f"{procfs.thread_count(program.pid)} threads, all waiting"

    def type_line(self, program: Program, text: str, shown: str | None = None) -> None:
        """Type a line at the program's terminal (it was started interactive);
        shown: how the transcript names it (a long line, say), if not by its text."""
        with self.transcript.step(f"type {shown or chr(34) + text + chr(34)} and Enter at {program.name}'s prompt"):
            program.write_stdin(text.encode() + b"\n")

    def end_input(self, program: Program) -> None:
        """Ctrl-D at the program's prompt: end of input (its read() returns 0;
        the program was started with line_mode=True)."""
        with self.transcript.step(f"end of input at {program.name}'s prompt (Ctrl-D)"):
            program.end_input()

    def interrupt(self, program: Program) -> ExitStatus:
        """Send SIGINT (as Ctrl-C would) and expect the program to stop: killed
        by SIGINT, or exiting with status 0 from a handler."""
        with self.transcript.step(f"$ kill -INT {program.pid}"):
            program.signal(signal.SIGINT)
        status = self.expect_exit(program, hint="SIGINT must stop the program (its default action does; "
                                  "a handler must end the program).")
        if not (status.signal == signal.SIGINT or status.code == 0):
            self.fail(f"{program.name} stops on SIGINT (killed by SIGINT, or exit status 0)",
                      f"it {status.describe()}")
        return status

    def suspend(self, program: Program, why: str) -> None:
        """SIGSTOP: the program stops where it is (a stopped process runs
        nothing, but its kernel still completes handshakes for it)."""
        with self.transcript.step(f"$ kill -STOP {program.pid}   # {why}") as step:
            program.signal(signal.SIGSTOP)
            stopped = self.wait_until(lambda: procfs.process_state(program.pid) == "T" or None, timeout=2.0)
            step.outcome = "stopped" if stopped else "not stopped"
        self.require(bool(stopped), f"{program.name} stopped (SIGSTOP)", f"it {program.poll().describe()}"
                     if program.poll() else "it is not stopped")

    def resume(self, program: Program) -> None:
        with self.transcript.step(f"$ kill -CONT {program.pid}"):
            program.signal(signal.SIGCONT)

    def stop(self, program: Program) -> None:
        """End a program the check is done with (SIGKILL), and wait for it."""
        with self.transcript.step(f"$ kill -KILL {program.pid}   # done with {program.name}"):
            program.signal(signal.SIGKILL)
            program.wait_exit(self.deadline.until(2.0))

    def wait_until(self, probe: Callable[[], T | None], timeout: float | None = None,
                   program: Program | None = None) -> T | None:
        """Look at a condition until it holds (returns a truthy value), the time
        runs out, or the program exits; between looks, wait on the program's exit."""
        until = self.deadline.until(timeout)
        while True:
            value = probe()
            if value:
                return value
            if time.monotonic() >= until or (program is not None and not program.running()):
                return probe()
            if program is not None:
                program.wait_or_exit(min(until, time.monotonic() + POLL_INTERVAL))
            else:
                _pause(min(until, time.monotonic() + POLL_INTERVAL))

    # --- the grader's own network endpoints -----------------------------------

    def connect(self, host: str, port: int, *, source: str | None = None, timeout: float | None = None,
                receive_buffer: int | None = None) -> Peer:
        origin = f" from {source}" if source else ""
        small = f" with a receive buffer of {receive_buffer} bytes" if receive_buffer else ""
        with self.transcript.step(f"connect to {self._named(host)}:{port}{origin}{small}") as step:
            try:
                peer = connect(host, port, self.deadline.until(timeout), source, receive_buffer)
            except ConnectionRefusedError:
                self.fail(f"a server listening on {host}:{port}", "the connection was refused (no socket "
                          f"listens on port {port})", "The server must call listen() before the grader connects.")
            except TimeoutError:
                self.fail(f"a server accepting connections on {host}:{port}", "the connection timed out",
                          "The listening socket's queue may be full, or the server never calls listen().")
            except OSError as error:
                # Most often ECONNRESET: the kernel completed the handshake, then
                # the listening socket was closed (the server ended) before accept().
                self.fail(f"a server accepting connections on {host}:{port}",
                          f"connecting failed: {error.strerror or error}",
                          "The connection was dropped before the server accepted it: did the server close its "
                          "listening socket, or end?")
            self.peers.append(peer)
            step.outcome = f"connected from {peer.local[0]}:{peer.local[1]}"
        return peer

    def connect_outcome(self, host: str, port: int) -> str:
        """Try to connect, and say what happened: "refused" (nothing listens),
        "accepted" (the connection is closed at once), "timed out", or the error."""
        try:
            peer = connect(host, port, self.deadline.until(2.0))
        except ConnectionRefusedError:
            return "refused"
        except TimeoutError:
            return "timed out"
        except OSError as error:
            return f"failed: {error.strerror}"
        peer.close()
        return "accepted"

    def listen(self, port: int, host: str = "0.0.0.0") -> Listener:
        with self.transcript.step(f"the grader listens on {self._named(host)}:{port}") as step:
            listener = Listener(host, port)
            self.listeners.append(listener)
            step.outcome = "LISTEN"
        return listener

    def accept(self, listener: Listener, program: Program, timeout: float | None = None) -> Peer:
        """Wait for `program` to connect to the grader's listener."""
        with self.transcript.step(f"wait for {program.name} to connect to port {listener.address[1]}") as step:
            peer = listener.accept(self.deadline.until(timeout), give_up=lambda: not program.running(),
                                   wake_fds=(program.pidfd,))
            if peer is None:
                status = program.poll()
                observed = f"it {status.describe()} without connecting" if status else "no connection arrived"
                self.fail(f"{program.name} connects to {listener.address[0]}:{listener.address[1]}", observed,
                          "Connect to the address and port given on the command line.")
            self.peers.append(peer)
            step.outcome = f"connection from {peer.remote[0]}:{peer.remote[1]}"
        return peer

    def send(self, peer: Peer, data: bytes, what: str = "") -> None:
        """Send bytes on one of the grader's connections (all of them)."""
        with self.transcript.step(f"send {show_wire(data)}" + (f" ({what})" if what else "")):
            try:
                peer.send(data)
            except OSError as error:
                self.fail(f"the connection accepts {len(data)} more bytes",
                          f"sending failed: {error.strerror or error}",
                          "The other side closed or reset the connection before the grader had sent everything.")

    def send_pieces(self, peer: Peer, data: bytes, reader: Program, what: str = "", at_least: int = 2) -> None:
        """Send data cut at points the seed chooses into at least `at_least`
        pieces (sometimes a byte at a time), each a segment of its own, and
        wait until `reader` has read each piece before sending the next: a
        program that takes fewer read()s than that for a whole message then
        sees only part of it, every time."""
        self.seeded = True
        pieces = self.adversary.pieces(data, at_least)
        how = adversary.describe(pieces)
        with self.transcript.step(f"send {show_wire(data)}" + (f" ({what})" if what else "")
                                  + f" {how}, each read by {reader.name} before the next (seed {self.ctx.seed})") \
                as step:
            peer.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            keep_reading = "Keep reading until the whole message is there: TCP may deliver it in any pieces."
            for number, piece in enumerate(pieces, start=1):
                try:
                    peer.send(piece)
                except OSError as error:
                    # Closed in the middle of the message: most often the reader
                    # gave up after the pieces it expected, and ended.
                    status = reader.wait_exit(min(self.deadline.until(None), time.monotonic() + 2))
                    if status is not None:
                        self.fail(f"{reader.name} reads each piece as it comes",
                                  f"it {status.describe()} before piece {number} of {len(pieces)} could be sent",
                                  keep_reading)
                    self.fail(f"the connection accepts {len(data)} bytes in pieces",
                              f"sending piece {number} failed: {error.strerror or error}",
                              "The other side closed or reset the connection in the middle of a message.")
                if number < len(pieces) and not self.wait_until(lambda: self._consumed(peer), program=reader):
                    status = reader.poll()
                    self.fail(f"{reader.name} reads each piece as it comes",
                              f"after piece {number} of {len(pieces)}, "
                              + (f"it {status.describe()}" if status else "it did not read it"), keep_reading)
            step.outcome = "sent"

    def _their_end(self, peer: Peer) -> procfs.InetSocket | None:
        """The other end of one of the grader's connections (the program's socket)."""
        return next((s for s in self.tcp_sockets() if s.local == peer.remote and s.remote == peer.local), None)

    def _consumed(self, peer: Peer) -> bool:
        """The program's end of the grader's connection has nothing left to read."""
        theirs = self._their_end(peer)
        return theirs is None or theirs.recv_queue == 0

    def wait_read(self, peer: Peer, program: Program, what: str, hint: str = "") -> None:
        """Wait until program has read everything the grader sent on peer."""
        with self.transcript.step(f"wait until {program.name} has read {what}") as step:
            if not self.wait_until(lambda: self._consumed(peer), program=program):
                status = program.poll()
                self.fail(f"{program.name} reads {what}", f"it {status.describe()}" if status else
                          "it has not read it", hint)
            step.outcome = "read"

    def stop_reading(self, peer: Peer, program: Program, request: bytes, limit: int) -> int:
        """Send `request` again and again on peer without reading the replies,
        until the program stops reading this connection: its replies fill
        the grader's receive buffer and its own send buffer, so that whatever
        writes them is blocked (its end's queues stay the same on two looks).
        At most `limit` bytes; the bytes sent."""
        batch = request * max(1, 16384 // len(request))
        sent = 0
        last: list[tuple[int, int] | None] = [None]

        def blocked() -> bool:
            nonlocal sent
            theirs = self._their_end(peer)
            queues = (theirs.recv_queue, theirs.send_queue) if theirs else None
            if queues is not None and queues[0] == 0 and sent < limit:
                # It has read everything so far: more requests.
                peer.sock.setblocking(False)  # (the peer's reads set their own timeouts)
                try:
                    sent += peer.sock.send(batch)
                except BlockingIOError:
                    pass
                last[0] = None
                return False
            same = queues is not None and all(queues) and queues == last[0]
            last[0] = queues
            return same

        with self.transcript.step(f"send {show_wire(request)} again and again without reading the replies, "
                                  f"until {program.name} stops reading them (at most {limit >> 20} MB)") as step:
            stopped = self.wait_until(blocked, program=program)
            if not stopped:
                status = program.poll()
                self.fail(f"{program.name}'s replies to a client that does not read them pile up until "
                          "its sending blocks", f"it {status.describe()}" if status else
                          f"after {sent >> 10} KiB of requests it still reads them", "")
            step.outcome = f"{sent >> 10} KiB sent; {program.name} no longer reads them"
        return sent

    def small_tcp_buffers(self) -> None:
        """Cap the TCP buffers of the check's own network at SMALL_BUFFERS
        (they grow to megabytes by default), so that a client that does not
        read fills them in a moment. A connection sizes its buffers when it
        is established: call this before starting the programs."""
        if not self.isolation.isolated:
            return  # the machine's own settings: not the grader's to change
        with self.transcript.step(f"in the check's network, TCP buffers grow to {SMALL_BUFFERS >> 10} KiB at most "
                                  "(sysctl net.ipv4.tcp_rmem and tcp_wmem)") as step:
            try:
                for name in ("tcp_rmem", "tcp_wmem"):
                    Path(f"/proc/sys/net/ipv4/{name}").write_text(f"4096 16384 {SMALL_BUFFERS}\n")
                step.outcome = "done"
            except OSError as error:
                step.outcome = f"not possible here ({error.strerror or error}): the buffers fill more slowly"

    def half_close(self, peer: Peer, data: bytes, what: str) -> None:
        """Send data and the end of the grader's sending side together
        (shutdown(SHUT_WR)): the program sees the bytes and end of file at once."""
        peer.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)  # held in the grader's kernel until shutdown()
        self.send(peer, data, what)
        with self.transcript.step("shutdown(SHUT_WR): the grader will send nothing more (the bytes and the FIN "
                                  "leave in one segment)") as step:
            peer.sock.shutdown(socket.SHUT_WR)
            step.outcome = "done"

    def close_sockets(self, action: str, *endpoints) -> None:
        """Close sockets of the grader's (connections, listeners, UDP
        endpoints) as one step of the transcript, described by action."""
        with self.transcript.step(action) as step:
            for endpoint in endpoints:
                endpoint.close()
            step.outcome = "closed"

    def reset(self, peer: Peer, what: str = "") -> None:
        """Abort the grader's connection: an RST instead of a FIN (SO_LINGER 0, then close)."""
        with self.transcript.step("the grader resets its connection (RST: SO_LINGER 0, then close)"
                                  + (f" {what}" if what else "")) as step:
            peer.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            peer.close()
            step.outcome = "reset"

    def receive(self, peer: Peer, expected: bytes, who: str, hint: str = "", timeout: float | None = None) -> bytes:
        """Receive exactly len(expected) bytes and require that they are `expected`."""
        with self.transcript.step(f"receive {show_wire(expected)} from {who}") as step:
            got = peer.recv_exactly(len(expected), self.deadline.until(timeout))
            if got.data != expected:
                at = first_difference(got.data, expected)
                how = ("then the connection was reset" if got.reset else "then the connection was closed"
                       if got.closed else "then nothing more came" if not got.complete else "")
                self.fail(f"{who} sends {show_wire(expected, keep_from=at)}",
                          f"it sent {show_wire(got.data, keep_from=at)}" + (f", {how}" if how else "")
                          + (f" (they differ from byte {at} on)" if got.data and at < len(got.data) else ""),
                          hint or "Send exactly the bytes the handout shows: no '\\0', no newline, nothing more.")
            step.outcome = "received"
        return got.data

    def receive_until(self, peer: Peer, delimiter: bytes, who: str, hint: str = "",
                      timeout: float | None = None) -> bytes:
        """Receive up to and including delimiter (e.g. the end marker of a frame)."""
        with self.transcript.step(f"receive from {who} up to {show_wire(delimiter)}") as step:
            got = peer.recv_until(delimiter, self.deadline.until(timeout))
            if not got.complete:
                how = "the connection was reset" if got.reset else "the connection was closed" if got.closed \
                    else "nothing more came"
                self.fail(f"{who} sends bytes ending with {show_wire(delimiter)}",
                          f"it sent {show_wire(got.data)}, then {how}", hint)
            step.outcome = show_wire(got.data)
        return got.data

    def expect_closed(self, peer: Peer, who: str, hint: str = "", timeout: float | None = None) -> None:
        """The other side closes the connection (EOF) and sends nothing more."""
        with self.transcript.step(f"wait for {who} to close the connection") as step:
            got = peer.wait_closed(self.deadline.until(timeout))
            if got.data or not got.closed:
                more = f"it sent {show_wire(got.data)} more" if got.data else ""
                still = "the connection is still open" if not got.closed else "then it closed"
                self.fail(f"{who} closes the connection after its answer (the grader reads end-of-file)",
                          ", ".join(part for part in (more, still) if part),
                          hint or "close() the socket once the answer is sent.")
            step.outcome = "connection reset" if got.reset else "end of file"

    def expect_nothing_more(self, peer: Peer, program: Program, why: str, hint: str = "") -> None:
        """Nothing more arrives from program on this connection: looked at
        once it has closed it, ended, or settled (every thread waiting), so
        that bytes it writes a moment later are seen too."""
        settled = self.settled_probe(program)
        with self.transcript.step(f"check that {program.name} sends nothing more ({why})") as step:
            self.wait_until(lambda: peer.pending() or peer.closed_by_peer() or settled(), program=program)
            extra = peer.pending()
            if extra:
                self.fail(f"nothing more from {program.name} ({why})", f"it sent {show_wire(extra)} more",
                          hint or "Send exactly the bytes the handout shows: no '\\0', no newline, nothing more.")
            step.outcome = "nothing more"

    def expect_nothing_received(self, peer: Peer, who: str, why: str) -> None:
        """Nothing has arrived on this connection yet (a look, not a wait)."""
        with self.transcript.step(f"check that nothing has come from {who} yet ({why})") as step:
            pending = peer.pending()
            if pending:
                self.fail(f"nothing from {who} yet ({why})", f"it has already sent {show_wire(pending)}")
            step.outcome = "nothing"

    def need_free_port(self, port: int) -> None:
        """Skip the check if port is taken on this machine. With namespaces
        every check starts with a fresh network and this never happens."""
        error = None if self.isolation.isolated else bind_probe(port)
        if error is not None:
            raise CheckSkipped(f"port {port} is in use on this machine ({error.strerror}), so a server cannot "
                               "bind it now. A connection in TIME_WAIT keeps it for 60 s: run the check again "
                               "in a minute (or as root, where the grader gives each check its own network).")

    def bind_error(self, port: int) -> OSError | None:
        """Whether the grader itself could bind 0.0.0.0:port right now (the
        error it gets, or None)."""
        return bind_probe(port)

    # --- datagrams (UDP) -------------------------------------------------------

    def udp(self, host: str, port: int = 0) -> datagram.Endpoint:
        """A UDP socket of the grader's, bound to host:port (0: any free port)."""
        with self.transcript.step(f"the grader opens a UDP socket on {self._named(host)}"
                                  + (f":{port}" if port else "")) as step:
            endpoint = datagram.Endpoint(host, port)
            self.endpoints.append(endpoint)
            step.outcome = f"bound to {endpoint.local[0]}:{endpoint.local[1]}"
        return endpoint

    def send_datagram(self, endpoint: datagram.Endpoint, data: bytes, to: tuple[str, int], what: str = "") -> None:
        with self.transcript.step(f"send the datagram {show_wire(data)} from {endpoint.local[0]}:{endpoint.local[1]} "
                                  f"to {self._named(to[0])}:{to[1]}" + (f" ({what})" if what else "")):
            try:
                endpoint.send(data, to)
            except OSError as error:
                self.fail(f"the grader can send a datagram to {to[0]}:{to[1]}",
                          f"sendto() failed: {error.strerror or error}")

    def receive_datagram(self, endpoint: datagram.Endpoint, who: str, hint: str = "",
                         timeout: float | None = None) -> datagram.Datagram:
        """The next datagram that comes to endpoint (fail if none comes in time)."""
        with self.transcript.step(f"wait for a datagram from {who} at {endpoint.local[0]}:{endpoint.local[1]}") as step:
            got = endpoint.receive(self.deadline.until(timeout))
            if got is None:
                waited = self.deadline.seconds if timeout is None else timeout
                self.fail(f"a datagram from {who}", f"none came within {waited:g} s",
                          hint or "Answer every request with one datagram, sent with sendto() to the address "
                                  "recvfrom() gave.")
            step.outcome = f"{show_wire(got.data)} from {got.sender[0]}:{got.sender[1]}"
        return got

    def relay(self, listen: tuple[str, int], server: tuple[str, int], plan: datagram.Plan,
              what: str) -> datagram.Relay:
        """A relay between the clients that send to `listen` and the server,
        losing what plan says (see datagram.Relay)."""
        with self.transcript.step(f"the grader relays datagrams between {self._named(listen[0])}:{listen[1]} and "
                                  f"the server at {self._named(server[0])}:{server[1]}: {what}") as step:
            relay = datagram.Relay(listen, server, plan)
            self.relays.append(relay)
            step.outcome = "relaying"
        return relay

    def lan(self, hosts: list[str]) -> Lan:
        """A broadcast-capable network of the check's own: a namespace per host
        (see lan.py). Skips the check where namespaces cannot be made."""
        if not self.isolation.isolated:
            raise CheckSkipped("this check builds a network of namespaces of its own, which cannot be made here")
        with self.transcript.step(f"make an Ethernet of the check's own: a bridge here, and {' and '.join(hosts)} "
                                  "in network namespaces of their own, each joined to it by a veth pair") as step:
            try:
                lan = Lan(hosts)
            except LanUnavailable as error:
                raise CheckSkipped(f"this check needs a network of namespaces, which this kernel would not "
                                   f"make: {error}") from error
            self.lans.append(lan)
            step.outcome = ", ".join(f"{host} {address}" for host, address in lan.addresses.items()) + \
                f", the grader {lan.grader}, broadcast {lan.broadcast}"
        return lan

    # --- looking at sockets ---------------------------------------------------

    def fds(self, program: Program) -> list[procfs.FdInfo]:
        return procfs.open_fds(program.pid)

    def socket_of(self, program: Program, fd: int, what: str = "") -> procfs.FdInfo:
        """The program's descriptor fd, which must be a socket."""
        with self.transcript.step(f"look at descriptor {fd} of {program.name} in /proc/{program.pid}/fd") as step:
            info = procfs.fd_info(program.pid, fd)
            if info is None or not info.is_socket:
                found = "not open" if info is None else f"not a socket but {info.target}"
                self.fail(f"descriptor {fd} of {program.name} is {what or 'a socket'}", f"descriptor {fd} is {found}",
                          "Print the value socket() (or accept()) returned.")
            kind, name = snapshot.describe_fd(info, self.net.names())
            step.outcome = f"{kind} {name}"
        return info

    def probe(self, program: Program, fd: int) -> procfs.ProbedSocket:
        with self.transcript.step(f"ask socket {fd} of {program.name} for its type and address") as step:
            probed = procfs.probe_socket(program.pid, fd)
            where = f"{probed.local[0]}:{probed.local[1]}" if probed.local else "-"
            step.outcome = (f"{probed.family} {probed.type} ({probed.protocol}), bound to {where}, "
                            f"{'listening' if probed.listening else 'not listening'}")
        return probed

    def tcp_sockets(self) -> list[procfs.InetSocket]:
        """Every TCP socket of the check's network namespace."""
        return procfs.inet_table("self", "tcp")

    def wait_for_socket(self, program: Program, predicate: Callable[[procfs.FdInfo], bool], what: str,
                        hint: str, timeout: float | None = None) -> procfs.FdInfo:
        """Wait until one of the program's descriptors satisfies predicate."""
        with self.transcript.step(f"wait until {program.name} has {what}") as step:
            def probe() -> procfs.FdInfo | None:
                return next((info for info in procfs.open_fds(program.pid) if predicate(info)), None)
            info = self.wait_until(probe, timeout, program)
            if info is None:
                status = program.poll()
                observed = f"it {status.describe()}" if status else "no such socket among its descriptors"
                self.fail(f"{program.name} has {what}", observed, hint)
            kind, name = snapshot.describe_fd(info, self.net.names())
            step.outcome = f"fd {info.fd}: {kind} {name}"
        return info

    # --- verdicts ---------------------------------------------------------------

    def fail(self, expected: str, observed: str, hint: str = "") -> NoReturn:
        raise CheckFailed(expected, observed, hint)

    def require(self, condition: bool, expected: str, observed: str, hint: str = "") -> None:
        if not condition:
            self.fail(expected, observed, hint)

    def note(self, text: str) -> None:
        self.transcript.add(text)

    def _named(self, host: str) -> str:
        name = self.net.names().get(host)
        return f"{name} ({host})" if name and name != host else host

    # --- reports ------------------------------------------------------------------

    def sanitizer_failure(self) -> CheckFailed | None:
        for program in self.programs:
            report = program.sanitizer_report()
            if report:
                return CheckFailed(f"{program.name} runs without memory errors or undefined behaviour",
                                   "the sanitizers reported an error:\n" + indent_block(cut(report, 3000)),
                                   "Read the first frames of the report: they name the line of your code.")
        return None

    def report(self, failure: CheckFailed | None, replay: str = "") -> str:
        """The feedback of the check: what was expected and observed, the
        steps, the programs' output and sockets (at this moment)."""
        parts = []
        if failure is not None and not any(step.failed for step in self.transcript.steps):
            # The failure came from comparing facts after the last step: make that a step.
            self.transcript.add(f"compare with what is expected: {failure.expected}").failed = True
        if failure is not None:
            parts.append(f"Expected: {failure.expected}\nObserved: {failure.observed}")
            if failure.hint:
                parts.append(f"Hint: {failure.hint}")
            if self.transcript.steps:
                parts.append("What the grader did (✗ marks the step that failed):\n" + self.transcript.render())
            parts.extend(self._program_sections())
            parts.append(self._network_section())
            parts.extend(self._traffic_sections())
            if replay:
                parts.append(f"To run this check again: {replay}")
        else:
            parts.append("What the grader did:\n" + self.transcript.render())
            if self.ctx.trace:
                parts.extend(self._traffic_sections())
        if self.measured:
            parts.insert(0, self.measured)
        return "\n\n".join(part for part in parts if part)

    def _program_sections(self) -> list[str]:
        sections = []
        names = self.net.names()
        for program in self.programs:
            status = program.poll()
            state = f"it {status.describe()}" if status else "still running"
            text = [f"{program.name} (pid {program.pid}, {state}):"]
            for stream in (program.stdout, program.stderr):
                output = tail_lines(stream.text, 25)
                dropped = f" (…{stream.dropped} more bytes not kept)" if stream.dropped else ""
                text.append(f"  {stream.name}{dropped}:\n{indent_block(cut(output, 3000, len(output)), '    | ')}")
            if status is None:
                fds = procfs.open_fds(program.pid)
                if procfs.process_state(program.pid) not in (None, "Z") and 1 not in {info.fd for info in fds}:
                    text.append("  it has closed its standard output (descriptor 1): nothing it prints can arrive")
                text.append(f"  its descriptors, as `lsof -p {program.pid}` shows them:\n"
                            + indent_block(snapshot.lsof_view(program.name, program.pid, fds, names), "    "))
            sections.append("\n".join(text))
        return sections

    def _network_section(self) -> str:
        sockets = self.tcp_sockets()
        if not sockets and not self.peers and not self.listeners:
            return ""
        return (f"TCP sockets in the check's network, as `ss -tan` shows them ({self.net.legend()}):\n"
                + indent_block(snapshot.ss_view(sockets, self.net.names()), "  "))

    def _traffic_sections(self) -> list[str]:
        """What the check's network carried (see traffic.py); the capture is
        kept as a .pcap with the check's files."""
        ends = [peer.local for peer in self.peers] + [listener.address for listener in self.listeners]
        ends += [endpoint.local for endpoint in self.endpoints]
        roles = {(host, port): "grader" for host, port in ends}
        relay_ends = {end for relay in self.relays for end in relay.ends()}
        roles.update({end: "relay" for end in relay_ends})
        fates = [entry.fate == datagram.DROP for relay in self.relays for entry in relay.seen()]
        return self.traffic.sections(self.net.names(), roles, self.files, (relay_ends, fates))

    def keep_file(self, name: str, text: str) -> None:
        """One of the check's files, kept with --keep."""
        self.files.mkdir(parents=True, exist_ok=True)
        (self.files / name).write_text(text)

    def keep_report(self, feedback: str) -> None:
        """--keep: the feedback, and the sockets of the check's network as they are now (the programs still run)."""
        self.keep_file("feedback.txt", feedback)
        self.keep_file("sockets.txt", self._network_section() or "(no TCP socket in the check's network)\n")

    def _keep_outputs(self) -> None:
        """--keep: every program's output as kept, and the capture."""
        for program in self.programs:
            name = program.name.split(" ", 1)[0]
            for stream in (program.stdout, program.stderr):
                dropped = f"\n(…{stream.dropped} more bytes not kept)\n" if stream.dropped else ""
                self.keep_file(f"{name}-{program.pid}.{stream.name}", stream.text + dropped)
        self.traffic.save(self.files)

    def close(self) -> list[str]:
        """End the check and kill every process of the run. Whoever closes a
        TCP connection first keeps its TIME_WAIT: the grader closes first where
        it is the client, and after the programs where it is the server, so
        that port 50000 is never left in TIME_WAIT by the grader (this matters
        where checks share one network: without namespaces)."""
        for peer in self.peers:
            if not peer.accepted:
                peer.close()
        started = {program.pid for program in self.programs}
        leftovers = [f"pid {pid} ({command})" for pid, command in sandbox.running_processes(self.isolation)
                     if pid not in started]
        for program in self.programs:
            program.poll()
        survivors = sandbox.kill_all(self.isolation)
        for program in self.programs:
            program.wait_exit(time.monotonic() + 2.0)
            program.close()
        for peer in self.peers:
            if peer.accepted:
                peer.close()
        for listener in self.listeners:
            listener.close()
        for closing in (*self.relays, *self.endpoints, *self.lans):
            closing.close()
        self.traffic.stop()
        if self.ctx.keep:
            self._keep_outputs()
        notes = []
        if leftovers:
            shown = ", ".join(leftovers[:LEFTOVERS_SHOWN])
            more = f" and {len(leftovers) - LEFTOVERS_SHOWN} more" if len(leftovers) > LEFTOVERS_SHOWN else ""
            notes.append(f"{len(leftovers)} process(es) your program started were still running at the end of "
                         f"the check (the grader killed them): {shown}{more}")
        if survivors:
            notes.append(f"Processes that would not die: {survivors}")
        return notes


def _pause(until: float) -> None:
    """Block until time `until`: the pause between two looks at a condition
    when there is no program whose exit could end the wait early."""
    left = until - time.monotonic()
    if left > 0:
        select.select([], [], [], left)
