#!/usr/bin/env bats
# smop-bench, the load generator of bench/smop-bench: its histogram, its
# counts against the reference lab 12 server, a Redis-style PING peer, a
# server that stalls, a run bounded in time, and its refusal of any address
# but loopback. Servers run in a network namespace of the test's own.

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
    WORK="$(mktemp -d)"
    make -s -C "$KIT/bench/smop-bench" EXTRA_CXXFLAGS=-Werror
    BENCH="$KIT/bench/smop-bench/smop-bench"
}

teardown() {
    rm -rf "$WORK"
}

# in_netns SCRIPT: run a shell script in a fresh network namespace with lo up.
in_netns() {
    unshare --net sh -c "ip link set lo up && $1"
}

# A shell line that waits (at most 10 s) until something listens on port $PORT.
wait_listen='for i in $(seq 200); do ss -ltn | grep -q ":$PORT " && break; sleep 0.05; done; ss -ltn | grep -q ":$PORT "'

# against_reference ARGS...: run smop-bench ARGS against the reference lab 12
# server on 127.0.0.1:50000, in a namespace of its own; its status is the run's.
against_reference() {
    make -s -C "$KIT/solutions/12-smop-epoll" OUT="$WORK"
    cd "$KIT/solutions/12-smop-epoll"
    PORT=50000
    run in_netns "$WORK/Serveur $PORT users.txt >/dev/null & server=\$!; PORT=$PORT; $wait_listen && $BENCH $* 127.0.0.1 $PORT; status=\$?; kill -INT \$server; wait \$server; exit \$status"
}

@test "histogram: buckets within 1/64, percentiles of a known distribution" {
    g++ -std=c++17 -Wall -Wextra -Werror -o "$WORK/histogram_test" "$KIT/bench/smop-bench/histogram_test.cpp" \
        -lgtest -lgtest_main -pthread
    run "$WORK/histogram_test"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
}

@test "a wrong command line or a non-loopback address: usage and status 2, no traffic" {
    run "$BENCH"
    [ "$status" -eq 2 ] && [[ "$output" == *"usage: smop-bench"* ]]
    run "$BENCH" -c 0 127.0.0.1 50000
    [ "$status" -eq 2 ]
    run "$BENCH" 192.0.2.1 50000
    [ "$status" -eq 2 ] && [[ "$output" == *"loopback addresses only"* ]]
}

@test "closed loop against the reference lab 12 server: every reply counted and correct" {
    against_reference -c 20 -n 200 --json
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *'"replies":4040,"errors":0,"stalled":false,"time_up":false,"unanswered":0'* ]]
}

@test "open loop at a fixed rate, and the PING mode against a Redis-style peer" {
    cat > "$WORK/pong.py" <<'PY'
import socket, sys, threading
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
def serve(conn):
    data = b""
    while chunk := conn.recv(4096):
        data += chunk
        while b"\r\n" in data:
            line, data = data.split(b"\r\n", 1)
            conn.sendall(b"+PONG\r\n" if line == b"PING" else b"-ERR\r\n")
    conn.close()
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
PY
    PORT=6399
    run in_netns "/usr/bin/python3 $WORK/pong.py $PORT & peer=\$!; PORT=$PORT; $wait_listen && $BENCH -m ping -c 4 -n 100 -r 2000 --json 127.0.0.1 $PORT; status=\$?; kill \$peer; exit \$status"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *'"mode":"ping","connections":4,"replies":400,"errors":0'* ]]
    # 400 requests at 2000 per second take about 0.2 s: not much less (open loop)
    seconds=$(echo "$output" | /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readlines()[-1])["seconds"])')
    /usr/bin/python3 -c "import sys; sys.exit(0 if float('$seconds') >= 0.19 else 1)"
}

@test "a server that never answers is reported as stalled (status 3), within the stall limit" {
    cat > "$WORK/silent.py" <<'PY'
import socket, sys
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
kept = []
while True:
    conn, _ = listener.accept()
    kept.append(conn)   # accepted, read by nobody, never answered
PY
    PORT=50001
    run in_netns "/usr/bin/python3 $WORK/silent.py $PORT & peer=\$!; PORT=$PORT; $wait_listen && $BENCH -c 3 -n 10 -s 300 -d 20 --json 127.0.0.1 $PORT; status=\$?; kill \$peer; exit \$status"
    [ "$status" -eq 3 ] || { echo "$output"; false; }
    [[ "$output" == *'"replies":0,"errors":3,"stalled":true'* ]]
    [[ "$output" == *"unanswered for 300 ms"* ]]
}

@test "a run is bounded in time: --duration stops it and says what was left" {
    against_reference -c 2 -n 1000000000 -d 0.5
    [ "$status" -eq 3 ] || { echo "$output"; false; }
    [[ "$output" == *"TIME UP after"* ]]
}

@test "echo mode against the reference lab 09 server: every frame comes back (after its prefix)" {
    make -s -C "$KIT/solutions/09-iterative-server" OUT="$WORK"
    PORT=50000
    # Lab 09's server is iterative: one connection at a time.
    run in_netns "$WORK/Serveur $PORT >/dev/null & server=\$!; PORT=$PORT; $wait_listen && $BENCH -m echo -c 1 -n 500 --json 127.0.0.1 $PORT; status=\$?; kill -INT \$server; wait \$server; exit \$status"
    [ "$status" -eq 0 ] || { echo "$output"; false; }
    [[ "$output" == *'"mode":"echo","connections":1,"replies":500,"errors":0,"stalled":false'* ]]
}

@test "a wrong reply holding quotes and control bytes still gives valid JSON; an endless reply is cut" {
    cat > "$WORK/odd.py" <<'PY'
import socket, sys
listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
for reply in (b'LOGIN#"ok"\\\x01\xff#)', b"x" * (2 << 20)):   # a wrong reply, then one without an end
    conn, _ = listener.accept()
    try:
        conn.recv(4096)
        conn.sendall(reply)
        conn.recv(4096)  # until the client leaves (or resets the connection)
    except OSError:
        pass
    conn.close()
PY
    PORT=50002
    run in_netns "/usr/bin/python3 $WORK/odd.py $PORT & peer=\$!; PORT=$PORT; $wait_listen && $BENCH -c 1 -n 1 -d 10 --json 127.0.0.1 $PORT && exit 9; $BENCH -c 1 -n 1 -d 10 --json 127.0.0.1 $PORT; status=\$?; kill \$peer; exit \$status"
    [ "$status" -eq 1 ] || { echo "$output"; false; }
    first=$(echo "$output" | grep -m1 '^{')
    /usr/bin/python3 -c 'import json, sys; e = json.loads(sys.argv[1])["first_error"]; sys.exit(0 if "\"ok\"\\\u0001" in e else 1)' "$first"
    [[ "$output" == *'"first_error":"a reply of more than 1 MiB without its end marker"'* ]]
}
