"""Checks of lab 01: CreationSocket creates a TCP socket and waits."""

from kit.check import check

from checks.course import PID, SOCKET_CREATED
from checks.failures import expect_socket_failure

LAB = "01-creation-socket"


def start_and_wait(run):
    """Start CreationSocket, read the descriptor it prints, and let it reach pause()."""
    program = run.start("CreationSocket")
    fd = int(run.expect_line(program, SOCKET_CREATED).group("fd"))
    run.expect_waiting(program, "waits (in pause()) after printing its socket")
    return program, fd


@check("pid", "prints its own pid", points=1)
def check_pid(run):
    program = run.start("CreationSocket")
    printed = int(run.expect_line(program, PID).group("pid"))
    run.require(printed == program.pid, f"pid = {program.pid}", f"pid = {printed}",
                "Print the value getpid() returns.")


@check("fd", "prints the descriptor of the socket it created", points=2)
def check_fd(run):
    program, fd = start_and_wait(run)
    run.socket_of(program, fd)


@check("tcp-unbound", "the socket is an IPv4 TCP socket, not bound to any address yet", points=3)
def check_tcp_unbound(run):
    program, fd = start_and_wait(run)
    info = run.socket_of(program, fd)
    run.require(info.protocol == "TCP", "lsof shows the socket as \"protocol: TCP\"",
                f"its protocol is {info.protocol}",
                "socket(AF_INET, SOCK_STREAM, 0) makes a TCP socket; SOCK_DGRAM would make a UDP one.")
    probed = run.probe(program, fd)
    run.require(probed.family == "IPv4", "an IPv4 socket (AF_INET)", f"an {probed.family} socket",
                "The course's sockets use the domain AF_INET.")
    run.require(not probed.bound and info.inet is None, "a socket bound to no address and no port yet",
                f"it is bound to {probed.local[0]}:{probed.local[1]}" if probed.local else "a bound socket",
                "This program only creates the socket: bind() is the next lab.")


@check("sigint", "waits with its socket until SIGINT, then stops", points=2)
def check_sigint(run):
    program, _ = start_and_wait(run)
    run.interrupt(program)


@check("socket-error", "reports a failing socket() with the reason, and exits with a non-zero status", points=2)
def check_socket_error(run):
    expect_socket_failure(run, "CreationSocket")
