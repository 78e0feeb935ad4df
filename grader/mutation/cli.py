"""make mutation: plant mistakes in the reference solutions, grade each, and
report which checks notice and which mutants survive.

usage: PYTHONPATH=grader /usr/bin/python3 -m mutation [--lab NN ...] [--jobs N] [--sample K]
           [--list] [--output report.md] [--timeout S] [--operator NAME ...] [--mutant ID ...]
           [--ledger FILE] [--cache DIR | --no-cache]

Exit status: 0 when every survivor is explained in the ledger, 1 when one is
not (or a mutant could not be graded, or the ledger is malformed), 2 on a wrong
command line, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import hashlib
import signal
import sys
import time
from pathlib import Path

from . import ledger, report
from .cache import Cache, default_directory
from .mutants import Mutant, number
from .operators import OPERATORS, OPTIONAL_OPERATORS, ParseError, find_sites
from .runner import ERROR, KIT, Interrupted, GradeFunction, Runner, Settings, Verdict
from .sources import solution_files

LEDGER = KIT / "grader" / "mutation-ledger.md"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m mutation",
        description="Mutation analysis of the kit's checks: mutants of the reference solutions (inside their "
                    "SOLUTION regions), each graded; survivors are matched against the ledger.")
    parser.add_argument("--lab", nargs="+", action="extend", default=[], metavar="NN",
                        help="only these labs (e.g. 04 or 04-accept; default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="gradings at once (default 2)")
    parser.add_argument("--sample", type=int, metavar="K",
                        help="grade a fixed sample of K mutants per lab (the same K every run)")
    parser.add_argument("--list", action="store_true", help="only list the mutants (no grading)")
    parser.add_argument("--output", type=Path, metavar="FILE", help="also write the report in Markdown here")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S",
                        help="wall-clock bound of one mutant's grading (default 300 s)")
    parser.add_argument("--operator", action="append", default=[], choices=OPERATORS + OPTIONAL_OPERATORS,
                        metavar="NAME", help=f"only this operator (repeatable): {', '.join(OPERATORS)}; "
                                             f"also, not made by default: {', '.join(OPTIONAL_OPERATORS)}")
    parser.add_argument("--mutant", action="append", default=[], metavar="ID", help="only this mutant (repeatable)")
    parser.add_argument("--ledger", type=Path, default=LEDGER, help="the ledger of explained survivors")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help=f"where verdicts are remembered (default {default_directory()})")
    parser.add_argument("--no-cache", action="store_true", help="grade every mutant, remember nothing")
    parser.add_argument("--no-diff", action="store_true", help="no diffs in the text report")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if args.sample is not None and args.sample < 1:
        parser.error("--sample must be at least 1")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    if args.no_cache and args.cache:
        parser.error("--cache and --no-cache exclude each other")
    from kit.labs import UnknownLab, find_labs
    try:
        args.labs = [lab.name for lab in find_labs(args.lab)]
    except UnknownLab as error:
        parser.error(str(error))
    return args


def make_mutants(labs: list[str], operators: tuple[str, ...] = OPERATORS, kit: Path = KIT) -> dict[str, list[Mutant]]:
    """Every mutant of each lab, in file order."""
    made = {}
    for lab in labs:
        sites = []
        for source in solution_files(kit / "solutions" / lab):
            sites += find_sites(source, operators)
        made[lab] = number(sites)
    return made


def sample(mutants: list[Mutant], k: int | None) -> list[Mutant]:
    """A fixed sample of k mutants: those whose ids hash lowest (ids are
    stable, so is the sample), kept in file order."""
    if k is None or k >= len(mutants):
        return mutants
    chosen = set(sorted((hashlib.sha256(m.id.encode()).hexdigest(), m.id) for m in mutants)[:k])
    ids = {mutant_id for _, mutant_id in chosen}
    return [m for m in mutants if m.id in ids]


def _progress(mutant: Mutant, verdict: Verdict, done: int, total: int) -> None:
    how = "cached" if verdict.cached else f"{verdict.seconds:.1f} s"
    detail = f" fails {' '.join(verdict.failed)}" if verdict.status == "killed" else \
        (f" {verdict.detail}" if verdict.detail else "")
    print(f"[{done}/{total}] {verdict.status:<10} {mutant.id} ({how}){detail}"[:240], file=sys.stderr, flush=True)


def _stop(number_: int, _frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str], grade: GradeFunction | None = None) -> int:
    args = parse_args(argv)
    operators = tuple(args.operator) or OPERATORS
    try:
        entries = ledger.read(args.ledger)
        made = make_mutants(args.labs, operators)
    except (ledger.LedgerError, ParseError) as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 1
    chosen = {lab: [m for m in sample(mutants, args.sample) if not args.mutant or m.id in args.mutant]
              for lab, mutants in made.items()}
    if args.mutant:
        unknown = set(args.mutant) - {m.id for mutants in made.values() for m in mutants}
        if unknown:
            print(f"mutation: no such mutant: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    if args.list:
        for lab, mutants in chosen.items():
            of = f" (of {len(made[lab])})" if len(mutants) != len(made[lab]) else ""
            print(f"{lab}: {len(mutants)} mutants{of}")
            for mutant in mutants:
                print(f"  {mutant.id}  {mutant.description}")
        return 0

    cache = None if args.no_cache else Cache(args.cache or default_directory())
    runner = Runner(Settings(jobs=args.jobs, timeout=args.timeout), cache)
    everything = [m for mutants in chosen.values() for m in mutants]
    previous = signal.signal(signal.SIGTERM, _stop)
    started = time.monotonic()
    try:
        verdicts = runner.run(everything, grade=grade, progress=_progress)
    except Interrupted as error:
        print(f"mutation: {error}", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    elapsed = time.monotonic() - started

    audit = ledger.audit(entries, [m for mutants in made.values() for m in mutants], args.labs, verdicts)
    summaries = [report.summarise(lab, chosen[lab], verdicts, audit) for lab in args.labs]
    print(report.text(summaries, audit, diffs=not args.no_diff))
    print(f"{len(everything)} mutants in {elapsed:.0f} s", file=sys.stderr)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report.markdown(summaries, audit, elapsed, args.jobs))
        print(f"report: {args.output}", file=sys.stderr)
    errors = sum(v.status == ERROR for v in verdicts.values())
    if audit.unexplained:
        print(f"mutation: {len(audit.unexplained)} surviving mutants are not explained in {args.ledger} "
              "(add a row: equivalent, ungraded, or gap)", file=sys.stderr)
    if errors:
        print(f"mutation: {errors} mutants could not be graded", file=sys.stderr)
    return 1 if audit.unexplained or errors else 0
