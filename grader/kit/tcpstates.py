"""The TCP states one connection's two sockets went through, as a timeline.

Two sources: the kernel's trace (kerneltrace.py), where the grader may read
it, and otherwise the captured segments, from which the states follow by the
rules of RFC 793's state machine. The timeline says which one it shows.

      time ms   client 127.0.0.1:58924              zeus 127.1.0.1:50000
       -0.041   CLOSED → SYN_SENT
        0.112                                       LISTEN → SYN_RCVD
        0.118   SYN_SENT → ESTABLISHED

States carry the course's names (the kernel says SYN_RECV and CLOSE).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace

from .seqdiagram import ACK, FIN, RST, SYN, Diagram, Endpoint, Segment

KERNEL_SOURCE = "from the kernel (tracepoint sock:inet_sock_set_state)"
CAPTURE_SOURCE = "inferred from the captured segments by RFC 793's rules"
MINI_SOCKET_NOTE = ("read from the captured FIN: a socket closed by its program in FIN_WAIT2 is handed to a "
                    "mini-socket, which the kernel's trace does not follow")
BORN_NOTE = ("the connection's own socket is made from the listening one when the handshake's last ACK arrives "
             "(until then the listening socket answered for it): it starts in SYN_RCVD")
REFUSED_NOTE = "nothing listened on the port: the server's kernel answered the SYN with a reset"
TIME_WAIT_NOTE = ("the kernel's trace says CLOSED here: it hands the connection to a time-wait "
                  "socket, which `ss -tan` shows as TIME-WAIT for 60 s")
_KERNEL_NAMES = {"TCP_SYN_RECV": "SYN_RCVD", "TCP_NEW_SYN_RECV": "SYN_RCVD", "TCP_CLOSE": "CLOSED"}
NOTE_WIDTH = 96      # columns of a timeline's notes (the feedback indents them)
CLOCK_SLACK = 0.005  # seconds: packet times (realtime) and trace times (monotonic) compared


def course_name(kernel_name: str) -> str:
    """TCP_SYN_RECV → SYN_RCVD, TCP_CLOSE → CLOSED, TCP_LISTEN → LISTEN..."""
    return _KERNEL_NAMES.get(kernel_name, kernel_name.removeprefix("TCP_"))


@dataclass(frozen=True)
class StateChange:
    time: float          # seconds since the epoch
    local: Endpoint      # the socket whose state changed
    remote: Endpoint
    old: str
    new: str
    note: str = ""


def of_connection(changes: list[StateChange], left: Endpoint, right: Endpoint,
                  found: list[Segment]) -> list[StateChange]:
    """The kernel's changes of the connection left ↔ right, told in the
    course's terms: connect()'s CLOSED → SYN_SENT (traced before the port is
    chosen, so with port 0) joins the client's socket; a closing socket
    handed to a time-wait mini-socket is traced as → CLOSED: after the
    peer's FIN that is TIME_WAIT, before it the socket stays in FIN_WAIT2."""
    ours = [c for c in changes if (c.local, c.remote) in ((left, right), (right, left))]
    first_sent = next((c for c in ours if c.local == left and c.old == "SYN_SENT"), None)
    if first_sent is not None:
        connecting = [c for c in changes if c.local == (left[0], 0) and c.remote == right and c.new == "SYN_SENT"
                      and c.time <= first_sent.time]
        if connecting:
            ours.append(replace(connecting[-1], local=left))
    resets_to = {s.destination for s in found if s.flags & RST}
    told = []
    for change in sorted(ours, key=lambda c: c.time):
        if change.new == "CLOSED" and change.old in ("FIN_WAIT2", "CLOSING") and change.local not in resets_to:
            fin_came = any(s.flags & FIN and s.destination == change.local and s.time <= change.time + CLOCK_SLACK
                           for s in found)
            if not fin_came:
                continue  # a closed socket still in FIN_WAIT2 handed to a mini-socket: still FIN_WAIT2
            change = replace(change, new="TIME_WAIT", note=TIME_WAIT_NOTE)
        elif change.local == left and change.old == "SYN_SENT" and change.new == "CLOSED" and left in resets_to:
            change = replace(change, note=REFUSED_NOTE)
        elif change.old == "LISTEN" and change.new == "SYN_RCVD":
            change = replace(change, note=BORN_NOTE)
        told.append(change)
    for side, other in ((left, right), (right, left)):
        last = next((c for c in reversed(told) if c.local == side), None)
        if last is not None and last.new == "FIN_WAIT2":
            fin = next((s for s in found if s.flags & FIN and s.destination == side and s.time >= last.time), None)
            if fin is not None:
                told.append(StateChange(fin.time, side, other, "FIN_WAIT2", "TIME_WAIT", MINI_SOCKET_NOTE))
    return sorted(told, key=lambda c: c.time)


def infer(found: list[Segment], left: Endpoint, right: Endpoint) -> list[StateChange]:
    """The states each side must have gone through, given the segments of
    the connection left ↔ right (left sent the first SYN). On loopback a
    segment arrives when it is sent: both sides change at its time."""
    state = {left: "CLOSED", right: "LISTEN"}
    fin_end: dict[Endpoint, int] = {}   # the sequence number just after each side's FIN
    changes: list[StateChange] = []

    def move(side: Endpoint, new: str, when: float) -> None:
        if state[side] != new:
            other = right if side == left else left
            changes.append(StateChange(when, side, other, state[side], new))
            state[side] = new

    def acks_fin(segment: Segment, side: Endpoint) -> bool:
        return bool(segment.flags & ACK) and side in fin_end and (segment.ack - fin_end[side]) % (1 << 32) < (1 << 31)

    for segment in (s for s in found if {s.source, s.destination} == {left, right}):
        source, destination, flags, when = segment.source, segment.destination, segment.flags, segment.time
        if flags & RST:
            if state[source] == "LISTEN":
                state[source] = "CLOSED"  # nothing listened: the kernel itself refused the connection
            move(source, "CLOSED", when)
            refused = state[destination] == "SYN_SENT"
            if state[destination] != "LISTEN":  # a listener ignores a reset
                move(destination, "CLOSED", when)
                if refused:
                    changes[-1] = replace(changes[-1], note=REFUSED_NOTE)
            continue
        if flags & SYN:
            if not flags & ACK:
                move(source, "SYN_SENT", when)
            else:  # the server's socket is born from the listener as it answers
                move(source, "SYN_RCVD", when)
                move(destination, "ESTABLISHED", when)
            continue
        # The acknowledgement first (it may complete a handshake or acknowledge a FIN), then a FIN.
        if flags & ACK:
            if state[destination] == "SYN_RCVD":
                move(destination, "ESTABLISHED", when)
            elif acks_fin(segment, destination):
                after = {"FIN_WAIT1": "FIN_WAIT2", "CLOSING": "TIME_WAIT", "LAST_ACK": "CLOSED"}
                if state[destination] in after:
                    move(destination, after[state[destination]], when)
        if flags & FIN:
            fin_end[source] = (segment.seq + segment.payload_length + 1) % (1 << 32)
            if state[source] == "CLOSE_WAIT" and not acks_fin(segment, destination):
                # Sent before the other side's FIN arrived: a simultaneous close (the FINs crossed).
                crossed = changes.pop(max(i for i, c in enumerate(changes) if c.local == source))
                state[source] = crossed.old
                move(source, "FIN_WAIT1", when)
                move(source, "CLOSING", when)
            else:
                move(source, {"CLOSE_WAIT": "LAST_ACK"}.get(state[source], "FIN_WAIT1"), when)
            received = {"ESTABLISHED": "CLOSE_WAIT", "FIN_WAIT1": "CLOSING", "FIN_WAIT2": "TIME_WAIT"}
            if state[destination] in received:
                move(destination, received[state[destination]], when)
    return changes


def timeline(changes: list[StateChange], diagram: Diagram, start: float) -> str:
    """The changes as two columns under the diagram's two endpoints; times in
    ms from the diagram's first segment."""
    left, _ = diagram.endpoints
    column = 40
    lines = [f"{'time ms':>9}   {diagram.left.ljust(column)}{diagram.right}"]
    notes: list[str] = []
    for change in changes:
        text = f"{change.old} → {change.new}"
        if change.note:
            if change.note not in notes:
                notes.append(change.note)
            text += f" ({notes.index(change.note) + 1})"
        cells = text.ljust(column) if change.local == left else " " * column + text
        lines.append(f"{(change.time - start) * 1000:>9.3f}   {cells}".rstrip())
    footnotes = [textwrap.fill(f"({number}) {note}", width=NOTE_WIDTH, subsequent_indent="    ")
                 for number, note in enumerate(notes, start=1)]
    return "\n".join(lines + footnotes)


def to_dicts(changes: list[StateChange], diagram: Diagram, start: float) -> list[dict]:
    """The changes as the HTML report takes them."""
    left, _ = diagram.endpoints
    return [{"ms": round((c.time - start) * 1000, 3), "side": "left" if c.local == left else "right",
             "old": c.old, "new": c.new, "note": c.note} for c in changes]
