"""Isolation of a grading run: namespaces, a private hosts file, process cleanup.

The grader runs each lab's checks in a runner process started by unshare(1)
with new network, PID and mount namespaces. Inside:
- the runner is PID 1 of its PID namespace: every process a student program
  starts (daemons included) is in that namespace and dies with it, and
  kill(-1, SIGKILL) from the runner ends them all at the end of each check;
- /etc/hosts, /etc/nsswitch.conf and /etc/resolv.conf are replaced, in the
  runner's private mount view only, by files naming the course's hosts on
  loopback addresses and resolving names from files only (no DNS traffic);
- every check gets a brand-new network namespace with only loopback up, so
  the course's fixed port 50000 is free at the start of every check, whatever
  the previous check left (a TIME_WAIT connection, a leftover server), and
  nothing can reach a real network.
As root, programs run under a grading uid of their own (so that per-user limits
like RLIMIT_NPROC are per run). Without root, the same namespaces are made
inside a user namespace when the kernel allows it. Where no namespace can be
made, the grader says so, runs labs one at a time, and cleans up by walking
its descendants (it is their subreaper).
"""

from __future__ import annotations

import ctypes
import enum
import fcntl
import os
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

from . import fsview, procfs
from .network import Network

CLONE_NEWNET = 0x40000000
MS_BIND = 4096
PR_SET_CHILD_SUBREAPER = 36
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
GRADING_UID_BASE = 61000

UNSHARE = ["unshare", "--net", "--pid", "--mount", "--fork", "--kill-child", "--mount-proc"]


class Isolation(str, enum.Enum):
    ROOT = "namespaces"
    USER = "user-namespaces"
    NONE = "none"

    def describe(self) -> str:
        return {
            Isolation.ROOT: "network, PID and mount namespaces; a fresh network per check; "
                            "programs run under a grading uid",
            Isolation.USER: "network, PID and mount namespaces inside a user namespace (not root); "
                            "a fresh network per check",
            Isolation.NONE: "NONE: namespaces cannot be made here, so programs share this machine's "
                            "network and hosts file, labs are graded one at a time, checks that "
                            "need the grader's hosts names are skipped, and no packets are recorded",
        }[self]

    @property
    def isolated(self) -> bool:
        return self is not Isolation.NONE


def wrap(command: list[str], isolation: Isolation) -> list[str]:
    """The command line that runs command inside a new sandbox."""
    if isolation is Isolation.ROOT:
        return [*UNSHARE, "--", *command]
    if isolation is Isolation.USER:
        return [UNSHARE[0], "--user", "--map-root-user", *UNSHARE[1:], "--", *command]
    return command


def detect(forced: str | None = None) -> Isolation:
    """The best isolation this machine allows (or the one forced by name)."""
    if forced:
        return Isolation(forced)
    candidates = [Isolation.ROOT] if os.geteuid() == 0 else []
    candidates.append(Isolation.USER)
    for isolation in candidates:
        try:
            probe = subprocess.run(wrap(["/bin/true"], isolation), stdin=subprocess.DEVNULL,
                                   capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return isolation
    return Isolation.NONE


# --- inside the runner -------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def loopback_up() -> None:
    """Bring `lo` up in the current network namespace (it starts down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def fresh_network(isolation: Isolation) -> None:
    """Move the runner (its main thread, and so every program it starts
    afterwards) into a new network namespace with loopback up."""
    if not isolation.isolated:
        return
    _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
    loopback_up()


def private_etc(net: Network, folder: Path) -> None:
    """Replace the name-service files, in this mount namespace only."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "hosts": net.hosts_file(),
        "nsswitch.conf": "# The grader's: names from files only, never DNS.\n"
                         "passwd: files\ngroup: files\nhosts: files\nservices: files\n"
                         "protocols: files\nnetworks: files\n",
        "resolv.conf": "# The grader's: no name server is reachable from a check.\nnameserver 127.0.0.1\n",
    }
    for name, content in files.items():
        source = folder / name
        source.write_text(content)
        source.chmod(0o644)
        target = Path("/etc") / name
        if not target.exists():
            continue  # nothing to cover (e.g. no resolv.conf at all)
        _check(_libc.mount(str(source).encode(), str(target).encode(), None, MS_BIND, None),
               f"mount --bind {source} {target}")


def enter_run(isolation: Isolation, net: Network, folder: Path, visible: list[Path] = (),
              grader: list[Path] = ()) -> None:
    """Prepare the runner's sandbox once, before the first check: a root that
    shows only the system, `visible` and `grader` (see fsview), a private
    hosts file, loopback up."""
    if isolation.isolated:
        if visible:
            fsview.enter(folder.parent / "root", list(visible), list(grader))
        private_etc(net, folder)
        loopback_up()
    else:
        # Orphans of the programs we start become our children, so that
        # cleanup can find them by walking our descendants.
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def program_user(isolation: Isolation, slot: int) -> tuple[int, int] | None:
    """(uid, gid) the programs of this run are started as, or None for the runner's own."""
    if isolation is Isolation.ROOT:
        uid = GRADING_UID_BASE + slot % 1000
        return uid, uid
    return None


def _others(isolation: Isolation) -> list[int]:
    """Live processes of this run other than the runner."""
    me = os.getpid()
    pids = procfs.all_pids() if isolation.isolated else procfs.descendants(me)
    return [pid for pid in pids if pid != me and procfs.process_state(pid) not in (None, "Z")]


def running_processes(isolation: Isolation) -> list[tuple[int, str]]:
    """(pid, command line) of every process of this run but the runner."""
    return [(pid, procfs.command_line(pid)) for pid in _others(isolation)]


def kill_all(isolation: Isolation, timeout: float = 5.0) -> list[int]:
    """SIGKILL every process of this run but the runner, reap them, and
    return the pids that still would not die (normally none)."""
    end = time.monotonic() + timeout
    while True:
        survivors = _others(isolation)
        if isolation.isolated and survivors:
            try:
                os.kill(-1, signal.SIGKILL)  # from PID 1: everyone in the namespace but us
            except ProcessLookupError:
                pass
        else:
            for pid in survivors:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        reap_zombies()
        if not survivors or time.monotonic() > end:
            return survivors
        # Wait for the next child to change state, bounded by the deadline.
        _wait_child(end)


def _wait_child(end: float) -> None:
    """Block until some child exits or `end` passes (SIGCHLD wakes sigtimedwait)."""
    left = end - time.monotonic()
    if left > 0:
        signal.sigtimedwait([signal.SIGCHLD], min(left, 0.05))


def reap_zombies() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
