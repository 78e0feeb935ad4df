"""Isolation: the sandboxes where a submission is built and run.

Everything a submission brings runs in a sandbox: its compiler and make (see
buildbox.py) as its programs (started by a lab's runner, see runner.py). A
sandbox is a process started by unshare(1) in new network, PID, mount, IPC
and UTS namespaces, which then builds a root of its own and pivots into it
(fsview.py) before it execs what it runs:
- its PID 1 (the runner, or make) takes every process of the sandbox with
  it: a daemon a program starts cannot outlive it, and the sandbox dies with
  the grader (setpriv --pdeathsig, then unshare --kill-child), kill -9 of
  the grader included;
- its network has only loopback (and a fresh namespace per check, below):
  the course's port 50000 is free at the start of every check, and nothing
  reaches a real network;
- its files are the system's, read-only, and what the sandbox is given.
A submission's code never runs with a privilege: it is started through
drop() as a grading uid of its slot (slots.py), with no capability at all
(bounding, inheritable and ambient sets cleared) and no_new_privs (no
set-uid program can give one back). As root (Isolation.ROOT) the sandbox is
made by root and the uid is a real one of the machine. Without root
(Isolation.USER), unshare makes a user namespace too, in which the grader's
own uid appears as the slot's grading uid; the runner keeps the namespace's
capabilities to build the sandbox and the networks, and drops them all
for the programs it starts: a program then owns no file it can reach
writable, and can neither remount, nor enter the runner's folders, nor
change its network's settings. Where no sandbox can be made
(Isolation.NONE), the grader says so and grades only what it is told to
trust (--trusted).
"""

from __future__ import annotations

import ctypes
import enum
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import fsview, native, procfs
from .slots import GRADING_UID_BASE

CLONE_NEWNET = 0x40000000
PR_SET_CHILD_SUBREAPER = 36
PR_SET_DUMPABLE = 4
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
NAMESPACES = ["--net", "--pid", "--mount", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc"]
GRADER_DIR = Path(__file__).resolve().parent.parent
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


class Isolation(str, enum.Enum):
    ROOT = "namespaces"
    USER = "user-namespaces"
    NONE = "none"

    def describe(self) -> str:
        return {
            Isolation.ROOT: "network, PID, mount and IPC namespaces and a root of their own for every build and run; "
                            "a fresh network per check; builds and programs run under a grading uid of their "
                            "own, without any capability",
            Isolation.USER: "network, PID, mount and IPC namespaces and a root of their own for every build and run, "
                            "inside a user namespace (not root); a fresh network per check; builds and programs "
                            "run without any capability",
            Isolation.NONE: "NONE: namespaces cannot be made here, so builds and programs would share this "
                            "machine's files, network and hosts file: only code the grader is told to trust is "
                            "graded (--trusted), one lab at a time; the checks that need the grader's hosts names "
                            "are skipped, and no packets are recorded",
        }[self]

    @property
    def isolated(self) -> bool:
        return self is not Isolation.NONE


def wrap(command: list[str], isolation: Isolation, uid: int = GRADING_UID_BASE) -> list[str]:
    """The command line that runs command as the PID 1 of a new sandbox
    (without a root of its own yet: see enter_command). uid is the slot's
    grading uid: the one the grader's uid shows as inside a user namespace.
    A user namespace made by root is made by that uid, not by root (so
    that no program, capabilities dropped, still owns root's files)."""
    dies_with_grader = ["setpriv", "--pdeathsig", "KILL", "--"]
    if isolation is Isolation.ROOT:
        return [*dies_with_grader, "unshare", *NAMESPACES, "--", *command]
    if isolation is Isolation.USER:
        if os.geteuid() == 0:
            dies_with_grader[-1:] = ["--reuid", str(uid), "--regid", str(uid), "--clear-groups", "--"]
        return [*dies_with_grader, "unshare", "--user", f"--map-user={uid}", f"--map-group={uid}", "--keep-caps",
                *NAMESPACES, "--", *command]
    return command


def view_folder(parent: Path, name: str, isolation: Isolation, uid: int) -> Path:
    """A new folder of the grader's, named after name, for one sandbox's view
    file (and the mount point of its root, beside it), given to its uid."""
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    folder.chmod(0o755)
    give(folder, isolation, uid)
    return folder


def files_owner(isolation: Isolation, uid: int) -> int | None:
    """The uid that must own what a sandbox writes (its build tree, its
    runner's folder): the slot's when the grader is root, None (the
    grader's own, nothing to change) otherwise."""
    return uid if isolation.isolated and os.geteuid() == 0 else None


def give(path: Path, isolation: Isolation, uid: int) -> None:
    """Make path (a folder, and everything in it) the sandbox's to write."""
    owner = files_owner(isolation, uid)
    if owner is None:
        return
    for folder, names, files in os.walk(path):
        os.lchown(folder, owner, owner)
        for name in [*names, *files]:
            os.lchown(os.path.join(folder, name), owner, owner)


def enter_command(view_file: Path, cwd: str, command: list[str]) -> list[str]:
    """The command that, inside a new sandbox, builds the root of view_file
    (fsview.View.save), moves to cwd there and execs command: the kit's
    slk-enter, copied beside the view's file (a folder the sandbox's uid
    can reach)."""
    enter = native.install("slk-enter", view_file.parent)
    return [str(enter), str(view_file), cwd, "--", *command]


def bootstrap_environment() -> dict[str, str]:
    """The environment of slk-enter (the view gives the command it execs an
    environment of its own)."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin"}


def drop(isolation: Isolation, uid: int) -> list[str]:
    """The prefix that execs a command without any privilege: no capability,
    no_new_privs and, as root, the grading uid (see the module's docstring)."""
    if not isolation.isolated:
        return ["setpriv", "--no-new-privs", "--"]
    who = ["--reuid", str(uid), "--regid", str(uid), "--clear-groups"] if isolation is Isolation.ROOT else []
    return ["setpriv", *who, "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all", "--"]


def detect(forced: str | None = None) -> Isolation:
    """The best isolation this machine allows (or the one forced by name):
    the first whose sandbox, root of its own included, can really be made."""
    if forced:
        return Isolation(forced)
    candidates = [Isolation.ROOT] if os.geteuid() == 0 else []
    candidates.append(Isolation.USER)
    for isolation in candidates:
        with tempfile.TemporaryDirectory(prefix="slk-probe-") as folder:
            view = Path(folder) / "view.json"
            fsview.View().save(view)
            Path(folder).chmod(0o755)
            give(Path(folder), isolation, GRADING_UID_BASE)
            try:
                command = wrap(enter_command(view, "/", [*drop(isolation, GRADING_UID_BASE), "/bin/true"]), isolation)
                probe = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=20,
                                       env=bootstrap_environment())
            except (OSError, subprocess.TimeoutExpired, native.BuildFailed):
                continue
        if probe.returncode == 0:
            return isolation
    return Isolation.NONE


# --- inside a sandbox -----------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def loopback_up() -> None:
    """Bring `lo` up in the current network namespace (it starts down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def fresh_network(isolation: Isolation) -> None:
    """Move the runner (its main thread, and so every program it starts
    afterwards) into a new network namespace with loopback up."""
    if not isolation.isolated:
        return
    _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
    loopback_up()


def harmless_signals() -> None:
    """The signals a program could send the runner (its PID 1, of the same uid
    without root) do nothing: a handler of our own, reset to the default in
    every program the runner execs (an ignored signal would stay ignored)."""
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(number, lambda *_: None)


def enter_run(isolation: Isolation) -> None:
    """The runner's own set-up, once, before the first check."""
    if isolation.isolated:
        _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)  # no program may read or trace the runner
        harmless_signals()
        loopback_up()
    else:
        # Orphans of the programs we start become our children, so that
        # cleanup can find them by walking our descendants.
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _others(isolation: Isolation) -> list[int]:
    """Live processes of this run other than the runner."""
    me = os.getpid()
    pids = procfs.all_pids() if isolation.isolated else procfs.descendants(me)
    return [pid for pid in pids if pid != me and procfs.process_state(pid) not in (None, "Z")]


def running_processes(isolation: Isolation) -> list[tuple[int, str]]:
    """(pid, command line) of every process of this run but the runner."""
    return [(pid, procfs.command_line(pid)) for pid in _others(isolation)]


def kill_all(isolation: Isolation, timeout: float = 5.0) -> list[int]:
    """SIGKILL every process of this run but the runner, reap them, and
    return the pids that still would not die (normally none)."""
    end = time.monotonic() + timeout
    while True:
        survivors = _others(isolation)
        if isolation.isolated and survivors:
            try:
                os.kill(-1, signal.SIGKILL)  # from PID 1: everyone in the namespace but us
            except ProcessLookupError:
                pass
        else:
            for pid in survivors:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        reap_zombies()
        if not survivors or time.monotonic() > end:
            return survivors
        # Wait for the next child to change state, bounded by the deadline.
        _wait_child(end)


def _wait_child(end: float) -> None:
    """Block until some child exits or `end` passes (SIGCHLD wakes sigtimedwait)."""
    left = end - time.monotonic()
    if left > 0:
        signal.sigtimedwait([signal.SIGCHLD], min(left, 0.05))


def reap_zombies() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
