"""Checks of lab 05: DemandeConnexion connects to a server and waits."""

from kit.check import check
from kit.network import SERVER_PORT

from checks.failures import expect_refused, expect_socket_failure, expect_usage

LAB = "05-connect"


def established_with(peer):
    """A predicate: the descriptor is this program's end of the grader's connection."""
    def matches(info):
        return (info.inet is not None and info.inet.state == "ESTABLISHED"
                and info.inet.local == peer.remote and info.inet.remote[1] == SERVER_PORT)
    return matches


def connect_client(run, host, address=None):
    """The grader listens on address:50000 (default zeus; that address only);
    DemandeConnexion connects to host, which must lead there; (program, grader's end)."""
    listener = run.listen(SERVER_PORT, host=address or run.net.zeus)
    program = run.start("DemandeConnexion", host, str(SERVER_PORT))
    peer = run.accept(listener, program)
    run.wait_for_socket(program, established_with(peer),
                        f"a socket ESTABLISHED with {listener.address[0]}:{SERVER_PORT}",
                        "Keep the connected socket open: wait in pause() once connect() succeeded.")
    return program, peer


@check("connects", "connects to the server at the address and port it is given", points=3)
def check_connects(run):
    program, _ = connect_client(run, run.net.zeus)
    run.expect_waiting(program, "waits (in pause()) once connected")


@check("ephemeral", "lets the system choose its local port (an ephemeral port)", points=1)
def check_ephemeral(run):
    _, peer = connect_client(run, run.net.zeus)
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low, high = (int(x) for x in f.read().split())
    with run.transcript.step(f"check its local port {peer.remote[1]} against the ephemeral range") as step:
        run.require(low <= peer.remote[1] <= high, f"a local port chosen by the kernel, in {low}-{high}",
                    f"local port {peer.remote[1]}",
                    "A client does not call bind(): connect() gives it an ephemeral port.")
        step.outcome = f"in {low}-{high}"


@check("by-name", "accepts a host name as well as an address (zeus)", points=1)
def check_by_name(run):
    name = "zeus" if run.net.private_hosts else "localhost"
    connect_client(run, name, run.net.hosts()[name])


@check("refused", "with no server, reports \"Connection refused\", and when socket() fails, socket()'s error; "
                 "each time exits with a non-zero status", points=3)
def check_refused(run):
    expect_refused(run, "DemandeConnexion", run.net.zeus, str(SERVER_PORT))
    expect_socket_failure(run, "DemandeConnexion", run.net.zeus, str(SERVER_PORT), next_call="connect()")


@check("usage", "without its two arguments, prints a usage line and exits with a non-zero status", points=2)
def check_usage(run):
    expect_usage(run, "DemandeConnexion", "usage: DemandeConnexion ipServeur portServeur")
