"""What leaves the kit: the student bundle (make dist) and the Gradescope
autograder (make gradescope).

- The student bundle: labs, handouts, slides' sources, the grader with its
  visible checks only, `make check`, the setup script, the load generator
  (bench/smop-bench) and a GitHub Actions workflow for student repositories. No solutions/, no hidden checks (nor
  the hidden test source), no kit tests.
- The autograder zip: the whole grader (hidden checks and solutions/
  included: the reference programs and libraries some checks use), with
  setup.sh and run_autograder at its root, as Gradescope expects.

Files are the kit's tracked files (git ls-files) where the kit is a git
checkout; otherwise its files minus what a build makes.

usage: python3 -m kit.packaging dist|gradescope OUTPUT [--lab NN]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from .labs import KIT, UnknownLab, find_labs

TEMPLATES = KIT / "grader" / "packaging"
NEVER = ("dist/", ".ci/", "tests/", "grader/tests/", "build/", ".git/")
# Both bundles keep the load generator (bench/smop-bench/): students measure their servers
# with it, and the throughput checks of labs 10-12 run it. The kit's own benchmarks stay out.
KIT_BENCHMARKS = ("bench/Makefile", "bench/README.md", "bench/class-grading.py", "bench/receive_bench.cpp",
                  "bench/run-bench.py", "bench/floor/", "bench/results/")
STUDENT_EXCLUDES = NEVER + KIT_BENCHMARKS + (
    "solutions/", "grader/checks/hidden/", "grader/gtest/test_tcp_hidden.cpp", "grader/packaging/",
    "scripts/grade-class", "slides/node_modules/", "slides/build/")
GRADESCOPE_EXCLUDES = NEVER + KIT_BENCHMARKS + ("slides/", "grader/packaging/")
GRADESCOPE_LABS = "grader/gradescope-labs"  # the labs an autograder grades (one per line); absent: all


def kit_files() -> list[str]:
    """The kit's files, relative to its root (tracked, or new and not ignored)."""
    try:
        listed = subprocess.run(["git", "-C", str(KIT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                capture_output=True, check=True, timeout=60).stdout.decode().split("\0")
        return sorted(name for name in listed if name and (KIT / name).exists())
    except (OSError, subprocess.SubprocessError):
        found = []
        for path in KIT.rglob("*"):
            if path.is_file() and not _built(path) and "__pycache__" not in path.parts:
                found.append(str(path.relative_to(KIT)))
        return sorted(found)


def _built(path: Path) -> bool:
    """A build product: an object file or an ELF binary."""
    if path.suffix in (".o", ".pyc"):
        return True
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"


def selected(excludes: tuple[str, ...]) -> list[str]:
    return [name for name in kit_files() if not any(name == e.rstrip("/") or name.startswith(e) for e in excludes)]


def _mode(name: str) -> int:
    return 0o755 if os.access(KIT / name, os.X_OK) else 0o644


def build_dist(output: Path) -> list[str]:
    """The student bundle, as a .tar.gz whose files are under socket-lab-kit/."""
    names = selected(STUDENT_EXCLUDES)
    extra = {".github/workflows/grade.yml": (TEMPLATES / "student-workflow.yml").read_bytes()}
    output.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(output, "w:gz") as tar:
        for name in names:
            tar.add(KIT / name, arcname=f"socket-lab-kit/{name}", recursive=False)
        for name, data in extra.items():
            info = tarfile.TarInfo(f"socket-lab-kit/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return names + list(extra)


def build_gradescope(output: Path, labs: list[str]) -> list[str]:
    """The autograder zip: the kit at its root (Gradescope unpacks it in
    /autograder/source), setup.sh and run_autograder beside it."""
    names = selected(GRADESCOPE_EXCLUDES)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in names:
            _add(zipped, name, (KIT / name).read_bytes(), _mode(name))
        for script in ("setup.sh", "run_autograder"):
            _add(zipped, script, (TEMPLATES / f"gradescope-{script}").read_bytes(), 0o755)
        if labs:
            _add(zipped, GRADESCOPE_LABS, ("\n".join(labs) + "\n").encode(), 0o644)
    return names


def _add(zipped: zipfile.ZipFile, name: str, data: bytes, mode: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zipped.writestr(info, data)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m kit.packaging")
    parser.add_argument("what", choices=("dist", "gradescope"))
    parser.add_argument("output", type=Path)
    parser.add_argument("--lab", nargs="+", action="extend", default=[], metavar="NN",
                        help="gradescope: the labs this autograder grades (default: all)")
    args = parser.parse_args(argv)
    try:
        labs = [lab.name for lab in find_labs(args.lab)] if args.lab else []
    except UnknownLab as error:
        parser.error(str(error))
    if args.what == "dist":
        if args.lab:
            parser.error("--lab applies to gradescope only: the bundle has every lab")
        names = build_dist(args.output)
    else:
        names = build_gradescope(args.output, labs)
    print(f"{args.output}: {len(names)} files ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
