"""The request/answer exchange of labs 06 and 07, shared by their checks.

Serveur accepts one client on port 50000, reads the request in two read()
calls of at most 5 bytes, answers "[SERVEUR] " + the bytes it read, and closes.
Client sends "abcdefgh" and prints everything the server sends until it closes.
"""

from kit.network import SERVER_PORT

from checks.course import EADDRINUSE, READ, WRITTEN

REQUEST = b"abcdefgh"
PREFIX = b"[SERVEUR] "
ANSWER = PREFIX + REQUEST
ANSWER_HINT = ("The answer is \"[SERVEUR] \" (with its space) followed by the bytes the two reads returned, sent "
               "with write() - all of it, nothing more (no '\\0', no newline).")


def listening(info):
    return info.inet is not None and info.inet.state == "LISTEN" and info.inet.local[1] == SERVER_PORT


def start_server(run, reference=False, restart=False):
    """Start Serveur (the student's, or the kit's reference) and wait until it
    listens; restart: right after an earlier one, whose connection is in TIME_WAIT."""
    if not restart:
        run.need_free_port(SERVER_PORT)
    program = run.start("Serveur", reference=reference)
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
    with run.transcript.step("the grader closes its end of the connection") as step:
        client.close()
        step.outcome = "closed"
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
    """Serveur started again at once fails to bind port 50000."""
    again = run.start("Serveur")
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
