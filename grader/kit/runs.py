"""One lab's checks, run by a runner in a sandbox; its results, read from a pipe.

The runner's sandbox (sandbox.py, fsview.py) shows:

    /slk/lab          the lab's programs (read-only): the programs' folder
    /slk/reference    the kit's reference programs the checks start (binaries only)
    /slk/tools        the kit's tools (smop-bench); /slk/native its helper library
    /slk/files        files the checks write for the programs (read-only to them)
    /.slk/run         the runner's own folder: its context, the checks' files
    /.slk/grader      the grader's code (read-only)

/.slk is a folder no program can enter. The runner writes its results as
JSON lines on a pipe to the grader, never to a file: nothing a program does
can add, change or remove a result. Without namespaces (--trusted), the
runner runs on the host with the host's paths.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from . import cgroups, children, fsview, kerneltrace, sandbox
from .context import RunContext
from .network import Network
from .text import tail_lines

GRADER_DIR = sandbox.GRADER_DIR
VIEW_GRADER = "/.slk/grader"
VIEW_RUN = "/.slk/run"
RESULTS_LIMIT = 64 << 20      # bytes of results one runner may send
RUNNER_TMP_BYTES = 64 << 20


@dataclass
class Outcome:
    records: dict[str, dict]   # check id -> its result record
    problem: str               # why some checks may have no record ("" when the runner ended well)
    log_tail: str              # the end of the runner's own output, for teachers


class RunLayout:
    """Where one run's folders are on the host, and where the runner sees them."""

    def __init__(self, work: Path, name: str, isolated: bool) -> None:
        self.work = work
        self.folder = work / "runs" / name            # the runner's own folder (host)
        self.isolated = isolated
        self.binds: list[fsview.Bind] = []

    def show(self, host: str | Path | None, view: str) -> str | None:
        """The path the runner sees for a host folder (bound read-only)."""
        if host is None:
            return None
        if not self.isolated:
            return str(host)
        self.binds.append(fsview.Bind(str(host), view))
        return view

    def seen(self, path: str | None) -> str | None:
        """A host path inside one of the shown folders, as the runner sees it."""
        if path is None or not self.isolated:
            return path
        for bind in self.binds:
            if Path(path).is_relative_to(bind.source):
                return str(Path(bind.target) / Path(path).relative_to(bind.source))
        raise ValueError(f"{path} is in no folder the run is shown")


def run(ctx: RunContext, layout: RunLayout, isolation: sandbox.Isolation, grading: str, budget: float,
        net: Network) -> Outcome:
    """Run the runner of ctx in a sandbox (layout says what it sees) and
    collect its results, within budget seconds."""
    folder = layout.folder
    (folder / "files").mkdir(parents=True, exist_ok=True)
    sandboxes = sandbox.view_folder(layout.work / "sandboxes", f"{grading}-{folder.name}-run", isolation, ctx.uid)
    group = _control_group(isolation, sandboxes.name)
    try:
        read_fd, write_fd = os.pipe()
        try:
            command, environment, cwd = _runner_command(ctx, layout, isolation, net, sandboxes / "view.json",
                                                        write_fd)
        except BaseException:
            os.close(read_fd)
            os.close(write_fd)
            raise
        if group is not None:
            command = group.wrap(command)
        received, problem = _run_and_read(command, environment, cwd, read_fd, write_fd, budget,
                                          sandboxes / "runner.log")
    finally:
        if group is not None:
            group.remove()
    return Outcome(_records(received), problem,
                   tail_lines((sandboxes / "runner.log").read_text(errors="replace"), 40))


def _runner_command(ctx: RunContext, layout: RunLayout, isolation: sandbox.Isolation, net: Network,
                    view_file: Path, results_fd: int) -> tuple[list[str], dict[str, str], str]:
    """(command, environment, folder) that start the runner of ctx, in its
    sandbox where there is one, writing its results on results_fd."""
    folder = layout.folder
    if not isolation.isolated:
        ctx.save(folder / "context.json")
        return ([sandbox.PYTHON, "-m", "kit.runner", str(folder / "context.json"), str(results_fd)],
                {**os.environ, "PYTHONPATH": str(GRADER_DIR), "PYTHONDONTWRITEBYTECODE": "1"}, str(GRADER_DIR))
    ctx.save(folder / "context.json")
    _private_etc(folder / "etc", net)
    fsview.View(binds=[*layout.binds, fsview.Bind(str(GRADER_DIR), VIEW_GRADER),
                       fsview.Bind(str(folder), VIEW_RUN, writable=True)],
                files={f"/etc/{name}": str(folder / "etc" / name) for name in ETC_FILES},
                tmp_bytes=RUNNER_TMP_BYTES,
                env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": VIEW_GRADER,
                     "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8"}).save(view_file)
    sandbox.give(folder, isolation, ctx.uid)
    command = sandbox.wrap(sandbox.enter_command(view_file, VIEW_GRADER, [
        sandbox.PYTHON, "-m", "kit.runner", f"{VIEW_RUN}/context.json", str(results_fd)]), isolation, ctx.uid)
    return command, sandbox.bootstrap_environment(), "/"


def _run_and_read(command: list[str], environment: dict[str, str], cwd: str, read_fd: int, write_fd: int,
                  budget: float, log_path: Path) -> tuple[bytes, str]:
    """Run the runner, reading its results pipe meanwhile: (what it sent, why
    it may not have sent everything). Closes both ends of the pipe (once each:
    another thread may reuse a descriptor number the moment it is closed)."""
    received: list[bytes] = []
    reader = threading.Thread(target=_read_bounded, args=(read_fd, received), daemon=True)
    try:
        with log_path.open("wb") as log:
            try:
                process = children.start(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         pass_fds=(write_fd,), cwd=cwd, env=environment)
            finally:
                os.close(write_fd)  # the runner's end now: end of file when it is gone
            reader.start()  # it closes read_fd
    finally:
        if not reader.is_alive() and reader.ident is None:
            os.close(read_fd)
    problem = ""
    try:
        code = process.wait(timeout=budget)
        if code != 0:
            problem = f"the check runner ended with status {code}"
    except subprocess.TimeoutExpired:
        children.kill(process)
        process.wait()
        problem = f"the check runner was stopped after {budget:g} s"
    finally:
        children.finished(process)
    reader.join(timeout=30)
    return b"".join(received), problem


ETC_FILES = ("hosts", "nsswitch.conf", "resolv.conf")


def _private_etc(folder: Path, net: Network) -> None:
    """The name-service files the sandbox shows in /etc: the course's hosts,
    names from files only (no DNS traffic)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "hosts": net.hosts_file(),
        "nsswitch.conf": "# The grader's: names from files only, never DNS.\n"
                         "passwd: files\ngroup: files\nhosts: files\nservices: files\n"
                         "protocols: files\nnetworks: files\n",
        "resolv.conf": "# The grader's: no name server is reachable from a check.\nnameserver 127.0.0.1\n",
    }
    for name, content in files.items():
        (folder / name).write_text(content)
        (folder / name).chmod(0o644)


def _control_group(isolation: sandbox.Isolation, name: str) -> cgroups.Group | None:
    if not isolation.isolated:
        return None
    group, _ = cgroups.create(name)
    return group


def _read_bounded(fd: int, into: list[bytes]) -> None:
    """Read the results pipe to its end, keeping at most RESULTS_LIMIT bytes."""
    kept = 0
    try:
        while chunk := os.read(fd, 1 << 16):
            if kept < RESULTS_LIMIT:
                into.append(chunk[:RESULTS_LIMIT - kept])
                kept += len(chunk)
    finally:
        os.close(fd)


def _records(data: bytes) -> dict[str, dict]:
    """The runner's records by check id (a line that does not parse is left out)."""
    records = {}
    for line in data.splitlines():
        try:
            record = json.loads(line)
            records[record["id"]] = record
        except (ValueError, KeyError, TypeError):
            continue
    return records


def state_trace(isolation: sandbox.Isolation, name: str) -> tuple[Path | None, str]:
    """A tracefs instance for one runner's TCP states (see kerneltrace.py), or why there is none."""
    if isolation is sandbox.Isolation.ROOT:
        return kerneltrace.create_instance(name)
    return None, "the kernel's trace needs a grader run as root"
