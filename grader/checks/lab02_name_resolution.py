"""Checks of lab 02: TestResolutionNom resolves names with getaddrinfo/getnameinfo.

With the grader's hosts file (namespaces), the names are the course's
(www.google.be, zeus, moon) on loopback addresses; without it, only
"localhost" is used, since any other name would go to a real DNS server.
"""

from kit.check import check

from checks.course import EAI_NONAME, NAMES, NUMERIC

LAB = "02-name-resolution"
ADDRESS_SANITIZED = ("TestResolutionNom",)  # the memory check's build: "TestResolutionNom-asan"
NOT_A_HOST = "nosuchhost.invalid"


def resolve(run, host, service, address, port):
    program = run.start("TestResolutionNom", host, service, address, port)
    run.expect_exit(program)
    return program


def expect_numeric(run, program, host, service, want_ip, want_port):
    lines = list(NUMERIC.regex.finditer(program.stdout.text))
    got = [(m.group("ip"), int(m.group("port"))) for m in lines]
    with run.transcript.step(f"look for {NUMERIC.describe()} with {want_ip} and {want_port}") as step:
        run.require((want_ip, want_port) in got,
                    f'"Adresse IP: {want_ip} -- Port: {want_port}" for {host} and {service}',
                    f"the lines {[m.group(0) for m in lines]}" if lines else "no such line",
                    "getaddrinfo() fills the addresses; getnameinfo() with NI_NUMERICHOST | NI_NUMERICSERV "
                    "prints them as numbers.")
        step.outcome = "found"


@check("forward", "resolves a host name and a service name to each of the name's numeric addresses, and the port",
       points=2)
def check_forward(run):
    host = "www.google.be" if run.net.private_hosts else "localhost"
    program = resolve(run, host, "http", "127.0.0.1", "80")
    # www.google.be has two addresses in the grader's hosts file: one line each.
    addresses = [run.net.google, run.net.google_second] if run.net.private_hosts else [run.net.hosts()[host]]
    for address in addresses:
        expect_numeric(run, program, host, "http", address, 80)


@check("forward-any", "resolves the names it is given, not fixed ones", points=2)
def check_forward_any(run):
    host = "zeus" if run.net.private_hosts else "localhost"
    program = resolve(run, host, "50000", "127.0.0.1", "80")
    expect_numeric(run, program, host, "50000", run.net.hosts()[host], 50000)


@check("reverse", "turns a numeric address and port back into host and service names", points=2)
def check_reverse(run):
    name, address = ("moon", run.net.moon) if run.net.private_hosts else ("localhost", "127.0.0.1")
    host = "www.google.be" if run.net.private_hosts else "localhost"
    program = resolve(run, host, "http", address, "80")
    found = [(m.group("host"), m.group("service")) for m in NAMES.regex.finditer(program.stdout.text)]
    with run.transcript.step(f'look for "Hote: {name} -- Service: http"') as step:
        run.require((name, "http") in found, f'"Hote: {name} -- Service: http" for {address} and port 80',
                    f"the lines {found}" if found else "no such line",
                    "getnameinfo() with flags 0 gives names: the host from the hosts file, the "
                    "service from /etc/services.")
        step.outcome = "found"


@check("unknown-host", "an unknown host gives getaddrinfo's message and a non-zero exit status", points=2,
       needs_hosts=True)
def check_unknown_host(run):
    program = run.start("TestResolutionNom", NOT_A_HOST, "http", "127.0.0.1", "80")
    run.expect_message(program, EAI_NONAME, 'gai_strerror()\'s message "Name or service not known"',
                       hint="getaddrinfo() does not set errno: print gai_strerror() of the code it returns.")
    run.expect_failure_exit(program)


@check("numbers-only", "refuses a name where the address or the port must be a number (AI_NUMERICHOST, "
                       "AI_NUMERICSERV) with getaddrinfo's message and a non-zero exit status", points=1)
def check_numbers_only(run):
    for address, port, why in (("localhost", "80", "AI_NUMERICHOST: the address must be digits"),
                               ("127.0.0.1", "http", "AI_NUMERICSERV: the port must be digits")):
        program = run.start("TestResolutionNom", "localhost", "http", address, port)
        run.expect_message(program, EAI_NONAME, f'getaddrinfo()\'s refusal, "Name or service not known" ({why})',
                           hint="print_names() passes AI_NUMERICHOST | AI_NUMERICSERV: getaddrinfo() then looks "
                                "nothing up and refuses a name; report its code with gai_strerror().")
        run.expect_failure_exit(program, hint="When print_names() fails, main() exits with EXIT_FAILURE.")


@check("memory", "frees what getaddrinfo() gives and stays in bounds: the AddressSanitizer build reports nothing, "
                 "on success and when print_names() fails", points=1)
def check_memory(run):
    host = "www.google.be" if run.net.private_hosts else "localhost"
    program = run.start("TestResolutionNom-asan", host, "http", "127.0.0.1", "80")
    status = run.expect_exit(program)
    run.require(status.code == 0, f"{program.name} resolves both ways and exits with status 0",
                f"it {status.describe()}", "The memory check runs the forward case: it must end well first.")
    run.expect_exit(run.start("TestResolutionNom-asan", "localhost", "http", "localhost", "80"))
    run.note("(LeakSanitizer looks for memory never freed when each program ends: a getaddrinfo() list needs "
             "freeaddrinfo() on every path, the error paths included)")
