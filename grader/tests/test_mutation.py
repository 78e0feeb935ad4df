"""The mutation analysis (grader/mutation, make mutation): its operators on a
small C++ file, the stability of its ids, its runner's verdicts on real
gradings of lab 01 and on a grader that hangs, and the ledger's verdict on a
run (with a fake grading: fast).
"""

from __future__ import annotations

import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest

from conftest import KIT, needs_namespaces, wait_until
from kit import packaging, procfs
from mutation import cli, ledger, report
from mutation.cache import Cache
from mutation.mutants import ID, Edit, Mutant, Site, number
from mutation.operators import find_sites
from mutation.runner import KILLED, NO_COMPILE, SURVIVED, TIMEOUT, Runner, Settings, Verdict
from mutation.sources import solution_files

SNIPPET = """\
#include <arpa/inet.h>
#include <mutex>
#include <sys/socket.h>
#include <unistd.h>

std::mutex guard;

int outside(int fd)
{
    close(fd);
    return fd < 3;
}

bool serve(int fd, int port)
{
    // BEGIN SOLUTION: serve
    const std::lock_guard<std::mutex> lock(guard);
    if (shutdown(fd, SHUT_WR) == -1)
        return false;
    char buffer[16] = {};
    ssize_t total = 0;
    while (total < 10) {
        total += send(fd, buffer, sizeof buffer, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    const int twice = MSG_PEEK | MSG_PEEK;
    const unsigned short p = htons(port);
    close(fd);
    return p > twice;
    // END SOLUTION
}
"""


def mutants_of(folder: Path, text: str = SNIPPET) -> list[Mutant]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Snippet.cpp").write_text(text)
    return number(site for source in solution_files(folder) for site in find_sites(source))


def changed_lines(mutant: Mutant) -> tuple[list[str], list[str]]:
    lines = mutant.diff(context=0).splitlines()[2:]
    return ([line[1:].strip() for line in lines if line.startswith("-")],
            [line[1:].strip() for line in lines if line.startswith("+")])


@pytest.fixture(scope="module")
def snippet(tmp_path_factory) -> list[Mutant]:
    return mutants_of(tmp_path_factory.mktemp("snippet") / "99-snippet")


def made(mutants: list[Mutant], operator: str) -> list[tuple[list[str], list[str]]]:
    return [changed_lines(m) for m in mutants if m.operator == operator]


# --- operators --------------------------------------------------------------

@pytest.mark.parametrize("operator, before, after", [
    ("delete-call", ["close(fd);"], []),
    ("remove-lock", ["const std::lock_guard<std::mutex> lock(guard);"], []),
    ("unchecked", ["if (shutdown(fd, SHUT_WR) == -1)"], ["if (((void)(shutdown(fd, SHUT_WR) == -1), false))"]),
    ("drop-flag", ["total += send(fd, buffer, sizeof buffer, MSG_NOSIGNAL | MSG_DONTWAIT);"],
     ["total += send(fd, buffer, sizeof buffer, MSG_DONTWAIT);"]),
    ("drop-flag", ["total += send(fd, buffer, sizeof buffer, MSG_NOSIGNAL | MSG_DONTWAIT);"],
     ["total += send(fd, buffer, sizeof buffer, MSG_NOSIGNAL);"]),
    ("one-pass", [], ["break;"]),
    ("comparison", ["if (shutdown(fd, SHUT_WR) == -1)"], ["if (shutdown(fd, SHUT_WR) != -1)"]),
    ("comparison", ["while (total < 10) {"], ["while (total <= 10) {"]),
    ("comparison", ["return p > twice;"], ["return p >= twice;"]),
    ("constant", ["while (total < 10) {"], ["while (total < 11) {"]),
    ("constant", ["while (total < 10) {"], ["while (total < 9) {"]),
    ("constant", ["total += send(fd, buffer, sizeof buffer, MSG_NOSIGNAL | MSG_DONTWAIT);"],
     ["total += send(fd, buffer, (sizeof buffer + 1), MSG_NOSIGNAL | MSG_DONTWAIT);"]),
    ("byte-order", ["const unsigned short p = htons(port);"], ["const unsigned short p = (port);"]),
    ("early-return", [], ["return false;"]),
])
def test_each_operator_makes_its_edit(snippet, operator, before, after):
    assert (before, after) in made(snippet, operator), made(snippet, operator)


def test_early_returns_come_first_in_the_region_and_in_the_loop_body(snippet):
    returns = [m.mutated.decode() for m in snippet if m.operator == "early-return"]
    assert len(returns) == 2
    assert any("// BEGIN SOLUTION: serve\n    return false;\n    const std::lock_guard" in text for text in returns)
    assert any("while (total < 10) {\n        return false;\n        total +=" in text for text in returns)


def test_the_one_pass_break_ends_the_loop_body(snippet):
    [one_pass] = [m for m in snippet if m.operator == "one-pass"]
    assert "MSG_DONTWAIT);\n        break;\n    }\n" in one_pass.mutated.decode()


def test_nothing_outside_the_solution_regions_is_mutated(snippet):
    assert snippet and all(m.site.function == "serve" for m in snippet)
    source = snippet[0].site.source
    assert all(source.in_region(e.start, e.end) for m in snippet for e in m.site.edits)


def test_mutants_that_give_the_same_file_are_made_once(snippet):
    """MSG_PEEK | MSG_PEEK: dropping either operand gives the same file."""
    assert len([m for m in snippet if m.operator == "drop-flag" and "MSG_PEEK" in m.site.change]) == 1
    assert len({m.mutated for m in snippet}) == len(snippet)


def test_ids_are_readable_and_stable_when_lines_move(snippet, tmp_path):
    moved = mutants_of(tmp_path / "99-snippet",
                       SNIPPET.replace("std::mutex guard;\n", "\n// a comment\nstd::mutex guard;\n"))
    assert [m.id for m in moved] == [m.id for m in snippet]
    assert [m.line for m in moved] == [m.line + 2 for m in snippet]
    assert all(ID.match(m.id) for m in snippet)
    close = next(m for m in snippet if m.operator == "delete-call")
    assert close.id.startswith("99/Snippet.cpp/serve/delete-call/")
    assert close.description == "Snippet.cpp:27 in serve(): delete call `close(fd)`"


def test_a_second_identical_site_gets_an_id_of_its_own(tmp_path):
    twice = SNIPPET.replace("    close(fd);\n    return p", "    close(fd);\n    close(fd);\n    return p")
    closes = [m for m in mutants_of(tmp_path / "99-snippet", twice) if m.operator == "delete-call"]
    assert len(closes) == 1, "deleting either close gives the same file"
    other = SNIPPET.replace("    close(fd);\n    return p", "    close(fd);\n    p = 0;\n    close(fd);\n    return p")
    other = other.replace("const unsigned short p", "unsigned short p")
    closes = [m for m in mutants_of(tmp_path / "98-snippet", other) if m.operator == "delete-call"]
    assert len(closes) == 2 and closes[0].id != closes[1].id


def test_every_lab_gives_mutants_with_unique_ids():
    made = cli.make_mutants([lab.name for lab in sorted((KIT / "solutions").iterdir()) if lab.is_dir()])
    ids = [m.id for mutants in made.values() for m in mutants]
    assert len(ids) == len(set(ids))
    assert all(made.values()), [lab for lab, mutants in made.items() if not mutants]
    assert all(len(mutants) >= 30 for lab, mutants in made.items() if lab >= "06"), \
        {lab: len(mutants) for lab, mutants in made.items()}


def test_the_sample_is_fixed():
    mutants = cli.make_mutants(["04-accept"])["04-accept"]
    first, again = cli.sample(mutants, 5), cli.sample(list(reversed(mutants)), 5)
    assert len(first) == 5 and {m.id for m in first} == {m.id for m in again}
    assert [m for m in mutants if m in first] == first, "kept in file order"


def test_neither_package_ships_the_mutation_tool():
    for package in (packaging.STUDENT_BUNDLE, packaging.AUTOGRADER):
        assert packaging._within("grader/mutation/cli.py", package.leaves_out)
        assert packaging._within("grader/mutation-ledger.md", package.leaves_out)


# --- the ledger against a run (fake gradings) -----------------------------------

LAB01 = cli.make_mutants(["01-creation-socket"])["01-creation-socket"]
SURVIVOR = LAB01[0]


def fake_grade(mutant: Mutant) -> Verdict:
    if mutant.id == SURVIVOR.id:
        return Verdict(SURVIVED, (), ("01-creation-socket/pid",))
    return Verdict(KILLED, ("01-creation-socket/pid",), ("01-creation-socket/pid",))


def run_cli(tmp_path: Path, ledger_text: str | None, *extra: str) -> int:
    path = tmp_path / "ledger.md"
    if ledger_text is not None:
        path.write_text(ledger_text)
    return cli.main(["--lab", "01", "--no-cache", "--ledger", str(path), "--output", str(tmp_path / "r.md"),
                     *extra], grade=fake_grade)


def test_an_unexplained_survivor_fails_the_run(tmp_path, capsys):
    assert run_cli(tmp_path, None) == 1
    out, err = capsys.readouterr()
    assert f"survived [unexplained] {SURVIVOR.id}" in out
    assert "1 surviving mutants are not explained" in err
    assert f"### unexplained: `{SURVIVOR.id}`" in (tmp_path / "r.md").read_text()


@pytest.mark.parametrize("verdict", ["equivalent", "ungraded", "gap"])
def test_an_explained_survivor_passes_and_a_stale_row_is_reported(tmp_path, capsys, verdict):
    killed = LAB01[1]
    text = "# Ledger\n\n| id | lab | change | verdict | reason |\n|---|---|---|---|---|\n" + \
        ledger.row(SURVIVOR, verdict, "because a | b") + "\n" + ledger.row(killed, "equivalent", "old") + "\n" + \
        "| 01/CreationSocket.cpp/main/delete-call/00000000 | 01-creation-socket | gone | gap | removed |\n"
    assert run_cli(tmp_path, text) == 0
    out = capsys.readouterr().out
    assert f"survived [{verdict}] {SURVIVOR.id}" in out
    assert f"stale ledger row (line 6): {killed.id}: it no longer survives (killed)" in out
    assert "stale ledger row (line 7): 01/CreationSocket.cpp/main/delete-call/00000000: no such mutant" in out
    assert ledger.parse(text)[SURVIVOR.id].reason == "because a | b"


def test_the_kill_rate_leaves_out_equivalent_and_ungraded_survivors_and_the_strict_one_counts_ungraded():
    """Of 5 mutants: 2 killed, one survivor of each verdict (equivalent,
    ungraded, gap): 2 / (2 + 1 gap) = 67 %; strict: 2 / (2 + 1 + 1) = 50 %."""
    made = LAB01[:5]
    verdicts = {m.id: Verdict(KILLED, ("01-creation-socket/sigint",)) for m in made[:2]}
    verdicts.update({m.id: Verdict(SURVIVED) for m in made[2:]})
    audit = ledger.Audit(equivalent=[made[2].id], ungraded=[made[3].id], gap=[made[4].id])
    summary = report.summarise("01-creation-socket", made, verdicts, audit)
    assert (summary.kill_rate, summary.strict_kill_rate) == ("67% (2/3)", "50% (2/4)")


@pytest.mark.parametrize("row, problem", [
    ("| 01/x/main/delete-call/12345678 | 01-creation-socket | c | maybe | r |", "is not one of `equivalent`, `ungraded`, `gap`"),
    ("| not-an-id | 01-creation-socket | c | gap | r |", "is not a mutant id"),
    ("| 01/x/main/delete-call/12345678 | 01-creation-socket | c | gap |", "4 cells, not 5"),
])
def test_a_malformed_ledger_is_an_error(tmp_path, capsys, row, problem):
    assert run_cli(tmp_path, row + "\n") == 1
    assert problem in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--jobs", "0"], ["--lab", "99"], ["--sample", "0"], ["--frobnicate"]])
def test_a_wrong_command_line_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_list_prints_the_mutants_and_grades_nothing(capsys):
    assert cli.main(["--lab", "01", "--list"], grade=lambda m: pytest.fail("graded")) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"01-creation-socket: {len(LAB01)} mutants\n")
    assert all(m.id in out for m in LAB01)


def test_a_known_verdict_comes_from_the_cache(tmp_path):
    graded = []

    def grade(mutant: Mutant) -> Verdict:
        graded.append(mutant.id)
        return fake_grade(mutant)
    runner = Runner(Settings(), Cache(tmp_path / "cache"))
    first = runner.run(LAB01[:3], grade=grade)
    again = Runner(Settings(), Cache(tmp_path / "cache")).run(LAB01[:3], grade=grade)
    assert len(graded) == 3
    assert {k: v.status for k, v in first.items()} == {k: v.status for k, v in again.items()}
    assert all(v.cached for v in again.values())


# --- the runner on a grader that hangs ----------------------------------------

HANGING_GRADER = textwrap.dedent("""\
    import os, signal, subprocess, sys
    signal.signal(signal.SIGTERM, signal.SIG_IGN)   # so that only SIGKILL ends it
    helper = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
    with open(os.environ["SLK_FAKE_EVENTS"], "a") as events:
        events.write(f"{os.getpid()} {helper.pid}\\n")
    signal.pause()
""")


@pytest.fixture
def hanging(tmp_path, monkeypatch):
    """(a Runner whose grader hangs, the file where it writes its pids, the temp folder)"""
    script = tmp_path / "hang.py"
    script.write_text(HANGING_GRADER)
    events = tmp_path / "events"
    events.touch()
    monkeypatch.setenv("SLK_FAKE_EVENTS", str(events))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    return Runner(Settings(timeout=1, grace=0.2, command=(sys.executable, str(script)))), events, temporary


def pids_written(events: Path) -> list[int]:
    return [int(pid) for line in events.read_text().splitlines() for pid in line.split()]


def test_a_grading_that_outlives_its_bound_times_out_and_leaves_nothing(hanging):
    runner, events, temporary = hanging
    verdict = runner.grade(LAB01[0])
    assert verdict.status == TIMEOUT and "still grading after 1 s" in verdict.detail
    pids = pids_written(events)
    assert len(pids) == 2
    wait_until(lambda: all(procfs.process_state(pid) in (None, "Z") for pid in pids), 10,
               "the fake grader's group to die")
    assert list(temporary.iterdir()) == []


def test_an_interrupted_run_stops_its_gradings(hanging):
    runner, events, temporary = hanging
    runner = Runner(Settings(timeout=300, grace=0.2, command=runner.settings.command))
    results: dict = {}
    thread = threading.Thread(target=lambda: results.update(runner.run(LAB01[:2])))
    thread.start()
    try:
        wait_until(lambda: len(pids_written(events)) == 4, 30, "two gradings under way")
    finally:
        runner.interrupt()
        thread.join(60)
    assert not thread.is_alive() and results == {}, "an interrupted grading has no verdict"
    pids = pids_written(events)
    wait_until(lambda: all(procfs.process_state(pid) in (None, "Z") for pid in pids), 10, "the gradings to die")
    assert list(temporary.iterdir()) == []


# --- the runner on real gradings (labs 01 and 03) -----------------------------

LEAK_BEFORE_PAUSE = "03/BindSocket.cpp/main/delete-call/9944a3ca"  # freeaddrinfo() after bind(), before pause()

@needs_namespaces
def test_real_gradings_are_classified():
    """Lab 01's pause() deleted (killed: the program ends at once), a
    semicolon deleted (does not compile), and lab 03's list freed no more
    before pause() (survives: equivalent, see the ledger), two at a time."""
    pause = next(m for m in LAB01 if m.site.change == "delete call `pause()`")
    leak = {m.id: m for m in cli.make_mutants(["03-bind"])["03-bind"]}[LEAK_BEFORE_PAUSE]
    source = pause.site.source
    semicolon = source.text.index(b'%d\\n", s);') + len(b'%d\\n", s)')
    site = Site(source, "main", "test", "", "delete a semicolon", (Edit(semicolon, semicolon + 1, b""),))
    broken = Mutant("01/CreationSocket.cpp/main/test/00000000", site,
                    source.text[:semicolon] + source.text[semicolon + 1:])
    verdicts = Runner(Settings(jobs=2, timeout=240)).run([pause, broken, leak])
    assert verdicts[pause.id].status == KILLED, verdicts[pause.id]
    assert "01-creation-socket/sigint" in verdicts[pause.id].failed
    assert "01-creation-socket/pid" not in verdicts[pause.id].failed
    assert verdicts[broken.id].status == NO_COMPILE, verdicts[broken.id]
    assert "error" in verdicts[broken.id].detail
    assert verdicts[leak.id].status == SURVIVED, verdicts[leak.id]
    assert verdicts[leak.id].failed == () and "03-bind/bound" in verdicts[leak.id].checks
