"""The files a sandbox can see: the system, read-only, and what it is given.

Inside a new mount namespace, the sandbox's first program (the kit's
slk-enter, grader/native/slk-enter.c, built by native.py) assembles a root
on a small tmpfs and pivots into it before it execs what the sandbox runs:
- the system's own folders (/usr, /etc, /bin, /lib...), read-only, with the
  kit, the grader's caches and the grading's work folder masked by empty
  folders wherever they would show through (a kit installed under /usr);
- /dev, /proc (the sandbox's PID namespace) and /sys as they are, but a
  private, bounded /dev/shm (with a private IPC namespace: no channel
  between runs);
- a private, bounded /tmp;
- the sandbox's own binds (View.binds): each a host folder at a path of the
  view, read-only or writable; the runner's own folders sit under PRIVATE,
  a folder of mode 000 that only a process holding CAP_DAC_READ_SEARCH
  (the runner, root of its namespaces) can walk through. Programs hold no
  capability, so even one whose uid owns the folder (user-namespace mode)
  cannot enter it;
- the root itself is then made read-only: nothing on the way to a private
  folder can be chmod-ed, nothing new can be made beside it.
Everything else - the kit's solutions/ and tests, the other submissions of a
class, other runs' work folders, /home, /root - is not there at all.

pivot_root (not chroot) and a detached old root: no way back up the tree,
even for a process that is root in the namespace. A bootstrap in C, not in
Python: it runs once per build step and per run, and Python's start would
cost each of them some 80 ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PRIVATE = Path("/.slk")   # the runner's own folders (see the module's docstring)
SHM_BYTES = 16 << 20      # as slk-enter.c makes it


@dataclass(frozen=True)
class Bind:
    source: str            # a folder of the host
    target: str            # where the view shows it (absolute)
    writable: bool = False


@dataclass
class View:
    """What a sandbox sees besides the system, saved for slk-enter."""
    binds: list[Bind] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)   # a file of the view -> the host file shown there
    masked: list[str] = field(default_factory=list)       # host folders never to show through the system's
    tmp_bytes: int = 64 << 20
    env: dict[str, str] = field(default_factory=dict)     # the environment of what the sandbox runs

    def save(self, path: Path) -> None:
        """Write the view as slk-enter reads it (tab-separated fields; the
        new root is assembled on an empty folder beside the file)."""
        lines = [("root", str(path.parent / "root")), ("tmp", str(self.tmp_bytes))]
        lines += [("mask", folder) for folder in self.masked]
        lines += [("bind", bind.source, bind.target, "rw" if bind.writable else "ro") for bind in self.binds]
        lines += [("file", target, source) for target, source in self.files.items()]
        lines += [("env", f"{name}={value}") for name, value in self.env.items()]
        for line in lines:
            if any(not part or "\t" in part or "\n" in part for part in line):
                raise ValueError(f"a sandbox's view cannot hold {line!r} (empty, or with a tab or newline)")
        path.write_text("".join("\t".join(line) + "\n" for line in lines))
