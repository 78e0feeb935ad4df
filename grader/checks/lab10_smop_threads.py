"""Checks of lab 10: the SMOP protocol, a thread per connection.

The server runs with a users file of the grader's (--> checks.smop.ACCOUNTS).
It links the student's 08-tcp-lib; every check runs again with the kit's
library and keeps the better result.
"""

import signal

from kit import procfs
from kit.check import check
from kit.network import SERVER_PORT

from checks import throughput
from checks.course import (ERROR_REPLY, OPERATION_PROMPT, PASSWORD_PROMPT, RESULT, SERVER_STOPPED,
                           USER_PROMPT)
from checks.smop import (ACCOUNTS, ALREADY_LOGGED, BAD_ACCOUNT, DIVISION_BY_ZERO, LOGIN_MALFORMED, MARKER,
                         NOT_LOGGED, OPER_MALFORMED, OVERFLOW, PORT, TOO_LONG, UNKNOWN, exactly, expect_accept_retry,
                         expect_half_close_served, expect_reply, frame, login, start_server)

LAB = "10-smop-threads"
LIBRARY = "08-tcp-lib"
UNREAD_LIMIT = 32 << 20  # bytes of requests a client that does not read sends at most
THREAD_SANITIZED = ("Serveur",)
REFERENCE = ("Serveur",)  # the yardstick of the throughput feedback
TOOLS = ("smop-bench",)
CLIENTS = 10
TABLE_HINT = "Send the reply of the handout's table word for word: the reason text included."
ORDER_HINT = ("Which error wins: the connection's state first (logged in or not), then the form of the request, "
              "last the account or the arithmetic.")
RACE_CLIENTS = 8    # the data-races check: clients served at once
RACE_REQUESTS = 200  # requests to each of them, one at a time, all clients together
RACE_ROUNDS = 3      # rounds of them: each a chance for the threads to overlap


@check("login", "LOGIN: ok with an account of the users file, ko with a wrong password, an unknown user, or twice",
       points=1)
def check_login(run):
    server = start_server(run)
    peer = run.connect(run.net.zeus, SERVER_PORT)
    expect_reply(run, server, peer, "LOGIN#wagner#wrong", exactly(BAD_ACCOUNT), TABLE_HINT)
    expect_reply(run, server, peer, "LOGIN#nobody#abc123", exactly(BAD_ACCOUNT), TABLE_HINT)
    expect_reply(run, server, peer, "LOGIN#Wagner#abc123", exactly(BAD_ACCOUNT),
                 "User names are compared exactly, case included.")
    login(run, server, peer, "grader")
    expect_reply(run, server, peer, "LOGIN#charlet#xyz456", exactly(ALREADY_LOGGED), TABLE_HINT)
    expect_reply(run, server, peer, "LOGIN#charlet", exactly(ALREADY_LOGGED), ORDER_HINT)
    run.note("grader/s3cret is an account of the grader's users file only: the server reads its accounts "
             "from the file given on its command line")


@check("oper", "OPER: the four operations once logged in; ko before LOGIN, after LOGOUT, "
               "on a division by zero and on an overflow", points=1)
def check_oper(run):
    server = start_server(run)
    peer = run.connect(run.net.zeus, SERVER_PORT)
    expect_reply(run, server, peer, "OPER#+#1#2", exactly(NOT_LOGGED), "Before LOGIN, OPER is refused: " + TABLE_HINT)
    expect_reply(run, server, peer, "OPER#+#1", exactly(NOT_LOGGED), ORDER_HINT)
    login(run, server, peer)
    for request, result in (("OPER#+#5#3", "8"), ("OPER#-#5#12", "-7"), ("OPER#*#-6#7", "-42"),
                            ("OPER#/#17#5", "3"), ("OPER#/#-17#5", "-3"), ("OPER#+#2147483646#1", "2147483647"),
                            ("OPER#-#-2147483647#1", "-2147483648"), ("OPER#+#-0#3", "3")):
        expect_reply(run, server, peer, request, exactly(f"OPER#ok#{result}"))
    expect_reply(run, server, peer, "OPER#/#8#0", exactly(DIVISION_BY_ZERO),
                 "A division by zero is refused: the server must not crash (SIGFPE) nor stay silent.")
    for request in ("OPER#+#2147483647#1", "OPER#-#-2147483648#1", "OPER#*#65536#65536", "OPER#/#-2147483648#-1"):
        expect_reply(run, server, peer, request, exactly(OVERFLOW),
                     "A result that does not fit in an int is refused, in every operation (check before "
                     "computing: signed overflow is undefined behaviour).")
    for request in ("OPER#%#5#0", "OPER#/#x#0"):
        expect_reply(run, server, peer, request, exactly(OPER_MALFORMED), ORDER_HINT)
    expect_reply(run, server, peer, "LOGOUT", "LOGOUT#ok")
    expect_reply(run, server, peer, "OPER#+#1#2", exactly(NOT_LOGGED), "After LOGOUT, the connection is logged out.")
    expect_reply(run, server, peer, "LOGOUT", "LOGOUT#ok", "LOGOUT is answered LOGOUT#ok, logged in or not.")
    login(run, server, peer, "charlet")
    expect_reply(run, server, peer, "OPER#*#6#7", "OPER#ok#42", "After LOGOUT a client may log in again and go on.")


@check("malformed", "answers ko to malformed, unknown and empty requests, and keeps serving the connection",
       points=1)
def check_malformed(run):
    server = start_server(run)
    peer = run.connect(run.net.zeus, SERVER_PORT)
    for request in ("LOGIN#wagner", "LOGIN#wagner#abc123#extra", "LOGIN##abc123", "LOGIN#wagner#"):
        expect_reply(run, server, peer, request, exactly(LOGIN_MALFORMED),
                     "LOGIN takes exactly two non-empty fields: " + TABLE_HINT)
    login(run, server, peer)
    for request in ("OPER#+#5", "OPER#%#5#3", "OPER#+#five#3", "OPER#+#5#3#9", "OPER#+##3", "OPER#++#5#3",
                    "OPER#+#99999999999#1", "OPER#+#+5#3", "OPER#+# 5#3", "OPER#+#5#3x", "OPER#+#-#3", "OPER"):
        expect_reply(run, server, peer, request, exactly(OPER_MALFORMED),
                     "Check every field (count, operator, numbers: an optional '-' then digits, nothing else) "
                     "before using it; never trust the client.")
    for request in ("HELLO", "#", "", "login#wagner#abc123", "LOGOUT#x", "oper#+#1#2"):
        expect_reply(run, server, peer, request, exactly(UNKNOWN),
                     "A request the table does not know gets ERREUR#Requete inconnue ! (names are case-sensitive), "
                     "and the connection goes on.")
    expect_reply(run, server, peer, b"OPER#+#1#" + b"9" * 10000, exactly(TOO_LONG),
                 "Receive fails with EMSGSIZE on a frame longer than TAILLE_MAX_DATA (and skips it): answer "
                 "ERREUR#Requete trop longue ! and go on with the next request.")
    expect_reply(run, server, peer, "OPER#*#5#3", "OPER#ok#15", "After bad requests, good ones still work.")


@check("framing", "takes a request sent in pieces (cut where the seed says, sometimes a byte at a time) and "
                  "several requests glued in one segment", points=1)
def check_framing(run):
    server = start_server(run)
    peer = run.connect(run.net.zeus, SERVER_PORT)
    run.send_pieces(peer, frame("LOGIN#wagner#abc123"), server, "a LOGIN")
    expect_reply(run, server, peer, None, "LOGIN#ok")
    run.send(peer, frame("OPER#+#1#1") + frame("OPER#*#6#7") + frame("OPER#-#1#1"), "three requests in one segment")
    for result in ("2", "42", "0"):
        expect_reply(run, server, peer, None, f"OPER#ok#{result}")


@check("vanish", "survives clients that leave mid-request or without LOGOUT; a new connection starts logged out",
       points=1)
def check_vanish(run):
    server = start_server(run)
    staying = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, staying, "charlet")
    leaving = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, leaving)
    run.send(leaving, b"OPER#+#1", "half a request")
    run.reset(leaving, "in the middle of the request")
    closing = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, closing, "wagner")
    run.send(closing, b"OPER#*#2", "half a request")
    run.close_sockets("this client closes its connection in the middle of the request", closing)
    fresh = run.connect(run.net.zeus, SERVER_PORT)
    expect_reply(run, server, fresh, "OPER#+#1#1", exactly(NOT_LOGGED),
                 "A new connection starts logged out, whatever earlier connections did: keep the login state "
                 "per connection (not in a global list indexed by socket numbers, which the kernel reuses).")
    expect_reply(run, server, staying, "OPER#-#9#4", "OPER#ok#5",
                 "Clients that vanish end their own connection only.")


@check("adversaries", "serves a client while others stay silent, stop reading their replies, or shut down "
                      "their sending side with requests pending", points=1, timeout=20)
def check_adversaries(run):
    run.small_tcp_buffers()
    server = start_server(run)
    run.connect(run.net.zeus, SERVER_PORT)  # connects and never says a word
    served = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, served, "charlet")
    expect_reply(run, server, served, "OPER#+#20#22", "OPER#ok#42", timeout=3,
                 silence_hint="A client that connects and says nothing holds its own thread only: accept() the "
                              "next connection at once, and read each client's requests in its own thread.")
    stuck = run.connect(run.net.zeus, SERVER_PORT, receive_buffer=4096)
    login(run, server, stuck)
    run.stop_reading(stuck, server, frame("OPER#+#1#1"), UNREAD_LIMIT)
    expect_reply(run, server, served, "OPER#*#6#7", "OPER#ok#42", timeout=3,
                 silence_hint="A client that does not read its replies blocks its own thread in Send(), and only "
                              "that one: hold no lock shared with other connections while sending.")
    expect_half_close_served(run, server)
    expect_reply(run, server, served, "LOGOUT", "LOGOUT#ok")


def connect_many(run, server, count: int):
    peers = []
    users = ("wagner", "charlet")
    for i in range(count):
        peer = run.connect(run.net.zeus, SERVER_PORT)
        login(run, server, peer, users[i % len(users)])
        peers.append(peer)
    return peers


@check("concurrent", f"serves {CLIENTS} logged-in clients at once; threads and descriptors return to their "
                     "idle level when they leave; out of descriptors (EMFILE), Accept() is retried and the client "
                     "served later", points=1)
def check_concurrent(run):
    server = start_server(run)
    idle_threads = procfs.thread_count(server.pid)
    idle_fds = len(run.fds(server))
    peers = connect_many(run, server, CLIENTS)
    for i, peer in reversed(list(enumerate(peers))):
        expect_reply(run, server, peer, f"OPER#*#{i}#{i}", f"OPER#ok#{i * i}")
    with run.transcript.step(f"count {server.name}'s threads with {CLIENTS} clients connected") as step:
        busy = procfs.thread_count(server.pid)
        step.outcome = f"{busy} threads (idle: {idle_threads})"
    run.require(busy >= idle_threads + CLIENTS, f"at least {idle_threads + CLIENTS} threads: one per connection",
                f"{busy} threads", "Start a thread for each accepted connection.")
    for peer in peers:
        expect_reply(run, server, peer, "LOGOUT", "LOGOUT#ok")
        peer.close()
    with run.transcript.step(f"wait until {server.name} is back to {idle_threads} thread(s) and {idle_fds} "
                             "descriptors") as step:
        back = run.wait_until(lambda: procfs.thread_count(server.pid) == idle_threads
                              and len(run.fds(server)) == idle_fds, program=server)
        now = (procfs.thread_count(server.pid), len(run.fds(server)))
        run.require(bool(back), f"{idle_threads} thread(s) and {idle_fds} descriptors, as before the clients came",
                    f"{now[0]} threads and {now[1]} descriptors",
                    "When a client leaves (Receive returns 0), its thread closes the socket and ends.")
        step.outcome = "back to idle"
    # A second server, on a port of its own (the first one's is still held),
    # with room for three connections only.
    expect_accept_retry(run, port=SERVER_PORT + 2)


@check("data-races", "a ThreadSanitizer build serves concurrent clients without reporting a data race", points=1,
       timeout=30)
def check_data_races(run):
    server = start_server(run, name="Serveur-tsan")
    # All the connections first, so that their threads start together; then
    # a request to every client at once, many times over, so that the threads
    # handle them at the same time: ThreadSanitizer sees a race only where two
    # threads' accesses overlap (between one's recv() and the other's send(),
    # which it counts as synchronisation). One request at a time each: a
    # framing fault is the framing check's, not this one's.
    peers = [run.connect(run.net.zeus, SERVER_PORT) for _ in range(RACE_CLIENTS)]
    users = ("wagner", "charlet")
    for i, peer in enumerate(peers):
        run.send(peer, frame(f"LOGIN#{users[i % 2]}#{ACCOUNTS[users[i % 2]]}"))
    for peer in peers:
        expect_reply(run, server, peer, None, "LOGIN#ok")
    for round_number in range(RACE_ROUNDS):
        with run.transcript.step(f"round {round_number + 1} of {RACE_ROUNDS}: {RACE_REQUESTS} times, send "
                                 f"OPER#+#<client>#<n> to each of the {RACE_CLIENTS} clients, then read each one's "
                                 "reply") as step:
            wrong = []
            for n in range(RACE_REQUESTS):
                for i, peer in enumerate(peers):
                    peer.send(frame(f"OPER#+#{i}#{n}"))
                for i, peer in enumerate(peers):
                    got = peer.recv_until(MARKER, run.deadline.until(None))
                    if got.data != frame(f"OPER#ok#{i + n}"):
                        wrong.append((i, n, got.data))
                if wrong:
                    break
            step.outcome = "every reply as expected" if not wrong else f"a wrong reply at request {n + 1}"
        failure = run.sanitizer_failure()
        if failure is not None:
            raise failure
        if wrong:
            number, n, data = wrong[0]
            run.fail(f"client {number} gets OPER#ok#{number + n}#) for OPER#+#{number}#{n}",
                     f"it got {data[:80]!r}",
                     "Each connection's thread answers its own requests, in order, with its own state.")
    for peer in peers:
        peer.close()
    run.interrupt(server)
    failure = run.sanitizer_failure()
    if failure is not None:
        raise failure


@check("sigint", "on SIGINT with clients connected, closes every socket and exits with status 0", points=1)
def check_sigint(run):
    server = start_server(run)
    peers = connect_many(run, server, 3)
    status = run.interrupt(server)
    run.require(status.code == 0, "Serveur exits with status 0 from its SIGINT handler", f"it {status.describe()}")
    run.expect_line(server, SERVER_STOPPED)
    for peer in peers:
        run.expect_closed(peer, server.name, "Every client's connection is closed when the server stops.")


def client_logging_in(run, listener, user: str, password: str, **options):
    """Start ./Client zeus 50000 on a terminal, accept its connection, type
    the account at its prompts and receive its LOGIN frame: (client, peer)."""
    client = run.start("Client", run.net.zeus, PORT, interactive=True, **options)
    peer = run.accept(listener, client)
    run.expect_line(client, USER_PROMPT)
    run.type_line(client, user)
    run.expect_line(client, PASSWORD_PROMPT)
    run.type_line(client, password)
    run.receive(peer, frame(f"LOGIN#{user}#{password}"), client.name, "LOGIN#user#password, as typed, in one frame.")
    return client, peer


@check("client", "Client logs in with the typed account, sends each typed operation, prints results and errors, "
                 "and logs out on SIGINT or at the end of its input; a refused login ends it with status 1", points=1)
def check_client(run):
    listener = run.listen(SERVER_PORT, host=run.net.zeus)
    client, peer = client_logging_in(run, listener, "charlet", "xyz456")
    run.send(peer, frame("LOGIN#ok"), "the grader's answer")
    for typed, request, reply, line in (("5 * 3", "OPER#*#5#3", "OPER#ok#15", RESULT),
                                        ("-7 - 12", "OPER#-#-7#12", "OPER#ok#-19", RESULT),
                                        ("8 / 0", "OPER#/#8#0", "OPER#ko#Division par zero !", ERROR_REPLY)):
        run.expect_line(client, OPERATION_PROMPT)
        run.type_line(client, typed)
        run.receive(peer, frame(request), client.name, "An operation \"a op b\" travels as OPER#op#a#b.")
        run.send(peer, frame(reply), "the grader's answer")
        shown = run.expect_line(client, line)
        if line is RESULT:
            value = reply.rsplit("#", 1)[1]
            run.require(shown.group("value") == value, f"Résultat = {value}", shown.group(0).strip())
    for typed in ("5 x 3", "+5 + 3", "5 * 3 4"):  # no operation: an error line, nothing sent
        run.expect_line(client, OPERATION_PROMPT)
        run.type_line(client, typed)
        run.expect_line(client, ERROR_REPLY, hint="A line that is not \"a op b\" gets an error line, and nothing "
                                                  "is sent.")
    for typed, request, value in (("5*3", "OPER#*#5#3", "15"), ("5 - -3", "OPER#-#5#-3", "8"),
                                  ("2 + 2", "OPER#+#2#2", "4")):  # blanks are optional, operands signed
        run.expect_line(client, OPERATION_PROMPT)
        run.type_line(client, typed)
        run.receive(peer, frame(request), client.name,
                    "Blanks around each part are optional and an operand may be negative; a line that is no "
                    "operation (\"5 x 3\", \"+5 + 3\", \"5 * 3 4\") sends nothing: the next frame is the next "
                    "operation's.")
        run.send(peer, frame(f"OPER#ok#{value}"), "the grader's answer")
        shown = run.expect_line(client, RESULT)
        run.require(shown.group("value") == value, f"Résultat = {value}", shown.group(0).strip())
    run.expect_line(client, OPERATION_PROMPT)
    with run.transcript.step(f"$ kill -INT {client.pid}"):
        client.signal(signal.SIGINT)
    run.receive(peer, frame("LOGOUT"), client.name, "On SIGINT, the client sends LOGOUT before it closes.")
    run.send(peer, frame("LOGOUT#ok"), "the grader's answer")
    run.expect_closed(peer, client.name)
    status = run.expect_exit(client)
    run.require(status.code == 0, "Client exits with status 0", f"it {status.describe()}")

    refused, peer = client_logging_in(run, listener, "wagner", "nope")
    run.send(peer, frame(BAD_ACCOUNT), "the grader refuses the login")
    shown = run.expect_line(refused, ERROR_REPLY)
    reason = BAD_ACCOUNT.split("#", 2)[2]
    run.require(shown.group("reason").strip() == reason, f"Erreur : {reason}", shown.group(0).strip(),
                "Print the reason the server gave, after LOGIN#ko#.")
    ended, peer = client_logging_in(run, listener, "grader", ACCOUNTS["grader"], line_mode=True)
    run.send(peer, frame("LOGIN#ok"), "the grader's answer")
    run.expect_line(ended, OPERATION_PROMPT)
    run.end_input(ended)
    run.receive(peer, frame("LOGOUT"), ended.name, "At the end of input (Ctrl-D), as on Ctrl-C, the client sends "
                                                   "LOGOUT, waits for LOGOUT#ok, then closes.")
    run.send(peer, frame("LOGOUT#ok"), "the grader's answer")
    run.expect_closed(peer, ended.name)
    status = run.expect_exit(ended)
    run.require(status.code == 0, "Client exits with status 0 at the end of its input", f"it {status.describe()}")

    hashed = run.start("Client", run.net.zeus, PORT, interactive=True)
    hashed_peer = run.accept(listener, hashed)
    run.expect_line(hashed, USER_PROMPT)
    run.type_line(hashed, "wagner")
    run.expect_line(hashed, PASSWORD_PROMPT)
    run.type_line(hashed, "abc#123")
    run.expect_line(hashed, ERROR_REPLY, hint="A '#' in user or password would cut the LOGIN request wrong: "
                                              "refuse it before sending anything.")
    run.expect_failure_exit(hashed)
    run.expect_nothing_received(hashed_peer, hashed.name, "nothing is sent for an account holding '#'")

    ends = "A refused login ends the client: print the reason, close the socket, exit 1."
    status = run.expect_exit(refused, hint=ends)
    run.require(status.code == 1, "Client exits with status 1 after a refused login", f"it {status.describe()}", ends)


@check("throughput", throughput.TITLE, points=0, timeout=20)
def check_throughput(run):
    throughput.compare_with_reference(run)
