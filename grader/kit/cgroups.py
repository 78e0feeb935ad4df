"""A control group per grading run: a fair CPU share, a process cap, a memory cap.

Per-process limits (prlimit) bound each program; a group bounds the run as a
whole. Two runs graded side by side get equal CPU shares however many
processes one of them spins (a fork loop's 64 processes cannot starve the
neighbour's one server), at most MAX_PIDS tasks, and at most MAX_MEMORY bytes.
cgroup v2 (one unified tree) and v1 (a tree per controller) are both handled;
where no group can be made (not root, a read-only /sys/fs/cgroup in a
container), grading goes on without one and the report says so.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path("/sys/fs/cgroup")
MAX_PIDS = 512
MAX_MEMORY = 4 << 30
# v1: controller -> {file: value}; v2: one folder, files of every controller.
V1_LIMITS = {"cpu": {"cpu.shares": "1024"}, "pids": {"pids.max": str(MAX_PIDS)},
             "memory": {"memory.limit_in_bytes": str(MAX_MEMORY)}}
V2_LIMITS = {"cpu.weight": "100", "pids.max": str(MAX_PIDS), "memory.max": str(MAX_MEMORY)}


@dataclass
class Group:
    folders: list[Path]       # one per controller (v1) or one (v2)

    def wrap(self, command: list[str]) -> list[str]:
        """command, started inside the group (a shell joins it, then execs)."""
        join = 'for f in "$@"; do [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; shift; done; shift; exec "$@"'
        return ["/bin/sh", "-c", join, "sh", *(str(folder / "cgroup.procs") for folder in self.folders), "--", *command]

    def remove(self) -> None:
        """Remove the group, killing what still runs in it (normally nothing:
        a sandbox's processes die with it). An error is harmless: the next
        grading removes what is left (remove_dead)."""
        for folder in self.folders:
            _kill_members(folder)
            try:
                folder.rmdir()
            except OSError:
                pass


def _kill_members(folder: Path, timeout: float = 5.0) -> None:
    """SIGKILL every process of the group folder, and wait (bounded) until it is empty."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            pids = [int(line) for line in (folder / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01)  # the kernel reaps them; cgroup.procs has no event to wait on here


def remove_dead(dead: Callable[[str], bool]) -> list[Path]:
    """Remove the groups (of every controller) whose name `dead` says belonged
    to a grading that is no longer running; the folders removed."""
    if os.geteuid() != 0:
        return []
    parents = [ROOT / "socket-lab-kit", *(ROOT / controller / "socket-lab-kit" for controller in V1_LIMITS)]
    removed = []
    for parent in parents:
        if not parent.is_dir():
            continue
        for folder in sorted(parent.iterdir()):
            if folder.is_dir() and dead(folder.name):
                Group([folder]).remove()
                if not folder.exists():
                    removed.append(folder)
    return removed


def _v2_parent() -> Path | None:
    if not (ROOT / "cgroup.controllers").exists():
        return None
    parent = ROOT / "socket-lab-kit"
    parent.mkdir(exist_ok=True)
    wanted = {"cpu", "pids", "memory"} & set((ROOT / "cgroup.controllers").read_text().split())
    (ROOT / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in sorted(wanted)))
    (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in sorted(wanted)))
    return parent


def create(name: str) -> tuple[Group | None, str]:
    """A new group for one run, or (None, why not)."""
    if os.geteuid() != 0:
        return None, "not root"
    made: list[Path] = []
    try:
        parent = _v2_parent()
        if parent is not None:
            folder = parent / name
            folder.mkdir()
            made.append(folder)
            for file, value in V2_LIMITS.items():
                if (folder / file).exists():
                    (folder / file).write_text(value)
        else:
            for controller, limits in V1_LIMITS.items():
                if not (ROOT / controller).is_dir():
                    continue
                folder = ROOT / controller / "socket-lab-kit" / name
                folder.mkdir(parents=True)
                made.append(folder)
                for file, value in limits.items():
                    if (folder / file).exists():
                        (folder / file).write_text(value)
        if not made:
            return None, "no cgroup controller is mounted"
        return Group(made), ""
    except OSError as error:
        Group(made).remove()
        return None, f"cannot make a control group ({error.strerror or error})"
