"""The files a run can see: the system, its own work folder, nothing else.

Inside the runner's private mount namespace, a new root is assembled on a
small tmpfs and the runner pivots into it:
- the system's own folders (/usr, /etc, /bin, /lib...), read-only;
- /dev, /proc (the run's PID namespace) and /sys, as they are;
- an empty /tmp of its own;
- the grading's work folder (the programs, their build, the run's files);
- the grader's code, read-only, behind a folder only the runner may enter
  (the folders leading to it that the work folder does not share are made
  with mode 0700; the kit and the work folder are in different places).
Everything else - the kit's solutions/ and tests, the other submissions of a
class, other runs' work folders, /home, /root - is simply not there: a program
that goes looking finds nothing to read ("reading outside the submission is
blocked, not discouraged"). Paths keep their names, so nothing else changes.

pivot_root (not chroot) and a detached old root: no way back up the tree,
even for a process that is root in the namespace.
"""

from __future__ import annotations

import ctypes
import os
import platform
from pathlib import Path

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "s390x": 217}
# statvfs flags a read-only remount must repeat (a user namespace may not clear
# flags that its parent set): statvfs bit -> mount bit.
KEPT_FLAGS = {2: MS_NOSUID, 4: MS_NODEV, 8: MS_NOEXEC, 16: 16, 64: 64, 1024: 1024, 2048: 2048, 4096: 1 << 21}

SYSTEM_READ_ONLY = ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc")
SYSTEM_AS_IS = ("dev", "proc", "sys")

_libc = ctypes.CDLL(None, use_errno=True)


def _mount(source: str | None, target: Path | str, fstype: str | None, flags: int, data: str | None = None) -> None:
    result = _libc.mount(source.encode() if source else None, str(target).encode(),
                         fstype.encode() if fstype else None, flags, data.encode() if data else None)
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source or ''} on {target}: {os.strerror(err)}")


def _bind(source: Path, target: Path, read_only: bool) -> None:
    _mount(str(source), target, None, MS_BIND | MS_REC)
    if read_only:
        kept = os.statvfs(target).f_flag
        flags = sum(bit for stat_bit, bit in KEPT_FLAGS.items() if kept & stat_bit)
        _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)


def _make_dirs(root: Path, path: Path, mode: int) -> Path:
    """root/path, creating missing folders with mode (existing ones keep theirs)."""
    target = root
    for part in path.relative_to("/").parts:
        target = target / part
        if not target.exists():
            target.mkdir()
            target.chmod(mode)
    return target


def _pivot_root(new_root: Path) -> None:
    number = SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        raise OSError(f"pivot_root: unknown system call number on {platform.machine()}")
    os.chdir(new_root)
    # pivot_root(".", "."): the old root is stacked on the new one, then detached.
    if _libc.syscall(number, b".", b".") != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"pivot_root: {os.strerror(err)}")
    if _libc.umount2(b".", MNT_DETACH) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"umount the old root: {os.strerror(err)}")
    os.chdir("/")


def enter(scratch: Path, writable: list[Path], private: list[Path]) -> None:
    """Pivot into a root that shows only the system, `writable` (read-write, as
    they are) and `private` (read-only, in folders only root may enter).
    `scratch` is an empty folder for the new root's mount point."""
    cwd = os.getcwd()
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    scratch.mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m")
    for name in SYSTEM_READ_ONLY + SYSTEM_AS_IS:
        source = Path("/") / name
        target = scratch / name
        if source.is_symlink():  # merged /usr: /bin -> usr/bin
            os.symlink(os.readlink(source), target)
        elif source.is_dir():
            target.mkdir()
            _bind(source, target, read_only=name in SYSTEM_READ_ONLY)
    (scratch / "tmp").mkdir(exist_ok=True)
    (scratch / "tmp").chmod(0o1777)
    for path in writable:
        _bind(path, _make_dirs(scratch, path.resolve(), 0o755), read_only=False)
    for path in private:
        path = path.resolve()
        _make_dirs(scratch, path.parent, 0o700)
        target = scratch / path.relative_to("/")
        target.mkdir(exist_ok=True)
        _bind(path, target, read_only=True)
    _pivot_root(scratch)
    os.chdir(cwd if Path(cwd).is_dir() else "/")
