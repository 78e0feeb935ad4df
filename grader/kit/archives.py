"""Unpacking a submitted archive (.tar.gz, .tgz, .tar, .zip) without trusting it.

Only regular files and folders are extracted; a member with an absolute path,
a `..` step, a link or a device is refused; the number of members (folders
count) and their total size are bounded (a zip bomb stops at the bound, with a
message), and so is the size of a tar member's extended header, which tarfile
reads into memory whole. The archive itself is opened without following a
link. Messages are predicates of "the archive X": "holds a member ...".
"""

from __future__ import annotations

import os
import stat
import tarfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

from .safefs import Refused, is_folder, open_regular, remove_tree, size_words
from .text import file_name

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
MAX_MEMBERS = 5000
MAX_BYTES = 64 << 20
MAX_HEADER_BYTES = 1 << 20   # a PAX header or GNU long name: a path is at most a few kB
JUNK = ("__MACOSX", ".DS_Store")
_EXTENDED_HEADERS = {tarfile.XHDTYPE: "PAX extended", tarfile.SOLARIS_XHDTYPE: "PAX extended",
                     tarfile.XGLTYPE: "PAX global", tarfile.GNUTYPE_LONGNAME: "GNU long-name",
                     tarfile.GNUTYPE_LONGLINK: "GNU long-link"}


class BadArchive(ValueError):
    pass


def archive_stem(path: Path) -> str | None:
    """The student's name for an archive (alice.tar.gz -> alice), or None if it is not one."""
    for suffix in ARCHIVE_SUFFIXES:
        if path.name.endswith(suffix) and len(path.name) > len(suffix):
            return path.name[: -len(suffix)]
    return None


def _quoted(name: str) -> str:
    """A member's name in a message: quoted, on one line, bytes that are not UTF-8 as \\xNN."""
    return f"'{file_name(name)}'"


def _safe_name(name: str) -> PurePosixPath | None:
    """The member's relative path, None for junk to skip; BadArchive if it escapes."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts:
        raise BadArchive(f"holds a member {_quoted(name)} that points outside the archive")
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
            raise BadArchive(f"holds more than {MAX_MEMBERS} files and folders")

    def add_bytes(self, count: int) -> None:
        self.bytes += count
        if self.bytes > MAX_BYTES:
            raise BadArchive(f"holds more than {size_words(MAX_BYTES)} once unpacked")


class _BoundedTarInfo(tarfile.TarInfo):
    """A tar header that refuses an extended header (PAX, GNU long name) larger
    than MAX_HEADER_BYTES before tarfile reads it: tarfile reads one into memory
    whole, at the size it declares (gigabytes, for a gzip bomb)."""

    def _proc_member(self, archive: tarfile.TarFile) -> tarfile.TarInfo:  # tarfile's hook for every header
        kind = _EXTENDED_HEADERS.get(self.type)
        if kind is not None and self.size > MAX_HEADER_BYTES:
            raise BadArchive(f"holds a {kind} header that declares {self.size} bytes "
                             f"(at most {size_words(MAX_HEADER_BYTES)} are accepted)")
        return super()._proc_member(archive)


def _copy_bounded(source: IO[bytes], target: Path, budget: _Budget) -> None:
    """Copy a member's bytes, counting them as they come (declared sizes may lie)."""
    with target.open("wb") as out:
        while chunk := source.read(1 << 16):
            budget.add_bytes(len(chunk))
            out.write(chunk)


def _folder(target: Path, name: PurePosixPath, budget: _Budget) -> None:
    budget.add_member()
    (target / name).mkdir(parents=True, exist_ok=True)


def unpack(archive: Path, target: Path) -> None:
    """Extract archive into target (created; emptied first if it exists)."""
    remove_tree(target)
    target.mkdir(parents=True)
    budget = _Budget()
    try:
        fd, _ = open_regular(archive.parent, archive.name)
        with os.fdopen(fd, "rb") as file:
            if archive.name.endswith(".zip"):
                _unzip(file, target, budget)
            else:
                _untar(file, target, budget)
    except Refused as error:
        raise BadArchive(f"cannot be opened: {error}") from error
    # RecursionError: tarfile recurses once per header that extends the next one (a chain of thousands).
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, UnicodeDecodeError, RecursionError) as error:
        raise BadArchive(f"cannot be unpacked: {error}") from error


def _untar(file: IO[bytes], target: Path, budget: _Budget) -> None:
    try:
        opened = tarfile.open(fileobj=file, mode="r:*", tarinfo=_BoundedTarInfo)
    except tarfile.ReadError as error:  # its message lists every compression tried
        raise BadArchive("cannot be unpacked: it is not a tar archive (compressed with gzip or not)") from error
    with opened as tar:
        for member in tar:
            name = _safe_name(member.name)
            if name is None:
                continue
            if member.isdir():
                _folder(target, name, budget)
                continue
            if not member.isfile():
                raise BadArchive(f"holds a member {_quoted(member.name)} that is not a regular file "
                                 "(links and devices are refused)")
            budget.add_member()
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                _copy_bounded(source, target / name, budget)


def _unzip(file: IO[bytes], target: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(file) as zipped:
        for info in zipped.infolist():
            name = _safe_name(info.filename)
            if name is None:
                continue
            if info.is_dir():
                _folder(target, name, budget)
                continue
            # Unix tools record the file type in the high bits; some Windows tools
            # record permission bits only: no type is a regular file.
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind and kind != stat.S_IFREG:
                raise BadArchive(f"holds a member {_quoted(info.filename)} that is not a regular file "
                                 "(links are refused)")
            budget.add_member()
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source:
                _copy_bounded(source, target / name, budget)


def submission_root(folder: Path) -> Path:
    """The folder holding the lab folders: students often wrap them in one
    more folder (alice/alice-labs/06-serveur-client): follow single folders
    down, never a link to one."""
    for _ in range(3):
        entries = [p for p in folder.iterdir() if p.name not in JUNK and not p.name.startswith(".")]
        if any(is_folder(p) and p.name[:2].isdigit() for p in entries):
            return folder
        if len(entries) == 1 and is_folder(entries[0]):
            folder = entries[0]
        else:
            return folder
    return folder
