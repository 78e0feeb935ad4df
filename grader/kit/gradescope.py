"""run_autograder's work on Gradescope: find the student's labs in
ROOT/submission, grade them, write ROOT/results/results.json.

Students upload either their lab folders (06-serveur-client/...; wrapped in
one more folder or in an archive is fine) or, for an autograder made for one
lab (make gradescope LAB=06), just that lab's source files. Whatever happens,
a valid results.json is written: a submission with nothing to grade scores 0
with a message saying what was expected.

usage: python3 -m kit.gradescope AUTOGRADER_ROOT
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from . import cli, safefs
from .archives import BadArchive, archive_stem, submission_root, unpack
from .build import MAX_SOURCE_BYTES
from .labs import KIT, SOURCE_SUFFIXES, lab_named

LABS_FILE = KIT / "grader" / "gradescope-labs"
# Made by `make gradescope TRUSTED=1`: grade even where the container allows
# no sandbox (a submission could then forge its own grade).
TRUSTED_FILE = KIT / "grader" / "gradescope-trusted"


def graded_labs() -> list[str]:
    if LABS_FILE.exists():
        return [line.strip() for line in LABS_FILE.read_text().splitlines() if line.strip()]
    return []


def arrange(upload: Path, scratch: Path, labs: list[str]) -> Path:
    """The folder to grade: the upload as it is, its one archive unpacked, or
    its loose source files put in the one lab's folder."""
    entries = [p for p in upload.iterdir() if not p.name.startswith(".")] if safefs.is_folder(upload) else []
    if len(entries) == 1 and _regular(entries[0]) and archive_stem(entries[0]) is not None:
        unpack(entries[0], scratch / "unpacked")
        upload = scratch / "unpacked"
    folder = submission_root(upload)
    has_labs = any(safefs.is_folder(p) and p.name[:2].isdigit() for p in folder.iterdir())
    sources = [file for file in folder.iterdir() if _regular(file) and file.suffix in SOURCE_SUFFIXES]
    if not has_labs and len(labs) == 1 and sources:
        lab_dir = scratch / "submission" / labs[0]
        lab_dir.mkdir(parents=True)
        for file in sources:  # a regular file, never through a link (the grader refuses those)
            try:
                safefs.copy_regular(folder, file.name, lab_dir / file.name, MAX_SOURCE_BYTES)
            except (safefs.Refused, OSError):
                continue  # the build report says the file is missing
        return scratch / "submission"
    return folder


def _regular(path: Path) -> bool:
    """A regular file, not a link to one."""
    return path.is_file() and not path.is_symlink()


def failure_results(message: str, labs: list[str]) -> dict:
    return {"score": 0, "output": f"Not graded: {message}", "tests": [], "stdout_visibility": "hidden",
            "extra_data": {"labs": labs}}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 -m kit.gradescope AUTOGRADER_ROOT", file=sys.stderr)
        return 2
    root = Path(argv[0])
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    labs = graded_labs()
    scratch = Path(tempfile.mkdtemp(prefix="slk-gradescope-"))
    try:
        upload = root / "submission"
        if not upload.is_dir():
            results.write_text(json.dumps(failure_results(f"no folder {upload}", labs)))
            return 0
        try:
            folder = arrange(upload, scratch, labs)
        except BadArchive as error:
            results.write_text(json.dumps(failure_results(f"your archive {error}", labs)))
            return 0
        expected = ", ".join(lab_named(lab).name for lab in labs) or "the NN-name lab folders"
        if not any(p.is_dir() for p in folder.iterdir()):
            results.write_text(json.dumps(failure_results(
                f"the upload holds no lab folder: upload {expected} (folders with your sources).", labs)))
            return 0
        return cli.main(["--submission", str(folder), "--format", "json", "--output", str(results),
                         *(["--lab", *labs] if labs else []), *(["--trusted"] if TRUSTED_FILE.exists() else [])])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
