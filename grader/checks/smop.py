"""The SMOP protocol of labs 10 and 11, as the grader speaks it.

Every request and reply is one frame of the lab 08 library (payload + "#)"):
LOGIN#user#password -> LOGIN#ok | LOGIN#ko#reason; OPER#op#a#b -> OPER#ok#result
| OPER#ko#reason; LOGOUT -> LOGOUT#ok; anything else -> ERREUR#reason; each reason
word for word as the handout's table gives it.
"""

import re

from kit.network import SERVER_PORT

from checks.course import EMFILE, SERVER_STARTED

MARKER = b"#)"
PORT = str(SERVER_PORT)
# The accounts of the check's users file (the course's two, and one of the grader's).
ACCOUNTS = {"wagner": "abc123", "charlet": "xyz456", "grader": "s3cret"}
USERS_FILE = "# accounts of the grader's checks\n" + "".join(f"{u}:{p}\n" for u, p in ACCOUNTS.items())

OK = {"LOGIN": "LOGIN#ok", "LOGOUT": "LOGOUT#ok"}
# The refusals of the handout's table, word for word.
ALREADY_LOGGED = "LOGIN#ko#Client deja logge !"
LOGIN_MALFORMED = "LOGIN#ko#Requete mal formee !"
BAD_ACCOUNT = "LOGIN#ko#Mauvais identifiants !"
NOT_LOGGED = "OPER#ko#Client non logge !"
OPER_MALFORMED = "OPER#ko#Requete mal formee !"
DIVISION_BY_ZERO = "OPER#ko#Division par zero !"
OVERFLOW = "OPER#ko#Depassement de capacite !"
UNKNOWN = "ERREUR#Requete inconnue !"
TOO_LONG = "ERREUR#Requete trop longue !"


def frame(payload: str | bytes) -> bytes:
    return (payload.encode() if isinstance(payload, str) else payload) + MARKER


def listening(info, port: int = SERVER_PORT):
    return info.inet is not None and info.inet.state == "LISTEN" and info.inet.local[1] == port


def start_server(run, *args: str, name: str = "Serveur", port: int = SERVER_PORT, **options):
    """Start the server with the check's users file; wait for its ready line
    and its listening socket (threads are counted from here on)."""
    run.need_free_port(port)
    users = run.write_file("users.txt", USERS_FILE)
    server = run.start(name, str(port), *args, users, **options)
    run.expect_line(server, SERVER_STARTED)
    run.wait_for_socket(server, lambda info: listening(info, port), f"a socket listening on port {port}",
                        "ServerSocket(port), with the port from argv[1].")
    return server


def exactly(reply: str) -> str:
    """The regular expression that matches this reply and nothing else."""
    return re.escape(reply)


def expect_reply(run, server, peer, request: str | bytes, expected: str, hint: str = "",
                 timeout: float | None = None, silence_hint: str = "") -> str:
    """Send one request frame and receive one reply frame that fully matches
    `expected` (a regular expression: exactly(text) for a reply the handout
    gives word for word); silence_hint explains a reply that does not come
    within timeout."""
    if request is not None:
        run.send(peer, frame(request))
    data = run.receive_until(peer, MARKER, server.name,
                             silence_hint or "Every request gets exactly one reply frame, ending with \"#)\".",
                             timeout=timeout)
    reply = data[:-len(MARKER)].decode(errors="replace")
    shown = expected.replace("\\", "")
    run.require(re.fullmatch(expected, reply) is not None, f"the reply {shown}", f"the reply {reply}",
                hint or "See the handout's table of requests and replies: the exact fields, separated by '#'.")
    return reply


def login(run, server, peer, user: str = "wagner") -> None:
    expect_reply(run, server, peer, f"LOGIN#{user}#{ACCOUNTS[user]}", "LOGIN#ok",
                 "LOGIN#user#password with an account of the users file is answered LOGIN#ok.")


def expect_half_close_served(run, server) -> None:
    """A client sends LOGIN, OPER and LOGOUT and shuts down its sending side
    at once: every request is answered, then the server closes."""
    peer = run.connect(run.net.zeus, SERVER_PORT)
    run.half_close(peer, frame("LOGIN#wagner#abc123") + frame("OPER#-#2#5") + frame("LOGOUT"),
                   "three requests at once")
    for expected in ("LOGIN#ok", "OPER#ok#-3", "LOGOUT#ok"):
        expect_reply(run, server, peer, None, expected,
                     "End of file on the read side ends the requests, not the replies: answer every request "
                     "that came before it.")
    run.expect_closed(peer, server.name, "Once the pending replies are sent, close the connection.")


ROOM = 3  # clients a server out of descriptors has room for (some room also for its start-up)


def start_server_full(run, *args: str, port: int = SERVER_PORT):
    """Start the server once to count the descriptors it holds while idle,
    then again allowed ROOM more (RLIMIT_NOFILE), and connect ROOM clients,
    the first logged in: (server, clients). Its descriptors are all used."""
    counting = start_server(run, *args, port=port)
    idle = len(run.fds(counting))
    run.stop(counting)
    server = start_server(run, *args, port=port, limits=run.limits(open_files=idle + ROOM))
    run.note(f"(the server had {idle} descriptors open while idle; now it may have {idle + ROOM}: "
             f"{ROOM} clients' more)")
    clients = [run.connect(run.net.zeus, port)]
    login(run, server, clients[0])
    clients += [run.connect(run.net.zeus, port) for _ in range(ROOM - 1)]
    with run.transcript.step(f"wait until {server.name} has accepted them all ({idle + ROOM} descriptors)") as step:
        full = run.wait_until(lambda: len(run.fds(server)) >= idle + ROOM, program=server)
        step.outcome = f"{len(run.fds(server))} descriptors"
    run.require(bool(full), f"{server.name} accepts the {ROOM} clients", f"it holds {len(run.fds(server))} "
                f"descriptors", "Accept every client that comes while descriptors are left.")
    return server, clients


def expect_accept_retry(run, *args: str, port: int = SERVER_PORT) -> None:
    """With every descriptor used (start_server_full), one client too many:
    accept() fails with EMFILE; the server reports it, stays up, tries
    again, and serves that client once the others leave."""
    if run.ctx.sanitize:
        # UBSan's vptr check reports false errors in a process out of descriptors.
        run.note("(not tried on a sanitizer build (--sanitize): its runtime misreads a process out of descriptors)")
        return
    server, clients = start_server_full(run, *args, port=port)
    second = run.connect(run.net.zeus, port)
    run.send(second, frame("LOGIN#charlet#xyz456"), "one client too many sends its LOGIN: no descriptor is left")
    run.expect_message(server, EMFILE, 'Accept()\'s error, e.g. "Serveur: Accept (nouvel essai): Too many open '
                                       'files"', hint="Accept() returns -1 with EMFILE: report it, wait a little "
                                                      "and accept again (the client waits in the backlog).")
    run.require(server.running(), f"{server.name} still running after EMFILE", f"it {server.poll().describe()}"
                if server.poll() else "", "EMFILE concerns this moment, not the server: never stop serving for it.")
    run.close_sockets(f"the {len(clients)} first clients leave (their descriptors are freed)", *clients)
    expect_reply(run, server, second, None, "LOGIN#ok",
                 "Once a descriptor is free again, accept the client that waited and serve it.",
                 silence_hint="After EMFILE, wait a little (100 ms) and call Accept() again: the waiting client is "
                              "accepted once a connection ends.")
