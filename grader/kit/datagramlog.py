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


def table(found: list[Datagram], names: dict[str, str], roles: dict[Endpoint, str], max_rows: int,
          lost: set[int] = frozenset()) -> str:
    """The datagrams as rows (the first and last halves of max_rows of them);
    rows numbered in `lost` are marked as lost by the relay."""
    half = max_rows // 2
    shown = [(number, datagram) for number, datagram in enumerate(found, start=1)
             if not half < number <= len(found) - half]
    ends = {number: [label(end, names, roles.get(end)) for end in (datagram.source, datagram.destination)]
            for number, datagram in shown}
    width = max(len(text) for pair in ends.values() for text in pair) + 2
    lines = [f"{'#':>3} {'time ms':>9}   {'from':<{width}}{'to':<{width}}datagram"]
    start = found[0].time
    for number, datagram in shown:
        if number == len(found) - half + 1 and half < len(found) - half:
            lines.append(f"{'':>3} {'':>9}   (… {len(found) - 2 * half} more datagrams …)")
        quoted = escape_bytes(datagram.payload[:SHOWN]) + ("…" if datagram.length > SHOWN else "")
        lines.append(f"{number:>3} {(datagram.time - start) * 1000:>9.3f}   "
                     + "".join(f"{text:<{width}}" for text in ends[number])
                     + f"{datagram.length} B \"{quoted}\"" + (LOST if number in lost else ""))
    return "\n".join(lines)
