"""A hostile but legal TCP peer's choices, drawn from the check's seeded generator.

TCP delivers a byte stream: a message sent with one send() may arrive in any
number of pieces. The checks make that happen on purpose, at points chosen
from the grading's seed, so that a program assuming "one read() = one
message" fails whatever the timing, and the same seed replays the same cuts:

    pieces = Adversary(random.Random("42/09-iterative-server/framing")).pieces(frame)
"""

from __future__ import annotations

import random

BYTE_BY_BYTE = 0.25   # the chance that a short message goes a byte at a time
BYTE_BY_BYTE_MAX = 40  # bytes: longer messages are cut in a few pieces instead
MAX_CUTS = 4


class Adversary:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pieces(self, data: bytes, at_least: int = 2) -> list[bytes]:
        """data cut at seeded points into at least `at_least` pieces (as many
        as it has bytes, at most); sometimes, for a short message, a byte at a
        time. A reader that takes a fixed number of reads below `at_least`
        then always misses part of it."""
        at_least = min(at_least, len(data))
        if len(data) < 2:
            return [data]
        if len(data) <= BYTE_BY_BYTE_MAX and self.rng.random() < BYTE_BY_BYTE:
            return [data[i:i + 1] for i in range(len(data))]
        most = min(max(MAX_CUTS, at_least - 1), len(data) - 1)
        cuts = sorted(self.rng.sample(range(1, len(data)), self.rng.randint(at_least - 1, most)))
        return [data[start:end] for start, end in zip([0, *cuts], [*cuts, len(data)])]


def describe(pieces: list[bytes]) -> str:
    """"a byte at a time (21 pieces)", "in 3 pieces of 4, 9 and 8 bytes"."""
    if len(pieces) > 2 and all(len(piece) == 1 for piece in pieces):
        return f"a byte at a time ({len(pieces)} pieces)"
    sizes = [str(len(piece)) for piece in pieces]
    listed = sizes[0] if len(sizes) == 1 else ", ".join(sizes[:-1]) + " and " + sizes[-1]
    return f"in {len(pieces)} piece{'s' if len(pieces) > 1 else ''} of {listed} bytes"
