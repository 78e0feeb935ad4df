"""A small Ethernet of the check's own, for broadcasts.

Loopback is one host: two servers cannot both have port 50000 there, nor
answer a broadcast from addresses of their own. So a check that broadcasts
builds a network:
a bridge in the check's own network namespace (the grader's side, where the
client runs), and one network namespace per named host ("zeus", "moon"),
each joined to the bridge by a veth pair:

    check's namespace             zeus's namespace
    slk-lan 10.13.0.254/24 --+-- veth -- eth0 10.13.0.1/24
                             +-- veth -- eth0 10.13.0.2/24   moon's namespace

All of it lives inside the check's network namespace and the namespaces made
here, which die with their last process (the check's cleanup kills their processes):
nothing is reachable from outside, and nothing here reaches out.

A program runs on a host when it is started inside `with lan.inside("zeus"):`:
the grader's thread enters the host's namespace for the while, and a process
it starts then lives there.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import subprocess
from typing import Iterator

from .sandbox import CLONE_NEWNET, loopback_up

SUBNET = "10.13.0"
BRIDGE = "slk-lan"
GRADER_HOST = 254  # the bridge's own address: the check's namespace

_libc = ctypes.CDLL(None, use_errno=True)


class LanUnavailable(Exception):
    """The kernel would not make the namespaces or links (no bridge or veth support)."""


def _call(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _ip(*args: str, pass_fds: tuple[int, ...] = ()) -> None:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, pass_fds=pass_fds)
    if done.returncode != 0:
        raise LanUnavailable(f"`ip {' '.join(args)}` failed: {done.stderr.strip()}")


def _this_namespace() -> int:
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


class Lan:
    """Hosts on one broadcast-capable network: host i (from 0) is SUBNET.(i+1)."""

    def __init__(self, hosts: list[str]) -> None:
        self.addresses = {host: f"{SUBNET}.{i + 1}" for i, host in enumerate(hosts)}
        self.grader = f"{SUBNET}.{GRADER_HOST}"
        self.broadcast = f"{SUBNET}.255"
        self._home = _this_namespace()
        self._namespaces: dict[str, int] = {}
        try:
            self._build()
        except (OSError, subprocess.SubprocessError, LanUnavailable) as error:
            self.close()
            raise LanUnavailable(str(error)) from error

    def _build(self) -> None:
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{self.grader}/24", "broadcast", self.broadcast, "dev", BRIDGE)
        _ip("link", "set", BRIDGE, "up")
        for host, address in self.addresses.items():
            _call(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
            try:
                self._namespaces[host] = _this_namespace()
                loopback_up()
            finally:
                _call(_libc.setns(self._home, CLONE_NEWNET), "setns(back)")
            namespace = self._namespaces[host]
            _ip("link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", f"/proc/self/fd/{namespace}",
                pass_fds=(namespace,))
            _ip("link", "set", host, "master", BRIDGE, "up")
            with self.inside(host):
                _ip("addr", "add", f"{address}/24", "broadcast", self.broadcast, "dev", "eth0")
                _ip("link", "set", "eth0", "up")

    @contextlib.contextmanager
    def inside(self, host: str) -> Iterator[None]:
        """Within this block, the calling thread (and what it starts) is on `host`."""
        _call(_libc.setns(self._namespaces[host], CLONE_NEWNET), f"setns({host})")
        try:
            yield
        finally:
            _call(_libc.setns(self._home, CLONE_NEWNET), "setns(back)")

    def close(self) -> None:
        """Let the namespaces go (each ends with its last process); the bridge
        ends with the check's namespace."""
        for namespace in self._namespaces.values():
            os.close(namespace)
        self._namespaces.clear()
        if self._home != -1:
            os.close(self._home)
            self._home = -1
