"""The files a sandbox can see: the system, read-only, and what it is given.

Inside a new mount namespace, a root is assembled on a small tmpfs and the
process pivots into it:
- the system's own folders (/usr, /etc, /bin, /lib...), read-only, with the
  kit, the grader's caches and the grading's work folder masked by empty
  folders wherever they would show through (a kit installed under /usr);
- /dev, /proc (the sandbox's PID namespace) and /sys as they are, but a
  private, bounded /dev/shm (with a private IPC namespace: no channel
  between runs);
- a private, bounded /tmp;
- the sandbox's own binds (View.binds): each a host folder at a path of the
  view, read-only or writable; a `private` bind sits under PRIVATE, a folder
  of mode 000 that only a process holding CAP_DAC_READ_SEARCH (the runner,
  root of its namespaces) can walk through. Programs hold no capability, so
  even one whose uid owns the folder (user-namespace mode) cannot enter it;
- the root itself is then made read-only: nothing on the way to a private
  folder can be chmod-ed, nothing new can be made beside it.
Everything else - the kit's solutions/ and tests, the other submissions of a
class, other runs' work folders, /home, /root - is not there at all.

pivot_root (not chroot) and a detached old root: no way back up the tree,
even for a process that is root in the namespace.
"""

from __future__ import annotations

import ctypes
import json
import os
import platform
from dataclasses import asdict, dataclass, field
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
PRIVATE = Path("/.slk")   # the runner's own folders (see the module's docstring)
SHM_BYTES = 16 << 20

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass(frozen=True)
class Bind:
    source: str            # a folder of the host
    target: str            # where the view shows it (absolute)
    writable: bool = False


@dataclass
class View:
    """What a sandbox sees besides the system (saved as JSON for the process
    that builds it, inside the new namespaces)."""
    binds: list[Bind] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)   # a file of the view -> the host file shown there
    masked: list[str] = field(default_factory=list)       # host folders never to show through the system's
    tmp_bytes: int = 64 << 20
    env: dict[str, str] = field(default_factory=dict)     # the environment of what the sandbox runs

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> "View":
        data = json.loads(path.read_text())
        return cls([Bind(**bind) for bind in data.pop("binds")], **data)


def _mount(source: str | None, target: Path | str, fstype: str | None, flags: int, data: str | None = None) -> None:
    result = _libc.mount(source.encode() if source else None, str(target).encode(),
                         fstype.encode() if fstype else None, flags, data.encode() if data else None)
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {source or ''} on {target}: {os.strerror(err)}")


def _remount_read_only(target: Path) -> None:
    kept = os.statvfs(target).f_flag
    flags = sum(bit for stat_bit, bit in KEPT_FLAGS.items() if kept & stat_bit)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | flags)


def _bind(source: Path, target: Path, read_only: bool) -> None:
    _mount(str(source), target, None, MS_BIND | MS_REC)
    if read_only:
        _remount_read_only(target)


def _tmpfs(target: Path, size: int, mode: int) -> None:
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode:o},size={size}")


def _make_dirs(root: Path, path: str | Path, mode: int) -> Path:
    """root/path, creating missing folders with mode (existing ones keep theirs)."""
    target = root
    for part in Path(path).relative_to("/").parts:
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


def _system(scratch: Path, masked: list[str]) -> None:
    for name in SYSTEM_READ_ONLY + SYSTEM_AS_IS:
        source = Path("/") / name
        target = scratch / name
        if source.is_symlink():  # merged /usr: /bin -> usr/bin
            os.symlink(os.readlink(source), target)
        elif source.is_dir():
            target.mkdir()
            _bind(source, target, read_only=name in SYSTEM_READ_ONLY)
    for folder in masked:
        shown = scratch / Path(folder).resolve().relative_to("/")
        if shown.is_dir() and not shown.is_symlink():
            _tmpfs(shown, 4096, 0o555)  # the kit (or a cache) under a system folder: not there
            _remount_read_only(shown)
    if (scratch / "dev" / "shm").is_dir():
        _tmpfs(scratch / "dev" / "shm", SHM_BYTES, 0o1777)


def enter(scratch: Path, view: View) -> None:
    """Pivot into a root that shows only the system and the view's binds and
    files (see the module's docstring). `scratch` is an empty folder for the
    new root's mount point; the current folder is lost (the caller chdirs)."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    scratch.mkdir(parents=True, exist_ok=True)
    _tmpfs(scratch, 1 << 20, 0o755)
    _system(scratch, view.masked)
    _tmpfs(_make_dirs(scratch, "/tmp", 0o1777), view.tmp_bytes, 0o1777)
    private = _make_dirs(scratch, PRIVATE, 0o755)
    for bind in view.binds:
        target = _make_dirs(scratch, bind.target, 0o755)
        _bind(Path(bind.source), target, read_only=not bind.writable)
    for shown, source in view.files.items():
        target = _make_dirs(scratch, Path(shown).parent, 0o755) / Path(shown).name
        if target.exists():
            _bind(Path(source), target, read_only=True)
    private.chmod(0)
    _remount_read_only(scratch)
    _pivot_root(scratch)
