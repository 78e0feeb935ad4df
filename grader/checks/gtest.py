"""Running a GoogleTest binary as a check: one test suite per check.

A failure shows which tests failed and what each one said (the tests' messages
explain what the library should do); a crash names its signal and the test
that was running; a sanitizer report is the feedback of the sanitizer check.
"""

import re

from kit.text import cut

RUN = re.compile(r"^\[ RUN      \] (\S+)", re.MULTILINE)
FAILED = re.compile(r"^\[  FAILED  \] (\S+) \(", re.MULTILINE)
OK = re.compile(r"^\[       OK \] (\S+)", re.MULTILINE)
PER_TEST = 1200      # characters of one test's messages shown
SHOWN_TESTS = 4


def test_blocks(output: str) -> dict[str, str]:
    """Each test's output, from its RUN line to its verdict (or to the end)."""
    starts = [(m.start(), m.group(1)) for m in RUN.finditer(output)]
    blocks = {}
    for i, (start, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(output)
        blocks[name] = output[start:end].replace("\r", "")
    return blocks


def summarize(output: str) -> tuple[list[str], str | None, str]:
    """(failed tests, the test that did not finish, their messages)."""
    blocks = test_blocks(output)
    failed = [name for name in FAILED.findall(output) if name in blocks]
    failed = list(dict.fromkeys(failed))
    finished = set(OK.findall(output)) | set(failed)
    unfinished = next((name for name in blocks if name not in finished), None)
    shown = failed[:SHOWN_TESTS] + ([unfinished] if unfinished else [])
    text = "\n\n".join(cut(blocks[name].strip(), PER_TEST) for name in shown)
    if len(failed) > SHOWN_TESTS:
        text += f"\n\n(…and {len(failed) - SHOWN_TESTS} more failed tests: {', '.join(failed[SHOWN_TESTS:])})"
    return failed, unfinished, text


def run_suite(run, suite: str, binary: str = "tcp_tests", what: str = "") -> None:
    """Run one suite of the lab's test binary; every test in it must pass."""
    program = run.start(binary, f"--gtest_filter={suite}.*", "--gtest_color=no")
    status = run.expect_exit(program, hint="A test waits for something your library never does (each blocking "
                                           "call of the tests gives up after 2 s).")
    output = program.stdout.text
    failed, unfinished, messages = summarize(output)
    passed_line = re.search(r"^\[  PASSED  \] (\d+) test", output, re.MULTILINE)
    if status.code == 0 and passed_line and int(passed_line.group(1)) == 0:
        run.fail(f"the tests of {suite} run{what}", "there is no such test in the test program",
                 f"The tests of {suite} are built only when your TCP.h declares what they test "
                 "(for Decoder: the FrameDecoder class, with TCP_FRAME_DECODER defined, as in the kit's TCP.h).")
    if status.code == 0 and passed_line and not failed:
        run.note(f"{passed_line.group(1)} tests of {suite} passed")
        return
    if unfinished and status.code != 0:
        observed = f"the test binary {status.describe()} during {unfinished}"
    elif failed:
        observed = f"{len(failed)} test(s) failed: {', '.join(failed)}"
    else:
        observed = f"the test binary {status.describe()}"
    run.fail(f"every test of {suite} passes{what}", observed + ("\n\n" + messages if messages else ""),
             "Each test's message says what the library must do. Run them at home: make test, in your "
             "08-tcp-lib folder (the visible tests), or this one with the replay command below.")


def run_under_sanitizers(run, binary: str = "tcp_tests-asan") -> None:
    """The whole suite built with ASan + UBSan: no sanitizer report, no crash.
    Test failures and slow tests are the other checks' business: a run still
    going when the time is up is judged on what it has done so far."""
    program = run.start(binary, "--gtest_color=no", limits=run.limits(address_space=None))
    with run.transcript.step(f"wait for {program.name} to end (or for the time to run out)") as step:
        status = program.wait_exit(run.deadline.until(max(0.0, run.deadline.remaining() - 2.0)))
        step.outcome = status.describe() if status else "still running: judged on the tests it ran"
    failure = run.sanitizer_failure()
    if failure is not None:
        raise failure
    if status is not None:
        run.require(status.code in (0, 1) and status.signal is None,
                    "the test binary ends without a crash (test failures are counted by the other checks)",
                    f"it {status.describe()}", "Read the test that was running when it stopped.")
