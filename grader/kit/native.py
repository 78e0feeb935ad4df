"""The grader's own C helpers (grader/native/), compiled once and cached.

- slk-enter: the first program of every sandbox, which builds its root and
  execs what it runs (fsview.py says what the root holds);
- libfillfds.so: preloaded into a program whose socket() must fail with
  EMFILE (its own comment says how).

Each is compiled from the kit's source alone (trusted), kept in the
grader's cache by a digest of the source and compiler, and copied where a
sandbox's uid can reach it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .buildcache import BuildFailed, cached, digest

__all__ = ["BuildFailed", "install"]
from .labs import KIT

SOURCES = KIT / "grader" / "native"
# name -> (source, cc arguments before -o)
HELPERS = {"slk-enter": ("slk-enter.c", ["-O2"]), "libfillfds.so": ("fill_fds.c", ["-shared", "-fPIC", "-O1"])}


def install(name: str, folder: Path) -> Path:
    """The helper `name`, compiled (or taken from the cache) and copied into
    folder (mode 0755); BuildFailed with the compiler's messages if it does not compile."""
    source, arguments = HELPERS[name]
    key = digest([name.encode(), " ".join(arguments).encode()], [(source, SOURCES / source)])

    def produce(built: Path) -> None:
        made = subprocess.run(["cc", *arguments, "-Wall", "-Wextra", "-o", str(built / name), str(SOURCES / source)],
                              capture_output=True, text=True, timeout=120)
        if made.returncode != 0:
            raise BuildFailed(made.stderr)

    folder.mkdir(parents=True, exist_ok=True)
    with cached("native", key, folder, produce) as built:
        shutil.copyfile(built / name, folder / name)
    (folder / name).chmod(0o755)
    return folder / name
