"""Checks of lab 09: an iterative echo server and its client, on the TCP library.

The programs link the student's 08-tcp-lib; the grader runs every check again
with the kit's reference library and keeps the better result (see LIBRARY).
"""


from kit.check import check
from kit.network import SERVER_PORT

from checks.course import (ANSWER_RECEIVED, CLIENT_STOPPED, CONNECTED, INPUT_ENDED, PROMPT, REQUEST_HAS_MARKER,
                           REQUEST_RECEIVED, REQUEST_TOO_LONG, SERVER_GONE, SERVER_STARTED, SERVER_STOPPED)
from checks.failures import expect_accept_failure, expect_port_taken, expect_refused, expect_reset_reported

LAB = "09-iterative-server"
LIBRARY = "08-tcp-lib"

MARKER = b"#)"
TAILLE_MAX_DATA = 10000
PREFIX = b"[SERVEUR] "
PORT = str(SERVER_PORT)


def frame(payload: bytes) -> bytes:
    return payload + MARKER


def listening(info):
    return info.inet is not None and info.inet.state == "LISTEN" and info.inet.local[1] == SERVER_PORT


def start_server(run):
    run.need_free_port(SERVER_PORT)
    server = run.start("Serveur", PORT)
    run.expect_line(server, SERVER_STARTED, hint="Print \"Demarrage du serveur.\" once ServerSocket() has "
                                                 "succeeded, before the first Accept().")
    run.wait_for_socket(server, listening, f"a socket listening on port {SERVER_PORT}",
                        "ServerSocket(port) makes the listening socket; the port comes from argv[1].")
    return server


def echo(run, server, client, payload: bytes, in_pieces: bool = False) -> None:
    """Send one request (in pieces cut where the seed says, if asked) and expect its answer."""
    if in_pieces:
        run.send_pieces(client, frame(payload), server, "a request")
    else:
        run.send(client, frame(payload))
    run.receive(client, frame(PREFIX + payload), server.name,
                "The answer is a frame: \"[SERVEUR] \" + the request, sent with Send() (which adds \"#)\").")


@check("echo", "answers \"[SERVEUR] \" + each request, over several requests of one client", points=1)
def check_echo(run):
    server = start_server(run)
    client = run.connect(run.net.zeus, SERVER_PORT)
    for payload in (b"Hello there !", b"Bye bye ;)", b"x"):
        echo(run, server, client, payload)
    line = run.expect_line(server, REQUEST_RECEIVED)
    run.require(line.group("text") == "Hello there !", "Requete recue = Hello there !",
                line.group(0).strip(), "Print the request as Receive() returned it (its length, no '\\0' in it).")


@check("framing", "gets a request sent in pieces (cut where the seed says, sometimes a byte at a time), two "
                  "requests in one segment, and one ending in '#'",
       points=1)
def check_framing(run):
    server = start_server(run)
    client = run.connect(run.net.zeus, SERVER_PORT)
    echo(run, server, client, b"in pieces", in_pieces=True)
    run.send(client, frame(b"first") + frame(b"second"), "two requests glued in one segment")
    run.receive(client, frame(PREFIX + b"first") + frame(PREFIX + b"second"), server.name,
                "Each Receive() returns one request, even when two arrived together.")
    echo(run, server, client, b"C#")


@check("iterative", "serves one client at a time: a second client is served once the first leaves", points=1)
def check_iterative(run):
    server = start_server(run)
    first = run.connect(run.net.zeus, SERVER_PORT)
    echo(run, server, first, b"A1")
    second = run.connect(run.net.zeus, SERVER_PORT)
    run.send(second, frame(b"B1"), "the second client's request")
    echo(run, server, first, b"A2")
    run.expect_settled(server, "nothing left to do for the client it serves")
    run.expect_nothing_received(second, server.name, "the server is still busy with the first client")
    with run.transcript.step("look at the listening socket's queue of connections not yet accepted") as step:
        queue = next((s.recv_queue for s in run.tcp_sockets()
                      if s.state == "LISTEN" and s.local[1] == SERVER_PORT), None)
        run.require(queue == 1, "the second connection waits in the listen queue (not accepted yet)",
                    f"{queue} connection(s) in the queue",
                    "An iterative server accepts the next client only when it has finished with the current one.")
        step.outcome = "1 waiting"
    run.close_sockets("the first client leaves (closes its connection)", first)
    run.receive(second, frame(PREFIX + b"B1"), server.name,
                "Once Receive() returns 0 (the first client left), close its socket and Accept() the next one.")


@check("vanish", "survives clients that leave in the middle of a request (close or reset), and serves the next",
       points=1)
def check_vanish(run):
    server = start_server(run)
    closing = run.connect(run.net.zeus, SERVER_PORT)
    run.send(closing, b"half a requ", "half a request, without its end marker")
    run.close_sockets("this client closes its connection (FIN) in the middle of the request", closing)
    resetting = run.connect(run.net.zeus, SERVER_PORT)
    run.send(resetting, b"another half", "half a request")
    run.reset(resetting, "in the middle of the request")
    last = run.connect(run.net.zeus, SERVER_PORT)
    echo(run, server, last, b"still there?")
    run.require(server.running(), "Serveur is still running", "it has stopped",
                "A client that vanishes ends its own connection only: Receive() returns -1 (or 0); close that "
                "socket and go back to Accept().")


@check("half-close", "answers a request that arrives with the client's end of file (shutdown), closes that "
                     "connection, and serves the next client", points=1)
def check_half_close(run):
    server = start_server(run)
    client = run.connect(run.net.zeus, SERVER_PORT)
    run.half_close(client, frame(b"last words"), "a request")
    run.receive(client, frame(PREFIX + b"last words"), server.name,
                "Data that came before the end of file is a request like any other: answer it.")
    run.expect_closed(client, server.name, "Receive() returning 0 means the client has finished: close the "
                                           "service socket, then go back to Accept().")
    echo(run, server, run.connect(run.net.zeus, SERVER_PORT), b"next")


@check("sigint", "on SIGINT with a client connected, closes its sockets and exits with status 0", points=1)
def check_sigint(run):
    server = start_server(run)
    client = run.connect(run.net.zeus, SERVER_PORT)
    echo(run, server, client, b"Hello")
    run.expect_waiting(server, "waits for the client's next request")
    status = run.interrupt(server)
    run.require(status.code == 0, "Serveur exits with status 0 from its SIGINT handler",
                f"it {status.describe()}", "Install a SIGINT handler (sigaction) that closes the sockets and "
                                           "ends the process with _exit(0).")
    run.expect_line(server, SERVER_STOPPED)
    run.expect_closed(client, server.name, "The handler closes the service socket (the client reads end-of-file).")


def start_client(run, listener=None, line_mode: bool = False):
    """The grader listens on zeus:50000 (unless given its listener), starts
    Client and accepts its connection."""
    listener = listener or run.listen(SERVER_PORT, host=run.net.zeus)
    client = run.start("Client", run.net.zeus, PORT, interactive=True, line_mode=line_mode)
    peer = run.accept(listener, client)
    run.expect_line(client, CONNECTED)
    return client, peer


def ask(run, client, peer, text: str) -> None:
    """Type a request at the prompt and expect it on the wire as one frame."""
    run.expect_line(client, PROMPT)
    run.type_line(client, text)
    run.receive(peer, frame(text.encode()), client.name,
                "Send the line typed, without its '\\n', as one frame: Send(s, line, strlen(line)).")


@check("client", "Client sends each typed line as a request and prints each answer", points=1)
def check_client(run):
    client, peer = start_client(run)
    for text, answer in (("Hello there !", b"[GRADER] Hello there !"), ("Bye bye ;)", b"[GRADER] Bye bye ;)")):
        ask(run, client, peer, text)
        run.send(peer, frame(answer), "the grader's answer")
        line = run.expect_line(client, ANSWER_RECEIVED)
        run.require(line.group("text") == answer.decode(), f"Reponse recue = {answer.decode()}",
                    line.group(0).strip(), "Print the answer Receive() returned, with its length (it has no '\\0').")
    run.expect_line(client, PROMPT)
    run.interrupt(client)
    run.expect_line(client, CLIENT_STOPPED, hint="The SIGINT handler write()s \"\\nArret du client.\\n\", closes the "
                                                 "socket and ends with _exit(0).")
    run.expect_closed(peer, client.name, "On SIGINT, close the socket before ending.")


@check("client-stop", "Client notices a server that is gone (closed without answering, reset, or not there at all), "
                      "says so, and exits with a non-zero status", points=1)
def check_client_stop(run):
    listener = run.listen(SERVER_PORT, host=run.net.zeus)
    client, peer = start_client(run, listener)
    ask(run, client, peer, "Are you there?")
    run.close_sockets("the grader closes the connection without answering (a stopped server)", peer)
    run.expect_line(client, SERVER_GONE, hint="Receive() returns 0 when the server has closed the connection: "
                                              "say the server stopped, and end.")
    run.expect_failure_exit(client, hint="No answer came: that is a failure (exit status 1), not a normal end.")
    reset, reset_peer = start_client(run, listener)
    ask(run, reset, reset_peer, "And now?")
    expect_reset_reported(run, reset, reset_peer, "Receive()")
    run.close_sockets("the grader closes its listening socket: nothing listens on port 50000", listener)
    expect_refused(run, "Client", run.net.zeus, PORT)


@check("server-errors", "ignores an empty frame and one longer than 10000 bytes and serves the next request; "
                        "reports ServerSocket()'s and Accept()'s failures and exits with a non-zero status", points=1)
def check_server_errors(run):
    run.need_free_port(SERVER_PORT)
    expect_accept_failure(run, "Serveur", PORT)
    expect_port_taken(run, "Serveur", PORT)
    server = start_server(run)
    client = run.connect(run.net.zeus, SERVER_PORT)
    run.send(client, MARKER, "an empty frame: Receive() fails with EBADMSG")
    echo(run, server, client, b"after an empty frame")
    run.send(client, b"x" * (TAILLE_MAX_DATA + 1) + MARKER,
             f"a frame of {TAILLE_MAX_DATA + 1} bytes: Receive() fails with EMSGSIZE")
    echo(run, server, client, b"after a long frame")


@check("client-input", "Client refuses a line longer than 10000 characters and one holding \"#)\", skips an empty "
                       "line (sending nothing for any of them), and ends on Ctrl-D", points=1)
def check_client_input(run):
    listener = run.listen(SERVER_PORT, host=run.net.zeus)
    client, peer = start_client(run, listener)
    run.expect_line(client, PROMPT)
    run.type_line(client, "x" * 2 * TAILLE_MAX_DATA, shown=f"a line of {2 * TAILLE_MAX_DATA} characters")
    run.expect_line(client, REQUEST_TOO_LONG, hint="fgets() stops after TAILLE_MAX_DATA + 1 characters: when the line "
                                                "has no '\\n', read and drop the rest of it, say so once, and ask "
                                                "again.")
    run.expect_line(client, PROMPT)
    run.type_line(client, "un #) deux")
    run.expect_line(client, REQUEST_HAS_MARKER, hint="Send() refuses a payload holding \"#)\" (EINVAL): say so and "
                                                  "ask again.")
    run.expect_line(client, PROMPT)
    run.type_line(client, "")
    ask(run, client, peer, "after")  # on the wire: this frame and nothing before it
    run.send(peer, frame(b"[GRADER] after"), "the grader's answer")
    run.expect_line(client, ANSWER_RECEIVED)
    longest = "y" * TAILLE_MAX_DATA
    run.expect_line(client, PROMPT)
    run.type_line(client, longest, shown=f"a line of exactly {TAILLE_MAX_DATA} characters (the longest request)")
    run.receive(peer, frame(longest.encode()), client.name,
                f"A line of {TAILLE_MAX_DATA} characters fits in a frame: fgets() into TAILLE_MAX_DATA + 2 bytes "
                "reads it with its '\\n'; send it whole.")
    run.send(peer, frame(b"ok"), "the grader's answer")
    run.expect_line(client, ANSWER_RECEIVED)
    run.expect_line(client, PROMPT)
    run.type_line(client, "z" * (TAILLE_MAX_DATA + 1), shown=f"a line of {TAILLE_MAX_DATA + 1} characters")
    run.expect_line(client, REQUEST_TOO_LONG)
    ask(run, client, peer, "last")  # nothing was sent for the line too long
    for line, count, why in ((REQUEST_TOO_LONG, 2, "one for each line too long (20000 and 10001 characters)"),
                             (REQUEST_HAS_MARKER, 1, "one, for the line holding \"#)\" (an empty line is skipped "
                                                     "without a word: Send() is not called)")):
        told = len(line.regex.findall(client.stdout.text))
        run.require(told == count, f"{count} line(s) {line.describe()}: {why}", f"{told} such lines",
                    "Drop the rest of a long line without treating its pieces as new lines; skip an empty line "
                    "before Send(), which refuses 0 bytes.")
    ending, ending_peer = start_client(run, listener, line_mode=True)
    run.expect_line(ending, PROMPT)
    run.end_input(ending)
    run.expect_line(ending, INPUT_ENDED, hint="fgets() returns NULL at end of input (Ctrl-D): print "
                                              "\"Fin de la saisie.\" and leave the loop.")
    status = run.expect_exit(ending)
    run.require(status.code == 0, f"{ending.name} exits with status 0 after the end of input",
                f"it {status.describe()}", "The end of input is the user's way to stop: close the socket and "
                                           "return EXIT_SUCCESS.")
    run.expect_closed(ending_peer, ending.name, "Close the socket before ending.")
