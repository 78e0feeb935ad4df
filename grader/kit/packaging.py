"""What leaves the kit: the student bundle (make dist) and the Gradescope
autograder (make gradescope).

- The student bundle: labs, handouts, slides' sources, the grader with its
  visible checks only, `make check`, the setup script, the load generator
  (bench/smop-bench) and a GitHub Actions workflow for student repositories. No solutions/, no hidden checks (nor
  the hidden test source), no kit tests, no mutation analysis (nor its ledger of what the checks miss).
- The autograder zip: the whole grader (hidden checks and solutions/
  included: the reference programs and libraries some checks use), with
  setup.sh and run_autograder at its root, as Gradescope expects; not the
  kit's tests nor its mutation analysis, which grade nothing.

What ships is an explicit list (Package): the named top-level files and
folders, less what is left out inside them, and of those only the files git
tracks (git ls-files), as the working tree has them. An untracked file of the
teacher's checkout (last year's gradebook, an old-solutions/ folder) never
ships, ignored or not; where the kit is not a git checkout there is no telling
the kit's files from others, and packaging stops with an error (status 1).

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
from dataclasses import dataclass
from pathlib import Path

from .labs import KIT, UnknownLab, find_labs

TEMPLATES = Path("grader") / "packaging"
GRADESCOPE_LABS = "grader/gradescope-labs"  # the labs an autograder grades (one per line); absent: all
GRADESCOPE_TRUSTED = "grader/gradescope-trusted"  # present: grade even where the container allows no sandbox


@dataclass(frozen=True)
class Package:
    ships: tuple[str, ...]       # top-level files, and folders (ending in /) or files within them
    leaves_out: tuple[str, ...]  # within those, what does not ship


# The mutation analysis of the checks is the teachers' (its ledger names what
# the checks miss): neither package ships it.
MUTATION = ("grader/mutation/", "grader/mutation-ledger.md")
# Both keep the load generator (bench/smop-bench/): students measure their servers
# with it, and the throughput checks of labs 10-12 run it. The kit's own benchmarks stay out.
STUDENT_BUNDLE = Package(
    ships=(".gitignore", "Makefile", "README.md", "bench/smop-bench/", "grader/", "labs/", "mk/",
           "scripts/make-skeletons", "scripts/setup", "slides/"),
    leaves_out=("grader/tests/", "grader/checks/hidden/", "grader/gtest/test_tcp_hidden.cpp", "grader/packaging/")
    + MUTATION)
AUTOGRADER = Package(
    ships=(".gitignore", "Makefile", "README.md", "bench/smop-bench/", "grader/", "labs/", "mk/", "scripts/",
           "solutions/"),
    leaves_out=("grader/tests/", "grader/packaging/") + MUTATION)


class NotACheckout(RuntimeError):
    pass


def _git(kit: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", str(kit), *args], capture_output=True, timeout=60)
    except FileNotFoundError as error:
        raise NotACheckout("git is not installed: it lists the kit's files (apt-get install git)") from error
    if done.returncode != 0:
        raise NotACheckout(f"{kit} is not a git checkout: git lists the kit's files, and a copy without .git "
                           f"cannot tell them from others ({done.stderr.decode(errors='replace').strip()})")
    return done.stdout


def tracked_files(kit: Path) -> list[str]:
    """The files git tracks in kit (its own checkout, not one it is inside of),
    relative to it; a tracked file deleted from the working tree is left out."""
    top = Path(os.fsdecode(_git(kit, "rev-parse", "--show-toplevel").strip()))
    if top.resolve() != kit.resolve():
        raise NotACheckout(f"{kit} is not a git checkout of its own: it lies inside {top}")
    listed = _git(kit, "ls-files", "-z").split(b"\0")
    return sorted(name for name in map(os.fsdecode, listed) if name and os.path.lexists(kit / name))


def _within(name: str, paths: tuple[str, ...]) -> bool:
    return any(name == path or (path.endswith("/") and name.startswith(path)) for path in paths)


def shipped(package: Package, kit: Path) -> list[str]:
    """What package ships of kit: its tracked files within `ships`, less `leaves_out`."""
    return [name for name in tracked_files(kit)
            if _within(name, package.ships) and not _within(name, package.leaves_out)]


def _mode(kit: Path, name: str) -> int:
    return 0o755 if os.access(kit / name, os.X_OK) else 0o644


def build_dist(output: Path, kit: Path) -> list[str]:
    """The student bundle, as a .tar.gz whose files are under socket-lab-kit/."""
    names = shipped(STUDENT_BUNDLE, kit)
    extra = {".github/workflows/grade.yml": (kit / TEMPLATES / "student-workflow.yml").read_bytes()}
    output.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(output, "w:gz") as tar:
        for name in names:
            tar.add(kit / name, arcname=f"socket-lab-kit/{name}", recursive=False)
        for name, data in extra.items():
            info = tarfile.TarInfo(f"socket-lab-kit/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return names + list(extra)


def build_gradescope(output: Path, labs: list[str], kit: Path, trusted: bool = False) -> list[str]:
    """The autograder zip: the kit at its root (Gradescope unpacks it in
    /autograder/source), setup.sh and run_autograder beside it. trusted: the
    teacher's choice to grade where Gradescope's container allows no sandbox
    (a submission could then forge its own grade; see the README)."""
    names = shipped(AUTOGRADER, kit)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in names:
            _add(zipped, name, (kit / name).read_bytes(), _mode(kit, name))
        for script in ("setup.sh", "run_autograder"):
            _add(zipped, script, (kit / TEMPLATES / f"gradescope-{script}").read_bytes(), 0o755)
        if labs:
            _add(zipped, GRADESCOPE_LABS, ("\n".join(labs) + "\n").encode(), 0o644)
        if trusted:
            _add(zipped, GRADESCOPE_TRUSTED, b"made with make gradescope TRUSTED=1\n", 0o644)
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
    parser.add_argument("--trusted", action="store_true",
                        help="gradescope: grade even where the container allows no sandbox (see the README)")
    args = parser.parse_args(argv)
    try:
        labs = [lab.name for lab in find_labs(args.lab)] if args.lab else []
    except UnknownLab as error:
        parser.error(str(error))
    if args.what == "dist" and (args.lab or args.trusted):
        parser.error("--lab and --trusted apply to gradescope only")
    try:
        names = build_dist(args.output, KIT) if args.what == "dist" else build_gradescope(args.output, labs, KIT, args.trusted)
    except NotACheckout as error:
        print(f"{parser.prog} {args.what}: {error}", file=sys.stderr)
        return 1
    print(f"{args.output}: {len(names)} files ({args.output.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
