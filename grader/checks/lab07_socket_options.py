"""Checks of lab 07: the server of lab 06 with SO_REUSEADDR restarts at once."""

from kit.check import check

from checks.course import REUSEADDR
from checks.exchange import (ANSWER, REQUEST, client_against, client_errors, client_sends, exchange, expect_read,
                             expect_time_wait, expect_written, listening, server_errors, start_server)

LAB = "07-socket-options"
ADDRESS_SANITIZED = ("Serveur", "Client")  # restart's first server, the error checks and client-sends


@check("answer", "answers \"[SERVEUR] abcdefgh\" (18 bytes) to the request \"abcdefgh\", as in lab 06", points=1)
def check_answer(run):
    exchange(run, start_server(run))


@check("two-reads", "reads the request in two reads of 5 then 3 bytes, as in lab 06", points=1)
def check_two_reads(run):
    server = start_server(run)
    exchange(run, server)
    expect_read(run, server, REQUEST[:5])
    expect_read(run, server, REQUEST[5:])
    expect_written(run, server, ANSWER)


@check("option", "sets SO_REUSEADDR on its listening socket and prints the value read back: "
                 "\"SO_REUSEADDR = 1\"", points=1)
def check_option(run):
    server = start_server(run)
    value = int(run.expect_line(server, REUSEADDR).group("value"))
    run.require(value == 1, "SO_REUSEADDR = 1 (getsockopt() reads the option back)", f"SO_REUSEADDR = {value}",
                "setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) with on = 1, then getsockopt() into "
                "an int and print it.")
    info = run.wait_for_socket(server, listening, "its listening socket", "")
    probed = run.probe(server, info.fd)
    run.require(probed.reuse_address, "the listening socket has SO_REUSEADDR set",
                "the listening socket does not have it", "Set the option on the socket you bind and listen on.")


@check("restart", "restarts at once and serves again while its last connection is in TIME_WAIT", points=3)
def check_restart(run):
    first = start_server(run, name="Serveur-asan")  # memory never freed shows when it exits
    client = exchange(run, first)
    expect_time_wait(run, client)
    status = run.expect_exit(first)
    run.require(status.code == 0, "the first Serveur exits with status 0", f"it {status.describe()}")
    second = start_server(run, restart=True)
    exchange(run, second)
    run.note("The second Serveur bound port 50000 while the first one's connection was in TIME_WAIT.")


@check("client-sends", "Client sends the 8 bytes \"abcdefgh\" and prints all of the answer, however many pieces "
                       "it comes in, as in lab 06", points=1)
def check_client_sends(run):
    client_sends(run)


@check("client-own", "Client works with your Serveur", points=1)
def check_client_own(run):
    client_against(run, start_server(run))


@check("server-errors", "Serveur reports a failing socket(), bind() (port 50000 taken), accept() (no descriptor "
                        "left), getpeername() (a client reset before it was accepted) and read() (the client resets) "
                        "with the reason, and exits with a non-zero status, as in lab 06", points=1)
def check_server_errors(run):
    server_errors(run, port_taken=True)


@check("client-errors", "Client reports a missing argument (usage), a port given by name, a refused connection, "
                        "a failing socket() and a reset instead of the answer, and exits with a non-zero status, "
                        "as in lab 06", points=1)
def check_client_errors(run):
    client_errors(run)
