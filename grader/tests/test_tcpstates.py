"""The TCP state timeline: inferred from segments, read from the kernel's
trace, and shown in a real grading (with root: from the kernel; in a user
namespace: inferred, saying why)."""

from __future__ import annotations

import os
import re

import pytest

from conftest import GRADER, grade, needs_namespaces
from kit.capture import read_pcap
from kit.kerneltrace import parse_line
from kit.seqdiagram import Segment, layout, segments
from kit.tcpstates import MINI_SOCKET_NOTE, REFUSED_NOTE, TIME_WAIT_NOTE, infer, of_connection, timeline

GOLDEN = GRADER / "tests" / "golden"
CLIENT, SERVER = ("127.0.0.2", 41234), ("127.1.0.1", 50000)
SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def path(changes, side) -> list[str]:
    """The states one side went through, in order."""
    mine = [c for c in changes if c.local == side]
    return [mine[0].old] + [c.new for c in mine] if mine else []


def segment(time, source, flags, seq=0, ack=0, length=0) -> Segment:
    destination = SERVER if source == CLIENT else CLIENT
    return Segment(time, source, destination, seq, ack, flags, 65000, b"x" * length, length)


def test_states_inferred_from_a_known_exchange():
    """The golden exchange (the server closes first): each side's path is the course's."""
    found = segments(read_pcap(GOLDEN / "exchange-8-bytes.pcap"))
    changes = infer(found, CLIENT, SERVER)
    assert path(changes, CLIENT) == ["CLOSED", "SYN_SENT", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"]
    assert path(changes, SERVER) == ["LISTEN", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"]
    assert [c.time for c in changes] == sorted(c.time for c in changes)


def test_simultaneous_close_goes_through_closing():
    found = [segment(0.0, CLIENT, SYN, seq=100), segment(0.1, SERVER, SYN | ACK, seq=500, ack=101),
             segment(0.2, CLIENT, ACK, seq=101, ack=501),
             segment(0.3, CLIENT, FIN | ACK, seq=101, ack=501), segment(0.3, SERVER, FIN | ACK, seq=501, ack=101),
             segment(0.4, CLIENT, ACK, seq=102, ack=502), segment(0.4, SERVER, ACK, seq=502, ack=102)]
    changes = infer(found, CLIENT, SERVER)
    assert path(changes, CLIENT)[-3:] == ["FIN_WAIT1", "CLOSING", "TIME_WAIT"]
    assert path(changes, SERVER)[-3:] == ["FIN_WAIT1", "CLOSING", "TIME_WAIT"]


def test_a_refused_connection_is_a_reset_in_syn_sent():
    found = [segment(0.0, CLIENT, SYN, seq=7), segment(0.001, SERVER, RST | ACK, ack=8)]
    changes = infer(found, CLIENT, SERVER)
    assert path(changes, CLIENT) == ["CLOSED", "SYN_SENT", "CLOSED"]
    assert changes[-1].note == REFUSED_NOTE
    assert path(changes, SERVER) == []   # no socket on that side
    diagram = layout(found)
    text = timeline(changes, diagram, diagram.start)
    assert "SYN_SENT → CLOSED (1)" in text and text.endswith(f"(1) {REFUSED_NOTE}")


def kernel(time, local, remote, old, new) -> str:
    """A line of trace_pipe as the kernel writes it."""
    return (f"  python3-1  [000] ..... {time:.6f}: inet_sock_set_state: family=AF_INET protocol=IPPROTO_TCP "
            f"sport={local[1]} dport={remote[1]} saddr={local[0]} daddr={remote[0]} saddrv6=::ffff:{local[0]} "
            f"daddrv6=::ffff:{remote[0]} oldstate=TCP_{old} newstate=TCP_{new}")


def test_kernel_changes_told_in_the_course_terms():
    """connect()'s SYN_SENT (port 0) joins its socket; SYN_RECV reads SYN_RCVD; a closed
    FIN_WAIT2 reads TIME_WAIT after the peer's FIN, and is left out before it; another
    connection's changes are not this one's."""
    lines = [kernel(1.0, (CLIENT[0], 0), SERVER, "CLOSE", "SYN_SENT"),
             kernel(1.1, CLIENT, SERVER, "SYN_SENT", "ESTABLISHED"),
             kernel(1.1, SERVER, CLIENT, "LISTEN", "SYN_RECV"),
             kernel(1.1, SERVER, CLIENT, "SYN_RECV", "ESTABLISHED"),
             kernel(1.2, ("127.0.0.9", 40000), SERVER, "SYN_SENT", "ESTABLISHED"),   # another connection
             kernel(1.3, SERVER, CLIENT, "ESTABLISHED", "FIN_WAIT1"),
             kernel(1.4, SERVER, CLIENT, "FIN_WAIT1", "FIN_WAIT2"),
             kernel(1.5, SERVER, CLIENT, "FIN_WAIT2", "CLOSE")]
    changes = [parse_line(line) for line in lines]
    assert all(changes) and parse_line("# tracer: nop") is None
    fin_from_client = [segment(1.45, CLIENT, FIN | ACK, seq=9, ack=10)]
    told = of_connection(changes, CLIENT, SERVER, fin_from_client)
    assert path(told, CLIENT) == ["CLOSED", "SYN_SENT", "ESTABLISHED"]
    assert path(told, SERVER) == ["LISTEN", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"]
    assert told[-1].note == TIME_WAIT_NOTE
    # Before the client's FIN, the hand-over to a mini-socket is no change of state;
    # the FIN captured later ends FIN_WAIT2 (the trace does not follow mini-sockets).
    late_fin = [segment(1.9, CLIENT, FIN | ACK, seq=9, ack=10)]
    told = of_connection(changes, CLIENT, SERVER, late_fin)
    assert path(told, SERVER)[-2:] == ["FIN_WAIT2", "TIME_WAIT"] and told[-1].note == MINI_SOCKET_NOTE
    assert told[-1].time == 1.9
    assert path(of_connection(changes, CLIENT, SERVER, []), SERVER)[-1] == "FIN_WAIT2"


def timeline_paths(output: str) -> tuple[str, list[str], list[str]]:
    """(heading, left side's states, right side's states) of a feedback's timeline."""
    lines = output[output.index("The TCP states of"):].splitlines()
    heading, header = lines[0], lines[1]
    right_column = header.index("zeus")
    sides: tuple[list[str], list[str]] = ([], [])
    for row in lines[2:]:
        if not re.match(r"\s+-?\d+\.\d{3}\s", row):
            break
        on_right = len(row[:right_column].split()) == 1   # only the time before the right column
        cell = row[right_column:] if on_right else row[:right_column].split(None, 1)[1]
        old, new = (re.sub(r"\s*\(\d+\)$", "", part.strip()) for part in cell.split("→"))
        side = sides[on_right]
        side.extend([new] if side else [old, new])
    return heading, sides[0], sides[1]


@needs_namespaces
@pytest.mark.skipif(os.geteuid() != 0, reason="SKIP: the kernel's trace needs root")
def test_reference_06_timeline_from_the_kernel():
    """Lab 06, reference Serveur and Client: the server closes first and keeps TIME_WAIT;
    the states come from the kernel, in the order the course teaches."""
    results = grade("--lab", "06", "--check", "06-serveur-client/client-reference", "--trace")
    test = next(t for t in results["tests"] if t["extra_data"]["id"] == "06-serveur-client/client-reference")
    heading, client, server = timeline_paths(test["output"])
    assert "from the kernel (tracepoint sock:inet_sock_set_state)" in heading
    assert client == ["CLOSED", "SYN_SENT", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"]
    assert server == ["LISTEN", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"]


@needs_namespaces
def test_without_root_the_states_are_inferred_and_the_report_says_why():
    """In a user namespace there is no kernel trace: the check still passes, its
    timeline is inferred from the capture and says why."""
    results = grade("--lab", "05", "--check", "05-connect/refused", "--trace",
                    env={"SLK_ISOLATION": "user-namespaces"})
    test = next(t for t in results["tests"] if t["extra_data"]["id"] == "05-connect/refused")
    assert test["status"] == "passed"
    heading, client, server = timeline_paths(test["output"])
    assert "inferred from the captured segments" in heading and "needs a grader run as root" in heading
    assert client == ["CLOSED", "SYN_SENT", "CLOSED"] and server == []
    assert "not read from the kernel" in results["output"]
