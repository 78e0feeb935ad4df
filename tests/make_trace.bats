#!/usr/bin/env bats
# make trace: a lab's checks with the network shown (text and HTML).

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
    WORK="$(mktemp -d)"
}

teardown() {
    rm -rf "$WORK"
}

@test "make trace LAB=06 on the reference prints each check's segments and states, and writes the HTML" {
    [ "$(id -u)" -eq 0 ] || skip "the capture needs the grader's network namespaces (root)"
    run make -s -C "$KIT" trace LAB=06 SUBMISSION=solutions TRACE_DIR="$WORK/trace"
    [ "$status" -eq 0 ]
    [[ "$output" == *"06-serveur-client  10/10"* ]]
    [[ "$output" == *"The TCP segments of the check, as captured on its loopback"* ]]
    [[ "$output" == *"─── SYN seq=0 win="* ]]
    [[ "$output" == *"The TCP states of the first connection's two sockets"* ]]
    [[ "$output" == *"ESTABLISHED → FIN_WAIT1"* ]]
    [[ "$output" == *"make trace: the drawings are in $WORK/trace/06/report.html"* ]]
    grep -q "<svg" "$WORK/trace/06/report.html"
    [ -s "$WORK/trace/06/results.json" ]
}

@test "make trace without LAB says how to use it and fails" {
    run make -s -C "$KIT" trace
    [ "$status" -ne 0 ]
    [[ "$output" == *"usage: make trace LAB=NN"* ]]
}
