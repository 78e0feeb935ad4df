#!/usr/bin/env bats
# make bench (bench/run-bench.py) itself, in its quick form: every reference
# server and the floors are built and measured, the report and the plot are
# written where asked, every run is without errors. In a network namespace
# of the test's own (loopback only).

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
    WORK="$(mktemp -d)"
}

teardown() {
    rm -rf "$WORK"
}

@test "make bench --quick: a table per connection count, no errors, goals, Receive measured, a plot" {
    run timeout 300 unshare --net sh -c "ip link set lo up && /usr/bin/python3 $KIT/bench/run-bench.py --quick --out $WORK"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    report="$WORK/latest.md"
    [ -f "$report" ]
    for heading in "## 1 connection" "## 10 connections" "## Goals" "## Reading frames"; do
        grep -qF "$heading" "$report" || { echo "no '$heading' in:"; cat "$report"; false; }
    done
    if command -v strace >/dev/null; then
        grep -qE "^\| 12 epoll \| [0-9.]+ \| [0-9.]+ \|$" "$report"   # system calls per reply, futex
    fi
    # Every server at 10 connections (09 is iterative: 1 only), with zero errors and its memory.
    for server in "floor (bare epoll echo)" "bare thread-per-connection echo" "10 thread per connection" \
                  "11 pool, 2 threads" "12 epoll"; do
        row=$(sed -n '/^## 10 connections/,/^## /p' "$report" | grep -F "| $server")
        [[ "$row" =~ \|\ 0\ \|\ [0-9.]+\ \| ]] || { echo "row for $server: '$row'"; cat "$report"; false; }
    done
    grep -qF "| 09 iterative echo |" "$report"
    grep -qF -- "- every run without errors or stalls: met" "$report"
    # Receive against plain read()s and a read() per byte (Google Benchmark and strace: scripts/setup bench).
    if [ -e /usr/include/benchmark/benchmark.h ]; then
        grep -qE "^\| Reference \| [0-9,]+ " "$report" && grep -qE "^\| PlainRead \|" "$report" && grep -qE "^\| ByteRead \|" "$report"
        grep -qE "^- Receive ≥ 0.87× plain 64 KiB read\(\)s on 10 KB frames: [0-9.]+×" "$report"
    fi
    if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
        [ -s "$WORK/latest.png" ]
    fi
}
