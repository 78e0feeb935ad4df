"""make dist and make gradescope ship the kit's tracked files, as the working
tree has them, and nothing else: not the untracked files of a teacher's
checkout (old solutions, last year's gradebook), wherever they lie. Where the
kit is not a git checkout, packaging stops with a clear error.

Each test packages a temporary clone of the kit (kit.packaging's KIT pointed
at it), in which the teacher has left untracked files.
"""

from __future__ import annotations

import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import KIT
from kit import packaging

UNTRACKED = ["old-solutions/x.cpp", "gradebook-2025.csv", "labs/01-creation-socket/Draft.cpp"]
TRACKED = "labs/01-creation-socket/Makefile"
EDITED = "README.md"   # tracked, changed in the working tree and not committed
EDIT = "\nA line the teacher added and has not committed yet.\n"


@pytest.fixture
def clone(tmp_path, monkeypatch) -> Path:
    kit = tmp_path / "kit"
    subprocess.run(["git", "clone", "--quiet", str(KIT), str(kit)], check=True, capture_output=True, timeout=120)
    for name in UNTRACKED:
        (kit / name).parent.mkdir(parents=True, exist_ok=True)
        (kit / name).write_text("not for the students\n")
    with (kit / EDITED).open("a") as readme:
        readme.write(EDIT)
    monkeypatch.setattr(packaging, "KIT", kit)
    return kit


def dist_files(output: Path) -> dict[str, bytes]:
    with tarfile.open(output) as tar:
        return {member.name.removeprefix("socket-lab-kit/"): tar.extractfile(member).read()
                for member in tar if member.isfile()}


def gradescope_files(output: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(output) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


@pytest.mark.parametrize("what, files", [("dist", dist_files), ("gradescope", gradescope_files)])
def test_only_tracked_files_ship_as_the_working_tree_has_them(clone, tmp_path, capsys, what, files):
    output = tmp_path / "out" / f"{what}.archive"
    assert packaging.main([what, str(output)]) == 0, capsys.readouterr().err
    shipped = files(output)
    assert [name for name in UNTRACKED if name in shipped] == []
    assert not any(name.startswith("old-solutions/") for name in shipped)
    assert shipped[TRACKED] == (clone / TRACKED).read_bytes()
    assert shipped[EDITED].endswith(EDIT.encode())


@pytest.mark.parametrize("where", ["no checkout", "inside another checkout"])
def test_a_kit_that_is_not_a_checkout_is_an_error(clone, tmp_path, monkeypatch, capsys, where):
    kit = tmp_path / "copy" if where == "no checkout" else clone / "copy"
    (kit / "labs").mkdir(parents=True)
    (kit / "Makefile").write_text("all:\n")
    monkeypatch.setattr(packaging, "KIT", kit)
    output = tmp_path / "out" / "socket-lab-kit.tar.gz"
    assert packaging.main(["dist", str(output)]) == 1
    error = capsys.readouterr().err
    assert f"python3 -m kit.packaging dist: {kit} is not a git checkout" in error, error
    assert not output.exists()
