"""The grader's own TCP endpoints, on loopback: deadlines and partial receives."""

import errno
import socket
import time

import pytest

from kit.peer import Listener, bind_probe, connect


@pytest.fixture
def pair():
    listener = Listener("127.0.0.1", 0)
    client = connect("127.0.0.1", listener.address[1], time.monotonic() + 5)
    server = listener.accept(time.monotonic() + 5)
    yield client, server
    for end in (client, server, listener):
        end.close()


def test_recv_until_joins_pieces_and_keeps_the_rest(pair):
    client, server = pair
    client.send(b"LOGIN#wag")
    client.send(b"ner#abc123#)OPER")
    got = server.recv_until(b"#)", time.monotonic() + 5)
    assert got.complete and got.data == b"LOGIN#wagner#abc123#)"
    assert server.buffer == b"OPER"


def test_a_timeout_returns_what_arrived_not_empty_success(pair):
    client, server = pair
    client.send(b"half a fra")
    got = server.recv_until(b"#)", time.monotonic() + 0.2)
    assert not got.complete and not got.closed
    assert got.data == b"half a fra"


def test_eof_before_the_delimiter_is_reported(pair):
    client, server = pair
    client.send(b"abc")
    client.sock.shutdown(socket.SHUT_WR)
    got = server.recv_until(b"#)", time.monotonic() + 5)
    assert got.closed and not got.complete and got.data == b"abc"


def test_recv_exactly(pair):
    client, server = pair
    client.send(b"0011Hello World")
    assert server.recv_exactly(4, time.monotonic() + 5).data == b"0011"
    assert server.recv_exactly(11, time.monotonic() + 5).data == b"Hello World"


def test_accept_gives_up_when_asked(pair):
    listener = Listener("127.0.0.1", 0)
    try:
        started = time.monotonic()
        assert listener.accept(time.monotonic() + 5, give_up=lambda: True) is None
        assert time.monotonic() - started < 1
    finally:
        listener.close()


def test_connection_refused_and_bind_probe():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        error = bind_probe(port, "127.0.0.1")
        assert error is not None and error.errno == errno.EADDRINUSE
        with pytest.raises(ConnectionRefusedError):
            connect("127.0.0.1", port, time.monotonic() + 5)


def test_pending_takes_what_arrived_without_waiting(pair):
    client, server = pair
    assert server.pending() == b""
    client.send(b"early")
    got = server.recv_exactly(2, time.monotonic() + 5)  # waits for the bytes to arrive
    assert got.data == b"ea"
    assert server.pending() == b"rly"
    got = server.recv_exactly(3, time.monotonic() + 5)  # pending bytes are still there to consume
    assert got.complete and got.data == b"rly"
