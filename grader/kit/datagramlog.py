"""UDP datagrams of a capture, as a table (fits 100 columns):

      #   time ms   from                          to                            datagram
      1     0.000   grader moon 127.1.0.2:40984   zeus 127.1.0.1:50000          13 B "41#OPER#*#6#7"
      2     0.153   localhost 127.0.0.1:50000     grader moon 127.1.0.2:40984   13 B "41#OPER#ok#42"

UDP has no connection to draw: each datagram goes its own way, so each is a
row with its two ends (a relay in the middle shows as two rows per datagram,
or one, marked, where it lost it).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from .capture import Packet
from .seqdiagram import Endpoint, ip_packet, label
from .text import escape_bytes

UDP = 17
SHOWN = 36  # bytes of a datagram quoted in its row
LOST = "  ✗ lost by the relay"


@dataclass(frozen=True)
class Datagram:
    time: float
    source: Endpoint
    destination: Endpoint
    payload: bytes  # the captured part
    length: int     # its real length, from the UDP header


def datagrams(packets: list[Packet]) -> list[Datagram]:
    """The UDP datagrams among captured Ethernet frames (IPv4 and IPv6)."""
    found = []
    for packet in packets:
        parsed = ip_packet(packet.data)
        if parsed is None or parsed[0] != UDP or len(packet.data) < parsed[3] + 8:
            continue
        _, source, destination, udp, _ = parsed
        sport, dport, length = struct.unpack_from("!HHH", packet.data, udp)
        found.append(Datagram(packet.time, (source, sport), (destination, dport),
                              packet.data[udp + 8:udp + length], max(0, length - 8)))
    return found


def losses(found: list[Datagram], relay_ends: set[Endpoint], fates: list[bool]) -> set[int]:
    """The numbers (from 1) of the rows a relay lost: the datagrams sent to
    the relay's addresses, in order, matched with its own record of them
    (fates: True for each one it dropped)."""
    to_relay = [number for number, datagram in enumerate(found, start=1) if datagram.destination in relay_ends]
    return {number for number, dropped in zip(to_relay, fates) if dropped}


@dataclass(frozen=True)
class Row:
    """One datagram of the table (number >= 1), or a gap (number 0) standing for those left out."""
    number: int
    ms: float       # since the first datagram
    source: str     # "grader moon 127.1.0.2:40984"
    destination: str
    length: int
    text: str       # its first bytes, escaped; or the gap's words
    lost: bool      # lost by the relay


def rows(found: list[Datagram], names: dict[str, str], roles: dict[Endpoint, str], max_rows: int,
         lost: set[int] = frozenset()) -> list[Row]:
    """The datagrams as rows (the first and last halves of max_rows of them, a
    gap between); those numbered in `lost` marked as lost by the relay."""
    half = max_rows // 2
    start = found[0].time
    result = []
    for number, datagram in enumerate(found, start=1):
        if half < number <= len(found) - half:
            if number == half + 1:
                result.append(Row(0, 0.0, "", "", 0, f"(… {len(found) - 2 * half} more datagrams …)", False))
            continue
        quoted = escape_bytes(datagram.payload[:SHOWN]) + ("…" if datagram.length > SHOWN else "")
        result.append(Row(number, (datagram.time - start) * 1000, label(datagram.source, names, roles.get(datagram.source)),
                          label(datagram.destination, names, roles.get(datagram.destination)), datagram.length,
                          quoted, number in lost))
    return result


def table(shown: list[Row]) -> str:
    """The rows as text, their ends in columns as wide as the widest."""
    width = max(len(end) for row in shown for end in (row.source, row.destination)) + 2
    lines = [f"{'#':>3} {'time ms':>9}   {'from':<{width}}{'to':<{width}}datagram"]
    for row in shown:
        if row.number == 0:
            lines.append(f"{'':>3} {'':>9}   {row.text}")
            continue
        lines.append(f"{row.number:>3} {row.ms:>9.3f}   {row.source:<{width}}{row.destination:<{width}}"
                     f"{row.length} B \"{row.text}\"" + (LOST if row.lost else ""))
    return "\n".join(lines)
