"""Lab 08's hidden checks: the TCP library under the grader's GoogleTest suite
(grader/gtest/test_tcp_hidden.cpp with the lab's visible tests), one suite per
check, and the whole suite under ASan + UBSan. Visible after the due date;
left out of the student bundle (make dist), with the hidden test source.
"""

from kit.check import check

from checks.gtest import run_suite, run_under_sanitizers

LAB = "08-tcp-lib"


SUITES = (
    ("RoundTrip", "sends and receives payloads of every size up to TAILLE_MAX_DATA, text and binary", 1),
    ("HashPayload", "keeps payloads that contain or end with '#' intact, and refuses one holding \"#)\"", 2),
    ("Bound", "never writes past TAILLE_MAX_DATA bytes: a longer frame is refused (EMSGSIZE) and skipped", 2),
    ("Segmentation", "delivers frames split in any number of pieces, and glued frames one by one", 2),
    ("Buffered", "reads whole chunks, not one byte per read() (same wire format)", 1),
    ("Interrupts", "retries after EINTR and finishes short writes: a signal loses no byte", 2),
    ("Errors", "reports end of connection, resets and refused connections, leaking no descriptor", 1),
    ("Accept", "ServerSocket listens on 0.0.0.0; Accept gives the client's IP address", 1),
    ("Decoder", "FrameDecoder (for lab 12) cuts frames out of bytes in any pieces; a frame too long is final", 1),
)


def suite_check(suite: str, name: str, points: int):
    @check(f"lib-{suite.lower()}", f"TCP library: {name}", points=points, timeout=40,
           visibility="after_due_date")
    def check_suite(run):
        run_suite(run, suite)
    check_suite.__name__ = f"check_lib_{suite.lower()}"
    return check_suite


for _suite, _name, _points in SUITES:
    globals()[f"check_lib_{_suite.lower()}"] = suite_check(_suite, _name, _points)


@check("lib-sanitizers", "TCP library: the whole test suite runs clean under AddressSanitizer and UBSan",
       points=1, timeout=60, visibility="after_due_date")
def check_lib_sanitizers(run):
    run_under_sanitizers(run)
