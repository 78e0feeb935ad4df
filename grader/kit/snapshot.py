"""Text pictures of sockets, in the layout of `lsof` and `ss` that the course uses."""

from __future__ import annotations

from .procfs import Address, FdInfo, InetSocket


def show_address(address: Address, names: dict[str, str] | None = None) -> str:
    host, port = address
    if host in ("0.0.0.0", "::"):
        host = "*"
    elif names and host in names:
        host = names[host]
    elif ":" in host:
        host = f"[{host}]"
    return f"{host}:{port if port else '*'}"


def describe_fd(info: FdInfo, names: dict[str, str] | None = None) -> tuple[str, str]:
    """(TYPE, NAME) columns of lsof for one descriptor."""
    if info.inet is not None:
        s = info.inet
        if s.protocol == "TCP" and s.state == "LISTEN":
            return s.family, f"TCP {show_address(s.local, names)} (LISTEN)"
        if s.remote[1] == 0:
            state = f" ({s.state})" if s.protocol == "TCP" else ""
            return s.family, f"{s.protocol} {show_address(s.local, names)}{state}"
        state = f" ({s.state})" if s.protocol == "TCP" else ""
        return s.family, f"{s.protocol} {show_address(s.local, names)}->{show_address(s.remote, names)}{state}"
    if info.is_socket:
        # Not in any /proc/net table: neither listening nor connected.
        return "sock", f"protocol: {info.protocol or '?'}"
    if info.target.startswith("pipe:"):
        return "FIFO", "pipe"
    if info.target.startswith("/dev/"):
        return "CHR", info.target
    return "REG" if info.target.startswith("/") else "?", info.target


def lsof_view(command: str, pid: int, fds: list[FdInfo], names: dict[str, str] | None = None) -> str:
    """The process's descriptors as `lsof -p PID` prints them (numeric addresses)."""
    if not fds:
        return f"(no descriptors: process {pid} is gone)"
    rows = [("COMMAND", "PID", "FD", "TYPE", "NODE", "NAME")]
    for info in fds:
        kind, name = describe_fd(info, names)
        rows.append((command[:9], str(pid), f"{info.fd}{info.mode}", kind,
                     str(info.inode) if info.inode is not None else "", name))
    return _table(rows)


def ss_view(sockets: list[InetSocket], names: dict[str, str] | None = None) -> str:
    """TCP sockets as `ss -tan` prints them, TIME_WAIT ones included."""
    if not sockets:
        return "(no TCP sockets)"
    rows = [("State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port")]
    for s in sorted(sockets, key=lambda s: (s.state != "LISTEN", s.local[1], s.remote[1])):
        rows.append((s.state, str(s.recv_queue), str(s.send_queue),
                     show_address(s.local, names), show_address(s.remote, names)))
    return _table(rows)


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)
