"""The request/answer exchange of labs 06 and 07, shared by their checks.

Serveur accepts one client on port 50000, reads the request in two read()
calls of at most 5 bytes, answers "[SERVEUR] " + the bytes it read, and closes.
Client sends "abcdefgh" and prints everything the server sends until it closes.
"""

from kit.network import SERVER_PORT

from checks.course import CLIENT, EADDRINUSE, EAI_NONAME, READ, WRITTEN
from checks.failures import (expect_accept_failure, expect_port_taken, expect_refused, expect_reported_failure,
                             expect_reset_before_accept, expect_reset_reported, expect_socket_failure, expect_usage)

REQUEST = b"abcdefgh"
PREFIX = b"[SERVEUR] "
ANSWER = PREFIX + REQUEST
GRADER_ANSWER = b"[GRADER] 12345678"
ANSWER_HINT = ("The answer is \"[SERVEUR] \" (with its space) followed by the bytes the two reads returned, sent "
               "with write() - all of it, nothing more (no '\\0', no newline).")


def listening(info):
    return info.inet is not None and info.inet.state == "LISTEN" and info.inet.local[1] == SERVER_PORT


def start_server(run, reference=False, restart=False, name="Serveur"):
    """Start Serveur (the student's, or the kit's reference; name: a sanitizer
    build, "Serveur-asan") and wait until it listens; restart: right after an
    earlier one, whose connection is in TIME_WAIT."""
    if not restart:
        run.need_free_port(SERVER_PORT)
    program = run.start(name, reference=reference)
    run.wait_for_socket(program, listening, f"a socket listening on port {SERVER_PORT}",
                        "SO_REUSEADDR lets bind() take a port that a connection in TIME_WAIT still holds, if it "
                        "is set before bind(): bind() is where the kernel checks." if restart else
                        "Create the socket, bind() it to 0.0.0.0:50000, then listen().")
    return program


def expect_read(run, program, data: bytes, hint: str = "") -> None:
    """The program reports one read() that returned exactly `data`."""
    line = run.expect_line(program, READ)
    shown = (int(line.group("n")), line.group("data"))
    run.require(shown == (len(data), data.decode()), f'nbLus = {len(data)} Lu: --{data.decode()}--',
                f'nbLus = {shown[0]} Lu: --{shown[1]}--',
                hint or "Print what this read() returned: its count, and exactly that many bytes of the buffer "
                        "(the buffer is not a C string: printf(\"%.*s\", n, buffer) prints n bytes).")


def expect_written(run, program, data: bytes) -> None:
    line = run.expect_line(program, WRITTEN)
    run.require(int(line.group("n")) == len(data), f"nbEcrits = {len(data)}", f"nbEcrits = {line.group('n')}",
                "Print the count write() returned (after writing all of the answer).")


def exchange(run, program):
    """Connect, send the request in one piece, receive the whole answer; the grader's connection."""
    client = run.connect(run.net.zeus, SERVER_PORT)
    run.send(client, REQUEST, "the client's request, in one segment")
    run.receive(client, ANSWER, program.name, ANSWER_HINT)
    run.expect_nothing_more(client, program, "the answer is complete", ANSWER_HINT)
    return client


def expect_time_wait(run, client):
    """After the server closed first and the grader closed too: the server's end is in TIME_WAIT."""
    run.expect_closed(client, "Serveur")
    run.close_sockets("the grader closes its end of the connection", client)
    server_end = (client.remote[0], SERVER_PORT)

    def time_wait():
        return next((s for s in run.tcp_sockets() if s.state == "TIME_WAIT" and s.local == server_end
                     and s.remote == client.local), None)

    with run.transcript.step(f"look for the server's end {server_end[0]}:{SERVER_PORT} in TIME_WAIT "
                             "(`ss -tan state time-wait`)") as step:
        found = run.wait_until(time_wait)
        run.require(found is not None, f"{server_end[0]}:{SERVER_PORT} <-> {client.local[0]}:{client.local[1]} "
                    "in TIME_WAIT: the side that closes first keeps the connection for a minute",
                    "no such TIME_WAIT socket", "The server closes its service socket first, right after "
                    "answering; it must not wait for the client to close.")
        step.outcome = "TIME_WAIT"


def expect_bind_refused(run):
    """Serveur started again at once fails to bind port 50000 (its
    AddressSanitizer build: the address list freed on that path too)."""
    again = run.start("Serveur-asan")
    run.expect_message(again, EADDRINUSE, 'bind()\'s error, "bind: Address already in use"',
                       hint="Without SO_REUSEADDR, bind() refuses a port that a connection in TIME_WAIT still "
                            "holds: report it with perror() and exit.")
    run.expect_failure_exit(again)


def client_against(run, server):
    """The student's Client against a running server: it prints the whole answer and ends well."""
    client = run.start("Client", run.net.zeus, str(SERVER_PORT))
    expect_written(run, client, REQUEST)
    expect_read(run, client, ANSWER, "Print the number of bytes received in all and the answer itself.")
    status = run.expect_exit(client)
    run.require(status.code == 0, "Client exits with status 0", f"it {status.describe()}")
    run.expect_exit(server)


def client_sends(run):
    """Client against the grader as server: the request, then an answer in
    three pieces or more (cut where the seed says), then end of file. The
    AddressSanitizer build: a read past the buffer, or a leak, fails too."""
    listener = run.listen(SERVER_PORT, host=run.net.zeus)
    client = run.start("Client-asan", run.net.zeus, str(SERVER_PORT))
    peer = run.accept(listener, client)
    run.receive(peer, REQUEST, client.name, "Send the 8 bytes of \"abcdefgh\" (without its '\\0').")
    # Three pieces at least: a Client that makes one or two read()s (the
    # answer "always" comes in one or two) misses part of it, whatever the seed.
    run.send_pieces(peer, GRADER_ANSWER, client, "the answer", at_least=3)
    run.close_sockets("the grader closes the connection (end of the answer)", peer)
    expect_written(run, client, REQUEST)
    expect_read(run, client, GRADER_ANSWER,
                "One read() returns what has arrived so far: read until read() returns 0 (the server "
                "closed), adding up the bytes, and print the whole answer.")
    status = run.expect_exit(client)
    run.require(status.code == 0, "Client exits with status 0", f"it {status.describe()}")


def server_errors(run, port_taken: bool = False):
    """Serveur's failing socket(), accept() and read() (and bind() on a port
    the grader holds, where no other check provokes it)."""
    run.need_free_port(SERVER_PORT)
    expect_socket_failure(run, "Serveur", next_call="bind()")
    expect_accept_failure(run, "Serveur")
    expect_reset_before_accept(run, start_server(run))
    if port_taken:
        expect_port_taken(run, "Serveur-asan")  # LeakSanitizer: the list freed on this path too
    server = start_server(run)
    client = run.connect(run.net.zeus, SERVER_PORT)
    run.expect_line(server, CLIENT)
    expect_reset_reported(run, server, client)


def client_errors(run):
    """Client's usage, a port by name, a refused connection, a failing
    socket() and a reset instead of the answer."""
    expect_usage(run, "Client", "usage: Client ipServeur portServeur", example=True)
    by_name = run.start("Client", run.net.zeus, "http")
    expect_reported_failure(run, by_name, EAI_NONAME, 'getaddrinfo()\'s error, "Name or service not known"',
                            "With AI_NUMERICSERV, getaddrinfo() takes only a port number: \"http\" is refused "
                            "(gai_strerror() says why), and nothing is connected.")
    expect_refused(run, "Client-asan", run.net.zeus, str(SERVER_PORT))  # the list freed on this path too
    expect_socket_failure(run, "Client", run.net.zeus, str(SERVER_PORT), next_call="connect()")
    listener = run.listen(SERVER_PORT, host=run.net.zeus)
    client = run.start("Client", run.net.zeus, str(SERVER_PORT))
    peer = run.accept(listener, client)
    expect_reset_reported(run, client, peer)  # once it waits for the answer (the request is client-sends')
