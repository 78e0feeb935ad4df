"""Checks of lab 11: the SMOP server on a fixed pool of threads fed by a
bounded queue of accepted connections.

    Serveur port [threads] [queue] [users-file]     (defaults: 2 threads, 20 places)

When the queue is full, a new connection is closed at once, without a reply
(the handout documents this refusal). The server links the student's 08 and 10
modules; every check runs again with the kit's and keeps the better result.
"""

from kit import procfs
from kit.check import check
from kit.network import SERVER_PORT

from checks import throughput
from checks.course import SERVER_STOPPED
from checks.failures import expect_port_taken, expect_reported_failure
from checks.smop import (ACCOUNTS, BAD_ACCOUNT, DIVISION_BY_ZERO, NOT_LOGGED, OPER_MALFORMED, PORT, TOO_LONG,
                         UNKNOWN, USERS_FILE, exactly, expect_accept_retry, expect_half_close_served, expect_reply, frame,
                         login, start_server)

LAB = "11-smop-pool"
LIBRARIES = {"TCPLIB_DIR": "08-tcp-lib", "SMOP_DIR": "10-smop-threads"}
THREAD_SANITIZED = ("Serveur",)
REFERENCE = ("Serveur",)  # the yardstick of the throughput feedback
TOOLS = ("smop-bench",)
TOO_MANY_THREADS = 100  # more than the checks' RLIMIT_NPROC allows


def expect_threads(run, server, count: int, when: str) -> None:
    with run.transcript.step(f"count {server.name}'s threads {when}") as step:
        threads = procfs.thread_count(server.pid)
        step.outcome = f"{threads} threads"
    run.require(threads == count, f"{count} threads: the pool and the main thread", f"{threads} threads",
                "Start the pool's threads once, at launch; the main thread only accepts and queues connections.")


@check("protocol", "speaks SMOP as in lab 10: LOGIN, OPER (one sent in pieces), LOGOUT and ko replies", points=1)
def check_protocol(run):
    server = start_server(run, "2", "20")
    peer = run.connect(run.net.zeus, SERVER_PORT)
    expect_reply(run, server, peer, "OPER#+#1#2", exactly(NOT_LOGGED))
    expect_reply(run, server, peer, "", exactly(UNKNOWN), "An empty frame is a request like any other, an unknown "
                                                          "one (lab 10's table): answer it and go on.")
    expect_reply(run, server, peer, "LOGIN#wagner#nope", exactly(BAD_ACCOUNT))
    login(run, server, peer)
    run.send_pieces(peer, frame("OPER#*#5#3"), server, "a request")
    expect_reply(run, server, peer, None, "OPER#ok#15", "The bytes of a frame may come in any pieces: Receive() "
                                                         "reads until the end marker.")
    expect_reply(run, server, peer, "OPER#/#8#0", exactly(DIVISION_BY_ZERO))
    expect_reply(run, server, peer, "OPER#+#x#1", exactly(OPER_MALFORMED))
    expect_reply(run, server, peer, b"OPER#+#1#" + b"9" * 10000, exactly(TOO_LONG),
                 "Receive fails with EMSGSIZE on a frame longer than TAILLE_MAX_DATA (and skips it): answer "
                 "ERREUR#Requete trop longue ! and go on with the next request.")
    expect_reply(run, server, peer, "LOGOUT", "LOGOUT#ok")
    expect_reply(run, server, peer, "OPER#+#1#2", exactly(NOT_LOGGED))


@check("pool-size", "runs exactly 2 pool threads + the main thread, idle and with clients served in turn", points=1)
def check_pool_size(run):
    server = start_server(run, "2", "20")
    expect_threads(run, server, 3, "once it is ready")
    peers = []
    for user in ("wagner", "charlet"):
        peer = run.connect(run.net.zeus, SERVER_PORT)
        login(run, server, peer, user)
        peers.append(peer)
    waiting = [run.connect(run.net.zeus, SERVER_PORT) for _ in range(3)]
    for peer in waiting:
        run.send(peer, frame("LOGIN#charlet#xyz456"), "a queued client's LOGIN")
    expect_reply(run, server, peers[0], "OPER#+#2#2", "OPER#ok#4")
    expect_threads(run, server, 3, "with 2 clients served and 3 queued")
    for peer in peers:
        peer.close()
    for peer in waiting:
        expect_reply(run, server, peer, None, "LOGIN#ok", "Queued clients are served once a thread is free.")
        peer.close()
    expect_threads(run, server, 3, "after the load")


@check("third-waits", "with 2 threads busy, a third client's LOGIN is answered only once one of the first two leaves",
       points=2)
def check_third_waits(run):
    server = start_server(run, "2", "20")
    first = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, first)
    second = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, second, "charlet")
    third = run.connect(run.net.zeus, SERVER_PORT)
    run.send(third, frame("LOGIN#wagner#abc123"), "the third client's LOGIN")
    expect_reply(run, server, first, "OPER#+#1#1", "OPER#ok#2")
    expect_reply(run, server, second, "OPER#+#2#2", "OPER#ok#4")
    run.expect_settled(server, "nothing left to do for the clients it serves")
    run.expect_nothing_received(third, server.name, "both threads are busy with the first two clients")
    run.close_sockets("the second client leaves", second)
    expect_reply(run, server, third, None, "LOGIN#ok", "A thread that has finished with a client takes the next "
                                                       "connection from the queue.")


@check("queue-full", "with the queue full, a new connection is closed at once, and every queued client is still "
                     "served", points=2)
def check_queue_full(run):
    server = start_server(run, "1", "1")
    busy = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, busy)
    queued = run.connect(run.net.zeus, SERVER_PORT)
    run.send(queued, frame("LOGIN#charlet#xyz456"), "the queued client's LOGIN")
    refused = run.connect(run.net.zeus, SERVER_PORT)
    run.expect_closed(refused, server.name, "The queue has 1 place, taken: close the new connection at once "
                                            "(never overwrite a queued one, never wait for a place).")
    expect_reply(run, server, busy, "OPER#-#3#1", "OPER#ok#2")
    run.close_sockets("the first client leaves", busy)
    expect_reply(run, server, queued, None, "LOGIN#ok", "The queued connection is still served.")


@check("data-races", "a ThreadSanitizer build serves clients through the pool without reporting a data race",
       points=1, timeout=30)
def check_data_races(run):
    server = start_server(run, "2", "20", name="Serveur-tsan")
    for round_number in range(3):
        peers = []
        for user in ("wagner", "charlet", "wagner"):
            peer = run.connect(run.net.zeus, SERVER_PORT)
            run.send(peer, frame(f"LOGIN#{user}#{ACCOUNTS[user]}"))
            peers.append(peer)
        for peer in peers:
            expect_reply(run, server, peer, None, "LOGIN#ok")
            expect_reply(run, server, peer, f"OPER#+#{round_number}#1", f"OPER#ok#{round_number + 1}")
            peer.close()
    failure = run.sanitizer_failure()
    if failure is not None:
        raise failure
    run.interrupt(server)
    failure = run.sanitizer_failure()
    if failure is not None:
        raise failure


@check("half-close", "answers every request of a client that has shut down its sending side, then closes",
       points=1)
def check_half_close(run):
    expect_half_close_served(run, start_server(run, "2", "20"))


@check("sigint", "on SIGINT with clients connected and queued, closes every socket and exits with status 0", points=1)
def check_sigint(run):
    server = start_server(run, "1", "5")
    served = run.connect(run.net.zeus, SERVER_PORT)
    login(run, server, served)
    queued = run.connect(run.net.zeus, SERVER_PORT)
    expect_reply(run, server, served, "OPER#+#1#1", "OPER#ok#2")
    status = run.interrupt(server)
    run.require(status.code == 0, "Serveur exits with status 0 from its SIGINT handler", f"it {status.describe()}")
    run.expect_line(server, SERVER_STOPPED)
    for peer in (served, queued):
        run.expect_closed(peer, server.name, "Every connection, served or queued, is closed when the server stops.")


@check("server-errors", "reports ServerSocket()'s failure (port 50000 taken) and a pool thread that cannot start, "
                        "and exits with a non-zero status; on EMFILE, Accept() is retried and the client served "
                        "later", points=1)
def check_server_errors(run):
    run.need_free_port(SERVER_PORT)
    users = run.write_file("users.txt", USERS_FILE)
    expect_port_taken(run, "Serveur", PORT, "2", "20", users)
    crowded = run.start("Serveur", PORT, str(TOO_MANY_THREADS), "20", users)
    run.note(f"(the checks' programs may have {run.limits().processes} threads in all: a pool of "
             f"{TOO_MANY_THREADS} cannot start)")
    expect_reported_failure(run, crowded, r"resource temporarily unavailable",
                            'std::thread\'s error, e.g. "Serveur: thread 64 of the pool: Resource temporarily '
                            'unavailable"', "std::thread throws std::system_error when the thread cannot be made.")
    expect_accept_retry(run, "1", "20")


@check("throughput", throughput.TITLE, points=0, timeout=20)
def check_throughput(run):
    throughput.compare_with_reference(run, "2", "20")
