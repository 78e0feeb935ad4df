"""Checks of lab 06: a server and a client exchange bytes with read() and write()."""

from kit.check import check
from kit.network import SERVER_PORT

from checks.exchange import (ANSWER, ANSWER_HINT, PREFIX, REQUEST, client_against, client_errors, client_sends,
                             exchange, expect_bind_refused, expect_read, expect_time_wait, expect_written,
                             server_errors, start_server)

LAB = "06-serveur-client"
REFERENCE = ("Serveur",)
ADDRESS_SANITIZED = ("Serveur", "Client")  # closes and client-sends run these builds


@check("answer", "answers \"[SERVEUR] abcdefgh\" (18 bytes) to the request \"abcdefgh\"", points=1)
def check_answer(run):
    exchange(run, start_server(run))


@check("two-reads", "reads 8 bytes sent at once in two reads of 5 then 3 bytes", points=1)
def check_two_reads(run):
    server = start_server(run)
    exchange(run, server)
    expect_read(run, server, REQUEST[:5], "read(fd, buffer, 5) returns at most 5 bytes, even when 8 are waiting.")
    expect_read(run, server, REQUEST[5:], "The second read(fd, buffer, 5) returns the 3 bytes left: read() returns "
                                           "what is there, without waiting for the 5 it asks for.")
    expect_written(run, server, ANSWER)


@check("segmented", "reports what each read returned when the request comes in two pieces of up to 5 bytes "
                    "(sizes drawn from the seed)", points=1)
def check_segmented(run):
    server = start_server(run)
    client = run.connect(run.net.zeus, SERVER_PORT)
    first, second = run.rng.randint(1, 5), run.rng.randint(1, 3)  # the request: at most the 8 bytes of REQUEST
    pieces = REQUEST[:first], REQUEST[first:first + second]
    run.send(client, pieces[0], f"a first piece of {first} byte(s) (seed {run.ctx.seed})")
    expect_read(run, server, pieces[0], f"With {first} byte(s) there, read(fd, buffer, 5) returns {first}: print "
                                        "what it returned, not what you hoped for.")
    run.send(client, pieces[1], "a second piece, once the server has read the first")
    expect_read(run, server, pieces[1])
    run.receive(client, PREFIX + pieces[0] + pieces[1], server.name,
                f"Answer with the bytes the reads returned ({first + second} here, not 8): count them from read()'s "
                "return values.")
    run.expect_nothing_more(client, server, "the answer is complete", ANSWER_HINT)
    expect_written(run, server, PREFIX + pieces[0] + pieces[1])


@check("closes", "closes the connection after answering and exits with status 0", points=1)
def check_closes(run):
    server = start_server(run, name="Serveur-asan")  # an overflow, or memory never freed, shows here
    client = exchange(run, server)
    run.expect_closed(client, server.name, "close() the service socket (and the listening one) once the answer "
                                           "is written.")
    status = run.expect_exit(server)
    run.require(status.code == 0, "Serveur exits with status 0", f"it {status.describe()}")


@check("time-wait", "leaves TIME_WAIT on the server's side, so that restarting it at once fails: "
                    "\"Address already in use\"", points=1)
def check_time_wait(run):
    server = start_server(run)
    client = exchange(run, server)
    expect_time_wait(run, client)
    run.expect_exit(server)
    expect_bind_refused(run)


@check("client-sends", "Client sends the 8 bytes \"abcdefgh\" and prints all of the answer, "
                       "however many pieces it comes in (three or more, where the seed says)", points=1)
def check_client_sends(run):
    client_sends(run)


@check("client-reference", "Client works with the kit's reference Serveur", points=1)
def check_client_reference(run):
    client_against(run, start_server(run, reference=True))


@check("client-own", "Client works with your Serveur", points=1)
def check_client_own(run):
    client_against(run, start_server(run))


@check("server-errors", "Serveur reports a failing socket(), accept() (no descriptor left), getpeername() (a client "
                        "reset before it was accepted) and read() (the client resets) with the reason, and exits "
                        "with a non-zero status", points=1)
def check_server_errors(run):
    server_errors(run)


@check("client-errors", "Client reports a missing argument (usage), a port given by name, a refused connection, "
                        "a failing socket() and a reset instead of the answer, and exits with a non-zero status",
       points=1)
def check_client_errors(run):
    client_errors(run)
