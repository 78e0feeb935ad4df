"""The grader's cache of build outputs, keyed by everything they are built from.

A build is a function of its inputs: the same files, flags and compiler
give the same programs and messages. So each kind of build (a submission's
lab, the kit's reference programs, its tools...) keeps its outputs in a
folder named by a digest of its inputs, produced once and then copied from.
The cache is written by the grader alone, never by a sandbox: a
submission's build runs in a sandbox that sees only its own tree, and the
grader copies its outputs into the cache afterwards, so an entry holds what
those very inputs built (a hostile submission can only fill its own key).

    with cached("lab-builds", key, work, produce) as folder:
        ... copy from folder ...

Entries are produced into a partial folder renamed into place when
complete, under the key's lock (one producer per key across parallel
gradings). Deleting the cache is always safe.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .safefs import remove_tree


class BuildFailed(Exception):
    """Raised by a produce(): nothing is kept, the next grading tries again."""


def cache_root(kind: str) -> Path | None:
    """The grader's cache folder for one kind of build output (shared by
    gradings of this user), or None where none can be written."""
    try:
        root = Path(os.environ.get("SLK_CACHE") or Path.home() / ".cache" / "socket-lab-kit") / kind
        root.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # no writable home (RuntimeError: no home at all)
        return None
    return root if os.access(root, os.W_OK) else None


def cache_base() -> Path:
    """The folder of every kind of cache (for masking it from sandboxes)."""
    return Path(os.environ.get("SLK_CACHE") or Path.home() / ".cache" / "socket-lab-kit")


@functools.cache
def compiler_version() -> bytes:
    return subprocess.run(["g++", "--version"], capture_output=True, timeout=30).stdout


def digest(parts: Iterable[bytes], files: Iterable[tuple[str, bytes | Path]]) -> str:
    """A cache key: the compiler, some parts, and files (each under its name;
    a file is its bytes, or a path the grader trusts, read whole)."""
    key = hashlib.sha256(compiler_version())
    for part in parts:
        key.update(part + b"\0")
    for name, content in files:
        data = content.read_bytes() if isinstance(content, Path) else content
        key.update(name.encode() + b"\0" + data + b"\0")
    return key.hexdigest()[:32]


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Hold lock_path's flock. Pruning may delete a lock file while another
    grading waits on it: the lock is good only if the path still names the
    file locked, else it is taken again on the new file."""
    while True:
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                same = os.stat(lock_path).st_ino == os.fstat(lock.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if same:
                yield
                return


@contextmanager
def cached(kind: str, key: str, work: Path, produce: Callable[[Path], None]) -> Iterator[Path]:
    """The folder of one cached build output, produced once per key by
    produce(folder) into a fresh folder that is renamed into place only when
    complete. It is held under the key's lock (one build per key at a time,
    across parallel gradings; prune skips it) while the caller copies from
    it. Where no cache folder can be written, the folder is made under work."""
    root = cache_root(kind) or work / "uncached" / kind
    root.mkdir(parents=True, exist_ok=True)
    folder = root / key
    with _locked(folder.with_suffix(".lock")):
        if not folder.is_dir():
            partial = folder.with_name(f"{folder.name}.{os.getpid()}")
            remove_tree(partial)
            partial.mkdir()
            try:
                produce(partial)
            except BaseException:
                remove_tree(partial)
                raise
            partial.rename(folder)
        yield folder


def prune(root: Path, keep: int) -> None:
    """Delete the oldest cached builds beyond `keep` (skipping any in use)."""
    entries = []
    for path in root.iterdir():
        if "." in path.name:
            continue  # a lock, or a folder another grading is producing (key.pid)
        try:
            entries.append((path.stat().st_mtime, path))
        except FileNotFoundError:
            continue  # pruned by another grading meanwhile
    entries.sort()
    for _, entry in entries[:max(0, len(entries) - keep)]:
        lock_path = entry.with_suffix(".lock")
        with lock_path.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another grading is reading or writing it
            shutil.rmtree(entry, ignore_errors=True)
            lock_path.unlink(missing_ok=True)  # a grading waiting on it takes the new file (_locked)
