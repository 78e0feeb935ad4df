"""Starting programs like a terminal would: line-buffered output on a pty,
stderr apart, limits, bounded output, exit statuses."""

import re
import subprocess
import time
from pathlib import Path

import pytest

from kit.process import OUTPUT_CAP, Limits, start_program

PRINT_THEN_PAUSE = r"""
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("ready %d\n", (int)getpid()); pause(); return 0; }
"""


def run(command, *, interactive=False, limits=Limits()):
    return start_program(Path(command[0]), command[1:], cwd=Path("/tmp"), env={"PATH": "/usr/bin:/bin"},
                         limits=limits, prefix=[], interactive=interactive)


@pytest.fixture
def started():
    programs = []
    yield programs
    for program in programs:
        program.signal(9)
        program.wait_exit(time.monotonic() + 5)
        program.close()


def test_stdio_output_shows_before_the_program_ends(tmp_path, started):
    """printf() without fflush(), then pause(): a pipe would keep the line in
    the buffer; the grader's terminal gets it at once."""
    source = tmp_path / "ready.c"
    source.write_text(PRINT_THEN_PAUSE)
    subprocess.run(["cc", "-o", str(tmp_path / "ready"), str(source)], check=True)
    program = run([str(tmp_path / "ready")])
    started.append(program)
    match = program.match_stdout(re.compile(r"ready (\d+)"), time.monotonic() + 5)
    assert match and int(match.group(1)) == program.pid
    assert program.running()


def test_stderr_is_kept_apart(started):
    program = run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"])
    started.append(program)
    status = program.wait_exit(time.monotonic() + 5)
    assert status.code == 3 and status.describe() == "exited with status 3"
    assert program.stdout.text == "out\n" and program.stderr.text == "err\n"


def test_a_crash_is_named(started):
    program = run(["/bin/sh", "-c", "kill -SEGV $$"])
    started.append(program)
    status = program.wait_exit(time.monotonic() + 5)
    assert status.crashed and "SIGSEGV" in status.describe() and "crashed" in status.describe()


def test_output_is_bounded_and_never_blocks_the_program(started):
    program = run(["/usr/bin/head", "-c", str(4 * OUTPUT_CAP), "/dev/zero"])
    started.append(program)
    assert program.wait_exit(time.monotonic() + 10).code == 0
    assert len(program.stdout.data) == OUTPUT_CAP and program.stdout.dropped == 3 * OUTPUT_CAP


def test_limits_apply(started):
    program = run(["/bin/sh", "-c", "ulimit -n; ulimit -t"], limits=Limits(open_files=32, cpu_seconds=7))
    started.append(program)
    program.wait_exit(time.monotonic() + 5)
    assert program.stdout.text.split() == ["32", "7"]


def test_wait_exit_times_out_on_a_running_program(started):
    program = run(["/bin/sleep", "30"])
    started.append(program)
    assert program.wait_exit(time.monotonic() + 0.1) is None
    assert program.running()


def test_interactive_programs_read_the_terminal(started):
    program = run(["/bin/sh", "-c", 'read line; echo "got:$line"'], interactive=True)
    started.append(program)
    program.write_stdin(b"5 * 3\n")
    assert program.match_stdout(re.compile(r"got:5 \* 3"), time.monotonic() + 5)
