"""Checks of lab 13: SMOP's operations over UDP; timeouts, retries, broadcast.

A request is one datagram "<id>#<request>", its reply one datagram
"<id>#<reply>" (17#OPER#+#5#3 -> 17#OPER#ok#8; see the handout). The server
checks talk to ServeurUDP from the grader's own UDP sockets. The client checks
put ClientUDP in front of the grader playing the server, of the kit's
reference server behind a relay that loses datagrams where the seed says, and
of two reference servers on an Ethernet of the check's own (broadcast).
"""

import re
import time

from kit.check import check
from kit.datagram import DROP, PASS, REPLY, REQUEST
from kit.network import SERVER_PORT
from kit.text import show_wire

from checks.course import (CLIENT_STOPPED, EACCES, ERROR_REPLY, LINE_TOO_LONG, NO_ANSWER, OPERATION_MALFORMED,
                           OPERATION_PROMPT, RESULT, SERVER_FOUND, SERVER_STARTED, SERVER_STOPPED)
from checks.failures import expect_port_taken, expect_socket_failure
from checks.smop import DIVISION_BY_ZERO, OPER_MALFORMED, OVERFLOW, TOO_LONG, UNKNOWN  # lab 10's replies

LAB = "13-udp"
REFERENCE = ("ServeurUDP",)  # the server behind the relay and on the broadcast network
ADDRESS_SANITIZED = ("ServeurUDP", "ClientUDP")  # malformed and client run these builds

PORT = str(SERVER_PORT)
RELAYED_PORT = SERVER_PORT + 1  # where the reference server listens, behind the relay
TRIES = 3          # the handout's kEssais: copies of a request, at most
WAIT = 0.5         # the handout's kAttenteMs, in seconds: the wait after each copy
SLACK = 1.5        # seconds of room for a slow machine (or a sanitizer build)
MAX_REQUEST = 512  # the handout's kRequeteMax: a longer request is refused
STRAY_EVERY = 0.15  # seconds between two stray datagrams while the client waits (less than WAIT)
EXACT = ("The reply is one datagram holding exactly \"<id>#<reply>\": the id as the request wrote it, then the "
         "reply of the handout's table; no '\\0', no newline.")


def bound(info, port: int = SERVER_PORT) -> bool:
    return info.inet is not None and info.inet.protocol == "UDP" and info.inet.local[1] == port


def start_server(run, name: str = "zeus", port: int = SERVER_PORT, reference: bool = False,
                 program: str = "ServeurUDP"):
    """Start ServeurUDP port name (program: a sanitizer build, "ServeurUDP-asan");
    wait for its ready line and its bound socket."""
    server = run.start(program, str(port), name, reference=reference)
    run.expect_line(server, SERVER_STARTED)
    run.wait_for_socket(server, lambda info: bound(info, port), f"a UDP socket bound to port {port}",
                        "socket(AF_INET, SOCK_DGRAM, 0), then bind() to INADDR_ANY and the port of argv[1].")
    return server


def ask(run, server, endpoint, request: str | bytes, expected: str, hint: str = "") -> str:
    """Send one request datagram to the server and require that the next
    datagram is its reply, fully matching the regular expression `expected`."""
    data = request.encode() if isinstance(request, str) else request
    run.send_datagram(endpoint, data, (run.net.zeus, SERVER_PORT))
    return expect_reply(run, server, endpoint, expected, hint)


def expect_reply(run, server, endpoint, expected: str, hint: str = "", timeout: float = 3.0) -> str:
    got = run.receive_datagram(endpoint, server.name, hint, timeout=timeout)
    reply = got.data.decode(errors="replace")
    shown = expected.replace("\\", "")
    run.require(re.fullmatch(expected, reply) is not None, f"the datagram {shown}", f"the datagram {got.data!r}",
                hint or EXACT)
    return reply


@check("requests", "answers OPER (the four operations; ko on a division by zero and on an overflow) and WHO, "
                   "each reply carrying its request's id", points=1)
def check_requests(run):
    server = start_server(run)
    me = run.udp(run.net.moon)
    for request, reply in (("17#OPER#+#5#3", "17#OPER#ok#8"), ("18#OPER#-#5#12", "18#OPER#ok#-7"),
                           ("19#OPER#*#-6#7", "19#OPER#ok#-42"), ("20#OPER#/#-17#5", "20#OPER#ok#-3"),
                           ("999999999#OPER#+#2147483646#1", "999999999#OPER#ok#2147483647"),
                           ("007#OPER#/#8#2", "007#OPER#ok#4"), ("26#OPER#+#0005#1", "26#OPER#ok#6"),
                           ("5#WHO", "5#WHO#ok#zeus")):
        ask(run, server, me, request, re.escape(reply))
    for request, refusal in (("21#OPER#/#8#0", DIVISION_BY_ZERO), ("22#OPER#+#2147483647#1", OVERFLOW),
                             ("23#OPER#*#65536#65536", OVERFLOW), ("24#OPER#/#-2147483648#-1", OVERFLOW),
                             ("25#OPER#-#-2147483648#1", OVERFLOW)):
        request_id = request.split("#", 1)[0]
        ask(run, server, me, request, re.escape(f"{request_id}#{refusal}"),
            "A division by zero or a result that does not fit in an int is answered <id>#OPER#ko#<reason> "
            "(check before computing: signed overflow is undefined behaviour).")


@check("boundaries", "takes each datagram as one whole request, even when several arrive back to back, a "
                     "shorter one after a longer one, and answers every copy of a request sent again", points=1)
def check_boundaries(run):
    server = start_server(run)
    me = run.udp(run.net.moon)
    pairs = (("31#OPER#+#100#200", "31#OPER#ok#300"), ("32#OPER#*#3#4", "32#OPER#ok#12"),
             ("33#OPER#+#1000000#2000000", "33#OPER#ok#3000000"), ("34#OPER#-#9#1", "34#OPER#ok#8"))
    for request, _ in pairs:
        run.send_datagram(me, request.encode(), (run.net.zeus, SERVER_PORT), "at once, without waiting for replies")
    for _, reply in pairs:
        expect_reply(run, server, me, re.escape(reply),
                     "One recvfrom() gives one whole datagram, and its length: the request is those bytes, and "
                     "nothing that an earlier, longer datagram left in the buffer.")
    for copy in range(1, 4):
        run.send_datagram(me, b"41#OPER#*#6#7", (run.net.zeus, SERVER_PORT), f"copy {copy} of one request")
    for _ in range(3):
        expect_reply(run, server, me, re.escape("41#OPER#ok#42"),
                     "A copy of a request is a request: the client sent it again because it got no reply (its "
                     "request or the reply was lost). Answer it again; never drop it as already answered.")
    ask(run, server, me, "42#OPER#+#1#1", re.escape("42#OPER#ok#2"))


@check("senders", "answers each client at its own address when several talk at once, even with the same ids",
       points=1)
def check_senders(run):
    server = start_server(run)
    clients = [run.udp(host) for host in (run.net.moon, run.net.google, "127.0.0.1")]
    for round_id in (1, 2):
        for number, client in enumerate(clients, start=1):
            run.send_datagram(client, f"{round_id}#OPER#*#{number}#{10 * round_id}".encode(),
                              (run.net.zeus, SERVER_PORT), f"client {number}")
        for number, client in enumerate(clients, start=1):
            expect_reply(run, server, client, re.escape(f"{round_id}#OPER#ok#{number * 10 * round_id}"),
                         "Send each reply to the address recvfrom() gave with its request (not to an address "
                         "kept from an earlier datagram): ids are chosen by each client, and may be the same.",
                         timeout=2.0)


# Datagrams that are not requests, with the id a reply must carry (None: no id to answer).
MALFORMED = [  # (datagram, its id or None when it has none, the reply after "<id>#")
    (b"51#OPER#+#5", "51", OPER_MALFORMED), (b"52#OPER#%#5#3", "52", OPER_MALFORMED),
    (b"53#OPER#+#five#3", "53", OPER_MALFORMED), (b"54#OPER#+#5#3#9", "54", OPER_MALFORMED),
    (b"55#OPER#+##3", "55", OPER_MALFORMED), (b"56#OPER#+#99999999999#1", "56", OPER_MALFORMED),
    (b"57#OPER#+#+5#3", "57", OPER_MALFORMED), (b"58#HELLO", "58", UNKNOWN), (b"59#", "59", UNKNOWN),
    (b"63#WHO#x", "63", UNKNOWN), (b"60#OPER#+#1#" + b"1" * 2000, "60", TOO_LONG),
    # Its first 512 bytes are a valid request (2 + 000...0): only its real length
    # (recvfrom() with MSG_TRUNC) tells that it is too long.
    (b"62#OPER#+#2#" + b"0" * 600 + b"5", "62", TOO_LONG),
    # Exactly 512 bytes (kRequeteMax): a request like any other.
    (b"64#OPER#+#2#" + b"0" * (MAX_REQUEST - 13) + b"3", "64", "OPER#ok#5"),
    # A request, then its id alone: the buffer still holds the '#' that
    # followed the id, but the datagram does not.
    (b"12345#OPER#+#1#1", "12345", "OPER#ok#2"), (b"12345", None, ""),
    (b"9" * MAX_REQUEST, None, ""),  # digits to the end of the buffer, no '#': no id
    (b"", None, ""), (b"OPER#+#1#1", None, ""), (b"#OPER#+#1#1", None, ""), (b"\x00\xff\x01\x02 binary", None, ""),
    (b"x" * 3000, None, ""), (b"1234567890#WHO", None, ""),  # 10 digits: no id (it may not fit an int)
]


@check("malformed", "answers malformed, unknown, empty and oversized datagrams with an error (and nothing at all "
                    "to those without an id), and keeps serving", points=1)
def check_malformed(run):
    server = start_server(run, program="ServeurUDP-asan")  # oversized datagrams: no byte past the buffer
    me = run.udp(run.net.moon)
    for data, _, _ in MALFORMED:
        run.send_datagram(me, data, (run.net.zeus, SERVER_PORT))
    run.send_datagram(me, b"61#OPER#-#10#3", (run.net.zeus, SERVER_PORT), "a good request after them")
    replies = []
    with run.transcript.step(f"collect {server.name}'s replies until the one to the good request") as step:
        while not replies or not replies[-1].startswith(b"61#"):
            got = me.receive(run.deadline.until(3.0))
            if got is None:
                status = server.poll()
                run.fail(f"{server.name} answers 61#OPER#-#10#3 after the malformed datagrams",
                         f"it {status.describe()}" if status else "no reply came within 3 s",
                         "A datagram that is not a request is answered with an error, or dropped if it has no id; "
                         "an empty one is a datagram too (recvfrom() returns 0: no end of file in UDP).")
            replies.append(got.data)
        step.outcome = f"{len(replies)} replies"
    run.require(replies[-1] == b"61#OPER#ok#7", "the datagram 61#OPER#ok#7", f"the datagram {replies[-1]!r}")
    for data, request_id, reply in MALFORMED:
        if request_id is None:
            continue
        answers = [r for r in replies[:-1] if r.startswith(f"{request_id}#".encode())]
        shown = data[:40] + (b"..." if len(data) > 40 else b"")
        expected = f"{request_id}#{reply}"
        run.require(len(answers) == 1, f"one reply to {shown!r}: {expected}", f"{len(answers)} replies",
                    "Every datagram that starts with an id gets one reply with that id: an error when it is not a "
                    "request the server understands.")
        run.require(answers[0] == expected.encode(), f"the datagram {expected}",
                    f"the datagram {show_wire(answers[0], 60)}",
                    "Judge the datagram's real length first (recvfrom() with MSG_TRUNC returns it: a datagram "
                    "longer than the buffer is cut, and what is left may look like a good request), then every "
                    "field (count, operator, numbers), and send the handout's reply word for word."
                    if len(data) > MAX_REQUEST else
                    "Check every field (count, operator, numbers), and send the reply of the handout's table word "
                    "for word, the reason text included.")
    with_ids = {f"{request_id}#".encode() for _, request_id, _ in MALFORMED if request_id is not None}
    strays = [r for r in replies[:-1] if not any(r.startswith(prefix) for prefix in with_ids)]
    run.require(not strays, "no reply at all to the datagrams without an id",
                f"the datagram {show_wire(strays[0], 60)}" if strays else "",
                "A datagram that does not start with an id cannot be answered (a reply must carry its request's "
                "id): drop it, send nothing.")
    run.require(server.running(), f"{server.name} still running", "it has stopped")


@check("server-errors", "on SIGINT prints \"Arret du serveur.\" and exits with status 0; reports a failing "
                        "socket() and bind() (port 50000 taken) with the reason, and exits with a non-zero status",
       points=1)
def check_server_errors(run):
    server = start_server(run)
    status = run.interrupt(server)
    run.require(status.code == 0, f"{server.name} exits with status 0 from its SIGINT handler",
                f"it {status.describe()}", "The handler write()s \"\\nArret du serveur.\\n\", closes the socket "
                                           "and ends the process with _exit(0).")
    run.expect_line(server, SERVER_STOPPED)
    expect_socket_failure(run, "ServeurUDP", PORT, "zeus", next_call="bind()")
    expect_port_taken(run, "ServeurUDP", PORT, "zeus", udp=True)


def start_client(run, host: str, *extra: str, program: str = "ClientUDP"):
    return run.start(program, *extra, host, PORT, interactive=True, line_mode=True)


def operation(run, client, typed: str) -> None:
    run.expect_line(client, OPERATION_PROMPT)
    run.type_line(client, typed)


@check("client", "ClientUDP sends each operation as one datagram with a new id, prints results and errors, "
                 "ignores replies to other ids (late, duplicate), sends nothing for a line that is no operation or "
                 "too long (and says so), ends with status 0 at the end of its input, and reports a failing socket()",
       points=1)
def check_client(run):
    expect_socket_failure(run, "ClientUDP", run.net.zeus, PORT, next_call="connect()")
    server = run.udp(run.net.zeus, SERVER_PORT)  # the grader plays the server
    client = start_client(run, run.net.zeus, program="ClientUDP-asan")
    ids = []
    requests = set()  # the datagrams received so far: a late retry of one is not the next request
    for typed, pattern, result in (("5 * 3", r"OPER#\*#5#3", "15"), ("-7 - 12", r"OPER#-#-7#12", "-19"),
                                   ("8 / 0", r"OPER#/#8#0", None)):
        operation(run, client, typed)
        got = None
        while got is None or got.data in requests:
            if got is not None:
                run.note(f"{show_wire(got.data)} again: a retry of an earlier request (the grader was slow)")
            got = run.receive_datagram(server, client.name, "Send the operation typed as one datagram: "
                                                            "\"<id>#OPER#op#a#b\".", timeout=3.0)
        requests.add(got.data)
        match = re.fullmatch(rf"(\d{{1,9}})#{pattern}", got.data.decode(errors="replace"))
        run.require(match is not None, f"the datagram <id>#{pattern.replace(chr(92), '')}", f"the datagram {got.data!r}",
                    "\"<id>#OPER#op#a#b\": an id of 1 to 9 digits, then the request; no '\\0', no newline.")
        request_id = match.group(1)
        run.require(request_id not in ids, f"a new id for a new request (not one of {', '.join(ids)})",
                    f"the id {request_id}", "Each request gets its id; only its copies (retries) repeat it.")
        if ids:
            run.send_datagram(server, f"{ids[-1]}#OPER#ok#99".encode(), got.sender,
                              "a late copy of the previous reply")
            run.send_datagram(server, f"{int(request_id) + 1000}#OPER#ok#98".encode(), got.sender,
                              "a reply to an id it never sent")
        ids.append(request_id)
        if result is not None:
            run.send_datagram(server, f"{request_id}#OPER#ok#{result}".encode(), got.sender, "the reply")
            line = run.expect_line(client, RESULT)
            run.require(line.group("value") == result, f"Resultat = {result}", line.group(0).strip(),
                        "Wait for the reply that carries the request's id: a datagram with another id is a late "
                        "or stray reply, to be ignored.")
        else:
            run.send_datagram(server, f"{request_id}#OPER#ko#Division par zero !".encode(), got.sender, "the reply")
            line = run.expect_line(client, ERROR_REPLY)
            run.require(line.group("reason").strip() == "Division par zero !", "Erreur : Division par zero !",
                        line.group(0).strip(), "After OPER#ko#, print the reason the reply gives, as it is.")
    operation(run, client, "5 x 3")  # no operation: nothing is sent
    run.expect_line(client, OPERATION_MALFORMED, hint="A line that AnalyseOperation() refuses is reported, and "
                                                      "nothing is sent.")
    # 261 characters: too long for the 256-byte buffer. What follows the first
    # 255 is an operation, and so is what follows 256: a client that drops
    # none of the rest, or only one character of it, sends one.
    operation(run, client, "x" * 255 + "77 * 6")
    run.expect_line(client, LINE_TOO_LONG, hint="A line that does not fit in the 256-byte buffer (no '\\n' in "
                                                "it) is refused whole: drop the rest of it, send nothing.")
    operation(run, client, "2 + 2")
    got = None
    while got is None or got.data in requests:
        got = run.receive_datagram(server, client.name, "Send the operation typed as one datagram.", timeout=3.0)
    match = re.fullmatch(r"(\d{1,9})#OPER#\+#2#2", got.data.decode(errors="replace"))
    run.require(match is not None and match.group(1) not in ids, "the datagram <new id>#OPER#+#2#2",
                f"the datagram {got.data!r}",
                "A line that is no operation (\"5 x 3\") is refused on the spot: nothing is sent, and the next "
                "datagram is the next operation's.")
    run.send_datagram(server, f"{match.group(1)}#OPER#ok#4".encode(), got.sender, "the reply")
    line = run.expect_line(client, RESULT)
    run.require(line.group("value") == "4", "Resultat = 4", line.group(0).strip())
    operation(run, client, "3 + 3")
    got = None
    while got is None or got.data in requests:
        got = run.receive_datagram(server, client.name, "Send the operation typed as one datagram.", timeout=3.0)
    requests.add(got.data)
    unexpected = "ERREUR#Requete inconnue !"
    run.send_datagram(server, got.data.split(b"#", 1)[0] + b"#" + unexpected.encode(), got.sender,
                      "a reply with the request's id that is neither OPER#ok nor OPER#ko")
    line = run.expect_line(client, ERROR_REPLY)
    run.require(line.group("reason").strip() == f"reponse inattendue {unexpected}",
                f"Erreur : reponse inattendue {unexpected}", line.group(0).strip(),
                "A reply with the right id but neither OPER#ok# nor OPER#ko# is shown as it came, after "
                "\"reponse inattendue\".")
    run.expect_line(client, OPERATION_PROMPT)
    run.end_input(client)
    ends = "End of input (Ctrl-D, fgets() returns NULL) ends the client: close the socket, exit 0."
    run.expect_line(client, CLIENT_STOPPED, hint=ends)
    status = run.expect_exit(client, hint=ends)
    run.require(status.code == 0, "ClientUDP exits with status 0 at the end of its input", f"it {status.describe()}",
                ends)


class LoseFirstCopies:
    """The relay's plan: for operation k, lose the first copy of its request
    when order[k] is REQUEST, of its reply when it is REPLY. An operation is
    told by its request without the id (a retry may not keep it)."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.operations: list[bytes] = []
        self.replies_lost: set[int] = set()

    def __call__(self, direction: str, rank: int, data: bytes) -> str:
        if direction == REQUEST:
            body = data.split(b"#", 1)[-1]
            if body in self.operations:
                return PASS
            self.operations.append(body)
            k = len(self.operations) - 1
            return DROP if k < len(self.order) and self.order[k] == REQUEST else PASS
        k = len(self.operations) - 1  # a reply answers the latest operation
        if 0 <= k < len(self.order) and self.order[k] == REPLY and k not in self.replies_lost:
            self.replies_lost.add(k)
            return DROP
        return PASS


def relayed_server(run, plan, what: str):
    """The kit's reference ServeurUDP behind a relay at zeus:50000 that loses what `plan` says."""
    start_server(run, port=RELAYED_PORT, reference=True)
    return run.relay((run.net.zeus, SERVER_PORT), (run.net.zeus, RELAYED_PORT), plan, what)


@check("retries", "ClientUDP sends the same request again when the request or its reply is lost (the relay loses "
                  "the first copy, where the seed says), and prints the right result", points=1, timeout=15)
def check_retries(run):
    order = run.rng.sample([REQUEST, REPLY], 2)
    operations = [(run.rng.randint(-999, 999), "+", run.rng.randint(1, 999)),
                  (run.rng.randint(-99, 99), "*", run.rng.randint(2, 99))]
    lost = " then ".join(f"the first copy of operation {k + 1}'s {direction}" for k, direction in enumerate(order))
    relay = relayed_server(run, LoseFirstCopies(order), f"it loses {lost} (seed {run.ctx.seed})")
    client = start_client(run, run.net.zeus)
    for a, op, b in operations:
        operation(run, client, f"{a} {op} {b}")
        expected = str(a + b if op == "+" else a * b)
        line = run.expect_line(client, RESULT, timeout=TRIES * WAIT + SLACK,
                               hint=f"No reply within {int(WAIT * 1000)} ms: send the same datagram again (up to "
                                    f"{TRIES} copies in all), and wait for the reply with the request's id.")
        run.require(line.group("value") == expected, f"Resultat = {expected}", line.group(0).strip())
    with run.transcript.step("look at the copies of each request the relay saw") as step:
        requests = relay.seen(REQUEST)
        by_operation: dict[bytes, set[bytes]] = {}
        for entry in requests:
            request_id, _, body = entry.data.partition(b"#")
            by_operation.setdefault(body, set()).add(request_id)
        step.outcome = "; ".join(f"{body.decode(errors='replace')}: id {', '.join(i.decode() for i in sorted(ids))}"
                                 for body, ids in by_operation.items())
    for body, ids in by_operation.items():
        run.require(len(ids) == 1, f"every copy of {body.decode(errors='replace')} with the same id",
                    f"ids {', '.join(i.decode(errors='replace') for i in sorted(ids))}",
                    "A retry is the same datagram: with a new id, the reply to an earlier copy that was only late "
                    "would be thrown away.")


@check("no-answer", f"ClientUDP gives up when nothing comes back, even while stray datagrams keep coming: exactly "
                    f"{TRIES} copies, {int(WAIT * 1000)} ms apart, then \"no answer\" and a non-zero exit status",
       points=1, timeout=15)
def check_no_answer(run):
    server = run.udp(run.net.zeus, SERVER_PORT)  # the grader plays a server that never answers
    client = start_client(run, run.net.zeus)
    operation(run, client, "6 * 7")
    first = run.receive_datagram(server, client.name, "Send the operation typed as one datagram.", timeout=3.0)
    copies, strays = [first], 0
    stray = f"{first.data.split(b'#', 1)[0].decode(errors='replace')}9#OPER#ok#1".encode()  # another id
    with run.transcript.step(f"answer nothing; send {client.name} {show_wire(stray)} (a reply to another id) every "
                             f"{int(STRAY_EVERY * 1000)} ms until it gives up") as step:
        end = run.deadline.until(TRIES * WAIT + SLACK)
        while client.running() and NO_ANSWER.regex.search(client.stdout.text) is None and time.monotonic() < end:
            server.send(stray, first.sender)
            strays += 1
            got = server.receive(min(end, time.monotonic() + STRAY_EVERY))
            if got is not None:
                copies.append(got)
        step.outcome = f"{len(copies)} cop{'y' if len(copies) == 1 else 'ies'} received, {strays} strays sent"
    hint = (f"After {TRIES} copies, each followed by a wait of {int(WAIT * 1000)} ms, say that the server did not "
            f"answer. Each copy has one deadline: a datagram with another id does not start the "
            f"{int(WAIT * 1000)} ms again (poll() with the time left).")
    if client.running() and NO_ANSWER.regex.search(client.stdout.text) is None:
        run.fail(f"{client.name} says {NO_ANSWER.describe()} within {TRIES * WAIT + SLACK:g} s",
                 f"it is still waiting: {len(copies)} cop{'y' if len(copies) == 1 else 'ies'} of the request "
                 f"meanwhile, while {strays} datagrams with another id came", hint)
    run.expect_line(client, NO_ANSWER, timeout=0.5, hint=hint)
    with run.transcript.step("look at the copies the grader received") as step:
        gaps = [later.at - earlier.at for earlier, later in zip(copies, copies[1:])]
        step.outcome = f"{len(copies)} copies" + (f", {', '.join(f'{g * 1000:.0f}' for g in gaps)} ms apart"
                                                  if gaps else "")
    run.require(len(copies) == TRIES, f"{TRIES} copies of the request", f"{len(copies)} copies",
                f"Send the request again when no reply comes in time, {TRIES} copies in all: a bounded number, "
                "so that a client without a server ends.")
    run.require(len({entry.data for entry in copies}) == 1, "every copy the same datagram",
                "copies that differ: " + ", ".join(repr(entry.data) for entry in copies))
    run.require(min(gaps) >= WAIT * 0.6, f"copies about {int(WAIT * 1000)} ms apart",
                f"copies {min(gaps) * 1000:.0f} ms apart", "Wait for the reply before sending again (poll() with a "
                                                           "timeout): a flood of copies only adds to the trouble.")
    run.expect_failure_exit(client, "With no answer, the client ends with a non-zero status (exit(1)).")


def broadcast_network(run, hosts: list[str]):
    """The check's own Ethernet, with the kit's reference server on each host."""
    lan = run.lan(hosts)
    for host in hosts:
        run.note(f"on {host} ({lan.addresses[host]}), in its own network namespace:")
        with lan.inside(host):
            start_server(run, host, reference=True)
    return lan


@check("broadcast", "ClientUDP --broadcast finds both servers of a network (zeus and moon, namespaces of the "
                    "check's own) with WHO", points=1, timeout=15)
def check_broadcast(run):
    lan = broadcast_network(run, ["zeus", "moon"])
    client = run.start("ClientUDP", "--broadcast", lan.broadcast, PORT)
    found = set()
    for _ in lan.addresses:
        line = run.expect_line(client, SERVER_FOUND,
                               hint="Set SO_BROADCAST on the socket (without it sendto() to a broadcast address "
                                    "fails with EACCES, \"Permission denied\"), send WHO once, and print every "
                                    "reply that comes within the wait, with the address recvfrom() gave.")
        found.add((line.group("name"), line.group("ip"), line.group("port")))
    expected = {(host, address, PORT) for host, address in lan.addresses.items()}
    run.require(found == expected, "Serveur trouve : " + " and ".join(f"{h} ({a}:{p})" for h, a, p in sorted(expected)),
                "Serveur trouve : " + " and ".join(f"{h} ({a}:{p})" for h, a, p in sorted(found)))
    status = run.expect_exit(client)
    run.require(status.code == 0, "ClientUDP exits with status 0 (servers found)", f"it {status.describe()}")


@check("broadcast-denied", "ClientUDP without --broadcast, given a broadcast address, reports the error "
                           "(EACCES: \"Permission denied\") and exits with a non-zero status", points=1, timeout=15)
def check_broadcast_denied(run):
    lan = broadcast_network(run, ["zeus"])
    client = start_client(run, lan.broadcast)
    with run.transcript.step(f"wait for {client.name} to report an error or to prompt for an operation") as step:
        first = client.match_any(re.compile(rf"{EACCES}|{OPERATION_PROMPT.pattern}", re.IGNORECASE),
                                 run.deadline.until(3.0))
        step.outcome = f'"{first.group(0).strip()}"' if first else "neither"
    if first is not None and re.fullmatch(EACCES, first.group(0), re.IGNORECASE) is None:
        run.type_line(client, "1 + 1")  # it connects lazily: the error comes with the first send
    run.expect_message(client, EACCES, "the error EACCES (\"Permission denied\")", timeout=TRIES * WAIT + SLACK,
                       hint="Without SO_BROADCAST, connect() or sendto() to a broadcast address fails with EACCES: "
                            "check what every call returns, and report a failure with perror().")
    run.expect_failure_exit(client)
