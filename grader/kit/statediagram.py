"""The course's TCP state machine (RFC 793's eleven states) as Graphviz DOT,
with the path each side of a connection took drawn over it, and Debian's
`dot` to turn it into an inline SVG."""

from __future__ import annotations

import subprocess

STATES = ("CLOSED", "LISTEN", "SYN_RCVD", "SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2",
          "CLOSING", "TIME_WAIT", "CLOSE_WAIT", "LAST_ACK")

# (from, to, label, drawn going down the page): RFC 793's figure 6, worded as in the course.
TRANSITIONS = (
    ("CLOSED", "LISTEN", "listen()", True),
    ("CLOSED", "SYN_SENT", "connect() / send SYN", True),
    ("LISTEN", "SYN_RCVD", "rcv SYN / send SYN,ACK", True),
    ("LISTEN", "SYN_SENT", "send() / send SYN", True),
    ("LISTEN", "CLOSED", "close()", False),
    ("SYN_SENT", "SYN_RCVD", "rcv SYN / send SYN,ACK", False),
    ("SYN_SENT", "ESTABLISHED", "rcv SYN,ACK / send ACK", True),
    ("SYN_SENT", "CLOSED", "close() or timeout", False),
    ("SYN_RCVD", "ESTABLISHED", "rcv ACK of SYN", True),
    ("SYN_RCVD", "LISTEN", "rcv RST", False),
    ("SYN_RCVD", "FIN_WAIT1", "close() / send FIN", True),
    ("ESTABLISHED", "FIN_WAIT1", "close() / send FIN", True),
    ("ESTABLISHED", "CLOSE_WAIT", "rcv FIN / send ACK", True),
    ("FIN_WAIT1", "FIN_WAIT2", "rcv ACK of FIN", True),
    ("FIN_WAIT1", "CLOSING", "rcv FIN / send ACK", True),
    ("FIN_WAIT1", "TIME_WAIT", "rcv FIN,ACK / send ACK", True),
    ("FIN_WAIT2", "TIME_WAIT", "rcv FIN / send ACK", True),
    ("CLOSING", "TIME_WAIT", "rcv ACK of FIN", True),
    ("TIME_WAIT", "CLOSED", "timeout 2MSL", False),
    ("CLOSE_WAIT", "LAST_ACK", "close() / send FIN", True),
    ("LAST_ACK", "CLOSED", "rcv ACK of FIN", False),
)
KNOWN = {(old, new) for old, new, _, _ in TRANSITIONS}
SAME_RANK = (("SYN_RCVD", "SYN_SENT"), ("FIN_WAIT1", "CLOSE_WAIT"), ("FIN_WAIT2", "CLOSING", "LAST_ACK"))

SIDE_COLOURS = {"left": "#1565c0", "right": "#e65100"}   # the edges a side took
SIDE_FILLS = {"left": "#bbdefb", "right": "#ffe0b2"}     # the states it visited
TAKEN_WIDTH = 3
TIMEOUT = 10   # seconds dot may take


def quote(text: str) -> str:
    """A DOT string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attributes(pairs: dict[str, str | int]) -> str:
    return ", ".join(f"{key}={quote(value) if isinstance(value, str) else value}" for key, value in pairs.items())


def _taken(changes: list[dict]) -> dict[tuple[str, str], list[tuple[int, str]]]:
    """Each transition taken: the numbers (in the order taken, from 1) and sides of its takings."""
    taken: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for number, change in enumerate(changes, start=1):
        side = "right" if change.get("side") == "right" else "left"
        taken.setdefault((change.get("old") or "CLOSED", change["new"]), []).append((number, side))
    return taken


def _edge(old: str, new: str, label: str, down: bool, takings: list[tuple[int, str]], dashed: bool = False) -> str:
    """One edge: thin and grey, or in its sides' colours (two lines where both
    sides took it), thicker, its label prefixed by the numbers of its takings."""
    pairs: dict[str, str | int] = {"label": label}
    if not down:
        pairs["constraint"] = "false"
    if dashed:
        pairs["style"] = "dashed"
    if takings:
        sides = sorted({side for _, side in takings})
        numbers = ",".join(str(number) for number, _ in takings)
        pairs.update(label=f"{numbers}. {label}" if label else f"{numbers}.",
                     color=":".join(SIDE_COLOURS[side] for side in sides),
                     fontcolor=SIDE_COLOURS[sides[0]], penwidth=TAKEN_WIDTH)
    else:
        pairs.update(color="#9e9e9e", fontcolor="#757575")
    return f"  {quote(old)} -> {quote(new)} [{_attributes(pairs)}];"


def dot_source(changes: list[dict], left: str = "left side", right: str = "right side", graph_id: str = "tcp") -> str:
    """The state machine in DOT, each side's changes (trace["states"]["changes"],
    in the order taken) drawn over it: the edges taken thicker, in the side's
    colour and numbered; the states visited filled. A change that is no edge of
    the machine (a reset: ESTABLISHED -> CLOSED) is added, dashed. graph_id
    prefixes the SVG's element ids (several diagrams on one page)."""
    taken = _taken(changes)
    visited: dict[str, set[str]] = {}
    for change in changes:
        side = "right" if change.get("side") == "right" else "left"
        for state in (change.get("old") or "CLOSED", change["new"]):
            visited.setdefault(state, set()).add(side)
    legend = f"blue: {left}    orange: {right}\nnumbers: the order of the changes"
    if any(pair not in KNOWN for pair in taken):
        legend += "; dashed: a change the usual diagram has no edge for"
    graph = {"id": graph_id, "label": legend, "labelloc": "t", "fontname": "DejaVu Sans", "fontsize": 11}
    lines = ['digraph "TCP states" {', f"  graph [{_attributes(graph)}];",
             '  node [shape=ellipse, fontname="DejaVu Sans", fontsize=10, style=filled, fillcolor=white];',
             '  edge [fontname="DejaVu Sans", fontsize=9];']
    for state in STATES + tuple(sorted(set(visited) - set(STATES))):
        sides = sorted(visited.get(state, ()))
        pairs: dict[str, str | int] = {}
        if len(sides) == 2:
            pairs.update(style="wedged", fillcolor=":".join(SIDE_FILLS[side] for side in sides), penwidth=2)
        elif sides:
            pairs.update(fillcolor=SIDE_FILLS[sides[0]], penwidth=2)
        lines.append(f"  {quote(state)}" + (f" [{_attributes(pairs)}];" if pairs else ";"))
    lines += ["  {rank=same; " + " ".join(quote(state) for state in group) + "}" for group in SAME_RANK]
    for old, new, label, down in TRANSITIONS:
        lines.append(_edge(old, new, label, down, taken.get((old, new), [])))
    for (old, new), takings in taken.items():
        if (old, new) not in KNOWN:
            lines.append(_edge(old, new, "", False, takings, dashed=True))
    return "\n".join(lines + ["}"]) + "\n"


def to_svg(dot: str) -> str | None:
    """The DOT drawn by Graphviz's `dot -Tsvg`, from <svg> on (to inline in HTML);
    None when dot is missing, fails or takes more than TIMEOUT seconds."""
    try:
        done = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    start = done.stdout.find("<svg")
    if done.returncode != 0 or start < 0:
        return None
    return done.stdout[start:]
