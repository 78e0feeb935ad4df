"""scripts/grade-class on hostile entries, graded by a fake grader (fake_grader.py):
each entry that cannot be read is that student's error row, with a sentence
that says why, and the class goes on; links are never followed; names that
are not UTF-8 reach the gradebook as \\xNN. And an interrupted class grading
stops its graders and still writes the gradebook.

Every run waits for events (an exit, a line, a FIFO's message) with a
deadline, and kills what it started.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import select
import signal
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Callable

import pytest

from conftest import GRADER, KIT
from kit.archives import MAX_HEADER_BYTES, MAX_MEMBERS
from kit.intake import take_in_child

LAB = "01-creation-socket"
SOURCE = "CreationSocket.cpp"
FAKE_GRADER = GRADER / "tests" / "fake_grader.py"
DEADLINE = 120  # seconds for one grade-class run of a few entries with the fake grader


def grade_class_command(class_: Path, out: Path) -> list[str]:
    return [str(KIT / "scripts" / "grade-class"), str(class_), "--out", str(out), "--lab", LAB, "--jobs", "2"]


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "SLK_CLASS_GRADER": str(FAKE_GRADER), **extra}


def run_grade_class(class_: Path, out: Path) -> subprocess.CompletedProcess:
    """grade-class to its end (a hang fails at the deadline), its process group killed whatever happens."""
    process = subprocess.Popen(grade_class_command(class_, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=environment(), start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=DEADLINE)
    finally:
        kill_group(process)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout.decode(), stderr.decode())


def kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with (out / "gradebook.csv").open(encoding="utf-8") as file:  # strict UTF-8: a surrogate would fail here
        return {row["student"]: row for row in csv.DictReader(file)}


def total(row: dict[str, str]) -> str:
    return next(value for column, value in row.items() if column.startswith("total"))


def lab_folder(parent: Path) -> Path:
    """A submission's lab folder with one source."""
    folder = parent / LAB
    folder.mkdir(parents=True)
    (folder / SOURCE).write_text("int main() { return 0; }\n")
    return folder


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(data)
    tar.addfile(member, io.BytesIO(data))


def raw_header(kind: bytes, size: int) -> bytes:
    """A tar header of this type that declares `size` bytes after it."""
    header = tarfile.TarInfo("././@Header")
    header.type, header.size = kind, size
    return header.tobuf(tarfile.GNU_FORMAT)  # GNU: a size past 8 GB in base 256


# The hostile entries, each named mallory; a class also holds carol, an ordinary folder.

def non_utf8_member_name(class_: Path) -> None:
    with tarfile.open(class_ / "mallory.tar.gz", "w:gz", format=tarfile.GNU_FORMAT) as tar:
        add_bytes(tar, f"{LAB}/{SOURCE}", b"int main() { return 0; }\n")
        add_bytes(tar, os.fsdecode(f"{LAB}/".encode() + b"\xff.cpp"), b"// r\xe9seau\n")


def non_utf8_name_in_a_message(class_: Path) -> None:
    with tarfile.open(class_ / "mallory.tar.gz", "w:gz", format=tarfile.GNU_FORMAT) as tar:
        link = tarfile.TarInfo(os.fsdecode(f"{LAB}/".encode() + b"\xff"))
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(link)


def non_utf8_entry_name(class_: Path) -> None:
    (class_ / os.fsdecode(b"\xe9lise.tar.gz")).write_bytes(b"not an archive at all\n" * 40)


def bomb(kind: bytes) -> Callable[[Path], None]:
    def build(class_: Path) -> None:
        # 64 GB declared; the bytes are not there: tarfile would allocate them before reading.
        (class_ / "mallory.tar.gz").write_bytes(gzip.compress(raw_header(kind, 64 << 30) + b"\0" * 4096))
    return build


def global_headers_past_the_memory_limit(class_: Path) -> None:
    """Global PAX headers each under MAX_HEADER_BYTES, each with a key of its
    own: tarfile keeps them all, 600 MB of them (each followed by a file, or
    tarfile would recurse instead)."""
    value = b"a" * (MAX_HEADER_BYTES - 64)
    with (class_ / "mallory.tar.gz").open("wb") as out:
        for index in range(600):
            body = f"k{index}=".encode() + value + b"\n"
            record = f"{len(body) + 8} ".encode() + body          # the length counts its own 7 digits and space
            padding = b"\0" * (-len(record) % 512)
            file = tarfile.TarInfo(f"f{index}.txt")
            file.size = 1
            out.write(gzip.compress(raw_header(tarfile.XGLTYPE, len(record)) + record + padding
                                    + file.tobuf(tarfile.USTAR_FORMAT) + b"x" + b"\0" * 511, 1))


def link_to_dev_zero(class_: Path) -> None:
    folder = lab_folder(class_ / "mallory")
    (folder / SOURCE).unlink()
    (folder / SOURCE).symlink_to("/dev/zero")


def fifo_in_the_folder(class_: Path) -> None:
    folder = lab_folder(class_ / "mallory")
    (folder / SOURCE).unlink()
    os.mkfifo(folder / SOURCE)


def wrapper_linked_to_the_solutions(class_: Path) -> None:
    (class_ / "mallory").mkdir()
    (class_ / "mallory" / "my-labs").symlink_to(KIT / "solutions")


def entry_linked_to_the_solutions(class_: Path) -> None:
    (class_ / "mallory").symlink_to(KIT / "solutions")


def fifo_named_as_an_archive(class_: Path) -> None:
    os.mkfifo(class_ / "mallory.tar.gz")


def folders_past_the_bound(class_: Path) -> None:
    with tarfile.open(class_ / "mallory.tar.gz", "w:gz") as tar:
        for index in range(MAX_MEMBERS + 1):
            folder = tarfile.TarInfo(f"{LAB}/d{index}")
            folder.type = tarfile.DIRTYPE
            tar.addfile(folder)


def zip_with_permission_bits_only(class_: Path) -> None:
    with zipfile.ZipFile(class_ / "mallory.zip", "w") as zipped:
        member = zipfile.ZipInfo(f"{LAB}/{SOURCE}")
        member.create_system = 0              # as a Windows tool writes it: no file type in the high bits
        member.external_attr = 0o644 << 16
        zipped.writestr(member, "int main() { return 0; }\n")


ERROR, GRADED = "error", "graded"
CASES = [
    # (entry, what it does, student, status, in its note (error) or its total (graded))
    pytest.param(non_utf8_member_name, "mallory", GRADED, "10", id="a member's name is not UTF-8"),
    pytest.param(non_utf8_name_in_a_message, "mallory", ERROR, f"holds a member '{LAB}/\\xff' that is not a regular file",
                 id="a name that is not UTF-8, in the note"),
    pytest.param(non_utf8_entry_name, "lise", ERROR, "the archive \\xe9lise.tar.gz cannot be unpacked",
                 id="an entry's name is not UTF-8"),
    pytest.param(bomb(tarfile.XHDTYPE), "mallory", ERROR, "holds a PAX extended header that declares 68719476736 bytes",
                 id="a PAX header declares 64 GB"),
    pytest.param(bomb(tarfile.GNUTYPE_LONGNAME), "mallory", ERROR,
                 "holds a GNU long-name header that declares 68719476736 bytes", id="a GNU long name declares 64 GB"),
    pytest.param(global_headers_past_the_memory_limit, "mallory", ERROR, "needs more than 512 MB of memory to be read",
                 id="headers past the intake's memory limit"),
    pytest.param(link_to_dev_zero, "mallory", ERROR,
                 f"the folder mallory holds a symbolic link, {LAB}/{SOURCE} (links are never followed)",
                 id="a link to /dev/zero"),
    pytest.param(fifo_in_the_folder, "mallory", ERROR, f"the folder mallory holds a FIFO (named pipe), {LAB}/{SOURCE}",
                 id="a FIFO"),
    pytest.param(wrapper_linked_to_the_solutions, "mallory", ERROR, "the folder mallory holds a symbolic link, my-labs",
                 id="a wrapping folder linked to the kit's solutions"),
    pytest.param(entry_linked_to_the_solutions, "mallory", ERROR, "mallory is a symbolic link: links are never followed",
                 id="an entry linked to the kit's solutions"),
    pytest.param(fifo_named_as_an_archive, "mallory", ERROR, "mallory.tar.gz is a FIFO (named pipe), not a folder",
                 id="a FIFO named as an archive"),
    pytest.param(folders_past_the_bound, "mallory", ERROR, f"holds more than {MAX_MEMBERS} files and folders",
                 id="folders count against the bound"),
    pytest.param(zip_with_permission_bits_only, "mallory", GRADED, "10", id="a zip member with permission bits only"),
]


@pytest.mark.parametrize("entry, student, status, shows", CASES)
def test_a_hostile_entry_is_its_own_row_and_the_class_goes_on(tmp_path, entry, student, status, shows):
    class_ = tmp_path / "class"
    lab_folder(class_ / "carol")
    entry(class_)
    done = run_grade_class(class_, tmp_path / "grades")
    assert done.returncode == 0, done.stdout + done.stderr
    rows = gradebook(tmp_path / "grades")
    assert set(rows) == {"carol", student}
    assert (rows["carol"]["status"], total(rows["carol"])) == ("graded", "10")
    row = rows[student]
    assert row["status"] == status, row
    if status == ERROR:
        assert shows in row["note"], row["note"]
        assert f"not graded: {student}: {row['note']}" in done.stdout
        assert f"Not graded: {row['note']}." in (tmp_path / "grades" / "students" / student / "report.txt").read_text()
    else:
        assert total(row) == shows, row


def test_a_rerun_regrades_only_what_changed(tmp_path):
    class_ = tmp_path / "class"
    lab_folder(class_ / "alice")
    with tarfile.open(class_ / "bob.tar.gz", "w:gz") as tar:
        add_bytes(tar, f"bob-labs/{LAB}/{SOURCE}", b"int main() { return 1; }\n")
    carol = lab_folder(class_ / "carol")
    first = run_grade_class(class_, tmp_path / "grades")
    assert "3 submissions: 3 graded, 0 unchanged" in first.stdout, first.stdout + first.stderr
    (carol / SOURCE).write_text("int main() { return 2; }\n")
    rerun = run_grade_class(class_, tmp_path / "grades")
    assert "3 submissions: 1 graded, 2 unchanged since the last run" in rerun.stdout, rerun.stdout + rerun.stderr
    assert {student: row["status"] for student, row in gradebook(tmp_path / "grades").items()} == {
        "alice": "unchanged", "bob": "unchanged", "carol": "graded"}


def test_an_entry_that_keeps_the_intake_busy_is_stopped_at_its_timeout(tmp_path):
    """A GNU sparse header extended without end: tarfile reads its blocks one
    by one, for minutes, in constant memory. Only the timeout stops it."""
    header = bytearray(raw_header(tarfile.GNUTYPE_SPARSE, 0))
    header[482] = 1                                      # "extended": another block of the map follows
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)          # the checksum, over the header with its field blank
    extension = bytearray(512)
    extension[504] = 1                                   # and another, and another...
    blocks = gzip.compress(bytes(extension) * 8192, 9)   # 4 MB of them in 12 kB
    entry = tmp_path / "mallory.tar.gz"
    with entry.open("wb") as out:
        out.write(gzip.compress(bytes(header)))
        for _ in range(250):
            out.write(blocks)
    started = time.monotonic()
    intake = take_in_child(entry, tmp_path / "unpacked", [], timeout=1)
    assert intake.problem == "the entry mallory.tar.gz took more than 1 s to read (stopped)"
    assert time.monotonic() - started < 30


def read_until(fd: int, wanted: bytes, end: float, so_far: bytes = b"") -> bytes:
    """Bytes read from fd until they hold `wanted` (a line, a message); fails at `end`."""
    while wanted not in so_far:
        ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        assert ready, f"no {wanted!r} before the deadline; read so far: {so_far!r}"
        chunk = os.read(fd, 1 << 16)
        assert chunk, f"end of stream before {wanted!r}; read so far: {so_far!r}"
        so_far += chunk
    return so_far


def gone(pid: int, timeout: float) -> bool:
    """The process has ended (a zombie counts), or ends within timeout: its pidfd becomes readable."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def pids(message: bytes) -> list[int]:
    """The pids of the fake graders' "blocked PID CHILD_PID" lines."""
    return [int(pid) for line in message.decode().splitlines() for pid in line.split()[1:]]


def drain(fd: int) -> bytes:
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return b""


@pytest.mark.parametrize("number, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_class_grading_stops_its_graders_and_writes_the_gradebook(tmp_path, number, status):
    class_ = tmp_path / "class"
    lab_folder(class_ / "alice")
    for student in ("bob", "carol"):       # their fake grader blocks until it is killed
        (lab_folder(class_ / student).parent / "block").touch()
    events_path = tmp_path / "events"
    os.mkfifo(events_path)
    events = os.open(events_path, os.O_RDONLY | os.O_NONBLOCK)
    keep_open = os.open(events_path, os.O_WRONLY)  # a writer of our own: no end of file between the graders' lines
    process = subprocess.Popen(grade_class_command(class_, tmp_path / "grades"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environment(SLK_FAKE_GRADER_EVENTS=str(events_path)),
                               start_new_session=True)
    message = b""
    try:
        end = time.monotonic() + DEADLINE
        read_until(process.stderr.fileno(), b"[1/3] alice: 10/10", end)
        message = read_until(events, b"\n", end)   # bob's grader, started beside alice's, is blocked
        os.kill(process.pid, number)
        stdout, stderr = process.communicate(timeout=DEADLINE)
        message += drain(events)                     # carol's grader, if it started before the signal
        assert process.returncode == status, stdout.decode() + stderr.decode()
        assert len(pids(message)) in (2, 4), message
        assert [pid for pid in pids(message) if not gone(pid, timeout=10)] == []
        rows = gradebook(tmp_path / "grades")
        assert (rows["alice"]["status"], total(rows["alice"])) == ("graded", "10")
        for student in ("bob", "carol"):
            assert (rows[student]["status"], rows[student]["note"]) == ("error", "the class grading was interrupted")
        assert f"interrupted by {signal.Signals(number).name} with 1 of 3 submissions finished" in stderr.decode()
        assert "not graded: bob: the class grading was interrupted" in stdout.decode()
    finally:
        if process.poll() is None:      # a failure above: let grade-class stop its graders, then make sure
            os.kill(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=DEADLINE)
            except subprocess.TimeoutExpired:
                pass
        kill_group(process)
        for pid in pids(message + drain(events)):
            if not gone(pid, timeout=0):
                os.kill(pid, signal.SIGKILL)
        os.close(events)
        os.close(keep_open)
