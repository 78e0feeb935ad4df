"""Showing program output and wire bytes to a student: escaped, and cut to size."""

from __future__ import annotations

import functools
import re
import unicodedata

PRINTABLE = set(range(0x20, 0x7F))
ESCAPES = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x5C: "\\\\"}


def escape_bytes(data: bytes) -> str:
    """Bytes as one line: printable ASCII kept, everything else as \\n, \\t or \\xNN."""
    return "".join(chr(b) if b in PRINTABLE and b != 0x5C else ESCAPES.get(b, f"\\x{b:02x}") for b in data)


# Anything but newline, tab and printable ASCII: only these can be hidden characters.
UNUSUAL = re.compile(r"[^\n\t\x20-\x7e]")
# Characters a reader does not see but that act: format characters (bidi overrides
# reorder a line, zero-width ones hide), line and paragraph separators, lone surrogates.
HIDDEN_CATEGORIES = {"Cf", "Zl", "Zp", "Cs"}
NOT_XML = {0xFFFE, 0xFFFF}   # no XML 1.0 document may hold them


@functools.lru_cache(maxsize=4096)   # binary output repeats the same few hundred characters
def _shown(char: str) -> str:
    """One unusual character as itself if a reader sees it for what it is, else as an escape."""
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:      # a byte that was not UTF-8 (a file name, decoded with surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    if code < 0xA0:                   # C0 controls, DEL, C1 controls: they drive terminals
        return f"\\x{code:02x}"
    if code in NOT_XML or unicodedata.category(char) in HIDDEN_CATEGORIES:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def neutral(text: str) -> str:
    """Text from a submission made safe to show anywhere (terminal, XML, UTF-8 file):
    controls other than newline and tab, hidden format characters and characters
    that cannot be written as UTF-8 or XML become visible escapes (\\x1b, \\u202e,
    \\xff for a byte that was not UTF-8); printable Unicode stays as it is."""
    return UNUSUAL.sub(lambda unusual: _shown(unusual.group()), text)


def file_name(name: str) -> str:
    """A file's name from a submission, shown on one line: neutral, its
    newlines and tabs escaped too (a name cannot start a line of a report)."""
    return neutral(name).replace("\n", "\\n").replace("\t", "\\t")


def decode_output(data: bytes) -> str:
    """A program's output as text: UTF-8 where it is valid, \\xNN for other bytes,
    and hidden characters made visible as neutral() shows them."""
    return neutral(data.decode("utf-8", errors="surrogateescape"))


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
