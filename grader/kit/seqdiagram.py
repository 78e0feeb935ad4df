"""TCP segments of a capture, drawn as a text sequence diagram between two
named endpoints (fits 100 columns):

     #    time   client 127.0.0.1:41234                               zeus 127.1.0.1:50000
     1   0.000   ─── SYN seq=0 win=65495 ─────────────────────────────────────────▶
     2   0.021   ◀──────────────────────────────── SYN-ACK seq=0 ack=1 win=65483 ───
     4   0.140   ─── PSH-ACK seq=1 ack=1 len=8 "Bonjour!" ────────────────────────▶

Sequence and acknowledgement numbers are relative to each side's first
sequence number (as Wireshark shows them); a payload shows its length and
its first bytes, escaped; a zero window is written out.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

from .capture import Packet
from .text import escape_bytes

WIDTH = 100
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10  # TCP header flag bits
FLAG_NAMES = (("SYN", SYN), ("FIN", FIN), ("RST", RST), ("PSH", PSH), ("ACK", ACK))
SHOWN_PAYLOAD = 16   # payload bytes quoted in a label
TCP = 6              # the IP protocol numbers

Endpoint = tuple[str, int]


@dataclass(frozen=True)
class Segment:
    time: float
    source: Endpoint
    destination: Endpoint
    seq: int
    ack: int
    flags: int
    window: int
    payload: bytes        # the captured part of the payload
    payload_length: int   # its real length

    @property
    def flag_text(self) -> str:
        names = [name for name, bit in FLAG_NAMES if self.flags & bit]
        if names == ["SYN", "ACK"]:
            return "SYN-ACK"
        return "-".join(names) or "(no flags)"


def ip_packet(data: bytes) -> tuple[int, str, str, int, int] | None:
    """(protocol, source, destination, where its payload starts, where the IP
    packet ends) of a captured Ethernet frame carrying IPv4 or IPv6, or None."""
    if len(data) < 14:
        return None
    ethertype = struct.unpack_from("!H", data, 12)[0]
    if ethertype == 0x0800 and len(data) >= 34:
        header = (data[14] & 0x0F) * 4
        total = struct.unpack_from("!H", data, 16)[0]
        return (data[23], str(ipaddress.IPv4Address(data[26:30])), str(ipaddress.IPv4Address(data[30:34])),
                14 + header, 14 + total)
    if ethertype == 0x86DD and len(data) >= 54:
        total = 40 + struct.unpack_from("!H", data, 18)[0]
        return data[20], str(ipaddress.IPv6Address(data[22:38])), str(ipaddress.IPv6Address(data[38:54])), 54, 14 + total
    return None


def segments(packets: list[Packet]) -> list[Segment]:
    """The TCP segments among captured Ethernet frames (IPv4 and IPv6)."""
    found = []
    for packet in packets:
        data = packet.data
        parsed = ip_packet(data)
        if parsed is None or parsed[0] != TCP:
            continue
        _, source, destination, tcp, ip_end = parsed
        if len(data) < tcp + 20:
            continue
        sport, dport, seq, ack, offset_flags, window = struct.unpack_from("!HHIIHH", data, tcp)
        start = tcp + (offset_flags >> 12) * 4
        payload = data[start:ip_end]
        length = max(0, ip_end - start)  # from the IP header: right even where the capture kept less
        found.append(Segment(packet.time, (source, sport), (destination, dport), seq, ack, offset_flags & 0x3F,
                             window, payload, length))
    return found


@dataclass
class Row:
    """One line of the diagram: a segment (number >= 1), or a gap (number 0)
    standing for segments left out."""
    number: int
    ms: float            # since the connection's first segment
    rightwards: bool     # from the left endpoint to the right one
    text: str            # the arrow's label, or the gap's words


@dataclass
class Diagram:
    """What the text diagram and the HTML report's SVG both draw."""
    left: str            # "localhost 127.0.0.1:58924": the side that sent the first SYN
    right: str           # "zeus 127.1.0.1:50000"
    rows: list[Row]
    others: list[str]    # one line per other connection
    endpoints: tuple[Endpoint, Endpoint]
    start: float         # the time of the connection's first segment (seconds since the epoch)

    def to_text(self, width: int = WIDTH) -> str:
        arrow_width = width - 18
        lines = [f"{'#':>3} {'time ms':>9}   {self.left.ljust(arrow_width // 2)}"
                 f"{self.right.rjust(arrow_width - arrow_width // 2)}"]
        for row in self.rows:
            if row.number == 0:
                lines.append(f"{'':>3} {'':>9}   {row.text}")
            else:
                lines.append(f"{row.number:>3} {row.ms:>9.3f}   {draw(row.text, arrow_width, row.rightwards)}")
        return "\n".join(lines + self.others)


def layout(found: list[Segment], names: dict[str, str] | None = None, max_segments: int = 0,
           roles: dict[Endpoint, str] | None = None) -> Diagram | None:
    """The diagram of the first connection among the segments (the side that
    sent the first SYN on the left, a "client" unless roles names it), then
    one line per other connection. With max_segments, only the first and last
    halves of that many are drawn."""
    if not found:
        return None
    names = names or {}
    first = next((s for s in found if s.flags & SYN and not s.flags & ACK), found[0])
    left, right = first.source, first.destination
    roles = {left: "client", **(roles or {})}
    ours = [s for s in found if {s.source, s.destination} == {left, right}]
    base: dict[Endpoint, int | None] = {left: None, right: None}
    for segment in ours:  # each side's first sequence number
        if base[segment.source] is None:
            base[segment.source] = segment.seq
    start = ours[0].time
    rows = []
    for number, segment in enumerate(ours, start=1):
        if max_segments and max_segments // 2 < number <= len(ours) - max_segments // 2:
            if number == max_segments // 2 + 1:
                left_out = len(ours) - max_segments // 2 * 2
                rows.append(Row(0, 0.0, True, f"(… {left_out} more segments …)"))
            continue
        rows.append(Row(number, (segment.time - start) * 1000, segment.source == left, describe(segment, base)))
    others = sorted({tuple(sorted((s.source, s.destination))) for s in found} - {tuple(sorted((left, right)))})
    lines = []
    for a, b in others:
        count = sum(1 for s in found if {s.source, s.destination} == {a, b})
        lines.append(f"(and {count} segment(s) between {label(a, names, roles.get(a))} and "
                     f"{label(b, names, roles.get(b))})")
    return Diagram(label(left, names, roles.get(left)), label(right, names, roles.get(right)), rows, lines,
                   (left, right), start)


def render(found: list[Segment], names: dict[str, str] | None = None, width: int = WIDTH,
           max_segments: int = 0) -> str:
    """The text diagram (see layout())."""
    diagram = layout(found, names, max_segments)
    return diagram.to_text(width) if diagram else "(no TCP segment was captured)"


def label(endpoint: Endpoint, names: dict[str, str], role: str | None = None) -> str:
    """"zeus 127.1.0.1:50000", "client 127.0.0.1:58924", "grader zeus 127.1.0.1:50000"."""
    host, port = endpoint
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    name = names.get(host)
    if role and name == "localhost":
        name = None
    return " ".join(part for part in (role, name, where) if part)


def describe(segment: Segment, base: dict[Endpoint, int | None]) -> str:
    def relative(value: int, side: Endpoint) -> int:
        first = base.get(side)
        return (value - first) % (1 << 32) if first is not None else value

    parts = [segment.flag_text, f"seq={relative(segment.seq, segment.source)}"]
    if segment.flags & ACK:
        parts.append(f"ack={relative(segment.ack, segment.destination)}")
    if segment.window == 0 and not segment.flags & RST:  # a reset's window means nothing
        parts.append("win=0 (zero window)")
    elif segment.flags & SYN:
        parts.append(f"win={segment.window}")
    if segment.payload_length:
        shown = escape_bytes(segment.payload[:SHOWN_PAYLOAD])
        more = "…" if segment.payload_length > SHOWN_PAYLOAD else ""
        parts.append(f'len={segment.payload_length} "{shown}{more}"')
    return " ".join(parts)


def draw(text: str, width: int, rightwards: bool) -> str:
    """An arrow of `width` columns carrying text: ─── text ───▶ or ◀─── text ───."""
    text = text if len(text) <= width - 8 else text[:width - 9] + "…"
    if rightwards:
        return f"─── {text} " + "─" * (width - len(text) - 6) + "▶"
    return "◀" + "─" * (width - len(text) - 6) + f" {text} ───"
