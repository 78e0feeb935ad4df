"""A grading's own name and folder, and what dead gradings left behind.

Each grader/grade process is a grading: a work folder of its own
(slk-grade-XXXXXXXX in the temporary folder) and a lock file of the same
name in the folder every grading of the machine shares (slots.shared_folder),
holding the work folder's path and flock()ed for the grading's whole life.
The names of its control groups and tracefs instances begin with the same
name. A grading is alive exactly while its lock is held: the kernel drops a
lock when its holder dies, kill -9 included.

So the next grading to start reclaims what a dead one left: its work folder
(unless it was kept with --keep), its control groups (their processes
killed first) and its tracefs instances. Processes of a dead grading do not
outlive it (each sandbox dies with its grader: setpriv --pdeathsig, then
unshare --kill-child); those still under a slot's uid are killed by the
next holder of the slot (slots.py).
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import cgroups, kerneltrace, slots
from .safefs import remove_tree

PREFIX = "slk-grade-"
NAME = re.compile(rf"{PREFIX}[a-z0-9_]+")
KEPT = ".kept"   # in a work folder: --keep asked for it, never reclaimed


@dataclass
class Grading:
    name: str       # slk-grade-XXXXXXXX
    work: Path
    _fd: int

    def keep(self) -> None:
        """The work folder stays after the grading (--keep)."""
        (self.work / KEPT).write_text("kept with --keep: delete this folder when done\n")

    def close(self, remove: bool) -> None:
        if remove:
            remove_tree(self.work)
        lock = slots.shared_folder() / f"{self.name}.lock"
        lock.unlink(missing_ok=True)
        os.close(self._fd)


def start() -> Grading:
    """A new grading: its work folder (mode 0755: runs under a grading uid
    reach their files through it) and its lock, held until close() or death."""
    work = Path(tempfile.mkdtemp(prefix=PREFIX))
    work.chmod(0o755)
    lock = slots.shared_folder() / f"{work.name}.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, str(work).encode())
    return Grading(work.name, work, fd)


def alive(name: str) -> bool:
    """Whether the grading of that name is running (its lock is held)."""
    path = slots.shared_folder() / f"{name}.lock"
    if not path.exists():
        return False
    try:
        fd = slots.try_lock(path)
    except OSError:
        return True  # cannot tell: leave its things alone
    if fd is None:
        return True
    os.close(fd)
    return False


def owner(name: str) -> str | None:
    """The grading a control group or tracefs instance belongs to, by its name."""
    match = NAME.match(name)
    return match.group(0) if match else None


def reclaim() -> list[str]:
    """Remove what dead gradings left; a line per thing removed."""
    removed = []
    folder = slots.shared_folder()
    for lock in sorted(folder.glob(f"{PREFIX}*.lock")):
        name = lock.name[:-len(".lock")]
        try:
            fd = slots.try_lock(lock)
        except OSError:
            continue
        if fd is None:
            continue  # alive
        try:
            work = Path(os.read(fd, 4096).decode(errors="replace"))
            if work.name == name and work.is_dir() and not (work / KEPT).exists() and work.stat().st_uid == os.geteuid():
                remove_tree(work)
                removed.append(f"the work folder {work}")
            lock.unlink(missing_ok=True)
        except OSError:
            pass
        finally:
            os.close(fd)
    removed += [f"the control group {path}" for path in cgroups.remove_dead(_of_dead_grading)]
    removed += [f"the tracefs instance {path}" for path in kerneltrace.remove_dead(_of_dead_grading)]
    return removed


def _of_dead_grading(name: str) -> bool:
    """Whether a control group or tracefs instance of this name was a dead grading's."""
    grading = owner(name)
    return grading is not None and not alive(grading)
