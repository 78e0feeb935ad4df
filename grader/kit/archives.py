"""Unpacking a submitted archive (.tar.gz, .tgz, .tar, .zip) without trusting it.

Only regular files and folders are extracted; a member with an absolute path,
a `..` step, a link or a device is refused; the number of members and their
total size are bounded (a zip bomb stops at the bound, with a message).
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
MAX_MEMBERS = 5000
MAX_BYTES = 64 << 20
JUNK = ("__MACOSX", ".DS_Store")


class BadArchive(ValueError):
    pass


def archive_stem(path: Path) -> str | None:
    """The student's name for an archive (alice.tar.gz -> alice), or None if it is not one."""
    for suffix in ARCHIVE_SUFFIXES:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            return path.name[: -len(suffix)]
    return None


def _safe_name(name: str) -> PurePosixPath | None:
    """The member's relative path, None for junk to skip; BadArchive if it escapes."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise BadArchive(f"member {name!r} points outside the archive")
    parts = [part for part in path.parts if part not in ("", ".")]
    if not parts or any(part in JUNK for part in parts):
        return None
    return PurePosixPath(*parts)


class _Budget:
    """What has been unpacked so far, against the bounds."""

    def __init__(self) -> None:
        self.members = 0
        self.bytes = 0

    def add_member(self) -> None:
        self.members += 1
        if self.members > MAX_MEMBERS:
            raise BadArchive(f"more than {MAX_MEMBERS} files")

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > MAX_BYTES:
            raise BadArchive(f"more than {MAX_BYTES >> 20} MB once unpacked")


def _copy_bounded(source, target: Path, budget: _Budget) -> None:
    """Copy a member's bytes, counting them as they come (declared sizes may lie)."""
    with target.open("wb") as out:
        while chunk := source.read(1 << 16):
            budget.add_bytes(len(chunk))
            out.write(chunk)


def unpack(archive: Path, target: Path) -> None:
    """Extract archive into target (created; emptied first if it exists)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    budget = _Budget()
    try:
        if archive.name.endswith(".zip"):
            _unzip(archive, target, budget)
        else:
            _untar(archive, target, budget)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as error:
        raise BadArchive(f"cannot be unpacked: {error}") from error


def _untar(archive: Path, target: Path, budget: _Budget) -> None:
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            name = _safe_name(member.name)
            if name is None:
                continue
            if member.isdir():
                (target / name).mkdir(parents=True, exist_ok=True)
                continue
            if not member.isfile():
                raise BadArchive(f"member {member.name!r} is not a regular file (links and devices are refused)")
            budget.add_member()
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                _copy_bounded(source, target / name, budget)


def _unzip(archive: Path, target: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            name = _safe_name(info.filename)
            if name is None:
                continue
            mode = info.external_attr >> 16
            if info.is_dir():
                (target / name).mkdir(parents=True, exist_ok=True)
                continue
            if mode and not stat.S_ISREG(mode):
                raise BadArchive(f"member {info.filename!r} is not a regular file (links are refused)")
            budget.add_member()
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source:
                _copy_bounded(source, target / name, budget)


def submission_root(folder: Path) -> Path:
    """The folder holding the lab folders: students often wrap them in one
    more folder (alice/alice-labs/06-serveur-client): follow single folders down."""
    for _ in range(3):
        entries = [p for p in folder.iterdir() if p.name not in JUNK and not p.name.startswith(".")]
        if any(p.is_dir() and p.name[:2].isdigit() for p in entries):
            return folder
        if len(entries) == 1 and entries[0].is_dir():
            folder = entries[0]
        else:
            return folder
    return folder
