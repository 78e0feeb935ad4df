#!/usr/bin/python3
"""make bench: every reference server of the kit, Redis and a bare epoll echo
floor, measured by smop-bench in rounds; writes bench/results/latest.md and
bench/results/latest.png.

Each round runs every server once at every connection count with the same
client; ratios (to Redis PING, to the floor) are taken within a round, then
reported as min / median / max over the rounds: absolute rates drift 30-50 %
on a shared machine, ratios of numbers taken seconds apart hold. Servers and
client talk over loopback only; with two CPUs or more the server is pinned to
CPU 0 and the client to CPU 1. Every run is bounded (requests and seconds).

usage: bench/run-bench.py [--rounds 3] [--requests 20000] [--connections 1 10 50 200] [--out DIR]
                          [--no-receive] [--no-strace]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
BENCH = KIT / "bench"
RESULTS = BENCH / "results"
SMOP_BENCH = BENCH / "smop-bench" / "smop-bench"
READY_TIMEOUT = 10.0


@dataclass
class Server:
    name: str
    command: list[str]
    mode: str                    # smop-bench mode: smop, echo, ping
    cwd: Path
    max_connections: int = 10000  # lab 09 is iterative: one client at a time
    stall_ms: int = 5000


def build(work: Path) -> dict[str, Path]:
    """The reference servers at -O2, and the floor."""
    binaries = {}
    for lab in ("09-iterative-server", "10-smop-threads", "11-smop-pool", "12-smop-epoll"):
        out = work / lab
        subprocess.run(["make", "-s", "-C", str(KIT / "solutions" / lab), f"OUT={out}", "OPT=-O2"], check=True)
        binaries[lab] = out / "Serveur"
    for name in ("echo_floor", "thread_echo"):
        binary = work / name
        subprocess.run(["g++", "-std=c++17", "-O2", "-pthread", "-o", str(binary), str(BENCH / "floor" / f"{name}.cpp")],
                       check=True)
        binaries[name] = binary
    subprocess.run(["make", "-s", "-C", str(BENCH / "smop-bench")], check=True)
    return binaries


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen) -> None:
    """Wait (bounded) until a connection to the port succeeds."""
    end = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)  # the next look (bounded by READY_TIMEOUT)
    raise RuntimeError(f"nothing listens on port {port} after {READY_TIMEOUT} s")


def pinned(command: list[str], cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu), *command] if cpu is not None and shutil.which("taskset") else command


def servers(binaries: dict[str, Path]) -> list[Server]:
    smop = KIT / "solutions" / "10-smop-threads"
    users = str(smop / "users.txt")
    found = [
        Server("floor (bare epoll echo)", [str(binaries["echo_floor"]), "{port}"], "echo", BENCH),
        Server("bare thread-per-connection echo", [str(binaries["thread_echo"]), "{port}"], "echo", BENCH),
        Server("09 iterative echo", [str(binaries["09-iterative-server"]), "{port}"], "echo", BENCH,
               max_connections=1),
        Server("10 thread per connection", [str(binaries["10-smop-threads"]), "{port}", users], "smop", smop),
        Server("11 pool, 2 threads" + (" (= nproc)" if os.cpu_count() == 2 else ""), [str(binaries["11-smop-pool"]), "{port}", "2", "256", users], "smop", smop,
               stall_ms=30000),
        Server("12 epoll", [str(binaries["12-smop-epoll"]), "{port}", users], "smop", smop),
    ]
    if os.cpu_count() != 2:  # with 2 CPUs, "nproc threads" is the 2-thread pool above
        found.insert(4, Server(f"11 pool, {os.cpu_count()} threads (nproc)",
                               [str(binaries["11-smop-pool"]), "{port}", str(os.cpu_count()), "256", users], "smop",
                               smop, stall_ms=30000))
    if shutil.which("redis-server"):
        found.append(Server("redis-server (PING)", ["redis-server", "--port", "{port}", "--bind", "127.0.0.1",
                                                     "--save", "", "--appendonly", "no", "--daemonize", "no"],
                            "ping", BENCH))
    return found


def measure(server: Server, connections: int, requests: int, cpus: tuple[int | None, int | None],
            trace: Path | None = None, calls: str = "all") -> dict:
    """One smop-bench run against a fresh start of the server (under `strace -c -f` when trace is given)."""
    port = free_port()
    command = [part.replace("{port}", str(port)) for part in server.command]
    if trace is not None:
        command = ["strace", "-f", "-c", "--seccomp-bpf", "-e", f"trace={calls}", "-o", str(trace), "--", *command]
    process = subprocess.Popen(pinned(command, cpus[0]), cwd=server.cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_listening(port, process)
        per_connection = max(1, requests // connections)
        run = subprocess.run(pinned([str(SMOP_BENCH), "-m", server.mode, "-c", str(connections), "-n",
                                     str(per_connection), "-d", "60", "-s", str(server.stall_ms), "--json",
                                     "127.0.0.1", str(port)], cpus[1]),
                             capture_output=True, text=True, timeout=120)
        result = json.loads(run.stdout.strip().splitlines()[-1])
        result["status"] = run.returncode
        result["peak_rss_kib"] = peak_rss_kib(process.pid) if trace is None else None
        return result
    finally:
        stop(process, trace is not None)


def peak_rss_kib(pid: int) -> int | None:
    """The process's peak resident memory so far (VmHWM), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def stop(process: subprocess.Popen, traced: bool) -> None:
    """End the server (and strace, which then writes its summary)."""
    if traced:
        # strace forwards the signal to the server and writes its summary when it has exited.
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def syscalls_per_reply(server: Server, requests: int, cpus, work: Path) -> tuple[float, float] | None:
    """System calls the server makes per reply at 10 connections, in steady
    state: (all but futex, futex). Each part is counted under strace -c -f
    --seccomp-bpf in a run of `requests` and one of twice as many; the
    difference of the two runs leaves out the startup (reading the accounts,
    accepting, starting threads). Parts apart: strace slows every call it
    traces, which makes threads hold stdout's or a queue's lock longer and
    wait for it more; tracing futex alone leaves the other calls at full
    speed, so its count of waits is close to an untraced run's."""
    parts = []
    for calls in ("!futex", "futex"):
        counted = []
        for size in (requests, 2 * requests):
            trace = work / f"strace-{abs(hash(server.name))}-{len(calls)}-{size}.txt"
            result = measure(server, 10, size, cpus, trace, calls)
            total = next((line.split() for line in trace.read_text().splitlines()
                          if line.rstrip().endswith("total")), None) if trace.exists() else None
            # % time, seconds, usecs/call, calls, [errors,] "total"; no line at all: no such call
            counted.append((int(total[3]) if total else 0, result["replies"]))
        (calls_small, replies_small), (calls_large, replies_large) = counted
        if replies_large <= replies_small:
            return None
        parts.append(max(0.0, (calls_large - calls_small) / (replies_large - replies_small)))
    return parts[0], parts[1]


def receive_costs(work: Path, repetitions: int, min_time: float | None = None) \
        -> tuple[dict[str, dict[int, list[float]]], str]:
    """receive_bench (Google Benchmark): frames/s of each receiver per frame
    size, one value per repetition; or why it could not run."""
    made = subprocess.run(["make", "-s", "-C", str(BENCH), f"OUT={work}", f"{work}/receive_bench"],
                          capture_output=True, text=True)
    if made.returncode != 0:
        return {}, "receive_bench did not build (Google Benchmark: `scripts/setup bench`)"
    run = subprocess.run([str(work / "receive_bench"), "--benchmark_format=json",
                          f"--benchmark_repetitions={repetitions}",
                          *([f"--benchmark_min_time={min_time}"] if min_time else [])],
                         capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        return {}, f"receive_bench failed: {run.stderr.strip()[-300:]}"
    rates: dict[str, dict[int, list[float]]] = {}
    for entry in json.loads(run.stdout)["benchmarks"]:
        if entry.get("run_type", "iteration") != "iteration":
            continue  # the aggregates (mean, median, stddev): computed here instead
        receiver, size = entry["name"].split("/")[:2]
        rates.setdefault(receiver, {}).setdefault(int(size), []).append(entry["items_per_second"])
    return rates, ""


def spread(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def ratio_spread(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.2f}× ({min(values):.2f}–{max(values):.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/run-bench.py")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20000, help="requests per run, over all connections")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.md and latest.png go")
    parser.add_argument("--no-receive", action="store_true", help="skip receive_bench (the TCP library's Receive)")
    parser.add_argument("--no-strace", action="store_true", help="skip counting system calls")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run (the kit's test of make bench): 1 round, 2000 requests, 1 and 10 "
                             "connections, receive_bench's cases 0.05 s each")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.requests, args.connections = 1, 2000, [1, 10]
    cpus = (0, 1) if (os.cpu_count() or 1) >= 2 else (None, None)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="slk-bench-"))
    try:
        candidates = servers(build(work))
        # results[(server, connections)] = one dict per round
        results: dict[tuple[str, int], list[dict]] = {}
        for round_number in range(args.rounds):
            for connections in args.connections:
                for server in candidates:
                    if connections > server.max_connections:
                        continue
                    result = measure(server, connections, args.requests, cpus)
                    results.setdefault((server.name, connections), []).append(result)
                    print(f"round {round_number + 1}: {server.name:28} {connections:4d} connections: "
                          f"{result['throughput']:10,.0f} replies/s, p99 {result['p99_us']:8.1f} us, "
                          f"errors {result['errors']}", flush=True)
        receive, receive_note = receive_costs(work, args.rounds, 0.05 if args.quick else None) if not args.no_receive else ({}, "not run (--no-receive)")
        syscalls = {}
        if shutil.which("strace") and not args.no_strace:
            for server in candidates:
                if server.max_connections >= 10:
                    syscalls[server.name] = syscalls_per_reply(server, args.requests, cpus, work)
        report = write_report(candidates, args, results, cpus, time.monotonic() - started, syscalls,
                              (receive, receive_note))
        print(report)
        plot(candidates, args.connections, results, args.out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def within_rounds(results, first: tuple[str, int], second: tuple[str, int]) -> list[float]:
    return [a["throughput"] / b["throughput"] for a, b in zip(results.get(first, []), results.get(second, []))
            if b["throughput"]]


def write_report(candidates: list[Server], args, results, cpus, seconds: float, syscalls: dict,
                 receive: tuple[dict[str, dict[int, list[float]]], str]) -> str:
    names = [server.name for server in candidates]
    floor, redis = names[0], next((n for n in names if n.startswith("redis")), None)
    lines = [f"# make bench — {time.strftime('%Y-%m-%d %H:%M')}", "",
             f"{os.cpu_count()} CPUs; server on CPU {cpus[0]}, client on CPU {cpus[1]}; {args.rounds} rounds of "
             f"{args.requests} requests per run; smop-bench closed loop (one request in flight per connection); "
             f"{seconds:.0f} s in all. Throughput: replies/s, median (min–max) over the rounds. Ratios are taken "
             "within each round, then median (min–max).", ""]
    for connections in args.connections:
        lines += [f"## {connections} connection{'s' if connections > 1 else ''}", "",
                  "| server | replies/s | p99 µs | errors | peak RSS MB | × floor | × Redis PING |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name in names:
            runs = results.get((name, connections))
            if not runs:
                continue
            to_floor = [r["throughput"] / f["throughput"] for r, f in zip(runs, results.get((floor, connections), []))
                        if f["throughput"]]
            to_redis = [r["throughput"] / p["throughput"] for r, p in zip(runs, results.get((redis, connections), []))
                        if p["throughput"]] if redis else []
            memory = max((r["peak_rss_kib"] for r in runs if r.get("peak_rss_kib")), default=None)
            shown = f"{memory / 1024:.1f}" if memory else "–"
            lines.append(f"| {name} | {spread([r['throughput'] for r in runs])} | "
                         f"{spread([r['p99_us'] for r in runs])} | {sum(r['errors'] for r in runs)} | {shown} | "
                         f"{ratio_spread(to_floor)} | {ratio_spread(to_redis)} |")
        lines.append("")
    if not redis:
        lines.append("redis-server is not installed (`scripts/setup bench`): no Redis column.")
    if syscalls:
        lines += ["## System calls per reply (server side, 10 connections, steady state)", "",
                  "Counted under `strace -f -c --seccomp-bpf` in a run of N requests and one of 2N: the difference "
                  "per reply leaves the startup out. Every call but `futex` is counted in one pair of runs, `futex` "
                  "alone in another (tracing slows the calls it traces, so threads would hold their locks longer "
                  "and wait more: traced alone, `futex` counts about the waits of an untraced run).", "",
                  "| server | calls per reply | of which futex |", "|---|---:|---:|"]
        lines += [f"| {name} | {sum(value):.2f} | {value[1]:.2f} |" if value is not None else f"| {name} | – | – |"
                  for name, value in syscalls.items()]
        lines.append("")
    rates, receive_note = receive
    lines += ["## Reading frames: the TCP library's Receive (receive_bench)", ""]
    if rates:
        sizes = sorted({size for by_size in rates.values() for size in by_size})
        lines += [f"Frames per second, median (min–max) of {args.rounds} repetitions; a writer thread keeps the "
                  "connection full of glued frames, so this is the receiving side alone. Reference: the kit's "
                  "Receive (MSG_PEEK, then one recv of the frame); PlainRead: read() of up to 64 KiB into a "
                  "buffer of its own, frames cut out of it (the ceiling); ByteRead: one read() per byte (the "
                  "course's).", "",
                  "| receiver | " + " | ".join(f"{size:,} B frames/s" for size in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]
        for receiver, by_size in rates.items():
            lines.append(f"| {receiver} | " + " | ".join(spread(by_size.get(size, [])) for size in sizes) + " |")
        lines.append("")
    else:
        lines += [receive_note, ""]
    epoll, threads = "12 epoll", "10 thread per connection"
    echo = "bare thread-per-connection echo"
    goals = [
        ("12 epoll ≥ 1.0× Redis PING at 10 connections", within_rounds(results, (epoll, 10), (redis, 10)), 1.0),
        ("12 epoll ≥ 1.0× Redis PING at 50 connections", within_rounds(results, (epoll, 50), (redis, 50)), 1.0),
        ("12 epoll ≥ 0.85× the floor at 10 connections", within_rounds(results, (epoll, 10), (floor, 10)), 0.85),
        ("12 epoll ≥ 0.85× the floor at 50 connections", within_rounds(results, (epoll, 50), (floor, 50)), 0.85),
        ("10 threads ≥ 0.85× the floor at 1 connection", within_rounds(results, (threads, 1), (floor, 1)), 0.85),
        ("10 threads ≥ 0.9× a bare thread-per-connection echo at 10", within_rounds(results, (threads, 10), (echo, 10)), 0.9),
        ("10 threads ≥ 0.9× a bare thread-per-connection echo at 50", within_rounds(results, (threads, 50), (echo, 50)), 0.9),
    ]
    def median_ratio(first: str, second: str, size: int) -> list[float]:
        a, b = rates.get(first, {}).get(size), rates.get(second, {}).get(size)
        return [statistics.median(a) / statistics.median(b)] if a and b else []

    goals += [
        ("Receive ≥ 0.87× plain 64 KiB read()s on 10 KB frames", median_ratio("Reference", "PlainRead", 10000), 0.87),
        ("Receive ≥ 1000× a read() per byte on 1 KB frames", median_ratio("Reference", "ByteRead", 1000), 1000),
    ]
    lines += ["## Goals (median of the per-round ratios; for Receive, the ratio of the medians)", ""]
    for text, ratios, target in goals:
        if ratios:
            verdict = "met" if statistics.median(ratios) >= target else "MISSED"
            lines.append(f"- {text}: {ratio_spread(ratios)} — {verdict}")
        else:
            lines.append(f"- {text}: not measured")
    for name in names:
        runs = results.get((name, 200), [])
        memory = max((r["peak_rss_kib"] for r in runs if r.get("peak_rss_kib")), default=None)
        if memory and name[:2] in ("10", "11", "12"):
            lines.append(f"- {name}: bounded memory at 200 connections: peak RSS {memory / 1024:.1f} MB — "
                         f"{'met' if memory < 64 * 1024 else 'MISSED'} (bound: 64 MB)")
    for name, value in syscalls.items():
        if name[:2] in ("10", "11", "12") and value is not None:
            lines.append(f"- {name}: ≤ 4 system calls per reply: {sum(value):.2f} — "
                         f"{'met' if sum(value) <= 4 else 'MISSED'}")
    errors = sum(r["errors"] for runs in results.values() for r in runs)
    lines.append(f"- every run without errors or stalls: {'met' if errors == 0 else f'MISSED ({errors} errors)'}")
    text = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.md").write_text(text)
    return text


def plot(candidates: list[Server], counts: list[int], results, out: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("bench: no plot (python3-matplotlib is not installed)")
        return
    figure, (rate, tail) = plt.subplots(1, 2, figsize=(13, 5))
    for server in candidates:
        xs = [c for c in counts if (server.name, c) in results]
        if not xs:
            continue
        rate.plot(xs, [statistics.median(r["throughput"] for r in results[(server.name, c)]) for c in xs], "o-",
                  label=server.name)
        tail.plot(xs, [statistics.median(r["p99_us"] for r in results[(server.name, c)]) for c in xs], "o-",
                  label=server.name)
    for axes, label in ((rate, "replies/s (median of rounds)"), (tail, "p99 latency, µs (median of rounds)")):
        axes.set_xscale("log")
        axes.set_xlabel("connections")
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
    tail.set_yscale("log")
    rate.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(out / "latest.png", dpi=100)
    plt.close(figure)


if __name__ == "__main__":
    sys.exit(main())
