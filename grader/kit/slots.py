"""Exclusive slots: what one lab's run owns on this machine while it runs.

A slot number gives a run its grading uid (GRADING_UID_BASE + slot: the
uid its build and programs run under as root, so per-user limits such as
RLIMIT_NPROC are the run's alone) and its loopback addresses (network.py:
the kernel's trace tells runs apart by them). Two runs must never share
one, whichever gradings they belong to (two terminals, two class gradings,
CI jobs side by side): a slot is held through an exclusive flock() on its
lock file in a folder every grading of the machine shares, taken with
LOCK_NB from the first free one. The kernel drops the lock when its holder
dies, even by SIGKILL: a slot is never lost.

On taking a slot, processes still running under its uid (left by a
grading killed before it could clean up) are killed: whatever runs under a
slot's uid belongs to its holder.
"""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import procfs

SLOTS = 1000
GRADING_UID_BASE = 61000
LEFT_RUNNING = "were still running after its checks"  # the report's note on them (grade-class looks for it)


class NoFreeSlot(RuntimeError):
    pass


def shared_folder() -> Path:
    """The folder of lock files that every grading of this machine shares
    (mode 1777, as /tmp: any user's grading makes its files there)."""
    base = Path("/run/lock") if os.access("/run/lock", os.W_OK | os.X_OK) else Path(tempfile.gettempdir())
    folder = base / "socket-lab-kit"
    try:
        folder.mkdir(mode=0o1777)
        folder.chmod(0o1777)  # whatever the umask took away
    except FileExistsError:
        info = folder.lstat()
        if not stat.S_ISDIR(info.st_mode):
            raise RuntimeError(f"{folder} is not a folder: remove it") from None
    return folder


def open_lock(path: Path) -> int:
    """A descriptor of the lock file path (made if missing), never through a link."""
    try:
        return os.open(path, os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except PermissionError:  # another user's file in the shared folder: reading it is enough to lock it
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)


def try_lock(path: Path) -> int | None:
    """The descriptor of path, locked exclusively; None if someone holds it."""
    fd = open_lock(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


@dataclass
class Slot:
    number: int
    _fd: int

    @property
    def uid(self) -> int:
        return GRADING_UID_BASE + self.number

    def release(self) -> list[str]:
        """Give the slot back; the processes of its uid still running (killed)."""
        left = kill_processes_of(self.uid)
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        return left

    def __enter__(self) -> "Slot":
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def acquire() -> Slot:
    """The first free slot of the machine, held until released (or death)."""
    folder = shared_folder()
    for number in range(SLOTS):
        fd = try_lock(folder / f"slot-{number:03d}.lock")
        if fd is not None:
            slot = Slot(number, fd)
            kill_processes_of(slot.uid)
            return slot
    raise NoFreeSlot(f"all {SLOTS} grading slots of this machine are in use")


def kill_processes_of(uid: int) -> list[str]:
    """SIGKILL every process of uid (as root; elsewhere no process has it):
    their descriptions, for a report."""
    if os.geteuid() != 0:
        return []
    found = []
    for pid in procfs.all_pids():
        if procfs.real_uid(pid) != uid or procfs.process_state(pid) in (None, "Z"):
            continue
        found.append(f"pid {pid} (uid {uid}): {procfs.command_line(pid)}")
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
    return found
