"""Reading what a submission (or a build it ran) wrote, without trusting it.

A submitted tree, an unpacked archive, the folder a sandboxed compiler wrote:
any of their names may be a symbolic link (to /etc/shadow, to the kit's
solutions), a FIFO (a read that never ends), a device (/dev/zero: a read that
never ends either) or a huge file. Every read here
- walks the path one component at a time from a folder the caller trusts,
  each opened with O_NOFOLLOW: a link anywhere on the way is refused, never
  followed;
- opens the last component without blocking and keeps it only if fstat()
  says it is a regular file;
- reads at most a bound of bytes, whatever the file's size says.
A refusal raises Refused with a sentence a report can show ("is a symbolic
link", "is larger than 1 MB").
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path, PurePosixPath
from typing import Iterator

_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC


class Refused(ValueError):
    """A file that is not a regular file of bounded size."""


def describe_mode(mode: int) -> str:
    """What a file of this st_mode is, as a report says it."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "not a regular file"


def size_words(limit: int) -> str:
    return f"{limit >> 20} MB" if limit >= 1 << 20 and limit % (1 << 20) == 0 else f"{limit} bytes"


def _parts(relative: str | PurePosixPath) -> list[str]:
    parts = [part for part in PurePosixPath(relative).parts if part not in ("", ".")]
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise Refused(f"{relative!s} is not a path inside the folder")
    return parts


def _open_dir_beneath(root: Path, parts: list[str]) -> int:
    """A descriptor of root/parts..., every step opened without following links."""
    fd = os.open(root, _DIR)
    try:
        for part in parts:
            try:
                next_fd = os.open(part, _DIR, dir_fd=fd)
            except OSError as error:
                raise _refusal(fd, part, error) from error
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def _refusal(dir_fd: int, name: str, error: OSError) -> Exception:
    """The Refused that explains why name could not be opened (or the error itself)."""
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except OSError:
        return error
    if stat.S_ISLNK(mode):
        return Refused(f"{name} is a symbolic link")
    return error


def open_regular(root: Path, relative: str | PurePosixPath) -> tuple[int, os.stat_result]:
    """(descriptor, stat) of the regular file root/relative, opened for reading
    without following any link on the way; Refused if it is anything else."""
    parts = _parts(relative)
    dir_fd = _open_dir_beneath(root, parts[:-1])
    try:
        try:
            fd = os.open(parts[-1], _READ, dir_fd=dir_fd)
        except OSError as error:
            raise _refusal(dir_fd, parts[-1], error) from error
    finally:
        os.close(dir_fd)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise Refused(f"{PurePosixPath(*parts)} is {describe_mode(info.st_mode)}, not a regular file")
    return fd, info


def read_regular(root: Path, relative: str | PurePosixPath, limit: int) -> bytes:
    """The bytes of the regular file root/relative, at most `limit` of them
    (Refused beyond, whatever the size the file claims)."""
    fd, info = open_regular(root, relative)
    try:
        name = PurePosixPath(relative)
        if info.st_size > limit:
            raise Refused(f"{name} is larger than {size_words(limit)} ({info.st_size} bytes)")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Refused(f"{name} is larger than {size_words(limit)}")
    finally:
        os.close(fd)


def copy_regular(root: Path, relative: str | PurePosixPath, target: Path, limit: int, mode: int = 0o644) -> int:
    """Copy the regular file root/relative to target (a new file of the caller's,
    never followed if something is already there); its size. Refused as read_regular."""
    fd, info = open_regular(root, relative)
    try:
        if info.st_size > limit:
            raise Refused(f"{PurePosixPath(relative)} is larger than {size_words(limit)} ({info.st_size} bytes)")
        target.unlink(missing_ok=True)
        out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
        total = 0
        try:
            while chunk := os.read(fd, 1 << 16):
                total += len(chunk)
                if total > limit:
                    raise Refused(f"{PurePosixPath(relative)} is larger than {size_words(limit)}")
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
        finally:
            os.close(out)
        os.chmod(target, mode)  # whatever the umask took away
        return total
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


def is_folder(path: Path) -> bool:
    """path is a folder itself, not a link to one (nor anything else)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def walk(root: Path, max_entries: int) -> Iterator[tuple[PurePosixPath, os.stat_result]]:
    """Every entry under root (folders first, then what they hold), as its path
    relative to root and its lstat, links never followed; Refused past
    max_entries entries (folders count)."""
    count = 0
    pending = [PurePosixPath()]
    while pending:
        folder = pending.pop(0)
        try:
            names = sorted(os.listdir(root / folder))
        except OSError:
            continue
        for name in names:
            count += 1
            if count > max_entries:
                raise Refused(f"holds more than {max_entries} files and folders")
            relative = folder / name
            try:
                info = os.lstat(root / relative)
            except OSError:
                continue
            yield relative, info
            if stat.S_ISDIR(info.st_mode):
                pending.append(relative)


def remove_tree(path: Path) -> None:
    """Delete path and everything under it, links removed and never followed,
    folders a program made unreadable (mode 000) made readable first."""
    def fix_and_retry(function, failed_path, _error) -> None:
        parent = os.path.dirname(failed_path)
        for folder in (parent, failed_path):
            try:
                if stat.S_ISDIR(os.lstat(folder).st_mode):
                    os.chmod(folder, 0o700)
            except OSError:
                pass
        try:
            if function in (os.rmdir, os.unlink):
                function(failed_path)
            elif stat.S_ISDIR(os.lstat(failed_path).st_mode):
                shutil.rmtree(failed_path, ignore_errors=True)
        except OSError:
            pass

    try:
        if os.path.islink(path) or not os.path.isdir(path):
            os.unlink(path)
            return
    except FileNotFoundError:
        return
    shutil.rmtree(path, onerror=fix_and_retry)
    if os.path.lexists(path):
        shutil.rmtree(path, ignore_errors=True)
