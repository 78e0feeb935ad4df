"""Taking in one entry of a class for scripts/grade-class, in a child process:
its archive unpacked, its tree checked and fingerprinted, its sources read
for the similarity report.

An entry is a student's: an archive may be a bomb (gigabytes declared in a
header, members that unpack without end), a folder may hold a link to
/dev/zero or to the kit's solutions, a FIFO (a read that never ends), names
that are not UTF-8. So grade-class reads none of it itself: each entry is
taken in by `python3 -m kit.intake` (take_in_child), which limits its own
memory first thing, is killed at INTAKE_TIMEOUT, and answers with one line
of JSON. Whatever goes wrong is that entry's `problem`, the sentence of its
gradebook row, never the class's.

The whole tree is checked before anything else looks at it: folders and
regular files only (a link is refused, never followed; so are FIFOs and
devices), at most MAX_MEMBERS entries and MAX_BYTES of files: the bounds an
archive is unpacked with, and a folder gets the same.

usage (grade-class runs it): python3 -m kit.intake ENTRY UNPACKED [LAB ...]
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import stat
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import children
from .archives import MAX_BYTES, MAX_MEMBERS, BadArchive, submission_root, unpack
from .labs import Lab, lab_named, submitted_folder
from .safefs import Refused, describe_mode, is_folder, read_regular, size_words, walk
from .similarity import lab_prints

GRADER = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 512 << 20   # address space of the child: unpacking needs a few MB, hashing MAX_BYTES at most
INTAKE_TIMEOUT = 120       # seconds: a few for the largest entry the bounds let through
ANSWER_LIMIT = 32 << 20    # bytes of JSON: MAX_LAB_SOURCE per lab bounds the fingerprints


@dataclass
class Intake:
    folder: str = ""         # the folder holding its lab folders, graded as it is
    fingerprint: str = ""    # of every name and file of the entry: unchanged, not regraded
    prints: dict[str, list[int]] = field(default_factory=dict)  # lab -> similarity fingerprints
    problem: str = ""        # why it cannot be graded


def hash_tree(digest: "hashlib._Hash", root: Path, max_entries: int, max_bytes: int, trusted: bool = False) -> None:
    """Add every name under root, and the bytes of every regular file, to digest,
    links never followed. Refused past max_entries or max_bytes, and on anything
    but folders and regular files; unless trusted (the kit): then a link is
    hashed as its target's path (solutions/ shares sources between labs), a FIFO
    or a device as its kind, neither read."""
    total = 0
    for relative, info in walk(root, max_entries):
        digest.update(os.fsencode(relative) + b"\0")
        mode = info.st_mode
        if stat.S_ISDIR(mode):
            digest.update(b"/\0")
        elif stat.S_ISREG(mode):
            if total + info.st_size > max_bytes:
                raise Refused(f"holds more than {size_words(max_bytes)} of files")
            data = read_regular(root, relative, max_bytes - total)
            total += len(data)
            digest.update(data + b"\0")
        elif trusted:
            what = os.readlink(root / relative) if stat.S_ISLNK(mode) else describe_mode(mode)
            digest.update(b"-> " + os.fsencode(what) + b"\0")
        else:
            never = " (links are never followed)" if stat.S_ISLNK(mode) else ""
            raise Refused(f"holds {describe_mode(mode)}, {relative}{never}")


def take_in(entry: Path, unpacked: Path, labs: list[Lab]) -> Intake:
    """The entry (a folder, or an archive unpacked into `unpacked`), checked,
    fingerprinted and read for the similarity of these labs; or its problem."""
    is_archive = not is_folder(entry)
    what, folder = (f"the archive {entry.name}", unpacked) if is_archive else (f"the folder {entry.name}", entry)
    try:
        if is_archive:
            unpack(entry, unpacked)
        digest = hashlib.sha256()
        hash_tree(digest, folder, MAX_MEMBERS, MAX_BYTES)
        root = submission_root(folder)
        prints = {}
        for lab in labs:
            lab_folder, _ = submitted_folder(root, lab)
            if lab_folder is not None:
                prints[lab.name] = sorted(lab_prints(lab_folder, lab.student_files))
    except (BadArchive, Refused) as error:
        return Intake(problem=f"{what} {error}")
    except OSError as error:
        return Intake(problem=f"{what} cannot be read: {error.strerror or error}")
    except MemoryError:
        return Intake(problem=f"{what} needs more than {size_words(MEMORY_LIMIT)} of memory to be read")
    return Intake(str(root), digest.hexdigest(), prints)


def take_in_child(entry: Path, unpacked: Path, labs: list[str], timeout: float = INTAKE_TIMEOUT) -> Intake:
    """take_in in a child process of its own, bounded in memory and in time
    (timeout: INTAKE_TIMEOUT but in a test); children.Stopped if grade-class
    is interrupted meanwhile."""
    done = children.run([sys.executable, "-m", "kit.intake", str(entry), str(unpacked), *labs],
                        timeout, ANSWER_LIMIT, cwd=GRADER)
    if done.timed_out:
        return Intake(problem=f"the entry {entry.name} took more than {timeout:g} s to read (stopped)")
    lines = done.output.decode(errors="replace").strip().splitlines()
    if done.returncode == 0 and not done.dropped and lines:
        try:
            return Intake(**json.loads(lines[-1]))
        except (ValueError, TypeError):
            pass
    return Intake(problem=f"reading the entry {entry.name} failed (status {done.returncode}): "
                          f"{lines[-1] if lines else 'no output'}")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    intake = take_in(Path(argv[0]), Path(argv[1]), [lab_named(name) for name in argv[2:]])
    print(json.dumps(asdict(intake)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
