"""Grade mutants with grader/grade and say what became of each.

Each mutant is graded as the kit grades its hand-written mutants
(grader/tests/test_grading.py): a submission folder holding the lab's
reference folder with the one file mutated, `grader/grade --lab NN --seed 1`
on the lab's scored checks, with SLK_TIMEOUT_SCALE=0.3 (shorter check
timeouts). The grader sandboxes the run and shares the machine with other
gradings itself; here, several gradings run at once (--jobs), each in a
process group of its own, bounded by a wall-clock time, after which its group
is stopped (SIGTERM, then SIGKILL). Temporary folders go in every case,
Ctrl-C included.

A mutant is
    killed       some scored check failed (which ones are kept)
    survived     every scored check passed
    no-compile   the lab's build report failed
    timeout      the grading outlived its wall-clock bound
    error        the grader could not grade it (it says why)
"""

from __future__ import annotations

import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .cache import Cache, digest_trees
from .mutants import Mutant

KIT = Path(__file__).resolve().parent.parent.parent
GRADE = KIT / "grader" / "grade"

KILLED, SURVIVED, NO_COMPILE, TIMEOUT, ERROR = "killed", "survived", "no-compile", "timeout", "error"
STATUSES = (KILLED, SURVIVED, NO_COMPILE, TIMEOUT, ERROR)
INTERRUPTED = "interrupted"  # never cached nor reported: the run was stopped
# Modules of grader/kit that take no part in grading a submission (class
# grading, Gradescope uploads, packaging): editing them keeps cached verdicts.
NOT_GRADING = {"packaging", "classroom", "gradebook", "gradescope", "intake", "similarity", "archives"}


@dataclass(frozen=True)
class Verdict:
    status: str
    failed: tuple[str, ...] = ()   # the scored checks that did not pass
    checks: tuple[str, ...] = ()   # every scored check graded
    detail: str = ""               # the compiler's first error, or why the grader could not grade
    seconds: float = 0.0
    cached: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("cached")
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Verdict":
        return cls(data["status"], tuple(data.get("failed", ())), tuple(data.get("checks", ())),
                   data.get("detail", ""), float(data.get("seconds", 0.0)), cached=True)


GradeFunction = Callable[[Mutant], Verdict]


@dataclass(frozen=True)
class Settings:
    jobs: int = 2
    timeout: float = 300.0       # seconds of wall clock for one mutant's grading
    grace: float = 15.0          # after SIGTERM, before SIGKILL
    seed: int = 1
    timeout_scale: str = "0.3"   # SLK_TIMEOUT_SCALE
    command: tuple[str, ...] = field(default=(str(GRADE),))


def classify(results: dict, returncode: int) -> Verdict:
    """The verdict on one grading's results.json (Gradescope's schema)."""
    tests = results.get("tests", [])
    scored = [t for t in tests if t.get("max_score", 0) > 0]
    builds = [t for t in tests
              if t.get("max_score", 0) == 0 and t.get("extra_data", {}).get("id", "").endswith("/build")]
    checks = tuple(t["extra_data"]["id"] for t in scored)
    failed = tuple(t["extra_data"]["id"] for t in scored if t.get("status") != "passed")
    outcomes = {t["extra_data"]["id"]: t["extra_data"].get("outcome", t.get("status")) for t in scored}
    if returncode != 0 or not scored:
        complaint = next((line for line in results.get("output", "").splitlines()
                          if line.startswith(("THE GRADER FAILED", "NOT GRADED"))), "")
        return Verdict(ERROR, failed, checks, complaint or f"grader/grade exited with status {returncode}")
    broken = [t for t in builds if t.get("status") != "passed"]
    if broken:
        errors = [line.strip() for line in broken[0].get("output", "").splitlines() if "error" in line]
        return Verdict(NO_COMPILE, failed, checks, errors[0] if errors else "the build failed")
    if failed and all(outcomes[id] == "error" for id in failed):
        return Verdict(ERROR, failed, checks, "the checks that failed are the grader's errors, not the program's")
    return Verdict(KILLED if failed else SURVIVED, failed, checks)


class Interrupted(Exception):
    """The run was stopped (Ctrl-C, SIGTERM)."""


class Runner:
    def __init__(self, settings: Settings, cache: Cache | None = None, kit: Path = KIT):
        self.settings = settings
        self.cache = cache
        self.kit = kit
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._groups: dict[int, subprocess.Popen] = {}   # live gradings, by process group
        self._contexts: dict[str, tuple[str, tuple[str, ...]]] = {}
        # Written to once by interrupt(), never read: from then on it wakes every grading's wait.
        self._wake_read, self._wake_write = os.pipe()

    def __del__(self) -> None:
        for fd in (getattr(self, "_wake_read", -1), getattr(self, "_wake_write", -1)):
            if fd != -1:
                os.close(fd)

    # --- what a verdict depends on ----------------------------------------

    def context(self, lab: str) -> tuple[str, tuple[str, ...]]:
        """(a digest of everything but the mutated folder a verdict depends on,
        the lab's scored checks)."""
        with self._lock:
            if lab not in self._contexts:
                self._contexts[lab] = self._make_context(lab)
            return self._contexts[lab]

    def _make_context(self, lab: str) -> tuple[str, tuple[str, ...]]:
        from kit.check import lab_options, load_checks
        from kit.labs import lab_named
        module = lab_named(lab, self.kit).check_module
        checks = tuple(spec.id for _, spec in load_checks(module) if spec.points > 0)
        options = lab_options(module)
        grader = self.kit / "grader"
        checks_dir = grader / "checks"
        module_file = f"lab{lab.replace('-', '_')}.py"
        # The lab's own check modules and the shared helpers, not the other labs' checks;
        # the whole harness but the teachers' tools that grade nothing.
        roots = [path for path in sorted(checks_dir.rglob("*.py"))
                 if not path.name.startswith("lab") or path.name == module_file]
        roots += [path for path in sorted((grader / "kit").glob("*.py")) if path.stem not in NOT_GRADING]
        roots += [grader / "grade", grader / "gtest", grader / "native", self.kit / "mk",
                  self.kit / "labs" / lab / "Makefile", self.kit / "solutions" / lab]
        roots += [self.kit / "solutions" / library for library in sorted(options.libraries.values())]
        if options.tools:
            roots.append(self.kit / "bench" / "smop-bench")
        settings = f"seed={self.settings.seed} scale={self.settings.timeout_scale} checks={' '.join(checks)}"
        return hashlib.sha256((digest_trees(self.kit, roots) + settings).encode()).hexdigest(), checks

    def key(self, mutant: Mutant) -> str:
        digest, _ = self.context(mutant.lab)
        key = hashlib.sha256(digest.encode())
        key.update(mutant.file.encode() + b"\0" + mutant.mutated)
        return key.hexdigest()

    # --- one grading --------------------------------------------------------

    def grade(self, mutant: Mutant) -> Verdict:
        """Grade one mutant (no cache)."""
        _, checks = self.context(mutant.lab)
        work = Path(tempfile.mkdtemp(prefix="slk-mutant-"))
        started = time.monotonic()
        try:
            submission = work / "submission"
            shutil.copytree(self.kit / "solutions" / mutant.lab, submission / mutant.lab,
                            ignore=shutil.ignore_patterns("obj", "asan", "tsan", "*.o"))
            (submission / mutant.lab / mutant.file).write_bytes(mutant.mutated)
            output = work / "results.json"
            command = [*self.settings.command, "--submission", str(submission), "--lab", mutant.lab,
                       "--seed", str(self.settings.seed), "--format", "json", "--output", str(output)]
            for check in checks:
                command += ["--check", check]
            env = {**os.environ, "SLK_TIMEOUT_SCALE": self.settings.timeout_scale}
            with open(work / "grade.log", "wb") as log:
                returncode = self._run(command, env, log)
            seconds = time.monotonic() - started
            if returncode is None:
                return Verdict(INTERRUPTED if self.stopping.is_set() else TIMEOUT, (), checks,
                               f"still grading after {self.settings.timeout:g} s", seconds)
            try:
                results = json.loads(output.read_text())
            except (OSError, ValueError):
                tail = (work / "grade.log").read_text(errors="replace").strip().splitlines()[-1:]
                return Verdict(ERROR, (), checks, f"grader/grade exited with status {returncode} and no results"
                               + (f": {tail[0]}" if tail else ""), seconds)
            verdict = classify(results, returncode)
            return Verdict(verdict.status, verdict.failed, verdict.checks, verdict.detail, seconds)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _run(self, command: list[str], env: dict[str, str], log) -> int | None:
        """Run command in a process group of its own; its exit status, or None
        when it outlived the time bound (or the run is stopping): then its whole
        group is stopped. The leader is reaped last, so its group id stays ours
        until every signal is sent."""
        with self._lock:
            if self.stopping.is_set():
                return None
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       env=env, start_new_session=True, cwd=self.kit)
            self._groups[process.pid] = process
        pidfd = os.pidfd_open(process.pid)
        try:
            finished = pidfd in select.select([pidfd, self._wake_read], [], [], self.settings.timeout)[0]
            if not finished or self.stopping.is_set():
                self._signal_group(process.pid, signal.SIGTERM)
                select.select([pidfd], [], [], self.settings.grace)
            self._signal_group(process.pid, signal.SIGKILL)  # anything left in the group
            with self._lock:
                del self._groups[process.pid]
            returncode = process.wait()
            return returncode if finished and not self.stopping.is_set() else None
        finally:
            os.close(pidfd)

    @staticmethod
    def _signal_group(pgid: int, number: int) -> None:
        try:
            os.killpg(pgid, number)
        except (ProcessLookupError, PermissionError):
            pass

    def interrupt(self) -> None:
        """Stop every grading under way (each is then cleaned up by its own thread)."""
        with self._lock:
            if not self.stopping.is_set():
                self.stopping.set()
                os.write(self._wake_write, b"!")
            for pgid in self._groups:
                self._signal_group(pgid, signal.SIGTERM)

    # --- many ---------------------------------------------------------------

    def lookup(self, mutant: Mutant) -> Verdict | None:
        if self.cache is None:
            return None
        found = self.cache.get(self.key(mutant))
        try:
            return Verdict.from_json(found) if found else None
        except (KeyError, TypeError, ValueError):
            return None

    def run(self, mutants: list[Mutant], grade: GradeFunction | None = None,
            progress: Callable[[Mutant, Verdict, int, int], None] | None = None) -> dict[str, Verdict]:
        """Each mutant's verdict, by id: from the cache where it is known,
        otherwise graded (settings.jobs at once). Raises Interrupted after
        stopping every grading when Ctrl-C (KeyboardInterrupt) comes."""
        grade = grade or self.grade
        verdicts: dict[str, Verdict] = {}
        pending = []
        for mutant in mutants:
            known = self.lookup(mutant)
            if known is not None and known.status in STATUSES:
                verdicts[mutant.id] = known
                if progress:
                    progress(mutant, known, len(verdicts), len(mutants))
            else:
                pending.append(mutant)
        if not pending:
            return verdicts
        pool = ThreadPoolExecutor(max_workers=self.settings.jobs, thread_name_prefix="mutant")
        try:
            futures: dict[Future, Mutant] = {pool.submit(grade, mutant): mutant for mutant in pending}
            remaining = set(futures)
            while remaining:
                done, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for future in done:
                    mutant = futures[future]
                    try:
                        verdict = future.result()
                    except Exception as error:  # this mutant only: the others are graded on
                        verdict = Verdict(ERROR, detail=f"the mutation runner failed: {type(error).__name__}: {error}")
                    if verdict.status == INTERRUPTED:
                        continue
                    verdicts[mutant.id] = verdict
                    # A timeout or an error may be the machine's (load, no namespaces): graded again next time.
                    if self.cache is not None and verdict.status in (KILLED, SURVIVED, NO_COMPILE):
                        self.cache.put(self.key(mutant), verdict.to_json())
                    if progress:
                        progress(mutant, verdict, len(verdicts), len(mutants))
        except KeyboardInterrupt:
            self.interrupt()
            pool.shutdown(wait=True, cancel_futures=True)
            raise Interrupted("interrupted: the gradings under way were stopped") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return verdicts
