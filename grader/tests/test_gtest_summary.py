"""Reading a GoogleTest run's output into feedback: failed tests, a crash."""

from checks.gtest import summarize

PASSING_AND_FAILING = """\
[==========] Running 3 tests from 1 test suite.
[ RUN      ] HashPayload.EndsInHash
test_tcp_hidden.cpp:40: Failure
Expected equality of these values:
  n
    Which is: -1
  3
Receive must end the frame at the first "#)"
[  FAILED  ] HashPayload.EndsInHash (2003 ms)
[ RUN      ] HashPayload.Middle
[       OK ] HashPayload.Middle (0 ms)
[ RUN      ] HashPayload.Refused
"""


def test_failed_tests_are_named_with_their_messages():
    failed, unfinished, text = summarize(PASSING_AND_FAILING + "[       OK ] HashPayload.Refused (0 ms)\n"
                                         "[  FAILED  ] HashPayload.EndsInHash (2003 ms)\n")
    assert failed == ["HashPayload.EndsInHash"]
    assert unfinished is None
    assert 'Receive must end the frame at the first "#)"' in text
    assert "HashPayload.Middle" not in text


def test_the_test_running_at_a_crash_is_named():
    failed, unfinished, text = summarize(PASSING_AND_FAILING)
    assert failed == ["HashPayload.EndsInHash"]
    assert unfinished == "HashPayload.Refused"
    assert "[ RUN      ] HashPayload.Refused" in text
