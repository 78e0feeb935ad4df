"""Checks of lab 08: the TCP library (TCP.h, TCP.cpp) and its test programs.

ServeurTest and ClientTest are driven against each other, against the grader
(exact bytes on the wire, in pieces) and against the kit's reference. The
library itself is run through a GoogleTest suite (the lab's visible tests and
the grader's hidden ones, one suite per check), and again under ASan + UBSan:
those checks are in checks/hidden/lab08_tcp_lib.py (shown after the due date;
not part of the student bundle).
"""

import struct

from kit.check import check
from kit.network import SERVER_PORT

from checks.course import NB_READ, NB_WRITTEN, READ_DATA, WRITTEN_DATA

LAB = "08-tcp-lib"
REFERENCE = ("ServeurTest", "ClientTest")
TEST_SUITE = "grader/gtest/tcp.mk"

MARKER = b"#)"
PORT = str(SERVER_PORT)
QUESTION = "Bonjour, comment vas-tu ?"
REPLY = "Je vais bien merci ;) !"
PERSONNE = struct.Struct("<20sif")          # char nom[20]; int age; float poids; (28 bytes)
CLIENT_PERSON = ("Wagner", 49, 87.21)
SERVER_PERSON = ("charlet", 54, 71.98)


def person_bytes(person) -> bytes:
    name, age, weight = person
    return PERSONNE.pack(name.encode(), age, weight)


def person_text(person) -> str:
    name, age, weight = person
    return f"{name}--{age}--{struct.unpack('<f', struct.pack('<f', weight))[0]:f}"


def frame(payload: bytes) -> bytes:
    return payload + MARKER


def start_server(run, reference=False, port=SERVER_PORT):
    run.need_free_port(port)
    server = run.start("ServeurTest", str(port), reference=reference)
    run.wait_for_socket(server, lambda info: info.inet is not None and info.inet.state == "LISTEN"
                        and info.inet.local[1] == port, f"a socket listening on port {port}",
                        "ServerSocket(port) creates, binds and listens; ServeurTest takes the port in argv[1].")
    return server


def expect_count(run, program, line, count: int, hint: str) -> None:
    shown = int(run.expect_line(program, line).group("n"))
    run.require(shown == count, line.shows.replace("<n>", str(count)), line.shows.replace("<n>", str(shown)), hint)


def expect_data(run, program, line, data: str, hint: str = "") -> None:
    shown = run.expect_line(program, line).group("data")
    run.require(shown == data, line.shows.replace("<data>", data), line.shows.replace("<data>", shown),
                hint or "Print the payload exactly as it arrived.")


def expect_received(run, program, count: int, data: str) -> None:
    expect_count(run, program, NB_READ, count, "Receive() returns the payload's length, without the end marker.")
    expect_data(run, program, READ_DATA, data)


def expect_sent(run, program, count: int, data: str) -> None:
    expect_count(run, program, NB_WRITTEN, count, "Send() returns the payload's length, without the end marker.")
    expect_data(run, program, WRITTEN_DATA, data)


def expect_success(run, program) -> None:
    status = run.expect_exit(program)
    run.require(status.code == 0, f"{program.name} exits with status 0", f"it {status.describe()}")


def server_side(run, server) -> None:
    """What ServeurTest prints over a whole exchange."""
    expect_received(run, server, len(QUESTION), QUESTION)
    expect_sent(run, server, len(REPLY), REPLY)
    expect_received(run, server, PERSONNE.size, person_text(CLIENT_PERSON))
    expect_sent(run, server, PERSONNE.size, person_text(SERVER_PERSON))
    expect_success(run, server)


def client_side(run, client) -> None:
    """What ClientTest prints over a whole exchange."""
    expect_sent(run, client, len(QUESTION), QUESTION)
    expect_received(run, client, len(REPLY), REPLY)
    expect_sent(run, client, PERSONNE.size, person_text(CLIENT_PERSON))
    expect_received(run, client, PERSONNE.size, person_text(SERVER_PERSON))
    expect_success(run, client)


@check("exchange", "ServeurTest and ClientTest exchange the text and the PERSONNE structure, as in the course",
       points=2)
def check_exchange(run):
    server = start_server(run)
    client = run.start("ClientTest", run.net.zeus, PORT)
    client_side(run, client)
    server_side(run, server)


@check("server-wire", "ServeurTest reads frames sent in pieces (cut where the seed says) and answers with exact "
                      "frames on the wire", points=2)
def check_server_wire(run):
    server = start_server(run)
    peer = run.connect(run.net.zeus, SERVER_PORT)
    question = frame(QUESTION.encode())
    run.send_pieces(peer, question, server, "the question")
    expect_received(run, server, len(QUESTION), QUESTION)
    run.receive(peer, frame(REPLY.encode()), server.name,
                "Send() puts the payload then \"#)\" on the wire: nothing else (no '\\0', no length).")
    run.send(peer, frame(person_bytes(CLIENT_PERSON)), "the PERSONNE structure, 28 bytes + \"#)\"")
    expect_received(run, server, PERSONNE.size, person_text(CLIENT_PERSON))
    run.receive(peer, frame(person_bytes(SERVER_PERSON)), server.name,
                "Send the whole structure: sizeof(PERSONNE) bytes, then \"#)\".")
    run.expect_closed(peer, server.name)
    expect_success(run, server)


@check("client-wire", "ClientTest sends exact frames and reads answers that come in pieces (cut where the seed "
                      "says, sometimes a byte at a time)", points=1)
def check_client_wire(run):
    listener = run.listen(SERVER_PORT, host=run.net.zeus)
    client = run.start("ClientTest", run.net.zeus, PORT)
    peer = run.accept(listener, client)
    run.receive(peer, frame(QUESTION.encode()), client.name, "Send(s, text, strlen(text)): no '\\0' on the wire.")
    run.send_pieces(peer, frame(REPLY.encode()), client, "the answer")
    expect_received(run, client, len(REPLY), REPLY)
    run.receive(peer, frame(person_bytes(CLIENT_PERSON)), client.name,
                "Send the whole structure: sizeof(PERSONNE) bytes, then \"#)\".")
    run.send(peer, frame(person_bytes(SERVER_PERSON)), "the server's PERSONNE")
    expect_received(run, client, PERSONNE.size, person_text(SERVER_PERSON))
    expect_success(run, client)


@check("vs-reference", "ServeurTest works with the kit's ClientTest, and ClientTest with the kit's ServeurTest",
       points=1)
def check_vs_reference(run):
    server = start_server(run)
    client = run.start("ClientTest", run.net.zeus, PORT, reference=True)
    expect_success(run, client)
    server_side(run, server)
    # Another port: the first run's connection may hold 50000 in TIME_WAIT.
    server = start_server(run, reference=True, port=SERVER_PORT + 1)
    client = run.start("ClientTest", run.net.zeus, str(SERVER_PORT + 1))
    client_side(run, client)
    expect_success(run, server)
