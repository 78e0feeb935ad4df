"""Packet capture (kit/capture.py) and the text sequence diagram (kit/seqdiagram.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import GRADER, apply, copy_solutions, grade, needs_namespaces
from kit.capture import Packet, read_pcap
from kit.seqdiagram import Segment, describe, render, segments

GOLDEN = GRADER / "tests" / "golden"
NAMES = {"127.0.0.2": "localhost", "127.1.0.1": "zeus"}  # the side that connects is labelled "client"

# Run in a network namespace of its own: a capture on its loopback around a
# connection from client 127.0.0.2:41234 to zeus 127.1.0.1:50000, 8 bytes each
# way, the server closing first; the pcap goes to argv[1], the count of packets
# the capture dropped is printed.
EXCHANGE = f"""
import socket, subprocess, sys
sys.path.insert(0, {str(GRADER)!r})
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
from pathlib import Path
from kit.capture import Capture
capture = Capture(max_packets=int(sys.argv[2]))
capture.start()
listener = socket.create_server(("127.1.0.1", 50000))
client = socket.create_connection(("127.1.0.1", 50000), source_address=("127.0.0.2", 41234))
server, _ = listener.accept()
client.sendall(b"Bonjour!")
data = b""
while len(data) < 8:
    data += server.recv(8 - len(data))
server.sendall(b"[SERVER]")
reply = b""
while len(reply) < 8:
    reply += client.recv(8 - len(reply))
server.close()
assert client.recv(10) == b""
client.close()
listener.close()
capture.stop()
capture.write_pcap(Path(sys.argv[1]))
print(capture.dropped)
"""


def capture_exchange(tmp_path: Path, max_packets: int = 100) -> tuple[list[Packet], int]:
    script = tmp_path / "exchange.py"
    script.write_text(EXCHANGE)
    pcap = tmp_path / "exchange.pcap"
    done = subprocess.run(["unshare", "--net", sys.executable, str(script), str(pcap), str(max_packets)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return read_pcap(pcap), int(done.stdout.split()[-1])


def test_a_known_exchange_reads_as_reviewed():
    """The diagram of a stored capture (handshake, 8 bytes each way, close) is the reviewed text."""
    diagram = render(segments(read_pcap(GOLDEN / "exchange-8-bytes.pcap")), NAMES)
    assert diagram + "\n" == (GOLDEN / "exchange-8-bytes.txt").read_text()
    assert max(len(line) for line in diagram.splitlines()) <= 100


@needs_namespaces
def test_a_live_capture_shows_the_exchange(tmp_path):
    packets, dropped = capture_exchange(tmp_path)
    found = segments(packets)
    assert dropped == 0
    assert [s.flag_text for s in found[:3]] == ["SYN", "SYN-ACK", "ACK"], "the three-way handshake"
    client, zeus = ("127.0.0.2", 41234), ("127.1.0.1", 50000)
    assert [(s.source, s.payload) for s in found if s.payload_length] == [(client, b"Bonjour!"), (zeus, b"[SERVER]")]
    fins = [s.source for s in found if s.flags & 0x01]
    assert fins == [zeus, client], "the server closes first, then the client"
    assert len(packets) == len(found), "on loopback each packet is kept once"
    assert '"Bonjour!"' in render(found, NAMES)


@needs_namespaces
def test_a_capture_is_bounded_and_says_so(tmp_path):
    packets, dropped = capture_exchange(tmp_path, max_packets=4)
    assert len(packets) == 4 and dropped == 1


def test_resets_and_zero_windows_are_written_out():
    def segment(flags: int, window: int, payload: bytes = b"") -> Segment:
        return Segment(0.0, ("127.0.0.1", 5), ("127.1.0.1", 50000), 1000, 0, flags, window, payload, len(payload))

    base = {("127.0.0.1", 5): 1000}
    assert describe(segment(0x14, 0), base) == "RST-ACK seq=0 ack=0"
    assert describe(segment(0x10, 0), base) == "ACK seq=0 ack=0 win=0 (zero window)"
    assert describe(segment(0x14, 512, b"a\nb" * 10), base).endswith('len=30 "a\\nba\\nba\\nba\\nba\\nba…"')
    assert render([]) == "(no TCP segment was captured)"


def test_a_long_connection_is_drawn_by_its_ends():
    found = segments(read_pcap(GOLDEN / "exchange-8-bytes.pcap"))
    lines = render(found, NAMES, max_segments=4).splitlines()
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "(…", "9", "10"]
    assert "(… 6 more segments …)" in lines[3]


@needs_namespaces
def test_a_failing_socket_check_shows_its_segments(tmp_path):
    """Lab 05's client that ignores connect()'s failure: the feedback draws the
    SYN answered by a reset ("Connection refused" on the wire)."""
    patch = GRADER / "tests" / "mutants" / "05-connect" / "unchecked-connect.patch"
    submission = copy_solutions(tmp_path / "submission", "05-connect")
    apply(patch, submission)
    results = grade("--submission", str(submission), "--lab", "05", "--check", "05-connect/refused",
                    env={"SLK_TIMEOUT_SCALE": "0.3"})
    output = next(t["output"] for t in results["tests"] if t["extra_data"]["id"] == "05-connect/refused")
    diagram = output[output.index("The TCP segments of the check"):]
    assert "─── SYN seq=0 win=" in diagram and "◀──" in diagram and " RST-ACK seq=0 ack=1 ───" in diagram
    assert "zeus 127.1." in diagram.splitlines()[1]


@needs_namespaces
def test_trace_shows_the_segments_of_a_passing_check():
    """--trace: the reference's refused connect (lab 05) passes, and shows the SYN answered by a reset."""
    results = grade("--lab", "05", "--check", "05-connect/refused", "--trace")
    test = next(t for t in results["tests"] if t["extra_data"]["id"] == "05-connect/refused")
    assert test["status"] == "passed"
    assert "─── SYN seq=0 win=" in test["output"] and " RST-ACK seq=0 ack=1 ───" in test["output"]
    untraced = grade("--lab", "05", "--check", "05-connect/refused")
    assert "TCP segments" not in next(t["output"] for t in untraced["tests"]
                                      if t["extra_data"]["id"] == "05-connect/refused")
