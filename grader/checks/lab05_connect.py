"""Checks of lab 05: DemandeConnexion connects to a server and waits."""

from kit.check import check
from kit.network import SERVER_PORT

from checks.course import EAI_NONAME
from checks.failures import expect_refused, expect_reported_failure, expect_socket_failure, expect_usage

LAB = "05-connect"
ADDRESS_SANITIZED = ("DemandeConnexion",)  # the refused run: the list freed on connect()'s error path too


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


@check("connects", "connects to the server at the address and port it is given", points=2)
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
    expect_refused(run, "DemandeConnexion-asan", run.net.zeus, str(SERVER_PORT))  # LeakSanitizer at exit too
    expect_socket_failure(run, "DemandeConnexion", run.net.zeus, str(SERVER_PORT), next_call="connect()")


@check("usage", "without its two arguments, prints a usage line and exits with a non-zero status", points=2)
def check_usage(run):
    expect_usage(run, "DemandeConnexion", "usage: DemandeConnexion ipServeur portServeur")


@check("names", "refuses a port given by name (AI_NUMERICSERV) and reports an unknown host, with getaddrinfo's "
                "message and a non-zero exit status", points=1)
def check_names(run):
    by_name = run.start("DemandeConnexion", run.net.zeus, "http")
    expect_reported_failure(run, by_name, EAI_NONAME, 'getaddrinfo()\'s refusal, "Name or service not known"',
                            "With AI_NUMERICSERV, getaddrinfo() takes only a port number: \"http\" is refused "
                            "(gai_strerror() says why), and nothing is connected.")
    if not run.net.private_hosts:
        run.note("(no hosts file of the grader's here: the unknown host is not tried, it would go to a real DNS)")
        return
    unknown = run.start("DemandeConnexion", "nosuchhost.invalid", str(SERVER_PORT))
    expect_reported_failure(run, unknown, EAI_NONAME, 'gai_strerror()\'s message, "Name or service not known"',
                            "getaddrinfo() does not set errno: print gai_strerror() of the code it returns.")
