"""Showing program output and wire bytes to a student: escaped, and cut to size."""

from __future__ import annotations

PRINTABLE = set(range(0x20, 0x7F))
ESCAPES = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x5C: "\\\\"}


def escape_bytes(data: bytes) -> str:
    """Bytes as one line: printable ASCII kept, everything else as \\n, \\t or \\xNN."""
    return "".join(chr(b) if b in PRINTABLE and b != 0x5C else ESCAPES.get(b, f"\\x{b:02x}") for b in data)


def decode_output(data: bytes) -> str:
    """A program's output as text: UTF-8 where it is valid, \\xNN for other bytes,
    and control characters other than newline and tab made visible."""
    text = data.decode("utf-8", errors="backslashreplace")
    return "".join(c if c in "\n\t" or ord(c) >= 0x20 and ord(c) != 0x7F else f"\\x{ord(c):02x}" for c in text)


def cut(text: str, limit: int, keep_from: int = 0) -> str:
    """At most `limit` characters of text around position keep_from (e.g. a first
    difference), saying how much was left out on each side."""
    if len(text) <= limit:
        return text
    start = max(0, min(keep_from - limit // 4, len(text) - limit))
    end = start + limit
    before = f"(…{start} characters before) " if start else ""
    after = f" …({len(text) - end} more characters)" if end < len(text) else ""
    return before + text[start:end] + after


def first_difference(a: bytes | str, b: bytes | str) -> int:
    """Index of the first position where a and b differ (len of the shorter if one is a prefix)."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def show_wire(data: bytes, limit: int = 120, keep_from: int = 0) -> str:
    """Bytes as a quoted, escaped string of bounded length, with their count."""
    return f'"{cut(escape_bytes(data), limit, keep_from)}" ({len(data)} bytes)'


def indent_block(text: str, prefix: str = "  | ") -> str:
    """Every line of text prefixed, for quoting program output inside feedback."""
    if not text:
        return f"{prefix}(nothing)"
    lines = text.splitlines()
    return "\n".join(prefix + line for line in lines)


def tail_lines(text: str, count: int) -> str:
    """The last `count` lines of text, saying how many were left out."""
    lines = text.splitlines()
    if len(lines) <= count:
        return text
    return f"(…{len(lines) - count} earlier lines)\n" + "\n".join(lines[-count:])
