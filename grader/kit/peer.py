"""The grader's own TCP endpoints: a client that talks to a student's server,
and a server that a student's client connects to.

Every receive takes an absolute deadline. A receive that times out returns what
arrived so far together with the reason, never empty bytes that could pass for
a result (the trap of some stream libraries).
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass
from typing import Callable

from .procfs import Address


@dataclass
class Received:
    data: bytes
    complete: bool      # the delimiter or byte count was reached
    closed: bool        # the peer closed its side (EOF) before that
    reset: bool = False  # the connection was reset


class Peer:
    """The grader's end of one TCP connection."""

    def __init__(self, sock: socket.socket, accepted: bool = False) -> None:
        self.sock = sock
        self.accepted = accepted     # the grader is the server side of this connection
        self.local: Address = sock.getsockname()[:2]
        self.remote: Address = sock.getpeername()[:2]
        self.buffer = b""            # received but not yet consumed
        self.transcript = b""        # everything ever received

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, until: float) -> tuple[bool, bool]:
        """Receive once more; return (closed, reset)."""
        left = until - time.monotonic()
        if left <= 0:
            raise TimeoutError
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout as error:
            raise TimeoutError from error
        except ConnectionResetError:
            return True, True
        if not chunk:
            return True, False
        self.buffer += chunk
        self.transcript += chunk
        return False, False

    def _receive(self, done, until: float) -> Received:
        """Receive until done(buffer) gives the length to consume, EOF, or time."""
        while True:
            length = done(self.buffer)
            if length is not None:
                data, self.buffer = self.buffer[:length], self.buffer[length:]
                return Received(data, True, False)
            try:
                closed, reset = self._fill(until)
            except TimeoutError:
                return Received(self.buffer, False, False)
            if closed:
                data, self.buffer = self.buffer, b""
                return Received(data, False, True, reset)

    def recv_until(self, delimiter: bytes, until: float) -> Received:
        """Bytes up to and including delimiter."""
        def done(buffer: bytes) -> int | None:
            index = buffer.find(delimiter)
            return None if index == -1 else index + len(delimiter)
        return self._receive(done, until)

    def recv_exactly(self, count: int, until: float) -> Received:
        return self._receive(lambda buffer: count if len(buffer) >= count else None, until)

    def wait_closed(self, until: float) -> Received:
        """Everything the peer sends until it closes its side."""
        return self._receive(lambda buffer: None, until)

    def pending(self) -> bytes:
        """What has arrived and not been consumed, without waiting."""
        self.sock.settimeout(0)  # a socket with a timeout would wait even with MSG_DONTWAIT
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (BlockingIOError, ConnectionResetError):
                break
            if not chunk:
                break
            self.buffer += chunk
            self.transcript += chunk
        return self.buffer

    def closed_by_peer(self) -> bool:
        """Whether the other side has closed its end (a look: what it sent
        before stays to be read)."""
        self.sock.settimeout(0)
        try:
            return self.sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:
            return False
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


class Listener:
    """A listening socket of the grader's."""

    def __init__(self, host: str, port: int, backlog: int = 16) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind((host, port))
            self.sock.listen(backlog)
        except OSError:
            self.sock.close()
            raise
        self.address: Address = self.sock.getsockname()[:2]

    def accept(self, until: float, give_up: Callable[[], bool] = lambda: False,
               wake_fds: tuple[int, ...] = ()) -> Peer | None:
        """Accept one connection before time `until`; stop early (None) when
        give_up() turns true, checked whenever one of wake_fds is ready
        (e.g. the pidfd of the program expected to connect)."""
        self.sock.setblocking(False)
        while True:
            try:
                conn, _ = self.sock.accept()
                conn.setblocking(True)
                return Peer(conn, accepted=True)
            except BlockingIOError:
                pass
            left = until - time.monotonic()
            if left <= 0 or give_up():
                return None
            select.select([self.sock, *wake_fds], [], [], left)

    def close(self) -> None:
        self.sock.close()


def connect(host: str, port: int, until: float, source: str | None = None,
            receive_buffer: int | None = None) -> Peer:
    """Connect to host:port (from address `source` if given; with a receive
    buffer of that many bytes if given, which bounds the window the grader
    offers). Raises OSError (ConnectionRefusedError...) or TimeoutError."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        if source is not None:
            sock.bind((source, 0))
        sock.settimeout(max(0.001, until - time.monotonic()))
        try:
            sock.connect((host, port))
        except socket.timeout as error:
            raise TimeoutError(f"no answer from {host}:{port}") from error
        sock.settimeout(None)
        return Peer(sock)
    except BaseException:
        sock.close()
        raise


def bind_probe(port: int, host: str = "0.0.0.0") -> OSError | None:
    """Try to bind host:port (without SO_REUSEADDR, like a naive server):
    the error, or None if the port was free. The probe socket is closed at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as error:
            return error
    return None
