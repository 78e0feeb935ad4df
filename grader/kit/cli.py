"""grader/grade: build and check a submission, lab by lab, and report the score.

For each lab: build the submitted sources with the kit's Makefile, then run the
lab's checks in a sandboxed runner process (see sandbox.py), several labs at
a time. Whatever happens to a lab (no folder, no compile, a hang, a crash, a
grader bug), every one of its checks gets a result, so the maximum score never
changes; if the grader itself fails, it still writes valid results saying so.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import children, gradings, native, runs, sandbox, slots
from .build import LabBuild, Library, build_lab, build_reference
from .buildbox import Box
from .buildcache import cache_base
from .check import CheckSpec, LabOptions, lab_options, load_checks
from .context import RunContext
from .kitbuilds import build_tool
from .labs import KIT, Lab, UnknownLab, find_labs, lab_named, submitted_folder
from .network import Network
from .plugin import GRACE
from .results import LabResult, Report, CheckResult, render

GRADER_DIR = KIT / "grader"
SAVED = {"text": "report.txt", "json": "results.json", "junit": "junit.xml", "markdown": "report.md",
         "html": "report.html"}
RUNNER_MARGIN = 30.0  # seconds a runner gets beyond the sum of its checks' budgets
INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}
CANNOT_ISOLATE = ("this machine cannot isolate a submission (namespaces cannot be made here), so grader/grade "
                  "grades only code it is told to trust: --trusted (your own work, never a class's)")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="grader/grade",
        description="Grade a submission (a folder of NN-name/ lab folders); "
                    "with no --submission, the reference solutions (labs/ where the kit has none).")
    parser.add_argument("--submission", type=Path, help="the folder to grade (default: solutions/)")
    parser.add_argument("--lab", nargs="+", action="extend", default=[], metavar="NN", help="only these labs (e.g. 04 or 04-accept)")
    parser.add_argument("--check", action="append", default=[], metavar="ID",
                        help="only this check (e.g. 04-accept/listen); may be repeated")
    parser.add_argument("--format", choices=("text", "json", "junit", "markdown", "html"), default="text",
                        help="html: one page with the network drawn (sequence diagrams, TCP state machine)")
    parser.add_argument("--output", type=Path, help="write the report here instead of stdout")
    parser.add_argument("--save", type=Path, metavar="DIR",
                        help="also write every format into DIR: report.txt, results.json, junit.xml, report.md, "
                             "report.html")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="labs graded at once")
    parser.add_argument("--sanitize", action="store_true", help="build with AddressSanitizer + UBSan")
    parser.add_argument("--keep", action="store_true",
                        help="keep the build and run folder (each check's capture, outputs, sockets and feedback "
                             "in runs/*/checks/CHECK/), and print where it is")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="the seed of the grader's random choices (e.g. where requests are split); "
                             "a failing check's feedback gives the one it ran with (default: a new one)")
    parser.add_argument("--verbose", action="store_true", help="show the transcript of passing checks too")
    parser.add_argument("--trace", action="store_true",
                        help="show the TCP segments of passing checks too (implies --verbose)")
    parser.add_argument("--trusted", action="store_true",
                        help="grade even where no sandbox can be made (namespaces refused): only for code you "
                             "trust, such as your own (make check passes it)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 1_000_000)
    return args


def default_submission() -> Path:
    """The reference solutions; in the student bundle (no solutions/), the student's labs/."""
    solutions = KIT / "solutions"
    return solutions if solutions.is_dir() else KIT / "labs"


def not_run(spec: CheckSpec, status: str, output: str) -> CheckResult:
    return CheckResult(spec.id, spec.lab, spec.title, spec.points, 0.0, status, output, spec.visibility)


def build_result(lab: Lab, build: LabBuild) -> CheckResult:
    ok = build.submitted and build.built_all and not build.missing and not build.refused
    return CheckResult(f"{lab.name}/build", lab.name, f"{lab.name}: builds with the kit's Makefile (no points)",
                      0.0, 0.0, "passed" if ok else "failed", build.summary())


class Grader:
    def __init__(self, args: argparse.Namespace, isolation: sandbox.Isolation, grading: gradings.Grading) -> None:
        self.args = args
        self.isolation = isolation
        self.grading = grading
        self.work = grading.work
        self.submission = (args.submission or default_submission()).resolve()
        # For the kit's own tests of hanging programs: shorter budgets, same verdicts.
        self.timeout_scale = float(os.environ.get("SLK_TIMEOUT_SCALE", "1"))
        self.notes: list[str] = []
        try:
            self.fill_fds_lib: str | None = str(native.install("libfillfds.so", self.work / "native"))
        except native.BuildFailed as failure:
            self.fill_fds_lib = None
            self.notes.append(f"(the grader's helper library did not build: {failure})")
        self.notes_said: set[str] = set()
        self.notes_lock = threading.Lock()
        self.tools: dict[str, tuple[str | None, str]] = {}  # built on first use: (binary, error)
        self.tools_lock = threading.Lock()
        # The grader's folders, masked wherever a sandbox's system folders would show them.
        self.masked = (KIT, cache_base(), self.work, self.submission)

    def note_once(self, note: str) -> None:
        with self.notes_lock:
            if note not in self.notes_said:
                self.notes_said.add(note)
                self.notes.append(note)

    def tool(self, name: str) -> tuple[str | None, str]:
        """A kit tool the checks run (e.g. smop-bench), built once per grading."""
        with self.tools_lock:
            if name not in self.tools:
                self.tools[name] = build_tool(name, self.work)
            return self.tools[name]

    def grade(self, labs: list[Lab]) -> list[LabResult]:
        jobs = self.args.jobs if self.isolation.isolated else 1
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            return list(pool.map(self.grade_lab, labs))

    def grade_lab(self, lab: Lab) -> LabResult:
        specs = [spec for _, spec in load_checks(lab.check_module)]
        if self.args.check:
            specs = [spec for spec in specs if spec.id in self.args.check]
        try:
            with slots.acquire() as slot:
                result = self.grade_in_slot(lab, specs, slot)
                left = slot.release()
        except children.Stopped as stopped:
            return LabResult(lab.name, True, [not_run(spec, "error", f"Not graded: {stopped}") for spec in specs])
        if left:
            self.note_once(f"(processes of {lab.name} {slots.LEFT_RUNNING}, and were killed: " + "; ".join(left) + ")")
        if children.stopping.is_set():  # stopped while it ran: its results are not the program's
            return LabResult(lab.name, result.submitted, [not_run(spec, "error", f"Not graded: {children.stop_reason}")
                                                          for spec in specs])
        return result

    def grade_in_slot(self, lab: Lab, specs: list[CheckSpec], slot: slots.Slot) -> LabResult:
        options = lab_options(lab.check_module)
        box = Box(self.isolation, slot.uid, self.work, self.masked, self.grading.name, self.args.keep)
        reference = build_reference(lab, options.reference, options.libraries, self.work, box)
        if not options.libraries:
            build = build_lab(lab, self.submission, self.work, box, self.args.sanitize,
                              test_suite=options.test_suite, sanitized=options.sanitized)
            result = LabResult(lab.name, build.submitted, [build_result(lab, build)])
            if not build.submitted:
                result.tests += self.not_submitted(lab, specs, build)
                return result
            result.tests += self.run_checks(lab, build, specs, slot, reference, options)
            return result
        return self.grade_with_library(lab, options, specs, slot, box, reference)

    def grade_with_library(self, lab: Lab, options: LabOptions, specs: list[CheckSpec], slot: slots.Slot, box: Box,
                           reference: dict[str, str | None]) -> LabResult:
        """A lab that links library labs (09 links 08's TCP library): graded with the
        student's libraries and again with the kit's reference ones; each check scores
        the better of the two, so a defect of a library costs points once, in its own lab."""
        libraries = [(variable, lab_named(name)) for variable, name in options.libraries.items()]
        names = ", ".join(library.name for _, library in libraries)
        variants = [Library(tuple((variable, library, submitted_folder(self.submission, library)[0])
                                  for variable, library in libraries), f"your {names}")]
        if all((KIT / "solutions" / library.name).is_dir() for _, library in libraries):
            if len(libraries) > 1:
                # The kit's first library (the TCP library) with the student's others:
                # their own module may have an API of its own that the kit's cannot replace.
                (variable, first), rest = libraries[0], libraries[1:]
                variants.append(Library(((variable, first, None),
                                         *((v, lab_, submitted_folder(self.submission, lab_)[0]) for v, lab_ in rest)),
                                        f"the kit's {first.name} and your {', '.join(l.name for _, l in rest)}"))
            variants.append(Library(tuple((variable, library, None) for variable, library in libraries),
                                    f"the kit's reference {names}"))

        def build(numbered: tuple[int, Library]) -> LabBuild:
            index, variant = numbered
            return build_lab(lab, self.submission, self.work, box, self.args.sanitize, library=variant,
                             test_suite=options.test_suite, sanitized=options.sanitized,
                             name=f"{lab.name}+library-{index}")
        with ThreadPoolExecutor(max_workers=len(variants)) as pool:  # while one compiles, another may link
            builds = list(pool.map(build, enumerate(variants)))
        submitted = builds[0].submitted
        entry = build_result(lab, builds[0])
        entry.output = "\n\n".join(f"Linked with {variant.label}:\n{build.summary()}"
                                    for variant, build in zip(variants, builds))
        result = LabResult(lab.name, submitted, [entry])
        if not submitted:
            result.tests += self.not_submitted(lab, specs, builds[0])
            return result
        runs_ = [self.run_checks(lab, build, specs, slot, reference, options, f"linked with {variant.label}")
                 for variant, build in zip(variants, builds)]
        result.tests += [merge_variants(variants, outcomes) for outcomes in zip(*runs_)]
        return result

    def not_submitted(self, lab: Lab, specs: list[CheckSpec], build: LabBuild) -> list[CheckResult]:
        why = f"Not submitted: no folder {lab.name}/ in the submission."
        if build.folder_note:
            why += f" {build.folder_note}"
        return [not_run(spec, "failed", why) for spec in specs]

    def run_checks(self, lab: Lab, build: LabBuild, specs: list[CheckSpec], slot: slots.Slot,
                   reference: dict[str, str | None], options: LabOptions, variant: str = "") -> list[CheckResult]:
        tools = {name: self.tool(name) for name in options.tools}
        layout = runs.RunLayout(self.work, build.dir.name, self.isolation.isolated)
        layout.show(build.dir, "/slk/lab")
        if reference:
            layout.show(self.work / "reference" / lab.name, "/slk/reference")
        if tools:
            layout.show(self.work / "tools", "/slk/tools")
        if self.fill_fds_lib:
            layout.show(Path(self.fill_fds_lib).parent, "/slk/native")
        shared = layout.show(layout.folder / "files", "/slk/files")
        instance, why = runs.state_trace(self.isolation, f"{self.grading.name}-{build.dir.name}") \
            if self.isolation.isolated else (None, "")
        if why:
            self.note_once(f"(TCP states are inferred from the captured segments, not read from the kernel: {why})")
        ctx = RunContext(lab=lab.name, check_module=lab.check_module, build_dir=layout.seen(str(build.dir)),
                         programs={name: layout.seen(path) for name, path in build.programs.items()},
                         isolation=self.isolation.value, slot=slot.number, uid=slot.uid,
                         work_dir=runs.VIEW_RUN if self.isolation.isolated else str(layout.folder),
                         shared_dir=shared, submission=self.display_submission(), sanitize=self.args.sanitize,
                         trace=self.args.trace, seed=self.args.seed, keep=self.args.keep,
                         fill_fds_lib=layout.seen(self.fill_fds_lib), check_ids=[spec.id for spec in specs],
                         build_note=build.note(), timeout_scale=self.timeout_scale,
                         reference_programs={name: layout.seen(path) for name, path in reference.items()},
                         variant=variant, tools={name: layout.seen(path) for name, (path, _) in tools.items() if path},
                         tools_missing={name: error for name, (path, error) in tools.items() if not path},
                         state_trace=str(instance) if instance else "", state_trace_missing=why)
        budget = sum(spec.timeout * self.timeout_scale + GRACE for spec in specs) + RUNNER_MARGIN
        try:
            outcome = runs.run(ctx, layout, self.isolation, self.grading.name, budget, Network(slot.number))
        finally:
            if instance is not None:
                runs.kerneltrace.remove_instance(instance)
        results = []
        for spec in specs:
            record = outcome.records.get(spec.id)
            if record is None:
                why = outcome.problem or "the check runner did not report this check"
                result = not_run(spec, "error", f"The grader could not finish this check ({why}). "
                                                "This is a problem of the grader or of the machine; please report it.")
                result.internal = outcome.log_tail
                results.append(result)
                continue
            results.append(CheckResult(record["id"], record["lab"], record["name"], record["points"], record["score"],
                                      record["status"], record["output"], record["visibility"],
                                      record.get("internal", ""), record.get("duration", 0.0),
                                      record.get("measured", ""), record.get("trace", {})))
        return results

    def display_submission(self) -> str:
        try:
            return str(self.submission.relative_to(Path.cwd()))
        except ValueError:
            return str(self.submission)


def merge_variants(variants: list[Library], outcomes: tuple[CheckResult, ...]) -> CheckResult:
    """One check graded with each set of libraries: the best score, and every story."""
    best_index = max(range(len(outcomes)), key=lambda i: (outcomes[i].score, -i))
    best = outcomes[best_index]
    if len(outcomes) == 1:
        story = (f"(Graded with {variants[0].label} only: the kit's reference library is not available here.)\n"
                 + best.output)
    elif all(result.passed for result in outcomes) and not any(result.measured for result in outcomes):
        story = f"Passed with {' and with '.join(v.label for v in variants)}.\n\n{outcomes[0].output}"
    else:
        story = "\n\n".join(f"Linked with {variant.label}: {result.status.upper()}\n{result.output}"
                             for variant, result in zip(variants, outcomes))
        if best_index > 0 and best.passed:
            story = (f"Full points: this check passes when linked with {variants[best_index].label}. With "
                     f"{variants[0].label} it fails: your library is missing, does not build, or has a defect "
                     "that its own lab counts.\n\n" + story)
    summary = merge_measurements([(variant.label, result.measured) for variant, result in zip(variants, outcomes)])
    return CheckResult(best.id, best.lab, best.name, best.points, best.score, best.status, story, best.visibility,
                       "\n".join(result.internal for result in outcomes if result.internal),
                       sum(result.duration for result in outcomes), summary,
                       next((result.trace for result in outcomes if result.trace), {}))


def merge_measurements(measured: list[tuple[str, str]]) -> str:
    """One line per variant ("linked with LABEL: first line"), then their
    other lines (a hint), each once."""
    if len(measured) == 1:
        return measured[0][1]
    measured = [(label, text) for label, text in measured if text]
    lines = [f"linked with {label}: {text.splitlines()[0]}" for label, text in measured]
    for _, text in measured:
        lines += [line for line in text.splitlines()[1:] if line not in lines]
    return "\n".join(lines)


def write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)


def failed_report(submission: str, labs: list[Lab], error: str) -> Report:
    """Valid results that say the grader failed (or refused): every known check at 0."""
    report = Report(submission, "unknown", grader_error=error)
    for lab in labs:
        try:
            specs = [spec for _, spec in load_checks(lab.check_module)]
        except Exception:  # the checks themselves may be what failed
            specs = []
        report.labs.append(LabResult(lab.name, True, [not_run(s, "error", f"Not graded: {error}.")
                                                       for s in specs]))
    return report


def stop_on_signals() -> dict[int, object]:
    """SIGINT and SIGTERM stop the grading cleanly: every sandbox is killed,
    what was graded is reported, the rest said not graded (children.py)."""
    def stop(number: int, _frame: object) -> None:
        children.stop_all(f"the grading was interrupted ({signal.Signals(number).name})")
    return {number: signal.signal(number, stop) for number in INTERRUPTED}


def grade_all(args: argparse.Namespace, labs: list[Lab], grading: gradings.Grading, submission: str) -> Report:
    """The report of the grading, or of its refusal where no sandbox can be
    made and the code is not trusted (the kit's own solutions, or the
    student's own labs with no --submission, are)."""
    isolation = sandbox.detect(os.environ.get("SLK_ISOLATION") or None)
    if not isolation.isolated and not (args.trusted or args.submission is None):
        report = failed_report(submission, labs, CANNOT_ISOLATE)
        report.isolation, report.not_graded, report.grader_error = isolation.describe(), CANNOT_ISOLATE, ""
        return report
    grader = Grader(args, isolation, grading)
    return Report(grader.display_submission(), isolation.describe(), grader.grade(labs), notes=grader.notes)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.submission is not None and not args.submission.is_dir():
        print(f"grader/grade: --submission {args.submission}: no such folder", file=sys.stderr)
        return 2
    lab_specs = list(args.lab) + [check_id.split("/", 1)[0] for check_id in args.check]
    try:
        labs = find_labs(lab_specs)
    except UnknownLab as error:
        print(f"grader/grade: {error}", file=sys.stderr)
        return 2
    started = time.monotonic()
    os.umask(0o022)  # the programs run under a grading uid: what we build must be readable by it
    previous = stop_on_signals()
    submission = str(args.submission or default_submission())
    grading: gradings.Grading | None = None
    try:
        for reclaimed in gradings.reclaim():
            print(f"grader/grade: removed what a grading that died left: {reclaimed}", file=sys.stderr)
        grading = gradings.start()
        report = grade_all(args, labs, grading, submission)
    except Exception as error:  # the grader's own failure: still write valid results
        traceback.print_exc(file=sys.stderr)
        report = failed_report(submission, labs, f"{type(error).__name__}: {error}")
    report.duration = time.monotonic() - started
    if children.stopping.is_set():
        report.not_graded = children.stop_reason
    write(render(report, args.format, args.verbose or args.trace), args.output)
    if args.save is not None:
        for form, name in SAVED.items():
            write(render(report, form, args.verbose or args.trace), args.save / name)
    if grading is not None:
        if args.keep:
            grading.keep()
            print(f"grader/grade: kept the build and run folder: {grading.work}\n"
                  f"grader/grade: each check's capture, program outputs, sockets and feedback: "
                  f"{grading.work}/runs/*/checks/", file=sys.stderr)
        grading.close(remove=not args.keep)
    for number, handler in previous.items():
        signal.signal(number, handler)
    if children.stopping.is_set():
        return next((code for number, code in INTERRUPTED.items()
                     if signal.Signals(number).name in children.stop_reason), 1)
    return 1 if report.grader_error or report.not_graded else 0
