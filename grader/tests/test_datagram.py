"""The grader's UDP side: its lossy relay (kit/datagram.py) and the table of
captured datagrams (kit/datagramlog.py)."""

from __future__ import annotations

import ipaddress
import struct
import time

from kit.capture import Packet
from kit.datagram import DROP, PASS, REPLY, REQUEST, Endpoint, Relay
from kit.datagramlog import datagrams, losses, rows, table


def test_relay_loses_what_its_plan_says_and_records_everything():
    """Client -> relay -> server and back, on loopback: the first request is
    lost; its retry and the reply pass, and the log says so, in order."""
    server = Endpoint("127.0.0.1")
    client = Endpoint("127.0.0.1")
    relay = Relay(("127.0.0.1", 0), server.local, lambda direction, rank, data:
                  DROP if (direction, rank) == (REQUEST, 1) else PASS)
    try:
        for copy in (b"1#first copy", b"1#second copy"):
            client.send(copy, relay.front.local)
        got = server.receive(time.monotonic() + 5)
        assert got is not None and got.data == b"1#second copy"
        assert server.receive(time.monotonic() + 0.2) is None, "the lost copy must never arrive"
        server.send(b"1#reply", got.sender)
        answer = client.receive(time.monotonic() + 5)
        assert answer is not None and answer.data == b"1#reply"
        assert answer.sender == relay.front.local, "replies come back from where the client sent"
        assert [(e.direction, e.rank, e.data, e.fate) for e in relay.seen()] == [
            (REQUEST, 1, b"1#first copy", DROP), (REQUEST, 2, b"1#second copy", PASS), (REPLY, 1, b"1#reply", PASS)]
        assert got.sender in relay.ends() and relay.front.local in relay.ends()
    finally:
        relay.close()
        server.close()
        client.close()


def frame(source: tuple[str, int], destination: tuple[str, int], payload: bytes, at: float) -> Packet:
    """An Ethernet frame carrying one IPv4 UDP datagram, as a capture on lo records it."""
    udp = struct.pack("!HHHH", source[1], destination[1], 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     ipaddress.IPv4Address(source[0]).packed, ipaddress.IPv4Address(destination[0]).packed)
    data = bytes(12) + b"\x08\x00" + ip + udp
    return Packet(at, data, len(data))


CLIENT, RELAY, SERVER = ("127.0.0.1", 40000), ("127.1.0.1", 50000), ("127.1.0.1", 50001)
BACK = ("127.1.0.1", 41000)  # the relay's socket towards the server


def test_datagrams_are_read_from_frames_and_tcp_is_left_out():
    tcp = frame(CLIENT, RELAY, b"", 1.0)
    tcp = Packet(tcp.time, tcp.data[:23] + b"\x06" + tcp.data[24:], tcp.length)
    found = datagrams([frame(CLIENT, RELAY, b"1#OPER#+#5#3", 1.0), tcp, frame(RELAY, CLIENT, b"", 1.5)])
    assert [(d.source, d.destination, d.payload, d.length) for d in found] == [
        (CLIENT, RELAY, b"1#OPER#+#5#3", 12), (RELAY, CLIENT, b"", 0)]


def test_table_marks_what_the_relay_lost_and_names_the_ends():
    found = datagrams([frame(CLIENT, RELAY, b"1#OPER#+#5#3", 10.0),        # lost
                       frame(CLIENT, RELAY, b"1#OPER#+#5#3", 10.5),
                       frame(BACK, SERVER, b"1#OPER#+#5#3", 10.501),
                       frame(SERVER, BACK, b"1#OPER#ok#8", 10.502),        # lost
                       frame(CLIENT, RELAY, b"1#OPER#+#5#3\x00" + b"x" * 40, 11.0)])
    lost = losses(found, {RELAY, BACK}, [True, False, True, False])
    assert lost == {1, 4}
    text = table(rows(found, {"127.1.0.1": "zeus", "127.0.0.1": "localhost"}, {RELAY: "relay", BACK: "relay"}, 20,
                      lost))
    lines = text.splitlines()
    assert lines[0].split() == ["#", "time", "ms", "from", "to", "datagram"]
    assert "localhost 127.0.0.1:40000" in lines[1] and "relay zeus 127.1.0.1:50000" in lines[1]
    assert lines[1].endswith('12 B "1#OPER#+#5#3"  ✗ lost by the relay')
    assert "500.000" in lines[2] and "lost" not in lines[2]
    assert lines[4].endswith("✗ lost by the relay") and "zeus 127.1.0.1:50001" in lines[4]
    assert '53 B "1#OPER#+#5#3\\x00xxxxxxxxxxxxxxxxxxxxxxx…"' in lines[5], "binary escaped, long ones cut"


def test_a_long_exchange_keeps_its_first_and_last_rows():
    found = datagrams([frame(CLIENT, RELAY, f"{n}#WHO".encode(), n / 1000) for n in range(1, 31)])
    lines = table(rows(found, {}, {}, 10)).splitlines()
    assert len(lines) == 1 + 5 + 1 + 5
    assert lines[6].strip() == "(… 20 more datagrams …)"
    assert '"5#WHO"' in lines[5] and '"26#WHO"' in lines[7]
