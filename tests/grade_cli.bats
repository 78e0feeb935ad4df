#!/usr/bin/env bats
# grader/grade's command line: clear errors and non-zero exits on bad input,
# valid output files on good input.

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
    WORK="$(mktemp -d)"
}

teardown() {
    rm -rf "$WORK"
}

@test "--help prints the usage and succeeds" {
    run "$KIT/grader/grade" --help
    [ "$status" -eq 0 ]
    [[ "$output" == *"usage: grader/grade"* ]]
}

@test "an unknown option gives the usage and exit status 2" {
    run "$KIT/grader/grade" --bogus
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage: grader/grade"* ]]
}

@test "an unknown lab is named, with the list of labs" {
    run "$KIT/grader/grade" --lab 99
    [ "$status" -eq 2 ]
    [[ "$output" == *"no lab '99'; the labs are: 01-creation-socket"* ]]
}

@test "a missing submission folder is an error" {
    run "$KIT/grader/grade" --submission "$WORK/nowhere"
    [ "$status" -eq 2 ]
    [[ "$output" == *"no such folder"* ]]
}

@test "--jobs must be positive" {
    run "$KIT/grader/grade" --jobs 0
    [ "$status" -eq 2 ]
}

@test "an empty submission scores zero, every lab not submitted" {
    run "$KIT/grader/grade" --submission "$WORK" --lab 01 02
    [ "$status" -eq 0 ]
    [[ "$output" == *"01-creation-socket  0/10"*"not submitted"* ]]
    [[ "$output" == *"Total               0/20"* ]]
}

@test "JUnit output goes to the named file and parses" {
    run "$KIT/grader/grade" --lab 01 --format junit --output "$WORK/report.xml"
    [ "$status" -eq 0 ]
    /usr/bin/python3 -c 'import sys, xml.etree.ElementTree as ET; r = ET.parse(sys.argv[1]).getroot(); assert r.tag == "testsuites"' "$WORK/report.xml"
    grep -q 'failures="0"' "$WORK/report.xml"
}

@test "a grader failure still writes valid results that say so" {
    SLK_ISOLATION=bogus run "$KIT/grader/grade" --lab 01 --format json --output "$WORK/results.json"
    [ "$status" -eq 1 ]
    /usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["score"] == 0 and "THE GRADER FAILED" in r["output"], r["output"]
assert len(r["tests"]) == 5 and all(t["score"] == 0 for t in r["tests"])' "$WORK/results.json"
}

@test "--check runs one check and prints how to replay it" {
    run "$KIT/grader/grade" --check 04-accept/listen --verbose
    [ "$status" -eq 0 ]
    [[ "$output" == *"04-accept  2/2"* ]]
    [[ "$output" == *"PASS 04-accept: listens on 0.0.0.0:50000"* ]]
}

@test "a grader started in the background (SIGINT ignored) still stops programs with SIGINT" {
    # A non-interactive shell starts background jobs with SIGINT ignored.
    run bash -c "'$KIT/grader/grade' --check 01-creation-socket/sigint --format json --output '$WORK/r.json' & wait"
    [ "$status" -eq 0 ]
    grep -q '"score": 2.0' "$WORK/r.json"
}
