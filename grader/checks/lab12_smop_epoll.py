"""Checks of lab 12: the SMOP server in one thread, with non-blocking sockets
and epoll.

    Serveur port [users-file]

Facts, not timings: one thread (from /proc) with 200 clients; a client
holding half a frame, or sending one byte at a time, does not keep another
client from its answers (the other's reply arrives while the frame is still
incomplete); a client that never reads is dropped before the server's memory
grows past a bound; a frame too long is answered and its connection closed; a
half-closed client gets its answers; SIGINT closes everything. The server
links the student's 08 and 10 modules; every check runs again with the kit's
and keeps the better result.
"""

import errno
import fcntl
import socket
import struct
import termios
import time

from kit import procfs
from kit.check import check
from kit.network import SERVER_PORT
from kit.peer import connect

from checks import throughput
from checks.course import SERVER_STOPPED
from checks.smop import (BAD_ACCOUNT, DIVISION_BY_ZERO, MARKER, NOT_LOGGED, OPER_MALFORMED, TOO_LONG, UNKNOWN,
                         exactly, expect_half_close_served, expect_reply, frame, login, start_server,
                         start_server_full)

LAB = "12-smop-epoll"
LIBRARIES = {"TCPLIB_DIR": "08-tcp-lib", "SMOP_DIR": "10-smop-threads"}
REFERENCE = ("Serveur",)  # the yardstick of the throughput feedback
TOOLS = ("smop-bench",)

CLIENTS = 200
SLEEP_WAIT = 5.0                  # seconds an idle server has to fall asleep in epoll_wait()
MEMORY_BOUND_KIB = 32 * 1024      # growth allowed while a client floods without reading
FLOOD_LIMIT = 64 << 20            # bytes the flooding client sends at most
FLOOD_BATCH = 2000                # requests per batch while filling the server's buffers (22 KB of replies)
FLOOD_MAX = 2_000_000             # requests at most (22 MB of replies), whatever the kernel takes
FLOOD_RECEIVE_BUFFER = 4096       # the grader's receive buffer: its window stays small
SERVER_SEND_BUFFER = 4096         # the server's send buffer for that connection (the kernel doubles it)
PENDING_TARGET = 12 * 1024        # replies waiting in the server at end of file (the bound is 64 KiB)
LOGIN_REPLY = frame("LOGIN#ok")
FLOOD_REPLY = frame("OPER#ok#2")
UNBOUNDED_HINT = ("Bound each connection's unsent replies (count the bytes waiting in its output buffer): past the "
                  "limit the handout gives, close the connection and free its state.")


def bulk_clients(run, server, count: int) -> list:
    """count clients, each logged in and answered once (one transcript step:
    the details of 600 exchanges would drown the feedback)."""
    with run.transcript.step(f"connect {count} clients; each sends LOGIN and OPER#+#<its number>#1 "
                             "(all sent before any reply is read)") as step:
        peers = []
        for _ in range(count):
            peer = connect(run.net.zeus, SERVER_PORT, run.deadline.until(None))
            run.peers.append(peer)
            peers.append(peer)
        for number, peer in enumerate(peers):
            peer.send(frame("LOGIN#wagner#abc123") + frame(f"OPER#+#{number}#1"))
        wrong = []
        for number, peer in enumerate(peers):
            expected = frame("LOGIN#ok") + frame(f"OPER#ok#{number + 1}")
            got = peer.recv_exactly(len(expected), run.deadline.until(None))
            if got.data != expected:
                wrong.append((number, got.data))
        step.outcome = f"{count - len(wrong)} of {count} answered"
    if wrong:
        number, data = wrong[0]
        run.fail(f"each of the {count} clients gets LOGIN#ok#) then OPER#ok#<its number + 1>#)",
                 f"{len(wrong)} did not; client {number} got {data[:80]!r}",
                 "Every ready socket must be served: accept every pending connection, read each readable one, "
                 "and keep each client's state (decoder, session, unsent replies) in its own structure.")
    return peers


@check("protocol", "speaks SMOP as in lab 10, each connection with its own login", points=1)
def check_protocol(run):
    server = start_server(run)
    peer = run.connect(run.net.zeus, SERVER_PORT)
    expect_reply(run, server, peer, "OPER#+#1#2", exactly(NOT_LOGGED))
    expect_reply(run, server, peer, "LOGIN#wagner#nope", exactly(BAD_ACCOUNT))
    login(run, server, peer)
    expect_reply(run, server, peer, "OPER#*#5#3", "OPER#ok#15")
    expect_reply(run, server, peer, "OPER#/#8#0", exactly(DIVISION_BY_ZERO))
    expect_reply(run, server, peer, "OPER#+#x#1", exactly(OPER_MALFORMED))
    expect_reply(run, server, peer, b"", exactly(UNKNOWN), "An empty frame is a request SMOP() does not know.")
    other = run.connect(run.net.zeus, SERVER_PORT)
    expect_reply(run, server, other, "OPER#+#1#2", exactly(NOT_LOGGED),
                 "A new connection starts logged out: the login belongs to the connection (its SmopSession).")
    expect_reply(run, server, peer, "LOGOUT", "LOGOUT#ok")
    expect_reply(run, server, peer, "OPER#+#1#2", exactly(NOT_LOGGED))


@check("one-thread", f"serves {CLIENTS} clients at once with a single thread that sleeps while they are idle, "
                    "then closes each when it leaves", points=2, timeout=30)
def check_one_thread(run):
    server = start_server(run)
    idle_fds = len(run.fds(server))
    peers = bulk_clients(run, server, CLIENTS)
    with run.transcript.step(f"count {server.name}'s threads and descriptors with {CLIENTS} clients") as step:
        threads, fds = procfs.thread_count(server.pid), len(run.fds(server))
        step.outcome = f"{threads} thread(s), {fds} descriptors"
    run.require(threads == 1, "1 thread: the event loop serves every client", f"{threads} threads",
                "No thread per client, no pool: epoll_wait() tells the one thread which sockets are ready.")
    run.require(fds >= idle_fds + CLIENTS, f"at least {idle_fds + CLIENTS} descriptors (one per client)",
                f"{fds} descriptors")
    settled = run.settled_probe(server)
    with run.transcript.step(f"wait until {server.name}'s thread sleeps (in epoll_wait()): every client is answered "
                             "and idle") as step:
        calm = run.wait_until(settled, timeout=SLEEP_WAIT, program=server)
        step.outcome = "asleep in a system call" if calm else f"still running after {SLEEP_WAIT:g} s"
    run.require(bool(calm), "the thread sleeps in epoll_wait() while nothing is to be read or sent",
                "it keeps running: the loop spins",
                "Ask epoll for EPOLLOUT only while a connection has replies waiting (a socket with room in its "
                "send buffer is always writable), and stop asking for EPOLLIN once read() returned 0 (end of "
                "file stays readable): otherwise epoll_wait() returns at once, again and again.")
    run.close_sockets(f"all {CLIENTS} clients close their connection", *peers)
    with run.transcript.step(f"wait until {server.name} is back to {idle_fds} descriptors") as step:
        back = run.wait_until(lambda: len(run.fds(server)) == idle_fds, program=server)
        now = len(run.fds(server))
        step.outcome = f"{now} descriptors"
    run.require(bool(back), f"{idle_fds} descriptors, as before the clients came", f"{now} descriptors",
                "read() returning 0 means the client left: close its socket and forget its state.")


@check("no-stall", "a client holding half a frame, or sending it a byte at a time, does not delay other clients",
       points=2)
def check_no_stall(run):
    server = start_server(run)
    holder = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, holder)
    other = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, other, "charlet")
    run.send(holder, b"OPER#+#40", "half a frame, the rest held back")
    expect_reply(run, server, other, "OPER#*#6#7", "OPER#ok#42",
                 "The server must not wait for the rest of a frame: read what is there, keep it in that "
                 "connection's FrameDecoder, and serve the other sockets.")
    trickle = run.connect(run.net.zeus, SERVER_PORT)
    request = frame("LOGIN#grader#s3cret")
    for index in range(len(request) - 1):
        run.send(trickle, request[index:index + 1], f"byte {index + 1} of {len(request)} of a LOGIN")
        if index % 6 == 0:
            expect_reply(run, server, other, f"OPER#-#{index}#1", f"OPER#ok#{index - 1}")
    run.send(trickle, request[-1:], "the last byte")
    expect_reply(run, server, trickle, None, "LOGIN#ok", "The bytes of a frame are kept across reads.")
    run.send(holder, b"#2" + MARKER, "the rest of the held frame")
    expect_reply(run, server, holder, None, "OPER#ok#42")


@check("non-reader", "drops a client that sends requests but never reads the replies, before its memory grows",
       points=1, timeout=30)
def check_non_reader(run):
    server = start_server(run)
    idle_fds = len(run.fds(server))
    idle_kib = procfs.resident_kib(server.pid)
    flooder = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, flooder)
    requests = frame("OPER#+#1#1") * 8000
    sent, stopped, peak = 0, "", idle_kib
    with run.transcript.step(f"send requests without ever reading the replies (up to {FLOOD_LIMIT >> 20} MB)") as step:
        flooder.sock.settimeout(0.2)
        until = run.deadline.until(run.deadline.remaining() - 5)
        while sent < FLOOD_LIMIT and time.monotonic() < until:
            try:
                sent += flooder.sock.send(requests)
            except socket.timeout:
                pass  # the server is not reading now: look at it and try again
            except OSError as error:
                stopped = errno.errorcode.get(error.errno, str(error))
                break
            peak = max(peak, procfs.resident_kib(server.pid))
            if peak > idle_kib + MEMORY_BOUND_KIB:
                break
            if len(run.fds(server)) == idle_fds:
                stopped = "closed by the server"
                break
        step.outcome = f"{sent >> 10} KiB sent; " + (f"then {stopped}" if stopped else "the server still reads")
    run.require(peak <= idle_kib + MEMORY_BOUND_KIB,
                f"the server's memory stays within {MEMORY_BOUND_KIB >> 10} MB of its idle size ({idle_kib} KiB)",
                f"it grew to {peak} KiB", UNBOUNDED_HINT)
    with run.transcript.step(f"wait until {server.name} has closed the flooding client") as step:
        dropped = run.wait_until(lambda: len(run.fds(server)) == idle_fds, program=server)
        step.outcome = "closed" if dropped else "still open"
    # Still open: however fast the flood went (the memory bound may not be
    # reached within the check's time), the server kept taking requests of a
    # client that read nothing: the same fault, the same hint.
    run.require(bool(dropped), "the server closes the connection of a client that lets its replies pile up",
                "the connection is still open", UNBOUNDED_HINT)
    other = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, other, "charlet")


@check("too-long", "answers a frame longer than TAILLE_MAX_DATA with ERREUR#Requete trop longue !, then closes",
       points=1)
def check_too_long(run):
    server = start_server(run)
    peer = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, peer)
    run.send(peer, b"OPER#+#1#" + b"9" * 10100, "10109 bytes and no end marker")
    expect_reply(run, server, peer, None, exactly(TOO_LONG),
                 "FrameDecoder::Next says TooLong: queue the error reply, then stop reading.")
    run.expect_closed(peer, server.name, "After a frame too long the stream cannot be trusted: close it once the "
                                         "reply is sent.")
    other = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, other, "charlet")


def connection_of(run, server, peer) -> procfs.FdInfo | None:
    """The server's descriptor of the grader's connection `peer`, from /proc."""
    for info in run.fds(server):
        if info.inet is not None and info.inet.remote == peer.local:
            return info
    return None


def fill_until_replies_wait(run, server, peer) -> int:
    """Make replies wait in the server's memory at the moment end of file
    comes: shrink the server's send buffer for this connection (as a slow
    network would), then send OPER#+#1#1 requests without reading the replies
    until neither kernel takes more of them (well under the handout's 64 KiB
    bound). Returns the number of requests sent."""
    with run.transcript.step(f"shrink the send buffer of {server.name}'s socket for this connection "
                             f"(SO_SNDBUF {SERVER_SEND_BUFFER} bytes, as a slow network would)") as step:
        connection = run.wait_until(lambda: connection_of(run, server, peer), program=server)
        try:
            if connection is None:
                raise procfs.ProbeUnavailable("the server holds no socket of this connection")
            size = procfs.shrink_send_buffer(server.pid, connection.fd, SERVER_SEND_BUFFER)
            step.outcome = f"fd {connection.fd}: {size} bytes"
        except (procfs.ProbeUnavailable, OSError) as error:
            step.outcome = f"not possible here ({error}): the kernel's own buffer fills first"
    requests, waiting = 0, 0
    with run.transcript.step(f"send OPER#+#1#1 requests in batches of {FLOOD_BATCH} without reading the replies, "
                             "until the kernels take no more of them and the next ones wait in the server") as step:
        until = run.deadline.until(run.deadline.remaining() / 2)
        while waiting < PENDING_TARGET and requests < FLOOD_MAX and time.monotonic() < until:
            peer.sock.settimeout(max(0.001, until - time.monotonic()))
            try:
                peer.sock.sendall(frame("OPER#+#1#1") * FLOOD_BATCH)
            except OSError:
                break  # the server stopped reading, or dropped the client: the replies will tell
            requests += FLOOD_BATCH
            # Once the server has read every request and waits (epoll_wait), what
            # neither its kernel nor the grader's holds waits in its memory.
            settled = run.settled_probe(server)
            if not run.wait_until(lambda: settled() and queues(run, server, peer)[1] == 0, timeout=2, program=server):
                break
            held = queues(run, server, peer)[0] + peer_queue(peer)
            waiting = len(LOGIN_REPLY) + requests * len(FLOOD_REPLY) - held
        step.outcome = (f"{requests} requests sent; about {max(waiting, 0) >> 10} KiB of replies wait in the server"
                        if waiting >= PENDING_TARGET else f"{requests} requests sent; the server sent every reply")
    return requests


def queues(run, server, peer) -> tuple[int, int]:
    """(bytes unsent or unacknowledged, bytes unread) of the server's socket
    for the connection `peer`; (0, -1) when it has none."""
    info = connection_of(run, server, peer)
    return (info.inet.send_queue, info.inet.recv_queue) if info is not None and info.inet is not None else (0, -1)


def peer_queue(peer) -> int:
    """Bytes received by the grader's kernel and not yet read (FIONREAD)."""
    return struct.unpack("i", fcntl.ioctl(peer.sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]


@check("half-close", "answers every request of a client that has shut down its sending side, then closes "
       "(also with replies still waiting in the server)", points=1)
def check_half_close(run):
    server = start_server(run)
    expect_half_close_served(run, server)
    peer = run.connect(run.net.zeus, SERVER_PORT, receive_buffer=FLOOD_RECEIVE_BUFFER)
    run.send(peer, frame("LOGIN#wagner#abc123"), "LOGIN")
    requests = fill_until_replies_wait(run, server, peer)
    with run.transcript.step("shutdown(SHUT_WR): end of file while replies wait in the server") as step:
        peer.sock.shutdown(socket.SHUT_WR)
        step.outcome = "done"
    expected = LOGIN_REPLY + FLOOD_REPLY * requests
    with run.transcript.step(f"read every reply: LOGIN#ok#) then {requests} × OPER#ok#2#), then end of file") \
            as step:
        got = peer.wait_closed(run.deadline.until(None))
        step.outcome = f"{len(got.data)} of {len(expected)} bytes" + (", then end of file" if got.closed else "")
    answered = got.data.count(MARKER)
    run.require(got.data == expected and got.closed and not got.reset,
                f"{requests + 1} replies ({len(expected)} bytes), then end of file",
                f"{answered} replies ({len(got.data)} bytes)"
                + (", then the connection was reset" if got.reset else ", then end of file" if got.closed
                   else ", and the connection is still open"),
                "End of file on the read side ends the requests, not the replies: replies that wait in the "
                "connection's output buffer (the kernel would not take them yet) are still sent, on EPOLLOUT; "
                "close only when none is left.")


@check("sigint", "on SIGINT with clients connected, closes every socket and exits with status 0", points=1)
def check_sigint(run):
    server = start_server(run)
    peers = [run.connect(run.net.zeus, SERVER_PORT) for _ in range(3)]
    login(run, server, peers[0])
    run.send(peers[1], b"OPER#+", "half a frame")
    expect_reply(run, server, peers[0], "OPER#+#1#1", "OPER#ok#2")
    status = run.interrupt(server)
    run.require(status.code == 0, "Serveur exits with status 0", f"it {status.describe()}",
                "Read SIGINT in the loop (a signalfd, or a self-pipe written by the handler), close everything, "
                "return 0.")
    run.expect_line(server, SERVER_STOPPED)
    for peer in peers:
        run.expect_closed(peer, server.name, "Every connection is closed when the server stops.")


@check("no-descriptors", "out of descriptors (EMFILE), closes a new connection at once and keeps serving the "
                         "others, without spinning; accepts again once a descriptor is free", points=1)
def check_no_descriptors(run):
    server, clients = start_server_full(run)
    refused = run.connect(run.net.zeus, SERVER_PORT)
    run.expect_closed(refused, server.name, "accept4() fails with EMFILE while the connection waits in the "
                                            "backlog, and epoll reports the listener again and again: give up "
                                            "the spare descriptor, accept the client, close it at once, and take "
                                            "a spare again.")
    run.expect_settled(server, "it sleeps in epoll_wait() again: nothing is left to do")
    expect_reply(run, server, clients[0], "OPER#*#6#7", "OPER#ok#42", "The other clients are still served.")
    run.close_sockets(f"the {len(clients)} first clients leave (their descriptors are freed)", *clients)
    # A request whose reply needs no login: this check is about descriptors, not sessions.
    expect_reply(run, server, run.connect(run.net.zeus, SERVER_PORT), "HELLO", exactly(UNKNOWN),
                 "Once a descriptor is free, a new client is accepted and served.")


@check("throughput", throughput.TITLE, points=0, timeout=20)
def check_throughput(run):
    throughput.compare_with_reference(run)
