#!/bin/sh
# Gradescope runs this once, as root, when it builds the autograder's image:
# the kit is unpacked in /autograder/source; install what it needs.
set -eu
cd "${AUTOGRADER_SOURCE:-/autograder/source}"
scripts/setup core
