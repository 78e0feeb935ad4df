"""The grader on whole submissions: the reference, the skeletons, the course's
own programs, and broken programs (each check tested both ways)."""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import (GRADER, KIT, apply, checks, copy_solutions, grade, mutant_header, needs_namespaces, outcome,
                      scored_checks)
from kit.check import load_checks
from kit.labs import all_labs

pytestmark = needs_namespaces  # see conftest: these programs may resolve real names

ALL_MUTANTS = sorted((GRADER / "tests" / "mutants").glob("*/*.patch"))
# SLK_MUTANT_LABS="08-tcp-lib 09-iterative-server": grade only these labs' mutants (while working on them).
MUTANTS = [patch for patch in ALL_MUTANTS
           if not os.environ.get("SLK_MUTANT_LABS") or patch.parent.name in os.environ["SLK_MUTANT_LABS"].split()]
COURSE = GRADER / "tests" / "course"


def test_reference_scores_full_marks(reference_results):
    failed = {t["name"]: t["output"] for t in checks(reference_results) if t["status"] != "passed"}
    assert not failed, "\n\n".join(f"{name}\n{output}" for name, output in failed.items())
    assert reference_results["score"] == sum(t["max_score"] for t in reference_results["tests"])
    labs = {t["tags"][0] for t in reference_results["tests"]}
    assert labs == {lab.name for lab in all_labs()}


def test_results_follow_gradescope_schema(reference_results):
    for test in reference_results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")
        assert re.match(r"^\d\d-[a-z-]+: ", test["name"]), test["name"]
        assert test["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    assert isinstance(reference_results["score"], (int, float))


def test_skeletons_earn_no_points():
    results = grade("--submission", str(KIT / "labs"))
    earned = {t["name"]: t["score"] for t in checks(results) if t["score"] > 0}
    assert not earned, f"skeletons earn points: {earned}"
    builds = [t for t in results["tests"] if t["extra_data"]["id"].endswith("/build")]
    assert builds and all(t["status"] == "passed" for t in builds), "every skeleton compiles"


def test_reference_is_clean_under_sanitizers():
    results = grade("--sanitize")
    failed = {t["name"]: t["output"] for t in checks(results) if t["status"] != "passed"}
    assert not failed, "\n\n".join(f"{name}\n{output}" for name, output in failed.items())


MUTANT_WORKERS = 3  # gradings at once: much of a broken program's grading is waiting (3: 186 s, 2: 265 s, warm)


@pytest.fixture(scope="module")
def mutant_results(tmp_path_factory) -> dict[Path, dict | BaseException]:
    """Every mutant graded (several at once: each grading takes free slots of its own)."""
    def grade_mutant(patch: Path) -> tuple[Path, dict | BaseException]:
        try:
            lab = patch.parent.name
            submission = copy_solutions(tmp_path_factory.mktemp("mutant") / "submission", lab)
            apply(patch, submission)
            # One seed: the same cuts of requests every run (a mutant's verdict must not hang on them).
            return patch, grade("--submission", str(submission), "--lab", lab, "--seed", "1", *scored_checks(lab),
                                env={"SLK_TIMEOUT_SCALE": "0.3"})
        except BaseException as error:  # reported by that mutant's own test
            return patch, error
    tmp_path_factory.getbasetemp()  # made once here: mktemp() from two threads at once may race to make it
    with ThreadPoolExecutor(max_workers=MUTANT_WORKERS) as pool:
        return dict(pool.map(grade_mutant, MUTANTS))


@pytest.mark.parametrize("patch", MUTANTS, ids=[f"{p.parent.name}/{p.stem}" for p in MUTANTS])
def test_mutant_loses_exactly_its_points(patch, mutant_results):
    results = mutant_results[patch]
    if isinstance(results, BaseException):
        raise results
    breaks, shows = mutant_header(patch)
    failed = {id for id, status in outcome(results).items() if status != "passed"}
    expected = set(outcome(results)) if breaks is None else breaks
    assert failed == expected, "\n\n".join(t["name"] + "\n" + t["output"] for t in checks(results)
                                           if t["extra_data"]["id"] in failed ^ expected)
    for test in checks(results):
        if test["extra_data"]["id"] in failed:
            assert test["extra_data"]["outcome"] == "failed", test["output"]
            assert shows in test["output"] + "".join(t["output"] for t in results["tests"]), test["output"]


def test_every_check_is_caught_by_some_mutant():
    """Each check must fail on at least one program with its bug (and pass on the reference)."""
    covered: set[str] = set()
    for patch in ALL_MUTANTS:
        breaks, _ = mutant_header(patch)
        lab = patch.parent.name
        covered |= {spec.id for _, spec in load_checks(f"checks.lab{lab.replace('-', '_')}")} if breaks is None else breaks
    declared = {spec.id for lab in all_labs() for _, spec in load_checks(lab.check_module) if spec.points > 0}
    assert declared - covered == set(), "checks no mutant fails"
    assert covered - declared == set(), "mutants name checks that do not exist"


SLOW = GRADER / "tests" / "slow"


def measured(results: dict, check_id: str) -> str:
    found = [t for t in results["tests"] if t["extra_data"]["id"] == check_id]
    assert found and found[0]["max_score"] == 0, f"{check_id}: no such measurement (no points)"
    return found[0]["extra_data"].get("measured", "")


def test_reference_servers_are_measured_against_themselves(reference_results):
    """Throughput feedback (no points) of labs 10-12: a ratio per library variant, no hint."""
    for lab in ("10-smop-threads", "11-smop-pool", "12-smop-epoll"):
        text = measured(reference_results, f"{lab}/throughput")
        ratios = [float(r) for r in re.findall(r": ([0-9.]+)×$", text, re.MULTILINE)]
        assert len(ratios) == (2 if lab.startswith("10") else 3), text
        assert "Hint:" not in text and min(ratios) >= 0.2, text


def test_a_slow_library_gets_the_throughput_hint(tmp_path):
    """A library that writes each reply in two pieces (Nagle then waits for the
    delayed ACK): the variant linked with it is far slower than the reference
    and gets the hint; linked with the kit's library, the same server is not."""
    patch = SLOW / "08-tcp-lib" / "two-writes.patch"
    submission = copy_solutions(tmp_path / "submission", "08-tcp-lib", "10-smop-threads")
    apply(patch, submission)
    results = grade("--submission", str(submission), "--lab", "10", "--check", "10-smop-threads/throughput")
    text = measured(results, "10-smop-threads/throughput")
    yours, kits = (float(r) for r in re.findall(r": ([0-9.]+)×$", text, re.MULTILINE))
    assert yours < 0.2 <= kits, text
    assert mutant_header(patch)[1] in text
    assert results["score"] == 0 and all(t["status"] == "passed" for t in results["tests"]), "no points, none lost"


def test_missing_lab_scores_zero_as_not_submitted(tmp_path):
    submission = copy_solutions(tmp_path / "submission", "01-creation-socket")
    results = grade("--submission", str(submission), "--lab", "01", "02")
    by_lab = {}
    for test in checks(results):
        by_lab.setdefault(test["tags"][0], []).append(test)
    assert all(t["status"] == "passed" for t in by_lab["01-creation-socket"])
    assert all(t["score"] == 0 and "Not submitted" in t["output"] for t in by_lab["02-name-resolution"])
    assert results["score"] == sum(t["max_score"] for t in by_lab["01-creation-socket"])


def test_only_named_files_are_built(tmp_path):
    """A submission's own Makefile is not used (the kit builds with its own),
    and files the handout does not name are reported as ignored."""
    submission = copy_solutions(tmp_path / "submission", "01-creation-socket")
    (submission / "01-creation-socket" / "Makefile").write_text("all:\n\tfalse\n")
    (submission / "01-creation-socket" / "notes.cpp").write_text("this is not C++\n")
    results = grade("--submission", str(submission), "--lab", "01")
    build = next(t for t in results["tests"] if t["max_score"] == 0)
    assert "Ignored (the kit builds with its own Makefile): notes.cpp" in build["output"]
    assert all(t["status"] == "passed" for t in checks(results))


def test_course_programs_score_as_documented():
    """The course's own programs (transcribed in grader/tests/course/): correct
    for what they do, except lab 02's, whose names are fixed in its code, and
    the TCP library and the SMOP servers, whose defects the checks exist to catch
    (unbounded copies, a '#' look-ahead, strtok on malformed requests, a login
    state that outlives its connection, a socket left open after LOGOUT, an
    unchecked queue, a client that sends what it did not validate, a failed
    getaddrinfo() left unreported, unchecked getpeername() and pthread_create())."""
    labs = sorted(folder.name for folder in COURSE.iterdir())
    results = grade("--submission", str(COURSE), "--lab", *labs, *scored_checks(*labs),
                    env={"SLK_TIMEOUT_SCALE": "0.3"})
    failed = {id for id, status in outcome(results).items() if status != "passed"}
    # The tests are compiled against the contract (the kit's TCP.h): the course's
    # header declares Send and ClientSocket with char*, not const char*, so no
    # suite of the library's links with it, round trips included.
    library = {f"08-tcp-lib/lib-{suite}" for suite in ("roundtrip", "hashpayload", "bound", "segmentation", "buffered",
                                                       "interrupts", "errors", "accept", "decoder", "sanitizers")}
    smop = {f"10-smop-threads/{key}" for key in ("login", "oper", "malformed", "vanish", "concurrent",
                                                  "adversaries")} \
        | {"11-smop-pool/protocol", "11-smop-pool/queue-full", "11-smop-pool/half-close"} \
        | {"10-smop-threads/client"}  # scanf("%d %c %d") takes "5 x 3" for an operation and sends OPER#x#5#3
    # ThreadSanitizer sees the course's races only when its threads happen to
    # overlap (it orders threads through socket I/O): either outcome is right.
    # The course's ClientTest sends its structure's padding uninitialised:
    # the wire shows whatever the stack held, zeros or not.
    either = {"10-smop-threads/data-races", "11-smop-pool/data-races", "08-tcp-lib/client-wire"}
    # The course's DemandeConnexion ends with exit(1) when getaddrinfo() fails, saying nothing;
    # its AttenteConnexion leaves getpeername() unchecked, its pool pthread_create().
    assert failed - either == {"02-name-resolution/forward-any", "02-name-resolution/reverse",
                               "02-name-resolution/unknown-host", "02-name-resolution/numbers-only",
                               "05-connect/names", "04-accept/errors", "11-smop-pool/server-errors"} | library | smop
    feedback = {t["extra_data"]["id"]: t["output"] for t in checks(results)}
    assert "undefined reference to `Send(int, char const*, int)'" in feedback["08-tcp-lib/lib-roundtrip"]
    # After LOGOUT the course's thread returns without closing the socket.
    assert "Once the pending replies are sent, close the connection." in feedback["11-smop-pool/half-close"]


def test_a_library_defect_costs_points_once(tmp_path):
    """Lab 09 links the student's 08-tcp-lib: with a broken Send there, 09 still
    scores full marks (graded again with the kit's library) and says why."""
    submission = copy_solutions(tmp_path / "submission", "08-tcp-lib", "09-iterative-server")
    library = submission / "08-tcp-lib" / "TCP.cpp"
    text = library.read_text()
    assert text.count("int Send(int sSocket") == 1
    library.write_text(text.replace("int Send(int sSocket", "int Send_replaced(int sSocket")
                       + "\nint Send(int, const char*, int taille) { return taille; }  // sends nothing\n")
    results = grade("--submission", str(submission), "--lab", "09", env={"SLK_TIMEOUT_SCALE": "0.3"})
    tests = checks(results)
    assert tests and all(t["status"] == "passed" for t in tests), [t["name"] for t in tests if t["status"] != "passed"]
    echo = next(t for t in tests if t["extra_data"]["id"] == "09-iterative-server/echo")
    assert "has a defect" in echo["output"]
    assert "Linked with your 08-tcp-lib: FAILED" in echo["output"]
