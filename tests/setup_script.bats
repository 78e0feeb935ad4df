#!/usr/bin/env bats
# scripts/setup: quick when everything is there, clear when it cannot install.

setup() {
    KIT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
}

@test "nothing to do when the packages are installed: silent success" {
    run "$KIT/scripts/setup"
    [ "$status" -eq 0 ]
    [ -z "$output" ]
}

@test "an unknown package group gives the usage" {
    run "$KIT/scripts/setup" everything
    [ "$status" -eq 2 ]
    [[ "$output" == *"usage: scripts/setup [core|slides|browser|bench|class|mutation]..."* ]]
}
