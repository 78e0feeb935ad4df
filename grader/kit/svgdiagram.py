"""The TCP sequence diagram of a check (seqdiagram.Diagram as a dict) drawn as
an inline SVG: two lifelines, one arrow per segment going down the page, the
segment's number and time in a margin, SYN, FIN and RST coloured, and each
side's state changes written beside its lifeline where they happened."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

NUMBER_X, TIME_X = 28, 92         # right edges of the margin's columns
LEFT_X, RIGHT_X = 250, 690        # the lifelines
WIDTH = 850
TOP = 56                          # below the endpoint labels
ROW = 30                          # height of a row
STATE_LINE = 15                   # height of one state change written beside a lifeline
CHAR = 7.3                        # width of a character at FONT_SIZE (monospace), to fit labels
FONT_SIZE = 12
COLOURS = (("RST", "#c62828"), ("SYN", "#2e7d32"), ("FIN", "#1565c0"))  # first found wins
PLAIN = "#424242"
STATE_COLOUR = "#6a1b9a"


def flag_colour(text: str) -> str:
    """The colour of an arrow whose label starts with its flags ("SYN-ACK seq=0 …")."""
    flags = set(text.split(" ", 1)[0].split("-"))
    return next((colour for name, colour in COLOURS if name in flags), PLAIN)


def _text(x: float, y: float, content: str, anchor: str = "start", fit: float = 0, size: int = FONT_SIZE,
          extra: str = "") -> str:
    """A <text> element, squeezed to `fit` pixels when it would be wider."""
    squeeze = ""
    if fit and len(content) * CHAR * size / FONT_SIZE > fit:
        squeeze = f' textLength="{fit:.0f}" lengthAdjust="spacingAndGlyphs"'
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{squeeze}{extra}>'
            f'{escape(content)}</text>')


def _slots(rows: list[dict], changes: list[dict]) -> list[list[dict]]:
    """For each place before a row (and one after the last), the state changes
    written there: those after the previous segment's time and before the next's."""
    slots: list[list[dict]] = [[] for _ in range(len(rows) + 1)]
    for change in changes:
        index = next((i for i, row in enumerate(rows) if row["number"] and row["ms"] > change["ms"]), len(rows))
        slots[index].append(change)
    return slots


def _states(slot: list[dict], y: float) -> tuple[list[str], float]:
    """The state changes of one slot written beside the lifelines from y down; the height taken."""
    parts, lines = [], {"left": 0, "right": 0}
    for change in slot:
        side = "right" if change.get("side") == "right" else "left"
        line_y = y + (lines[side] + 1) * STATE_LINE - 4
        lines[side] += 1
        x = LEFT_X if side == "left" else RIGHT_X
        label = f"{change['old']} → {change['new']}" if change.get("old") else change["new"]
        tip = f"<title>{escape(change['note'])}</title>" if change.get("note") else ""
        anchor, text_x = ("end", x - 8) if side == "left" else ("start", x + 8)
        words = _text(text_x, line_y, label, anchor, fit=LEFT_X - TIME_X - 16, size=10,
                      extra=f' fill="{STATE_COLOUR}"')
        parts.append(f'<g class="state {side}"><circle cx="{x}" cy="{line_y - 4:.1f}" r="3" '
                     f'fill="{STATE_COLOUR}"/>{tip}{words}</g>')
    return parts, max(lines.values()) * STATE_LINE


def _arrow(row: dict, y: float) -> str:
    """One segment: its number and time in the margin, its label above an arrow."""
    colour = flag_colour(row["text"])
    start, end = (LEFT_X, RIGHT_X) if row["rightwards"] else (RIGHT_X, LEFT_X)
    tip = end - 10 if row["rightwards"] else end + 10
    head = f"{end},{y:.1f} {tip},{y - 5:.1f} {tip},{y + 5:.1f}"
    width = 2.5 if colour != PLAIN else 1.5
    return (f'<g class="arrow" data-number="{row["number"]}">'
            + _text(NUMBER_X, y + 4, str(row["number"]), "end")
            + _text(TIME_X, y + 4, f"{row['ms']:.3f}", "end")
            + f'<line x1="{start}" y1="{y:.1f}" x2="{tip}" y2="{y:.1f}" stroke="{colour}" stroke-width="{width}"/>'
            + f'<polygon points="{head}" fill="{colour}"/>'
            + _text((LEFT_X + RIGHT_X) / 2, y - 5, row["text"], "middle", fit=RIGHT_X - LEFT_X - 24,
                    extra=f' fill="{colour}"')
            + "</g>")


def _gap(row: dict, y: float) -> str:
    """Segments left out: the lifelines broken by dashes, and the gap's words."""
    dashes = 'stroke="#757575" stroke-dasharray="4 4"'
    return (f'<g class="gap"><rect x="{LEFT_X - 4}" y="{y - ROW / 2 + 2:.1f}" width="{RIGHT_X - LEFT_X + 8}" '
            f'height="{ROW - 4}" fill="white"/>'
            + "".join(f'<line x1="{x}" y1="{y - ROW / 2:.1f}" x2="{x}" y2="{y + ROW / 2:.1f}" {dashes}/>'
                      for x in (LEFT_X, RIGHT_X))
            + f'<line x1="{LEFT_X + 8}" y1="{y + 6:.1f}" x2="{RIGHT_X - 8}" y2="{y + 6:.1f}" {dashes}/>'
            + _text((LEFT_X + RIGHT_X) / 2, y - 2, row["text"], "middle", fit=RIGHT_X - LEFT_X - 24,
                    extra=' font-style="italic" fill="#616161"')
            + "</g>")


def sequence_svg(diagram: dict, changes: list[dict] | None = None) -> str:
    """The diagram as an <svg> element; with changes (trace["states"]["changes"]),
    each side's state changes beside its lifeline, between the segments whose
    times bracket them."""
    rows = diagram.get("rows", [])
    slots = _slots(rows, changes or [])
    body, y = [], float(TOP)
    for index, slot in enumerate(slots):
        parts, height = _states(slot, y)
        body += parts
        y += height
        if index < len(rows):
            y += ROW
            row = rows[index]
            body.append(_arrow(row, y) if row["number"] else _gap(row, y))
    bottom = y + ROW / 2 + 6
    head = [_text(NUMBER_X, TOP - 12, "#", "end", extra=' fill="#616161"'),
            _text(TIME_X, TOP - 12, "ms", "end", extra=' fill="#616161"')]
    for x, name in ((LEFT_X, diagram.get("left", "")), (RIGHT_X, diagram.get("right", ""))):
        head.append(f'<rect x="{x - 95}" y="8" width="190" height="26" rx="4" fill="#eceff1" stroke="#90a4ae"/>')
        head.append(_text(x, 26, name, "middle", fit=180, extra=' font-weight="bold"'))
        head.append(f'<line x1="{x}" y1="34" x2="{x}" y2="{bottom:.1f}" stroke="#90a4ae" stroke-width="2"/>')
    label = f"TCP sequence diagram between {diagram.get('left', '')} and {diagram.get('right', '')}"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence" width="{WIDTH}" '
            f'height="{bottom + 8:.0f}" viewBox="0 0 {WIDTH} {bottom + 8:.0f}" role="img" '
            f'aria-label={quoteattr(label)} font-family="DejaVu Sans Mono, Consolas, monospace">\n'
            + "\n".join(head + body) + "\n</svg>")
