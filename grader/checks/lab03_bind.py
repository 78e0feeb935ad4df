"""Checks of lab 03: BindSocket binds a TCP socket to 0.0.0.0:50000 and waits."""

import errno

from kit.check import check
from kit.network import SERVER_PORT

from checks.course import BIND_OK, MY_ADDRESS, PID, SOCKET_CREATED
from checks.failures import expect_port_taken, expect_socket_failure

LAB = "03-bind"
ADDRESS_SANITIZED = ("BindSocket",)  # the port-taken run: the list freed on bind()'s error path too


def start_bound(run):
    """Start BindSocket and follow its lines until it waits; (program, fd, address line)."""
    run.need_free_port(SERVER_PORT)
    program = run.start("BindSocket")
    pid = int(run.expect_line(program, PID).group("pid"))
    fd = int(run.expect_line(program, SOCKET_CREATED).group("fd"))
    address = run.expect_line(program, MY_ADDRESS)
    run.expect_line(program, BIND_OK)
    run.expect_waiting(program, "waits (in pause()) after bind()")
    return program, pid, fd, address


@check("prints", "prints its pid, its socket and the address it binds: 0.0.0.0, port 50000", points=2)
def check_prints(run):
    program, pid, _, address = start_bound(run)
    run.require(pid == program.pid, f"pid = {program.pid}", f"pid = {pid}", "Print the value getpid() returns.")
    shown = (address.group("ip"), int(address.group("port")))
    run.require(shown == ("0.0.0.0", SERVER_PORT), "Mon Adresse IP: 0.0.0.0 -- Mon Port: 50000",
                f"Mon Adresse IP: {shown[0]} -- Mon Port: {shown[1]}",
                "getaddrinfo(NULL, \"50000\", ...) with AI_PASSIVE gives 0.0.0.0 (INADDR_ANY); print it "
                "with getnameinfo() and NI_NUMERICHOST | NI_NUMERICSERV.")


@check("bound", "its socket is bound to 0.0.0.0:50000, so the port is taken", points=3)
def check_bound(run):
    program, _, fd, _ = start_bound(run)
    run.socket_of(program, fd)
    probed = run.probe(program, fd)
    run.require(probed.type == "STREAM" and probed.family == "IPv4", "an IPv4 TCP socket",
                f"an {probed.family} {probed.type} socket")
    run.require(probed.local == ("0.0.0.0", SERVER_PORT), "the socket is bound to 0.0.0.0:50000",
                f"it is bound to {probed.local[0]}:{probed.local[1]}" if probed.bound else "it is not bound",
                "Bind the address that getaddrinfo(NULL, \"50000\") returned, with AI_PASSIVE.")
    with run.transcript.step("the grader tries to bind 0.0.0.0:50000 itself") as step:
        error = run.bind_error(SERVER_PORT)
        run.require(error is not None and error.errno == errno.EADDRINUSE,
                    "the grader's own bind() fails with \"Address already in use\"",
                    "the grader could bind the port" if error is None else str(error))
        step.outcome = "Address already in use"


@check("not-listening", "bound but not listening: a connection to port 50000 is refused", points=2)
def check_not_listening(run):
    program, _, fd, _ = start_bound(run)
    probed = run.probe(program, fd)
    with run.transcript.step(f"connect to {run.net.zeus}:{SERVER_PORT}") as step:
        outcome = run.connect_outcome(run.net.zeus, SERVER_PORT)
        step.outcome = f"connection {outcome}"
    run.require(not probed.listening and outcome == "refused", "the connection is refused: nobody listens yet",
                f"the socket is {'listening' if probed.listening else 'not listening'} and the connection "
                f"was {outcome}",
                "This lab stops after bind(): listen() turns the socket into a server socket in lab 04.")


@check("sigint", "waits until SIGINT, then stops", points=1)
def check_sigint(run):
    program, *_ = start_bound(run)
    run.interrupt(program)


@check("port-taken", "when port 50000 is taken, reports bind()'s error, and when socket() fails, socket()'s; "
                    "each time exits with a non-zero status", points=2)
def check_port_taken(run):
    expect_port_taken(run, "BindSocket-asan")  # LeakSanitizer at exit too
    expect_socket_failure(run, "BindSocket", next_call="bind()")
