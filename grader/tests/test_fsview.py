"""The private filesystem view of a run (fsview.py), on a real mount namespace:
before it, a program can read anything its uid may; inside it, only the
system, the run's work folder and (for the runner alone) the grader's code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import GRADER
from kit import sandbox

ISOLATION = sandbox.detect(os.environ.get("SLK_ISOLATION") or None)
pytestmark = pytest.mark.skipif(not ISOLATION.isolated, reason="SKIP: no mount namespace can be made here")

PROBE = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, {grader!r})
from kit import fsview

work, grader, secret, enter = Path({work!r}), Path({code!r}), Path({secret!r}), {enter!r}

def readable(path):
    try:
        return Path(path).read_text()
    except OSError as error:
        return type(error).__name__

if enter:
    fsview.enter(work / "root", [work], [grader])
seen = {{"work": readable(work / "file"), "grader": readable(grader / "file"), "secret": readable(secret / "file"),
         "etc": Path("/etc/hostname").exists(), "home": os.path.exists("/root") and os.listdir("/root") != [],
         "tmp": os.listdir("/tmp")}}
if os.geteuid() == 0 and {as_other!r}:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setgid(61999); os.setuid(61999)
        os.write(write, json.dumps({{"work": readable(work / "file"), "grader": readable(grader / "file")}}).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    seen["other_uid"] = json.loads(os.read(read, 65536))
print(json.dumps(seen))
"""


def probe(tmp_path, enter: bool) -> dict:
    # As on a real machine, the kit (its grader/) and the run's work folder are
    # in different folders: tmp_path/kit/grader and tmp_path/work.
    work, code, secret = tmp_path / "work", tmp_path / "kit" / "grader", tmp_path / "secret"
    (tmp_path / "kit").mkdir(exist_ok=True)
    (tmp_path / "kit").chmod(0o755)
    for folder, text in ((work, "the run's own file"), (code, "the grader's code"), (secret, "another submission")):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)
        (folder / "file").write_text(text)
        (folder / "file").chmod(0o644)
    tmp_path.chmod(0o755)
    script = PROBE.format(grader=str(GRADER), work=str(work), code=str(code), secret=str(secret), enter=enter,
                          as_other=ISOLATION is sandbox.Isolation.ROOT)
    done = subprocess.run(sandbox.wrap([sys.executable, "-c", script], ISOLATION), capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_without_the_view_everything_is_readable(tmp_path):
    seen = probe(tmp_path, enter=False)
    assert seen["secret"] == "another submission"
    assert seen["work"] == "the run's own file" and seen["grader"] == "the grader's code"


def test_the_view_shows_the_work_folder_and_the_system_only(tmp_path):
    seen = probe(tmp_path, enter=True)
    assert seen["work"] == "the run's own file"
    assert seen["grader"] == "the grader's code"       # the runner (root here) still reads its code
    assert seen["secret"] == "FileNotFoundError"        # the rest of the machine is not there
    assert seen["etc"] and not seen["home"]
    assert seen["tmp"] == [tmp_path.relative_to("/tmp").parts[0]] if str(tmp_path).startswith("/tmp/") else True


@pytest.mark.skipif(ISOLATION is not sandbox.Isolation.ROOT, reason="SKIP: programs run under a grading uid as root only")
def test_programs_cannot_enter_the_graders_folder(tmp_path):
    seen = probe(tmp_path, enter=True)["other_uid"]
    assert seen == {"work": "the run's own file", "grader": "PermissionError"}
