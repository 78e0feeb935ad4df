"""scripts/grade-class: grade a whole class, in parallel, into a gradebook.

    scripts/grade-class SUBMISSIONS_DIR [--jobs N] [--out DIR] [--lab NN ...] [--force]

SUBMISSIONS_DIR holds one entry per student: a folder, or an archive
(.tar.gz, .tgz, .tar, .zip) unpacked safely into OUT/unpacked/. Each
submission is graded by its own grader/grade process (its own namespaces, its
own address and uid slots), N at a time. OUT gets:

    gradebook.csv              one row per student: points per lab, total, status
    scores.png                 the distribution of scores per lab and of the totals
    similarity.csv             how alike each pair of submissions is, lab by lab
                               (a plagiarism signal: see similarity.py)
    students/NAME/report.txt   the student's report (also results.json,
                               junit.xml, report.md, grade.log)

A rerun regrades only the submissions whose files (or the kit's checks)
changed since the last run; --force regrades everything.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import procfs
from .archives import BadArchive, archive_stem, submission_root, unpack
from .gradebook import StudentScores, load_results, scores_from_results, write_csv, write_plot
from .labs import KIT, Lab, UnknownLab, find_labs, submitted_folder
from .similarity import Pair, compare, flagged
from .sandbox import GRADING_UID_BASE
from .text import tail_lines

GRADE = KIT / "grader" / "grade"
SLOT_BASE, SLOT_STRIDE = 100, 20     # worker w grades with slots 100 + 20 w ... (one per lab)
SUBMISSION_TIMEOUT = 3600            # a safety net: the grader bounds every step itself
KIT_INPUTS = ("grader/kit", "grader/checks", "grader/gtest", "grader/native", "grader/grade", "labs", "mk", "solutions",
              "bench/smop-bench")


@dataclass
class Submission:
    student: str
    source: Path                 # the folder or archive in SUBMISSIONS_DIR
    folder: Path | None = None   # the folder holding its lab folders
    problem: str = ""            # why it cannot be graded


def student_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]", "_", name).strip("._") or "student"


def find_submissions(root: Path, unpacked: Path) -> tuple[list[Submission], list[str]]:
    """Every student's submission in root (archives unpacked), and warnings."""
    found: dict[str, Submission] = {}
    warnings = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        stem = entry.name if entry.is_dir() else archive_stem(entry)
        if stem is None:
            warnings.append(f"ignored {entry.name}: neither a folder nor a .tar.gz/.tgz/.tar/.zip archive")
            continue
        student = student_name(stem)
        if student in found:
            warnings.append(f"ignored {entry.name}: {student} already has {found[student].source.name}")
            continue
        submission = Submission(student, entry)
        if entry.is_dir():
            submission.folder = submission_root(entry)
        else:
            try:
                unpack(entry, unpacked / student)
                submission.folder = submission_root(unpacked / student)
            except BadArchive as error:
                submission.problem = f"the archive {entry.name} {error}"
        found[student] = submission
    return list(found.values()), warnings


def _hash_tree(digest: "hashlib._Hash", base: Path, path: Path) -> None:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() or p.is_symlink())
    for file in files:
        digest.update(str(file.relative_to(base)).encode() + b"\0")
        try:
            digest.update(file.read_bytes() + b"\0")
        except OSError:  # a dangling link, an unreadable file: its name is enough
            digest.update(b"?\0")


def kit_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in KIT_INPUTS:
        if (KIT / name).exists():
            _hash_tree(digest, KIT, KIT / name)
    return digest.hexdigest()


def fingerprint(submission: Submission, kit: str, labs: list[str]) -> str:
    digest = hashlib.sha256((kit + "\0" + " ".join(labs) + "\0").encode())
    if submission.folder is not None:
        _hash_tree(digest, submission.folder, submission.folder)
    return digest.hexdigest()


class Progress:
    """A bar on a terminal; a line per submission otherwise (logs, CI)."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.tty = stream.isatty()
        self.lock = threading.Lock()

    def finished(self, row: StudentScores) -> None:
        with self.lock:
            self.done += 1
            maximum = sum(row.maxima.values())
            what = f"{row.student}: {row.total:g}/{maximum:g}" + (f" ({row.status})" if row.status != "graded" else "")
            if self.tty:
                width = 30
                filled = width * self.done // max(1, self.total)
                self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  "
                                  f"{what[:60]:<60}")
                if self.done == self.total:
                    self.stream.write("\n")
            else:
                self.stream.write(f"[{self.done}/{self.total}] {what} in {row.seconds:.1f} s\n")
            self.stream.flush()


class ClassGrader:
    def __init__(self, out: Path, labs: list[str], jobs: int, force: bool, grader_jobs: int) -> None:
        self.out = out
        self.labs = labs
        self.jobs = jobs
        self.force = force
        self.grader_jobs = grader_jobs
        self.kit = kit_fingerprint()
        self.free_slots = list(range(jobs))
        self.slot_lock = threading.Lock()

    def grade_all(self, submissions: list[Submission], progress: Progress) -> list[StudentScores]:
        def one(submission: Submission) -> StudentScores:
            row = self.grade(submission)
            progress.finished(row)
            return row
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            return list(pool.map(one, submissions))

    def grade(self, submission: Submission) -> StudentScores:
        folder = self.out / "students" / submission.student
        folder.mkdir(parents=True, exist_ok=True)
        print_ = fingerprint(submission, self.kit, self.labs)
        meta_path, results_path = folder / "meta.json", folder / "results.json"
        if submission.problem:
            (folder / "report.txt").write_text(f"Not graded: {submission.problem}.\n")
            meta_path.unlink(missing_ok=True)
            return StudentScores(submission.student, "error", note=submission.problem)
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        if not self.force and meta.get("fingerprint") == print_ and results_path.exists():
            return scores_from_results(submission.student, "unchanged", load_results(results_path),
                                       meta.get("seconds", 0.0))
        for stale in ("results.json", "report.txt", "junit.xml", "report.md", "report.html"):
            (folder / stale).unlink(missing_ok=True)
        with self.slot_lock:
            worker = self.free_slots.pop()
        started = time.monotonic()
        try:
            done, why = self.run_grader(submission.folder, folder, SLOT_BASE + SLOT_STRIDE * worker)
        finally:
            with self.slot_lock:
                self.free_slots.append(worker)
        seconds = time.monotonic() - started
        if not results_path.exists():
            (folder / "report.txt").write_text(f"Not graded: {why}. See grade.log.\n")
            return StudentScores(submission.student, "error", seconds=seconds, note=why)
        results = load_results(results_path)
        row = scores_from_results(submission.student, "graded" if done else "error", results, seconds)
        if not done:
            row.note = why
        else:
            meta_path.write_text(json.dumps({"fingerprint": print_, "seconds": round(seconds, 1)}))
        return row

    def run_grader(self, submission: Path, folder: Path, slot: int) -> tuple[bool, str]:
        command = [str(GRADE), "--submission", str(submission), "--save", str(folder), "--output", os.devnull,
                   "--slot", str(slot), "--jobs", str(self.grader_jobs)]
        if self.labs:
            command += ["--lab", *self.labs]
        with (folder / "grade.log").open("wb") as log:
            try:
                done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                      timeout=SUBMISSION_TIMEOUT)
            except subprocess.TimeoutExpired:
                return False, f"the grader was stopped after {SUBMISSION_TIMEOUT} s"
        if done.returncode != 0:
            last = tail_lines((folder / "grade.log").read_text(errors="replace"), 3).strip().replace("\n", " / ")
            return False, f"the grader ended with status {done.returncode}: {last}"
        return True, ""


def similarity_report(submissions: list[Submission], labs: list[Lab], path: Path) -> list[Pair]:
    """Write every pair's similarity per lab to path; return the pairs worth a look."""
    worth_a_look = []
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["lab", "student", "other student", "similarity", "shared fingerprints", "lab median"])
        for lab in labs:
            folders = {}
            for submission in submissions:
                if submission.folder is not None:
                    folder, _ = submitted_folder(submission.folder, lab)
                    if folder is not None:
                        folders[submission.student] = folder
            pairs = compare(folders, lab.name, lab.student_files, lab.kit_dir)
            median = statistics.median(pair.similarity for pair in pairs) if pairs else 0.0
            for pair in pairs:
                writer.writerow([lab.name, pair.first, pair.second, f"{pair.similarity:.2f}", pair.shared,
                                 f"{median:.2f}"])
            worth_a_look += flagged(pairs)
    return worth_a_look


def leftover_processes() -> list[str]:
    """Processes of the grading uids still running (there should be none)."""
    found = []
    for pid in procfs.all_pids():
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if GRADING_UID_BASE <= uid < GRADING_UID_BASE + 1000:
            found.append(f"pid {pid} uid {uid}: {procfs.command_line(pid)}")
    return found


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/grade-class", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="a folder with one folder or archive per student")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    parser.add_argument("--out", type=Path, help="where the gradebook and reports go (default: SUBMISSIONS-grades)")
    parser.add_argument("--lab", nargs="+", action="extend", default=[], metavar="NN", help="only these labs")
    parser.add_argument("--force", action="store_true", help="regrade every submission, changed or not")
    parser.add_argument("--grader-jobs", type=int, default=1, help="labs graded at once within one submission")
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        parser.error(f"{args.submissions}: no such folder")
    if args.jobs < 1 or args.grader_jobs < 1:
        parser.error("--jobs and --grader-jobs must be at least 1")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        labs = [lab.name for lab in find_labs(args.lab)] if args.lab else []
    except UnknownLab as error:
        print(f"scripts/grade-class: {error}", file=sys.stderr)
        return 2
    source = args.submissions.resolve()
    out = (args.out or source.with_name(source.name + "-grades")).resolve()
    if out == source or source in out.parents:
        print("scripts/grade-class: --out must not be inside the submissions folder", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    submissions, warnings = find_submissions(source, out / "unpacked")
    for warning in warnings:
        print(f"scripts/grade-class: {warning}", file=sys.stderr)
    if not submissions:
        print(f"scripts/grade-class: no submission in {source}", file=sys.stderr)
        return 1
    grader = ClassGrader(out, labs, args.jobs, args.force, args.grader_jobs)
    rows = grader.grade_all(submissions, Progress(len(submissions)))
    write_csv(rows, out / "gradebook.csv")
    plot_problem = write_plot(rows, out / "scores.png")
    wall = time.monotonic() - started
    graded = [row.seconds for row in rows if row.status == "graded"]
    counts = {status: sum(row.status == status for row in rows) for status in ("graded", "unchanged", "error")}
    print(f"{len(rows)} submissions: {counts['graded']} graded, {counts['unchanged']} unchanged since the last run, "
          f"{counts['error']} not graded; {wall:.1f} s in all"
          + (f", median {statistics.median(graded):.1f} s per graded submission" if graded else ""))
    for row in rows:
        if row.status == "error":
            print(f"  not graded: {row.student}: {row.note}")
    print(f"Gradebook: {out / 'gradebook.csv'}")
    print(f"Plot: {out / 'scores.png'}" if plot_problem is None else f"Plot: not drawn ({plot_problem})")
    print(f"Reports: {out / 'students'}/NAME/report.txt")
    alike = similarity_report(submissions, find_labs(labs), out / "similarity.csv")
    print(f"Similarity: {out / 'similarity.csv'}" + ("" if not alike else "; worth a look:\n  " + "\n  ".join(
        f"{pair.lab}: {pair.first} and {pair.second}, {pair.similarity:.0%} alike" for pair in alike[:20])))
    if os.geteuid() == 0:
        left = leftover_processes()
        print("Processes left by the submissions: " + ("none" if not left else "\n  " + "\n  ".join(left)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
