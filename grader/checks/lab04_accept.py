"""Checks of lab 04: AttenteConnexion listens, accepts one client, shows who it is."""

from kit.check import check
from kit.network import SERVER_PORT

from checks.course import CLIENT, SERVICE_SOCKET, SOCKET_CREATED
from checks.failures import expect_accept_failure, expect_port_taken, expect_reset_before_accept, expect_socket_failure

LAB = "04-accept"
ADDRESS_SANITIZED = ("AttenteConnexion",)  # the port-taken run: leaks on bind()'s error path


def listening(info):
    return info.inet is not None and info.inet.state == "LISTEN"


def start_listening(run):
    """Start AttenteConnexion and wait until it listens; (program, printed fd, listening fd info)."""
    run.need_free_port(SERVER_PORT)
    program = run.start("AttenteConnexion")
    fd = int(run.expect_line(program, SOCKET_CREATED).group("fd"))
    info = run.wait_for_socket(program, listening, f"a socket listening on port {SERVER_PORT}",
                               "After bind(), listen() makes the socket accept connections.")
    return program, fd, info


def accept_client(run, source=None):
    """A started server with one grader client connected; (program, client, service fd)."""
    program, _, _ = start_listening(run)
    client = run.connect(run.net.zeus, SERVER_PORT, source=source)
    service = int(run.expect_line(program, SERVICE_SOCKET).group("fd"))
    return program, client, service


def expect_client_line(run, program, client):
    line = run.expect_line(program, CLIENT)
    shown = (line.group("ip"), int(line.group("port")))
    run.require(shown == client.local, f"Adresse IP: {client.local[0]} -- Port: {client.local[1]} "
                f"(the grader's client)", f"Adresse IP: {shown[0]} -- Port: {shown[1]}",
                "getpeername() on the service socket gives the client's address; a port in a sockaddr_in "
                "is in network byte order (ntohs(), or getnameinfo() with NI_NUMERICSERV).")


@check("listen", "listens on 0.0.0.0:50000 with the socket it printed", points=2)
def check_listen(run):
    _, fd, info = start_listening(run)
    run.require(info.fd == fd, f"the listening socket is descriptor {fd} (\"socket creee = {fd}\")",
                f"the listening socket is descriptor {info.fd}")
    run.require(info.inet.local == ("0.0.0.0", SERVER_PORT), "LISTEN on *:50000",
                f"LISTEN on {info.inet.local[0]}:{info.inet.local[1]}",
                "Bind 0.0.0.0:50000 (AI_PASSIVE), then call listen().")


@check("accept", "accepts a connection and prints its service socket, ESTABLISHED with the client", points=2)
def check_accept(run):
    program, client, service = accept_client(run)
    info = run.socket_of(program, service, "the service socket")
    run.require(info.inet is not None and info.inet.state == "ESTABLISHED"
                and info.inet.remote == client.local and info.inet.local[1] == SERVER_PORT,
                f"descriptor {service} is ESTABLISHED between port {SERVER_PORT} and the grader's "
                f"{client.local[0]}:{client.local[1]}",
                f"descriptor {service}: {info.inet.state if info.inet else 'not a connected TCP socket'}",
                "Print the descriptor accept() returns: the service socket, not the listening one.")


@check("peer-localhost", "prints the client's IP address and port (a client on 127.0.0.1)", points=2)
def check_peer_localhost(run):
    program, client, _ = accept_client(run, source="127.0.0.1")
    expect_client_line(run, program, client)


@check("peer-moon", "prints the client's IP address and port (a client on moon's address)", points=1)
def check_peer_moon(run):
    program, client, _ = accept_client(run, source=run.net.moon)
    expect_client_line(run, program, client)


@check("two-sockets", "keeps the listening socket open next to the service socket", points=1)
def check_two_sockets(run):
    program, client, _ = accept_client(run)
    run.expect_line(program, CLIENT)
    run.expect_waiting(program, "waits (in pause()) after accepting")
    with run.transcript.step(f"list the sockets of {program.name}") as step:
        states = sorted(info.inet.state for info in run.fds(program) if info.inet is not None)
        run.require("LISTEN" in states and "ESTABLISHED" in states,
                    "two sockets: one LISTEN on *:50000 and one ESTABLISHED with the client",
                    f"sockets in states {states}",
                    "accept() returns a new socket; the listening one stays open for the next client.")
        step.outcome = ", ".join(states)


@check("sigint", "waits with both sockets until SIGINT, then stops", points=1)
def check_sigint(run):
    program, _, _ = accept_client(run)
    run.expect_line(program, CLIENT)
    run.expect_waiting(program, "waits (in pause()) after accepting")
    run.interrupt(program)


@check("errors", "reports a failing socket(), bind() (port 50000 taken), accept() (no descriptor left) and "
                 "getpeername() (a client reset before it was accepted) with the reason, and exits with a non-zero "
                 "status", points=1)
def check_errors(run):
    run.need_free_port(SERVER_PORT)
    expect_socket_failure(run, "AttenteConnexion", next_call="bind()")
    expect_accept_failure(run, "AttenteConnexion")
    program, _, _ = start_listening(run)
    expect_reset_before_accept(run, program)
    expect_port_taken(run, "AttenteConnexion-asan")  # LeakSanitizer: the list freed on this path too
