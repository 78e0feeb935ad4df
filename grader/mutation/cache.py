"""Graded mutants remembered on disk, so that a second `make mutation` grades
only what changed.

A verdict depends on the mutated lab folder, on the grader (its checks, its
harness, the kit's build rules and test suites), on the reference code the
checks run or link with (the lab's own reference programs, the libraries of
labs 08 and 10, the load generator), and on how the grading is run (seed,
timeout scale, checks). The key is a hash of all of these: change any and
the mutant is graded again. Entries are small JSON files under
${XDG_CACHE_HOME:-~/.cache}/slk-mutation/, one per key; a damaged entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable

FORMAT = b"slk-mutation-cache 1"
SKIPPED_PARTS = {"__pycache__", ".mutation-cache", "obj", "asan", "tsan"}


def default_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "slk-mutation"


def tree_files(root: Path) -> list[Path]:
    """The regular files under root (a file or a folder), in a fixed order,
    without caches and build products."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if path.is_file() and not path.is_symlink() and not SKIPPED_PARTS.intersection(relative) \
                and path.suffix not in (".pyc", ".o"):
            found.append(path)
    return found


def digest_trees(kit: Path, roots: Iterable[Path]) -> str:
    """One hash of the files under roots, each under its name relative to kit."""
    key = hashlib.sha256(FORMAT)
    for root in roots:
        for path in tree_files(root):
            key.update(str(path.relative_to(kit)).encode() + b"\0")
            key.update(hashlib.sha256(path.read_bytes()).digest())
    return key.hexdigest()


class Cache:
    def __init__(self, directory: Path):
        self.directory = directory

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            data = json.loads(self._path(key).read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, key: str, value: dict) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "w") as out:
                json.dump(value, out)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
