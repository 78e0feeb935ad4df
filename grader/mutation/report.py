"""What a mutation run found, lab by lab: as text (stdout) and Markdown (a file).

For each lab: mutants made and graded, killed, survived (equivalent, ungraded,
gap, unexplained), not compiling, timed out, not graded (error); the kill rate
over the mutants that break what the handout grades (killed / (killed + gap +
unexplained): the equivalent ones cannot be killed, the ungraded ones change
only what the handout says is not graded, those that do not compile or were
not graded tell nothing), and the strict rate that counts the ungraded ones as
survivors too; the check that kills most; the checks that kill no mutant on their
own (every mutant they fail, another check fails too); then each survivor with
its description and a short diff, and the ledger's stale rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .ledger import EQUIVALENT, GAP, UNGRADED, Audit, row
from .mutants import Mutant
from .runner import ERROR, KILLED, NO_COMPILE, SURVIVED, TIMEOUT, Verdict


@dataclass
class LabSummary:
    lab: str
    made: int
    graded: int = 0
    counts: Counter = field(default_factory=Counter)       # status -> mutants
    survivors: dict[str, list[Mutant]] = field(default_factory=dict)  # equivalent | gap | unexplained
    trouble: list[tuple[Mutant, Verdict]] = field(default_factory=list)  # timeout, error
    kills: Counter = field(default_factory=Counter)        # check -> mutants it fails
    unique: Counter = field(default_factory=Counter)       # check -> mutants only it fails
    checks: set[str] = field(default_factory=set)
    seconds: float = 0.0

    @property
    def killable(self) -> int:
        return self.counts[KILLED] + len(self.survivors[GAP]) + len(self.survivors["unexplained"])

    @property
    def kill_rate(self) -> str:
        return _rate(self.counts[KILLED], self.killable)

    @property
    def strict_kill_rate(self) -> str:
        """The ungraded survivors counted as survivors."""
        return _rate(self.counts[KILLED], self.killable + len(self.survivors[UNGRADED]))

    @property
    def no_unique_kill(self) -> list[str]:
        return sorted(check for check in self.checks if not self.unique[check])


def _rate(killed: int, out_of: int) -> str:
    return f"{100 * killed / out_of:.0f}% ({killed}/{out_of})" if out_of else "n/a"


def summarise(lab: str, made: list[Mutant], verdicts: dict[str, Verdict], audit: Audit) -> LabSummary:
    summary = LabSummary(lab, len(made), survivors={EQUIVALENT: [], UNGRADED: [], GAP: [], "unexplained": []})
    for mutant in made:
        verdict = verdicts.get(mutant.id)
        if verdict is None:
            continue
        summary.graded += 1
        summary.counts[verdict.status] += 1
        summary.checks.update(verdict.checks)
        summary.seconds += 0.0 if verdict.cached else verdict.seconds
        if verdict.status == KILLED:
            summary.kills.update(verdict.failed)
            if len(verdict.failed) == 1:
                summary.unique[verdict.failed[0]] += 1
        elif verdict.status == SURVIVED:
            summary.survivors[audit.explained(mutant.id) or "unexplained"].append(mutant)
        elif verdict.status in (TIMEOUT, ERROR):
            summary.trouble.append((mutant, verdict))
    return summary


def _figures(s: LabSummary) -> str:
    survived = s.counts[SURVIVED]
    return (f"{s.made} mutants, {s.graded} graded: {s.counts[KILLED]} killed, {survived} survived "
            f"({len(s.survivors[EQUIVALENT])} equivalent, {len(s.survivors[UNGRADED])} ungraded, "
            f"{len(s.survivors[GAP])} gap, {len(s.survivors['unexplained'])} unexplained), "
            f"{s.counts[NO_COMPILE]} do not compile, {s.counts[TIMEOUT]} timed out, {s.counts[ERROR]} not graded; "
            f"kill rate {s.kill_rate} (strict: {s.strict_kill_rate})")


def _top(s: LabSummary) -> str:
    if not s.kills:
        return "none"
    check, count = s.kills.most_common(1)[0]
    return f"{check} ({count} mutants)"


def text(summaries: list[LabSummary], audit: Audit, diffs: bool = True) -> str:
    out = []
    for s in summaries:
        out.append(f"{s.lab}: {_figures(s)}")
        if s.graded:
            out.append(f"  kills most: {_top(s)}")
            if s.no_unique_kill:
                out.append(f"  kill nothing on their own: {', '.join(s.no_unique_kill)}")
        for kind in ("unexplained", GAP, UNGRADED, EQUIVALENT):
            for mutant in s.survivors[kind]:
                out.append(f"  survived [{kind}] {mutant.id}")
                out.append(f"    {mutant.description}")
                if kind in ("unexplained", GAP) and diffs:
                    out += ["      " + line for line in mutant.diff().splitlines()]
                if kind == "unexplained":
                    out.append(f"    ledger row to complete: {row(mutant)}")
        for mutant, verdict in s.trouble:
            out.append(f"  {verdict.status} {mutant.id}: {mutant.description}: {verdict.detail}")
    for entry, why in audit.stale:
        out.append(f"stale ledger row (line {entry.line}): {entry.id}: {why}")
    return "\n".join(out)


def markdown(summaries: list[LabSummary], audit: Audit, wall: float | None = None, jobs: int | None = None,
             title: str = "Mutation analysis") -> str:
    out = [f"# {title}", ""]
    if wall is not None:
        graded = sum(s.graded for s in summaries)
        out += [f"{graded} mutants graded in {wall:.0f} s of wall-clock time"
                + (f", {jobs} at once." if jobs else "."), ""]
    out += ["| lab | made | graded | killed | survived | equivalent | ungraded | gap | unexplained | no compile "
            "| timeout | not graded | kill rate | strict | grading time |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in summaries:
        out.append(f"| {s.lab} | {s.made} | {s.graded} | {s.counts[KILLED]} | {s.counts[SURVIVED]} "
                   f"| {len(s.survivors[EQUIVALENT])} | {len(s.survivors[UNGRADED])} | {len(s.survivors[GAP])} "
                   f"| {len(s.survivors['unexplained'])} | {s.counts[NO_COMPILE]} | {s.counts[TIMEOUT]} "
                   f"| {s.counts[ERROR]} | {s.kill_rate} | {s.strict_kill_rate} | {s.seconds:.0f} s |")
    out += ["", "Kill rate: killed / (killed + gap + unexplained); strict: killed / (killed + ungraded + gap + "
            "unexplained). Grading time: the gradings of this run, summed (not those taken from the cache).", ""]
    for s in summaries:
        out += [f"## {s.lab}", "", _figures(s) + ".", ""]
        if s.graded:
            out.append(f"- Kills most: `{_top(s)}`")
            ranked = ", ".join(f"`{check}` {count}" for check, count in s.kills.most_common())
            out.append(f"- Mutants each check fails: {ranked or 'none'}")
            out.append(f"- Kill nothing on their own: {', '.join(f'`{c}`' for c in s.no_unique_kill) or 'none'}")
            out.append("")
        for kind in ("unexplained", GAP, UNGRADED, EQUIVALENT):
            for mutant in s.survivors[kind]:
                out += [f"### {kind}: `{mutant.id}`", "", mutant.description, "", "```diff", mutant.diff().rstrip(),
                        "```", ""]
        for mutant, verdict in s.trouble:
            out += [f"### {verdict.status}: `{mutant.id}`", "", f"{mutant.description}: {verdict.detail}", ""]
    if audit.stale:
        out += ["## Stale ledger rows", ""]
        out += [f"- line {entry.line}: `{entry.id}`: {why}" for entry, why in audit.stale]
        out.append("")
    return "\n".join(out)
