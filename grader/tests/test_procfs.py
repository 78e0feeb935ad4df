"""Reading sockets from /proc, cross-checked with ss and lsof."""

import os
import re
import select
import socket
import subprocess
import sys
import time

import pytest

from kit import procfs
from kit.snapshot import lsof_view, ss_view

CHILD = """
import socket, sys, time
unbound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM); bound.bind(("127.0.0.1", 0))
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM); server.bind(("127.0.0.1", 0)); server.listen()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
print(unbound.fileno(), bound.fileno(), server.fileno(), udp.fileno(),
      bound.getsockname()[1], server.getsockname()[1], udp.getsockname()[1], flush=True)
sys.stdin.read()
"""


@pytest.fixture
def child():
    """A process holding an unbound, a bound, a listening TCP socket and a UDP one."""
    process = subprocess.Popen([sys.executable, "-c", CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        numbers = [int(x) for x in process.stdout.readline().split()]
        yield process.pid, numbers
    finally:
        process.kill()
        process.wait()


def test_descriptors_are_classified_like_lsof(child):
    pid, (unbound, bound, server, udp, bound_port, server_port, udp_port) = child
    fds = {info.fd: info for info in procfs.open_fds(pid)}
    assert fds[unbound].protocol == "TCP" and fds[unbound].inet is None
    assert fds[bound].protocol == "TCP" and fds[bound].inet is None  # bound only: in no table
    assert fds[server].inet.state == "LISTEN" and fds[server].inet.local == ("127.0.0.1", server_port)
    assert fds[udp].inet.protocol == "UDP" and fds[udp].inet.local == ("127.0.0.1", udp_port)
    view = lsof_view("python3", pid, list(fds.values()))
    assert "protocol: TCP" in view and f"TCP 127.0.0.1:{server_port} (LISTEN)" in view


def test_lsof_agrees(child):
    pid, (_, _, server, _, _, server_port, _) = child
    lsof = subprocess.run(["lsof", "-nP", "-a", "-p", str(pid), "-i"], capture_output=True, text=True).stdout
    assert re.search(rf"\b{server}u\s+IPv4\s.*TCP 127\.0\.0\.1:{server_port} \(LISTEN\)", lsof), lsof


def test_probe_sees_a_bound_socket_that_proc_net_does_not(child):
    pid, (unbound, bound, server, udp, bound_port, *_rest) = child
    probed = procfs.probe_socket(pid, bound)
    assert (probed.family, probed.type, probed.protocol) == ("IPv4", "STREAM", "TCP")
    assert probed.local == ("127.0.0.1", bound_port) and probed.bound and not probed.listening
    assert not procfs.probe_socket(pid, unbound).bound
    assert procfs.probe_socket(pid, server).listening
    assert procfs.probe_socket(pid, udp).type == "DGRAM"
    with pytest.raises(FileNotFoundError):
        procfs.probe_socket(pid, 999)


def test_tcp_table_agrees_with_ss():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            with accepted:
                table = procfs.inet_table(os.getpid(), "tcp")
                mine = [s for s in table if port in (s.local[1], s.remote[1])]
                assert {s.state for s in mine} == {"LISTEN", "ESTABLISHED"}
                ss = subprocess.run(["ss", "-tanH", f"( sport = :{port} or dport = :{port} )"],
                                    capture_output=True, text=True).stdout
                assert len(ss.splitlines()) == len(mine) == 3
                assert f":{client.getsockname()[1]}" in ss_view(mine)


def test_ipv6_addresses_are_decoded():
    assert procfs._decode_address("00000000000000000000000001000000:1F90") == ("::1", 8080)
    assert procfs._decode_address("0100007F:C350") == ("127.0.0.1", 50000)
    assert procfs._decode_address("0000000000000000FFFF00000100007F:0050") == ("127.0.0.1", 80)


def test_waiting_syscall_tells_a_blocked_process_from_a_running_one():
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        end = time.monotonic() + 5
        while procfs.waiting_syscall(sleeper.pid) is None and time.monotonic() < end:
            select.select([], [], [], 0.01)  # let it reach its sleep; bounded by `end`
        assert procfs.waiting_syscall(sleeper.pid) is not None
        assert procfs.process_state(sleeper.pid) == "S"
    finally:
        sleeper.kill()
        sleeper.wait()
    assert procfs.process_state(sleeper.pid) is None
