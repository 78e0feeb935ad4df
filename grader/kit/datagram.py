"""The grader's own UDP endpoints, and a relay that loses datagrams on purpose.

An Endpoint is a UDP socket of the grader's: it sends datagrams to a program
and receives them, each with the address it came from, and never waits past
an absolute deadline.

A Relay stands between a client and a server (netem is not available in every
kernel, and a userspace relay is exact): the client sends to the relay, which
forwards each request to the server from a socket of its own, and each reply
back to the client from the address the client sent to. A plan decides the
fate of every datagram ("pass" or "drop", by direction and rank); the relay
records each one, so that a check can wait for "the client's third copy" and
tell what happened to it.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
from dataclasses import dataclass
from typing import Callable

from .procfs import Address

MAX_DATAGRAM = 65535
REQUEST, REPLY = "request", "reply"
PASS, DROP = "pass", "drop"


@dataclass(frozen=True)
class Datagram:
    data: bytes
    sender: Address
    at: float  # time.monotonic() when it arrived


class Endpoint:
    """One UDP socket of the grader's, bound to host (port: any free one)."""

    def __init__(self, host: str, port: int = 0) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.local: Address = self.sock.getsockname()[:2]

    def send(self, data: bytes, to: Address) -> None:
        self.sock.sendto(data, to)

    def receive(self, until: float) -> Datagram | None:
        """The next datagram, or None if none came before `until`."""
        while True:
            left = until - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                return None
            try:
                data, sender = self.sock.recvfrom(MAX_DATAGRAM)
            except ConnectionRefusedError:
                continue  # an ICMP error for an earlier datagram of ours
            return Datagram(data, sender[:2], time.monotonic())

    def close(self) -> None:
        self.sock.close()


# plan(direction, rank, data) -> PASS or DROP; rank counts from 1 in each direction.
Plan = Callable[[str, int, bytes], str]


@dataclass(frozen=True)
class Relayed:
    direction: str   # REQUEST (client -> server) or REPLY
    rank: int        # its number among the datagrams of its direction, from 1
    data: bytes
    fate: str        # PASS or DROP
    at: float        # time.monotonic() when the relay got it


class Relay:
    """Relay datagrams between the clients that send to `listen` and the
    server at `server`, losing those the plan says. A thread of its own until
    close()."""

    def __init__(self, listen: Address, server: Address, plan: Plan) -> None:
        self.front = Endpoint(*listen)
        self.server = server
        self.plan = plan
        self._log: list[Relayed] = []
        self._lock = threading.Lock()  # _log and _backs: the relay's thread writes them, checks read them
        self._backs: dict[Address, Endpoint] = {}  # a socket towards the server per client, and back
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._run, name="udp-relay", daemon=True)
        self._thread.start()

    def ends(self) -> list[Address]:
        """The relay's own addresses: where clients send, and its sockets towards the server."""
        with self._lock:
            return [self.front.local, *(back.local for back in self._backs.values())]

    def seen(self, direction: str | None = None) -> list[Relayed]:
        """What the relay got so far (in one direction, or both), in order."""
        with self._lock:
            return [entry for entry in self._log if direction in (None, entry.direction)]

    def _record(self, direction: str, data: bytes) -> str:
        with self._lock:
            rank = sum(entry.direction == direction for entry in self._log) + 1
            fate = self.plan(direction, rank, data)
            self._log.append(Relayed(direction, rank, data, fate, time.monotonic()))
        return fate

    def _run(self) -> None:
        while True:
            with self._lock:
                backs = {back.sock: client for client, back in self._backs.items()}
            ready = select.select([self.front.sock, self._wake_read, *backs], [], [])[0]
            if self._wake_read in ready:
                return
            for sock in ready:
                try:
                    data, sender = sock.recvfrom(MAX_DATAGRAM)
                except OSError:
                    continue  # an ICMP error for an earlier datagram: nothing to relay
                if sock is self.front.sock:
                    client = sender[:2]
                    if self._record(REQUEST, data) == PASS:
                        with self._lock:
                            if client not in self._backs:
                                self._backs[client] = Endpoint(self.front.local[0])
                            back = self._backs[client]
                        self._send(back, data, self.server)
                elif self._record(REPLY, data) == PASS:
                    self._send(self.front, data, backs[sock])

    @staticmethod
    def _send(endpoint: Endpoint, data: bytes, to: Address) -> None:
        try:
            endpoint.send(data, to)
        except OSError:
            pass  # as lost as a dropped datagram: the log says it passed the relay

    def close(self) -> None:
        os.write(self._wake_write, b"x")
        self._thread.join(timeout=5)
        for endpoint in (self.front, *self._backs.values()):
            endpoint.close()
        os.close(self._wake_read)
        os.close(self._wake_write)
