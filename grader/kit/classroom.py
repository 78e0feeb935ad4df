"""scripts/grade-class: grade a whole class, in parallel, into a gradebook.

    scripts/grade-class SUBMISSIONS_DIR [--jobs N] [--out DIR] [--lab NN ...] [--force]

SUBMISSIONS_DIR holds one entry per student: a folder, or an archive
(.tar.gz, .tgz, .tar, .zip) unpacked safely into OUT/unpacked/. Each entry is
first taken in by a child process of its own, bounded in memory and time
(intake.py: unpacked, checked, fingerprinted, read for the similarity
report): an entry that cannot be read (a bomb, a symbolic link, a FIFO) is
that student's error row, never the class's; links are never followed. Each
submission is then graded by its own grader/grade process (its own
namespaces, its own address and uid slots), N at a time. OUT gets:

    gradebook.csv              one row per student: points per lab, total, status
    scores.png                 the distribution of scores per lab and of the totals
    similarity.csv             how alike each pair of submissions is, lab by lab
                               (a plagiarism signal: see similarity.py)
    students/NAME/report.txt   the student's report (also results.json,
                               junit.xml, report.md, grade.log)

A rerun regrades only the submissions whose files (or the kit's checks)
changed since the last run; --force regrades everything. On SIGINT or
SIGTERM, grade-class kills the processes it started (each leads a process
group of its own), writes the gradebook (every student not graded yet: "the
class grading was interrupted") and exits with 130 or 143.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import signal
import stat
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import children
from .archives import archive_stem
from .gradebook import StudentScores, load_results, scores_from_results, write_csv, write_plot
from .intake import Intake, hash_tree, take_in_child
from .labs import KIT, Lab, UnknownLab, find_labs
from .safefs import describe_mode, is_folder, read_regular
from .similarity import Pair, compare, flagged, lab_prints
from .slots import LEFT_RUNNING
from .text import file_name, neutral, tail_lines

GRADE = Path(os.environ.get("SLK_CLASS_GRADER") or KIT / "grader" / "grade")  # tests set a fake grader
SUBMISSION_TIMEOUT = 3600            # a safety net: the grader bounds every step itself
KIT_INPUTS = ("grader/kit", "grader/checks", "grader/gtest", "grader/native", "grader/grade", "labs", "mk", "solutions",
              "bench/smop-bench")
KIT_MAX_ENTRIES, KIT_MAX_BYTES = 1_000_000, 16 << 30   # the kit is trusted: bounds against a loop, not an attack
LOG_LIMIT = 4 << 20                  # bytes of a grader's output kept in grade.log
INTERRUPTED = "the class grading was interrupted"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Submission:
    student: str
    source: Path                  # the folder or archive in SUBMISSIONS_DIR
    problem: str = ""             # why it cannot even be taken in (a link, a FIFO)
    intake: Intake | None = None  # once taken in: its folder, fingerprint and similarity fingerprints, or problem


class Interrupted(Exception):
    """SIGINT or SIGTERM, raised in the main thread by the signal handler."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum: int, _frame: object) -> None:
    """Stop once: further signals are ignored while the grading stops (that is
    bounded: every child process is killed with SIGKILL)."""
    for number in STOP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise Interrupted(signum)


def student_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]", "_", name).strip("._") or "student"


def find_submissions(root: Path) -> tuple[list[Submission], list[str]]:
    """Every student's entry in root, and warnings. Only the entries' types are
    looked at here (lstat: a link is never followed); reading them is the intake's."""
    found: dict[str, Submission] = {}
    warnings = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        mode = entry.lstat().st_mode
        stem = entry.name if stat.S_ISDIR(mode) else archive_stem(entry)
        problem = ""
        if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
            stem = stem or entry.name
            problem = (f"{entry.name} is a symbolic link: links are never followed (submit the folder itself)"
                       if stat.S_ISLNK(mode) else f"{entry.name} is {describe_mode(mode)}, not a folder or an archive")
        if stem is None:
            warnings.append(f"ignored {file_name(entry.name)}: neither a folder nor a .tar.gz/.tgz/.tar/.zip archive")
            continue
        student = student_name(stem)
        if student in found:
            warnings.append(f"ignored {file_name(entry.name)}: {student} already has "
                            f"{file_name(found[student].source.name)}")
            continue
        found[student] = Submission(student, entry, problem)
    return list(found.values()), warnings


def kit_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in KIT_INPUTS:
        digest.update(name.encode() + b"\0")
        if is_folder(KIT / name):
            hash_tree(digest, KIT / name, KIT_MAX_ENTRIES, KIT_MAX_BYTES, trusted=True)
        elif (KIT / name).exists():
            digest.update(read_regular(KIT, name, KIT_MAX_BYTES))
    return digest.hexdigest()


def fingerprint(tree: str, kit: str, labs: list[str]) -> str:
    """What a submission's grade depends on: its files (tree: the intake's
    fingerprint), the kit's and the labs graded."""
    return hashlib.sha256(f"{kit}\0{' '.join(labs)}\0{tree}".encode()).hexdigest()


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

    def close(self) -> None:
        """End a bar left unfinished (an interrupted grading)."""
        if self.tty and self.done < self.total:
            self.stream.write("\n")
            self.stream.flush()


class ClassGrader:
    def __init__(self, out: Path, labs: list[str], compared: list[str], jobs: int, force: bool,
                 grader_jobs: int) -> None:
        self.out = out
        self.labs = labs
        self.compared = compared     # the labs whose sources the intake reads for the similarity report
        self.jobs = jobs
        self.force = force
        self.grader_jobs = grader_jobs
        self.kit = kit_fingerprint()
        self.finished: dict[str, StudentScores] = {}
        self.finished_lock = threading.Lock()

    def grade_all(self, submissions: list[Submission], progress: Progress) -> list[StudentScores]:
        """Every submission graded, `jobs` at a time. Whatever ends this (main)
        thread early, an Interrupted from the signal handler above all, first
        stops every child process, so that the workers return at once."""
        pool = ThreadPoolExecutor(max_workers=self.jobs)
        try:
            for future in [pool.submit(self.grade_one, submission, progress) for submission in submissions]:
                future.result()
        except BaseException:
            children.stop_all(INTERRUPTED)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return rows_for(submissions, self.finished)

    def grade_one(self, submission: Submission, progress: Progress) -> None:
        """Grade one submission into self.finished; nothing if the grading was
        interrupted meanwhile. A failure of grade-class itself on one entry (a
        results.json the grader left truncated) is that entry's row too."""
        try:
            row = self.grade(submission)
        except children.Stopped:
            return
        except Exception as error:
            row = StudentScores(submission.student, "error",
                                note=neutral(f"grade-class failed on it: {type(error).__name__}: {error}"))
        with self.finished_lock:
            self.finished[submission.student] = row
        progress.finished(row)

    def grade(self, submission: Submission) -> StudentScores:
        folder = self.out / "students" / submission.student
        folder.mkdir(parents=True, exist_ok=True)
        meta_path, results_path = folder / "meta.json", folder / "results.json"
        intake = submission.intake = (Intake(problem=submission.problem) if submission.problem else
                                      take_in_child(submission.source, self.out / "unpacked" / submission.student,
                                                    self.compared))
        if intake.problem:
            why = file_name(intake.problem)  # on one line as a name is shown: it quotes the student's names
            (folder / "report.txt").write_text(f"Not graded: {why}.\n", encoding="utf-8")
            meta_path.unlink(missing_ok=True)
            return StudentScores(submission.student, "error", note=why)
        print_ = fingerprint(intake.fingerprint, self.kit, self.labs)
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        if not self.force and meta.get("fingerprint") == print_ and results_path.exists():
            return scores_from_results(submission.student, "unchanged", load_results(results_path),
                                       meta.get("seconds", 0.0))
        for stale in ("results.json", "report.txt", "junit.xml", "report.md", "report.html"):
            (folder / stale).unlink(missing_ok=True)
        started = time.monotonic()
        done, why = self.run_grader(Path(intake.folder), folder)
        seconds = time.monotonic() - started
        if not results_path.exists():
            (folder / "report.txt").write_text(f"Not graded: {why}. See grade.log.\n", encoding="utf-8")
            return StudentScores(submission.student, "error", seconds=seconds, note=why)
        results = load_results(results_path)
        row = scores_from_results(submission.student, "graded" if done else "error", results, seconds)
        if not done:
            row.note = why
        else:
            meta_path.write_text(json.dumps({"fingerprint": print_, "seconds": round(seconds, 1)}))
        return row

    def run_grader(self, submission: Path, folder: Path) -> tuple[bool, str]:
        """grader/grade on one submission (it takes free slots of its own: uids
        and addresses no other grading of the machine has meanwhile)."""
        command = [str(GRADE), "--submission", str(submission), "--save", str(folder), "--output", os.devnull,
                   "--jobs", str(self.grader_jobs)]
        if self.labs:
            command += ["--lab", *self.labs]
        done = children.run(command, SUBMISSION_TIMEOUT, LOG_LIMIT)
        (folder / "grade.log").write_bytes(done.output + (f"\n…({done.dropped} more bytes)\n".encode()
                                                          if done.dropped else b""))
        if done.timed_out:
            return False, f"the grader was stopped after {SUBMISSION_TIMEOUT} s"
        if done.returncode != 0:
            last = tail_lines(done.output.decode(errors="replace"), 3).strip().replace("\n", " / ")
            return False, neutral(f"the grader ended with status {done.returncode}: {last}")
        return True, ""


def rows_for(submissions: list[Submission], finished: dict[str, StudentScores]) -> list[StudentScores]:
    """A row per submission: its own once finished, else "interrupted"."""
    return [finished.get(submission.student) or StudentScores(submission.student, "error", note=INTERRUPTED)
            for submission in submissions]


def similarity_report(submissions: list[Submission], labs: list[Lab], path: Path) -> list[Pair]:
    """Write every pair's similarity per lab to path; return the pairs worth a look."""
    worth_a_look = []
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["lab", "student", "other student", "similarity", "shared fingerprints", "lab median"])
        for lab in labs:
            prints = {submission.student: set(submission.intake.prints[lab.name]) for submission in submissions
                      if submission.intake is not None and lab.name in submission.intake.prints}
            pairs = compare(prints, lab.name, lab_prints(lab.kit_dir, lab.student_files))
            median = statistics.median(pair.similarity for pair in pairs) if pairs else 0.0
            for pair in pairs:
                writer.writerow([lab.name, pair.first, pair.second, f"{pair.similarity:.2f}", pair.shared,
                                 f"{median:.2f}"])
            worth_a_look += flagged(pairs)
    return worth_a_look


def leftover_processes(rows: list[StudentScores], students: Path) -> list[str]:
    """The processes each grading found still running under its own slots'
    uids after a lab (and killed), as its report's notes say: this class's
    gradings' own, never another grading's."""
    found = []
    for row in rows:
        results = students / row.student / "results.json"
        if row.status != "graded" or not results.exists():
            continue
        found += [f"{row.student}: {line.strip('()')}" for line in load_results(results).get("output", "").splitlines()
                  if LEFT_RUNNING in line]
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


def print_summary(rows: list[StudentScores], wall: float, gradebook: Path) -> None:
    graded = [row.seconds for row in rows if row.status == "graded"]
    counts = {status: sum(row.status == status for row in rows) for status in ("graded", "unchanged", "error")}
    print(f"{len(rows)} submissions: {counts['graded']} graded, {counts['unchanged']} unchanged since the last run, "
          f"{counts['error']} not graded; {wall:.1f} s in all"
          + (f", median {statistics.median(graded):.1f} s per graded submission" if graded else ""))
    for row in rows:
        if row.status == "error":
            print(f"  not graded: {row.student}: {row.note}")
    print(f"Gradebook: {gradebook}")


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
    for number in STOP_SIGNALS:
        signal.signal(number, _interrupt)
    started = time.monotonic()
    submissions: list[Submission] = []
    grader: ClassGrader | None = None
    progress: Progress | None = None
    try:
        submissions, warnings = find_submissions(source)
        for warning in warnings:
            print(f"scripts/grade-class: {warning}", file=sys.stderr)
        if not submissions:
            print(f"scripts/grade-class: no submission in {source}", file=sys.stderr)
            return 1
        compared = find_labs(labs)
        grader = ClassGrader(out, labs, [lab.name for lab in compared], args.jobs, args.force, args.grader_jobs)
        progress = Progress(len(submissions))
        rows = grader.grade_all(submissions, progress)
        write_csv(rows, out / "gradebook.csv")
        plot_problem = write_plot(rows, out / "scores.png")
        print_summary(rows, time.monotonic() - started, out / "gradebook.csv")
        print(f"Plot: {out / 'scores.png'}" if plot_problem is None else f"Plot: not drawn ({plot_problem})")
        print(f"Reports: {out / 'students'}/NAME/report.txt")
        alike = similarity_report(submissions, compared, out / "similarity.csv")
        print(f"Similarity: {out / 'similarity.csv'}" + ("" if not alike else "; worth a look:\n  " + "\n  ".join(
            f"{pair.lab}: {pair.first} and {pair.second}, {pair.similarity:.0%} alike" for pair in alike[:20])))
        left = leftover_processes(rows, out / "students")
        print("Processes left by the submissions: " + ("none" if not left else "\n  " + "\n  ".join(left)))
        return 0
    except Interrupted as interruption:
        if progress is not None:
            progress.close()
        rows = rows_for(submissions, grader.finished if grader is not None else {})
        finished = sum(row.note != INTERRUPTED for row in rows)
        print(f"scripts/grade-class: interrupted by {interruption} with {finished} of {len(rows)} submissions "
              "finished; the processes it started are stopped", file=sys.stderr)
        if rows:
            write_csv(rows, out / "gradebook.csv")
            print_summary(rows, time.monotonic() - started, out / "gradebook.csv")
        return 128 + interruption.signum


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
