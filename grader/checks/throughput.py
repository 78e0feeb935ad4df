"""Throughput feedback for the SMOP servers of labs 10-12 (no points).

The kit's load generator, smop-bench (bench/smop-bench), measures the
student's server and then the kit's reference, in turns, each freshly started
on a port of its own, at 10 connections with the same bounded load (LOGIN,
OPERATIONS x OPER, LOGOUT per connection, at most RUN_SECONDS per run). The
best run of each counts, and their ratio is what the report shows: absolute
rates depend on the machine and on what else runs on it, a ratio taken within
one check much less. A ratio below SLOW earns a hint: such a gap comes from a
design mistake, not from missing optimisations.
"""

from __future__ import annotations

import json

from kit.network import SERVER_PORT

from checks.smop import start_server

CONNECTIONS = 10
OPERATIONS = 300     # OPER requests per connection, between its LOGIN and LOGOUT
RUN_SECONDS = 1.5    # one run's bound: a slow server is measured on what it answered by then
ROUNDS = 2           # yours, the reference, yours, the reference
SLOW = 0.2           # below this ratio to the reference, the report gives the hint
TITLE = (f"throughput at {CONNECTIONS} connections (smop-bench, best of {ROUNDS} runs), next to the kit's "
         "reference measured in the same check (no points)")
HINT = ("Your server answers at less than a fifth of the reference's rate, which comes from the design, not from "
        "missing optimisations. Usual causes: a reply written in two pieces (payload, then \"#)\": Nagle's algorithm "
        "then holds the second until the client's delayed acknowledgement, about 40 ms per reply); a lock held "
        "while reading a socket or computing; a sleep, or a poll()/epoll_wait() timeout, in the serving loop; "
        "one read() per byte. Count your server's system calls per request with `strace -c -f ./Serveur ...`, "
        "and measure it yourself with bench/smop-bench (the handout's \"measure it\" step).")


def bench_arguments(port: int) -> list[str]:
    # The stall bound is past the run's end: a queued client (lab 11) waits by design.
    return ["-m", "smop", "-c", str(CONNECTIONS), "-n", str(OPERATIONS), "-d", str(RUN_SECONDS),
            "-s", str(int(RUN_SECONDS * 1000) + 1000), "--json", "127.0.0.1", str(port)]


def measure_once(run, server_args: tuple[str, ...], port: int, reference: bool) -> dict:
    """Start a server (the student's or the reference), load it, stop it; smop-bench's summary."""
    server = start_server(run, *server_args, port=port, reference=reference)
    done = run.run_tool("smop-bench", *bench_arguments(port), timeout=RUN_SECONDS + 5)
    run.stop(server)
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, ValueError):
        run.fail("smop-bench's summary", f"smop-bench ended with status {done.returncode} and printed "
                 f"{done.stdout[-300:]!r} {done.stderr[-300:]!r}")
    whose = "the kit's reference" if reference else "your server"
    if result["errors"]:
        run.fail(f"{whose} answers every request of the load right",
                 f"{result['errors']} error(s); the first: {result['first_error']}",
                 "The other checks of this lab show what goes wrong, one request at a time.")
    return result


def compare_with_reference(run, *server_args: str) -> None:
    """The check: measure, then report the rates and their ratio (and the hint when slow)."""
    if run.ctx.sanitize:
        run.report_measurement("not measured in a sanitizer build (the reference is not one)")
        return
    has_reference = bool(run.ctx.reference_programs.get("Serveur"))
    best: dict[bool, dict] = {}
    port = SERVER_PORT
    for _ in range(ROUNDS):
        for reference in (False, True) if has_reference else (False,):
            result = measure_once(run, server_args, port, reference)
            port += 1  # a fresh port: no connection of the previous server can be in the way
            if reference not in best or result["throughput"] > best[reference]["throughput"]:
                best[reference] = result
    run.report_measurement(describe(best.get(False), best.get(True)))


def describe(yours: dict, reference: dict | None) -> str:
    """One line (and the hint on a line of its own when the server is slow)."""
    def rate(result: dict) -> str:
        unanswered = f", {result['unanswered']} requests unanswered after {RUN_SECONDS:g} s" if result["time_up"] else ""
        return f"{result['throughput']:,.0f} replies/s (p99 {result['p99_us'] / 1000:.2f} ms{unanswered})"

    if reference is None:
        return f"your server {rate(yours)}; no ratio: the kit's reference is not part of this copy of the kit"
    ratio = yours["throughput"] / reference["throughput"] if reference["throughput"] else 0.0
    text = f"your server {rate(yours)}; the kit's reference {rate(reference)}: {ratio:.2f}×"
    return f"{text}\nHint: {HINT}" if ratio < SLOW else text
