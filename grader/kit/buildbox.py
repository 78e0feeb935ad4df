"""make, run on a submission's build tree inside a sandbox.

A submission's sources are hostile to the compiler too: `#include
"/etc/shadow"` prints a file in the error messages, `asm(".incbin ...")`
embeds one in the program, `#include "/dev/zero"` or a huge source grows the
compiler without end, `__has_include` probes for the kit's files. So make,
the compiler, the assembler and the linker run in a sandbox like the
programs' (sandbox.py, fsview.py):
- they see the system's folders read-only and the build tree (the
  submission's named sources, the kit's Makefile and rules, the headers and
  compiled objects the kit gives), at BUILD_ROOT, and nothing else: no
  kit, no solutions, no hidden tests, no other submission, no cache;
- they run under the slot's grading uid without any capability, with
  limits on each process (address space, CPU time, file size, processes,
  open files) and on the whole build (wall-clock time, the control group's
  memory as root), and without a network;
- their messages reach the grader through a pipe, read up to a bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import cgroups, children, fsview, sandbox
from .text import cut

BUILD_ROOT = "/slk/build"
BUILD_TIMEOUT = 180          # seconds for one make
LOG_LIMIT = 20000            # characters of messages kept
TMP_BYTES = 256 << 20        # the compiler's temporary files
# Each process of the build: prlimit's syntax.
LIMITS = ["--as=4294967296", "--cpu=120", "--fsize=67108864", "--nproc=64", "--nofile=256", "--core=0"]
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LC_ALL": "C", "HOME": "/tmp", "TMPDIR": "/tmp"}


@dataclass(frozen=True)
class Box:
    """Where and as whom a grading's builds run: its isolation, the slot's
    uid, a folder of the grader's for the sandboxes' own files, the grader's
    folders to mask, the grading's name (its control groups are named after it)."""
    isolation: sandbox.Isolation
    uid: int
    work: Path
    masked: tuple[Path, ...]
    grading: str
    keep: bool = False      # --keep: the build trees stay, to be looked at

    def make(self, tree: Path, arguments: list[str], label: str) -> str:
        return make(tree, arguments, isolation=self.isolation, uid=self.uid, work=self.work / "sandboxes",
                    masked=list(self.masked), group_name=f"{self.grading}-{label}")


def make(tree: Path, arguments: list[str], *, isolation: sandbox.Isolation, uid: int, work: Path,
         masked: list[Path], group_name: str) -> str:
    """Run `make -k -s ARGUMENTS` in tree, sandboxed; its messages, bounded.
    `work` is a folder of the grader's for the sandboxes' own files; `masked`
    the folders of the grader that must not show through the system's."""
    if not isolation.isolated:  # --trusted without namespaces: the tree as it is
        return finish_log(children.run(["make", "-k", "-s", "-C", str(tree), *arguments], BUILD_TIMEOUT,
                                       LOG_LIMIT * 4, env=ENVIRONMENT))
    sandbox.give(tree, isolation, uid)
    folder = sandbox.view_folder(work, group_name, isolation, uid)
    view_file = folder / "view.json"
    fsview.View(binds=[fsview.Bind(str(tree), BUILD_ROOT, writable=True)],
                masked=[str(folder) for folder in masked], tmp_bytes=TMP_BYTES, env=ENVIRONMENT).save(view_file)
    command = sandbox.enter_command(view_file, BUILD_ROOT, [*sandbox.drop(isolation, uid), "prlimit", *LIMITS, "--",
                                                            "make", "-k", "-s", *arguments])
    command = sandbox.wrap(command, isolation, uid)
    group, _ = cgroups.create(folder.name) if isolation is sandbox.Isolation.ROOT else (None, "")
    if group is not None:
        command = group.wrap(command)
    try:
        outcome = children.run(command, BUILD_TIMEOUT, LOG_LIMIT * 4, env=sandbox.bootstrap_environment())
    finally:
        if group is not None:
            group.remove()
    return finish_log(outcome)


def finish_log(outcome: children.Outcome) -> str:
    log = _drop_make_noise(outcome.output.decode(errors="replace"))
    if outcome.dropped:
        log += f"\n(…{outcome.dropped} more bytes of messages)"
    if outcome.timed_out:
        log += f"\n(make was stopped after {BUILD_TIMEOUT} s)"
    return cut(log, LOG_LIMIT)


def _drop_make_noise(log: str) -> str:
    """Keep the compiler's messages; drop make's own directory chatter."""
    keep = [line for line in log.splitlines()
            if not line.startswith(("make: Entering", "make: Leaving", "make[1]:")) and "Nothing to be done" not in line]
    return "\n".join(keep)
