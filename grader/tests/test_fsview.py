"""The private root of a sandbox (fsview.py), built for real by the sandbox's
bootstrap (`python3 -m kit.sandbox enter`): it shows the system and what it
is given, read-only unless said otherwise; the runner's own folders (under
/.slk) are for it alone; a program without privilege can neither enter them
nor change anything on the way to them."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from kit import fsview, sandbox
from kit.safefs import remove_tree

ISOLATION = sandbox.detect(os.environ.get("SLK_ISOLATION") or None)
pytestmark = pytest.mark.skipif(not ISOLATION.isolated, reason="SKIP: no mount namespace can be made here")
UID = sandbox.GRADING_UID_BASE + 999

PROBE = r"""
import json, os, sys
from pathlib import Path

def read(path):
    try:
        return Path(path).read_text()
    except OSError as error:
        return type(error).__name__

def attempt(action):
    try:
        action()
        return "done"
    except OSError as error:
        return type(error).__name__

seen = {
    "shown": read("/slk/shown/file"), "private": read("/.slk/run/file"), "secret": read(sys.argv[1]),
    "masked": os.listdir(sys.argv[2]) if os.path.isdir(sys.argv[2]) else "absent",
    "write shown": attempt(lambda: Path("/slk/shown/new").write_text("x")),
    "write private": attempt(lambda: Path("/.slk/run/new").write_text("x")),
    "write writable": attempt(lambda: Path("/slk/writable/new").write_text("x")),
    "chmod /.slk": attempt(lambda: os.chmod("/.slk", 0o755)),
    "mkdir /": attempt(lambda: os.mkdir("/new")),
    "tmp": os.listdir("/tmp"), "hosts": read("/etc/hosts"),
    "shm": os.statvfs("/dev/shm").f_blocks * os.statvfs("/dev/shm").f_frsize,
    "home": os.path.exists("/root") and bool(os.listdir("/root")) if os.access("/root", os.R_OK) else "unreadable",
}
print(json.dumps(seen))
"""


@pytest.fixture
def tmp_path():
    """A folder every uid may walk through (pytest's own are root's, mode 0700:
    a user namespace made by root is made by a grading uid, which could not)."""
    folder = Path(tempfile.mkdtemp(prefix="slk-test-fsview-"))
    folder.chmod(0o755)
    yield folder
    remove_tree(folder)


def probe(tmp_path: Path, dropped: bool) -> dict:
    """What a process sees inside a sandbox whose view shows `shown`
    (read-only), `writable`, and the runner's folder under /.slk; dropped: as
    a program (sandbox.drop), else as the runner."""
    folders = {name: tmp_path / name for name in ("shown", "writable", "private", "secret", "sandbox")}
    for name, folder in folders.items():
        folder.mkdir()
        (folder / "file").write_text(f"the {name} file")
    (folders["shown"] / "probe.py").write_text(PROBE)
    (folders["private"] / "hosts").write_text("127.1.0.1 zeus\n")
    view = fsview.View(binds=[fsview.Bind(str(folders["shown"]), "/slk/shown"),
                              fsview.Bind(str(folders["writable"]), "/slk/writable", writable=True),
                              fsview.Bind(str(folders["private"]), "/.slk/run", writable=True)],
                       files={"/etc/hosts": str(folders["private"] / "hosts")},
                       masked=["/usr/share/doc"], tmp_bytes=1 << 20, env={"PATH": "/usr/bin:/bin"})
    view.save(folders["sandbox"] / "view.json")
    for folder in folders.values():
        sandbox.give(folder, ISOLATION, UID)
    program = [*sandbox.drop(ISOLATION, UID)] if dropped else []
    command = sandbox.wrap(sandbox.enter_command(folders["sandbox"] / "view.json", "/", [
        *program, sandbox.PYTHON, "/slk/shown/probe.py", str(folders["secret"] / "file"), "/usr/share/doc"]),
        ISOLATION, UID)
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                          env=sandbox.bootstrap_environment())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_runner_sees_the_system_and_its_view_only(tmp_path):
    seen = probe(tmp_path, dropped=False)
    assert seen["shown"] == "the shown file" and seen["private"] == "the private file"
    assert seen["secret"] == "FileNotFoundError"      # the rest of the machine is not there
    assert seen["masked"] == []                       # a folder of the grader's under /usr: empty
    assert seen["write shown"] == "OSError" and seen["write private"] == "done"
    assert seen["mkdir /"] == "OSError"                # the root is read-only
    assert seen["tmp"] == [] and seen["shm"] == fsview.SHM_BYTES
    assert seen["hosts"] == "127.1.0.1 zeus\n"


def test_a_program_cannot_enter_or_open_the_runners_folders(tmp_path):
    seen = probe(tmp_path, dropped=True)
    assert seen["shown"] == "the shown file" and seen["write writable"] == "done"
    assert seen["private"] == "PermissionError" and seen["write private"] == "PermissionError"
    assert seen["chmod /.slk"] in ("PermissionError", "OSError")  # not its own, or a read-only root
    assert seen["write shown"] in ("PermissionError", "OSError")
    assert seen["secret"] == "FileNotFoundError"
