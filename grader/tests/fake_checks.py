"""Checks that misbehave on purpose, to test the runner and its plugin
(used by test_runner.py; not a lab)."""

import select

from kit.check import check

LAB = "99-fake"


@check("passes", "a check that passes", points=1)
def check_passes(run):
    run.note("nothing to do")


@check("fails", "a check that fails", points=2)
def check_fails(run):
    run.fail("the answer 42", "the answer 41", "Count again.")


@check("breaks", "a check with a bug of its own", points=3)
def check_breaks(run):
    raise ValueError("a bug in the check")


@check("blocks", "a check that blocks past its budget", points=4, timeout=0.5)
def check_blocks(run):
    run.note("about to block")
    select.select([], [], [], 30)


@check("needs-hosts", "a check that needs namespaces", points=5, needs_hosts=True)
def check_needs_hosts(run):
    run.note("ran")


@check("peer-resets", "a check whose program resets a connection under a step", points=1)
def check_peer_resets(run):
    with run.transcript.step("send on a connection the program has reset"):
        raise ConnectionResetError(104, "Connection reset by peer")
