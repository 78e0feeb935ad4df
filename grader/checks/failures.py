"""The error paths of the course's programs, provoked on purpose.

Every handout asks the same of a call that fails: report it with its reason
(perror(), strerror(), gai_strerror()) and end with a non-zero status. These
helpers make one call fail for real, the same way in every lab:

- socket(): a preloaded helper takes every free descriptor before main(), so
  socket() fails with EMFILE;
- bind(): the grader holds the port first (EADDRINUSE);
- accept(): the program may open no descriptor beyond 0, 1, 2 and its
  listening socket (RLIMIT_NOFILE); accept() takes a descriptor for the
  client before it waits, so it fails with EMFILE at once;
- read() on a connection: the grader resets it (RST) while the program waits.

Each expects the error's text (the reason, not only "error") and a non-zero
exit status, never a crash nor a program that goes on.
"""

from __future__ import annotations

from kit.network import SERVER_PORT

from checks.course import EADDRINUSE, ECONNREFUSED, EMFILE

ECONNRESET = r"connection reset by peer"
ENOTCONN = r"transport endpoint is not connected"

STOP_HINT = ("On -1, perror() says why; then stop: close what is open and return EXIT_FAILURE "
             "(going on with -1 only fails again, further on, for a reason that hides the first).")


def expect_reported_failure(run, program, pattern: str, shows: str, hint: str) -> None:
    """The program reports `shows` (matching pattern) and exits with a non-zero status."""
    run.expect_message(program, pattern, shows, hint=f"{hint} {STOP_HINT}")
    run.expect_failure_exit(program)


def expect_socket_failure(run, name: str, *args: str, next_call: str | None = None) -> None:
    """Start the program with no descriptor free: socket() must fail and be
    reported (next_call: the call that would use the -1, for the hint)."""
    program = run.start(name, *args, fill_descriptors=True, limits=run.limits(open_files=32))
    run.note("(every descriptor of the program is taken before main(): socket() must fail)")
    misuse = f" (a {next_call} on -1 would only say \"Bad file descriptor\")" if next_call else ""
    expect_reported_failure(run, program, EMFILE, 'socket()\'s error, e.g. "socket: Too many open files"',
                            f"Test socket()'s return value before using it{misuse}.")


def expect_usage(run, name: str, usage: str, example: bool = False) -> None:
    """Run the program without its arguments: a usage line (and, if the
    handout asks for one, an example line "e.g. ..."), and a non-zero status."""
    program = run.start(name)
    if example:
        run.expect_message(program, r"usage\s*:[^\n]*\n\s*e\.g\.", f'a usage line, then an example line, e.g. '
                           f'"{usage}" and "  e.g. {name} 127.0.0.1 50000"',
                           hint="The handout asks for two lines on stderr: the usage, then an example.")
    expect_reported_failure(run, program, r"usage\s*:", f'a usage line, e.g. "{usage}"',
                            "Check argc before using argv[1] and argv[2].")


def expect_refused(run, name: str, *args: str) -> None:
    """Nothing listens where the program connects: connect() must fail and be reported."""
    program = run.start(name, *args)
    expect_reported_failure(run, program, ECONNREFUSED, 'connect()\'s error, e.g. "connect: Connection refused"',
                            "Nobody listens on the port: connect() returns -1 with errno ECONNREFUSED.")


def expect_port_taken(run, name: str, *args: str, port: int = SERVER_PORT, udp: bool = False) -> None:
    """The grader holds the port (a TCP listener, or a bound UDP socket): the
    program's bind() must fail and be reported. The grader then frees the port."""
    holder = run.udp("0.0.0.0", port) if udp else run.listen(port)
    program = run.start(name, *args)
    expect_reported_failure(run, program, EADDRINUSE, 'bind()\'s error, e.g. "bind: Address already in use"',
                            "Test bind()'s return value: the port is taken (here by the grader).")
    run.close_sockets(f"the grader closes its socket on port {port}", holder)


def expect_accept_failure(run, name: str, *args: str, open_files: int = 4) -> None:
    """Start the server with room for `open_files` descriptors (0, 1, 2 and
    its listening socket): accept() takes the client's descriptor before it
    waits, so it fails at once with EMFILE, to be reported."""
    program = run.start(name, *args, limits=run.limits(open_files=open_files))
    run.note(f"(the program may have {open_files} descriptors open: 0, 1, 2 and its listening socket; "
             "accept() has none left for a client)")
    expect_reported_failure(run, program, EMFILE, 'accept()\'s error, e.g. "accept: Too many open files"',
                            "accept() fails for a reason other than EINTR or ECONNABORTED: retrying cannot help.")


def expect_reset_before_accept(run, program, port: int = SERVER_PORT) -> None:
    """The server (listening, about to accept) is stopped; a client connects
    and resets while its connection waits in the accept queue; the server
    continues. Linux's accept() returns that dead connection, and
    getpeername() on it fails with ENOTCONN: to be reported, then a non-zero exit."""
    run.suspend(program, "it stops before it accepts")
    peer = run.connect(run.net.zeus, port)
    run.reset(peer, "while the connection waits in the accept queue")
    run.resume(program)
    expect_reported_failure(run, program, ENOTCONN, 'getpeername()\'s error, "Transport endpoint is not connected"',
                            "accept() may return a connection the client has already reset: getpeername() then "
                            "fails (ENOTCONN). Test its return value.")


def expect_reset_reported(run, program, peer, call: str = "read()") -> None:
    """The grader resets its connection while the program waits in `call`:
    the program must report ECONNRESET and exit with a non-zero status."""
    run.expect_waiting(program, f"waits in {call}")
    run.reset(peer, f"while {program.name} waits in {call}")
    expect_reported_failure(run, program, ECONNRESET, f'{call}\'s error, "Connection reset by peer"',
                            f"{call} returns -1 with errno ECONNRESET when the other side resets: it is "
                            "an error, not an end of file.")
