"""Slots (kit/slots.py): concurrent gradings never share a uid or addresses.

A slot is held by a flock() on a file every grading of the machine shares:
two holders never get the same one, a holder's death (kill -9 included)
frees it, and what still runs under a slot's uid when it is given back is
killed and reported, as its holder's own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import GRADER, wait_until
from kit import procfs, slots

HOLDER = f"""
import sys, time
sys.path.insert(0, {str(GRADER)!r})
from kit import slots
slot = slots.acquire()
print(slot.number, flush=True)
sys.stdin.read()  # until the test closes our stdin, or kills us
"""


def test_two_holders_never_share_a_slot():
    first, second = slots.acquire(), slots.acquire()
    try:
        assert first.number != second.number and first.uid != second.uid
    finally:
        first.release()
        second.release()


def test_a_slot_held_by_another_process_is_taken_elsewhere_and_freed_by_its_death():
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        held = int(holder.stdout.readline())
        path = slots.shared_folder() / f"slot-{held:03d}.lock"
        assert slots.try_lock(path) is None, "a held slot is not free"
        with slots.acquire() as mine:
            assert mine.number != held
        holder.kill()  # no clean-up: the kernel drops the lock with the process
        holder.wait()
        fd = slots.try_lock(path)
        assert fd is not None, "the dead holder's slot is free again"
        os.close(fd)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.skipif(os.geteuid() != 0, reason="SKIP: running a process under a grading uid needs root")
def test_processes_left_under_a_slots_uid_are_killed_and_named_when_it_is_given_back():
    slot = slots.acquire()
    sleeper = subprocess.Popen(["setpriv", "--reuid", str(slot.uid), "--regid", str(slot.uid), "--clear-groups",
                                "sleep", "300"])
    try:
        wait_until(lambda: procfs.real_uid(sleeper.pid) == slot.uid and "sleep" in procfs.command_line(sleeper.pid),
                   30, "the sleeper to run under the slot's uid")
        left = slot.release()
        assert any(f"pid {sleeper.pid} " in line and "sleep 300" in line for line in left), left
        assert sleeper.wait(timeout=30) == -9
    finally:
        sleeper.kill()
        sleeper.wait()
    assert procfs.process_state(sleeper.pid) is None
