"""Facts about a running program, read from /proc the way lsof and ss read them.

- open_fds(pid): descriptor -> what it is (a TCP socket and its state, a pipe...)
- inet_table(pid, "tcp"): the kernel's TCP sockets in the program's network
  namespace, as /proc/<pid>/net/tcp{,6} list them (what `ss -tan` shows)
- probe_socket(pid, fd): duplicate one of the program's sockets into the grader
  (pidfd_getfd) and ask the socket itself: family, type, bound address,
  listening or not. This sees what /proc cannot: a socket that is bound but
  neither listening nor connected appears in no /proc/net table.
- shrink_send_buffer(pid, fd, size): the one change the grader makes to a
  program's socket (SO_SNDBUF), to make its replies wait in the program as a
  slow network would.
"""

from __future__ import annotations

import ctypes
import errno
import ipaddress
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TCP_STATES = {
    0x01: "ESTABLISHED", 0x02: "SYN_SENT", 0x03: "SYN_RECV", 0x04: "FIN_WAIT1",
    0x05: "FIN_WAIT2", 0x06: "TIME_WAIT", 0x07: "CLOSE", 0x08: "CLOSE_WAIT",
    0x09: "LAST_ACK", 0x0A: "LISTEN", 0x0B: "CLOSING", 0x0C: "NEW_SYN_RECV",
}
SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture (unified table)

Address = tuple[str, int]


@dataclass(frozen=True)
class InetSocket:
    """One line of /proc/net/{tcp,udp}{,6}."""
    protocol: str          # "TCP" or "UDP" (the ...6 tables give family IPv6)
    family: str            # "IPv4" or "IPv6"
    local: Address
    remote: Address
    state: str             # TCP state name; for UDP, "UNCONN" or "ESTABLISHED"
    inode: int
    send_queue: int
    recv_queue: int


@dataclass(frozen=True)
class FdInfo:
    """One open descriptor of a process, as lsof would describe it."""
    fd: int
    target: str                   # the /proc/<pid>/fd/<n> link, e.g. "socket:[1234]"
    mode: str                     # "r", "w" or "u" (read-write), as lsof prints it
    inode: int | None = None      # for sockets
    protocol: str | None = None   # for sockets: "TCP", "UDP", "UNIX"... (xattr)
    inet: InetSocket | None = None  # for sockets in a /proc/net table

    @property
    def is_socket(self) -> bool:
        return self.target.startswith("socket:[")


def _decode_address(text: str) -> Address:
    host, port = text.split(":")
    raw = bytes.fromhex(host)
    if len(raw) == 4:
        addr = socket.inet_ntop(socket.AF_INET, raw[::-1])
    else:
        # IPv6: four 32-bit words, each in host (little-endian) order.
        words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
        mapped = ipaddress.IPv6Address(words)
        addr = str(mapped.ipv4_mapped) if mapped.ipv4_mapped else str(mapped)
    return addr, int(port, 16)


def inet_table(pid: int | str, protocol: str = "tcp") -> list[InetSocket]:
    """Every socket of one protocol ("tcp" or "udp") in pid's network namespace."""
    sockets = []
    for suffix, family in (("", "IPv4"), ("6", "IPv6")):
        try:
            with open(f"/proc/{pid}/net/{protocol}{suffix}") as table:
                lines = table.read().splitlines()[1:]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            code = int(fields[3], 16)
            if protocol == "tcp":
                state = TCP_STATES.get(code, f"0x{code:02X}")
            else:
                state = "ESTABLISHED" if code == 0x01 else "UNCONN"
            tx, rx = (int(x, 16) for x in fields[4].split(":"))
            sockets.append(InetSocket(protocol.upper(), family, _decode_address(fields[1]),
                                      _decode_address(fields[2]), state, int(fields[9]), tx, rx))
    return sockets


def _fd_mode(pid: int, fd: int) -> str:
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}") as info:
            for line in info:
                if line.startswith("flags:"):
                    access = int(line.split()[1], 8) & 0o3
                    return {0: "r", 1: "w"}.get(access, "u")
    except OSError:
        pass
    return "?"


def open_fds(pid: int) -> list[FdInfo]:
    """The process's descriptors in order, sockets matched to the kernel's tables."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []
    tables: dict[int, InetSocket] = {}
    for protocol in ("tcp", "udp"):
        for entry in inet_table(pid, protocol):
            tables.setdefault(entry.inode, entry)
    result = []
    for name in sorted(names, key=int):
        fd = int(name)
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if not target.startswith("socket:["):
            result.append(FdInfo(fd, target, _fd_mode(pid, fd)))
            continue
        inode = int(target[len("socket:["):-1])
        protocol = None
        try:
            protocol = os.getxattr(f"/proc/{pid}/fd/{fd}", "system.sockprotoname").rstrip(b"\0").decode()
        except OSError:
            pass
        result.append(FdInfo(fd, target, _fd_mode(pid, fd), inode, protocol, tables.get(inode)))
    return result


def fd_info(pid: int, fd: int) -> FdInfo | None:
    return next((info for info in open_fds(pid) if info.fd == fd), None)


@dataclass(frozen=True)
class ProbedSocket:
    """What a socket says about itself (through a duplicate of its descriptor)."""
    family: str        # "IPv4", "IPv6", "UNIX", ...
    type: str          # "STREAM", "DGRAM", ...
    protocol: str      # "TCP", "UDP", ...
    local: Address | None
    listening: bool
    reuse_address: bool = False  # SO_REUSEADDR is set

    @property
    def bound(self) -> bool:
        return self.local is not None and self.local[1] != 0


_FAMILIES = {socket.AF_INET: "IPv4", socket.AF_INET6: "IPv6", socket.AF_UNIX: "UNIX"}
_TYPES = {socket.SOCK_STREAM: "STREAM", socket.SOCK_DGRAM: "DGRAM", socket.SOCK_RAW: "RAW"}
_PROTOCOLS = {socket.IPPROTO_TCP: "TCP", socket.IPPROTO_UDP: "UDP", 0: "-"}


class ProbeUnavailable(Exception):
    """pidfd_getfd is not permitted or not supported here."""


@contextmanager
def borrowed_socket(pid: int, fd: int) -> Iterator[socket.socket]:
    """A duplicate of pid's descriptor fd (pidfd_getfd), as a socket: the same
    open socket, closed again on leaving, so that it never outlives the look."""
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError as error:
        raise ProbeUnavailable(f"pidfd_open: {error.strerror}") from error
    try:
        dup = libc.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0)
        if dup == -1:
            err = ctypes.get_errno()
            if err in (errno.EBADF, errno.ESRCH):
                raise FileNotFoundError(err, f"descriptor {fd} of pid {pid}: {os.strerror(err)}")
            raise ProbeUnavailable(f"pidfd_getfd: {os.strerror(err)}")
    finally:
        os.close(pidfd)
    try:
        sock = socket.socket(fileno=dup)
    except OSError:
        os.close(dup)
        raise
    try:
        yield sock
    finally:
        sock.close()


def probe_socket(pid: int, fd: int) -> ProbedSocket:
    """Ask one of pid's sockets for its family, type, local address and
    whether it listens."""
    with borrowed_socket(pid, fd) as sock:
        family = _FAMILIES.get(sock.family, str(sock.family))
        kind = _TYPES.get(sock.type, str(sock.type))
        proto = _PROTOCOLS.get(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL), "?")
        local: Address | None = None
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            name = sock.getsockname()
            local = (name[0], name[1])
        listening = bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN))
        reuse = bool(sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
        return ProbedSocket(family, kind, proto, local, listening, reuse)


def shrink_send_buffer(pid: int, fd: int, size: int) -> int:
    """Set SO_SNDBUF of pid's socket fd (as a slow network's small buffers
    would be): its kernel then holds few unsent bytes. Returns the size the
    kernel took (it doubles the request)."""
    with borrowed_socket(pid, fd) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first),
    or None if the process is gone. The name is skipped by its closing
    parenthesis: it may itself contain spaces and parentheses."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def process_state(pid: int) -> str | None:
    """The state letter of /proc/<pid>/stat (R, S, D, Z, T...), or None if gone."""
    fields = _stat_fields(pid)
    return fields[0] if fields else None


# System calls a process passes through without waiting for anything in
# particular: exit, and writes or closes that may sleep for a moment (e.g. on a
# terminal) before they return. Numbers per architecture.
_TRANSIENT_SYSCALLS = {
    "x86_64": {60, 231, 1, 3, 18, 20, 44, 46},      # exit, exit_group, write, close, pwrite64, writev, sendto, sendmsg
    "aarch64": {93, 94, 64, 57, 68, 66, 206, 211},
}


def waiting_syscall(pid: int) -> int | None:
    """The system call pid sleeps in, if it waits for something (pause(),
    accept(), read()...); None if it runs, exits, or only passes through a
    write. /proc/<pid>/syscall reads "running", or the call's number."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            text = f.read().split()
    except OSError:
        return None
    if not text or not text[0].isdigit():
        return None
    number = int(text[0])
    return None if number in _TRANSIENT_SYSCALLS.get(os.uname().machine, set()) else number


def thread_waits(pid: int) -> dict[int, int | None]:
    """For each thread of pid: the system call it sleeps in (as waiting_syscall),
    or None if it is running or passing through."""
    waits: dict[int, int | None] = {}
    try:
        tids = [int(name) for name in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return waits
    for tid in tids:
        task = f"{pid}/task/{tid}"
        asleep = process_state(task) in ("S", "D")  # type: ignore[arg-type]
        waits[tid] = waiting_syscall(task) if asleep else None  # type: ignore[arg-type]
    return waits


def resident_kib(pid: int) -> int:
    """The process's resident memory (VmRSS, in KiB), or 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def real_uid(pid: int) -> int | None:
    """The process's real uid (from status: /proc/PID itself belongs to root
    when the process is not dumpable), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def thread_count(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def descendants(root: int) -> list[int]:
    """Every process whose chain of parents leads to root (root excluded)."""
    children: dict[int, list[int]] = {}
    for pid in all_pids():
        parent = parent_of(pid)
        if parent is not None:
            children.setdefault(parent, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found
