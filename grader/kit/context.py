"""What the grader tells a runner about the lab it is to check (saved as JSON).

Its paths are those the runner sees: inside a sandbox, the folders of its
view (cli.RunLayout), not the host's."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class RunContext:
    lab: str                                  # "04-accept"
    check_module: str                         # "checks.lab04_accept"
    build_dir: str                            # the lab's build folder (programs' cwd)
    programs: dict[str, str | None]           # program name -> binary, or None if not built
    isolation: str                            # a sandbox.Isolation value
    slot: int                                 # picks the run's addresses (network.py)
    uid: int                                  # the slot's grading uid: programs run under it (sandbox.drop)
    work_dir: str                             # the runner's own folder (programs cannot enter it)
    shared_dir: str                           # files the checks write for the programs (read-only to them)
    submission: str = ""                      # shown in the replay command
    sanitize: bool = False                    # programs built with ASan + UBSan
    trace: bool = False                       # the TCP segments of passing checks too
    seed: int = 0                             # the adversarial peer's choices (see Session.rng)
    keep: bool = False                        # leave each check's files (outputs, feedback) in work_dir
    state_trace: str = ""                     # a tracefs instance recording TCP states (kerneltrace.py)
    state_trace_missing: str = ""             # or why there is none
    fill_fds_lib: str | None = None           # preload library that uses up descriptors
    check_ids: list[str] = field(default_factory=list)  # only these (all when empty)
    build_note: str = ""                      # why a program is missing, for feedback
    timeout_scale: float = 1.0                # multiplies every check's time budget
    reference_programs: dict[str, str | None] = field(default_factory=dict)  # the lab's reference, built
    variant: str = ""                         # e.g. "linked with the reference TCP library"
    tools: dict[str, str] = field(default_factory=dict)  # tool name -> binary, or why it is missing
    tools_missing: dict[str, str] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def load(cls, path: Path) -> "RunContext":
        return cls(**json.loads(path.read_text()))
