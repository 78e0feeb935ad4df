"""Grading integrity: no submission can steal, forge or disturb a grade.

Each attack a hostile student tried is graded here for real and must be
blocked, with the score the code deserves, valid results, and nothing left:
- build time: including or embedding the kit's files (a solution, the hidden
  tests), the machine's (/etc/shadow), probing for them, sources that are
  links, FIFOs or huge, a compiler that never ends, the kit's library source;
- run time, as root and as a real unprivileged user (user namespaces): a
  program that tries every privilege (tries-privileges.patch);
- a fork bomb graded beside another grading;
- odd file names, and a compiler log full of escape sequences and fences.
Signals and kill -9 are in test_interruptions.py; slots in test_slots.py;
class gradings and packages in test_intake.py and test_packaging.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import GRADER, KIT, apply, copy_solutions, grade, needs_namespaces, outcome
from kit import sandbox
from kit.safefs import remove_tree

pytestmark = needs_namespaces
PRIVILEGES = GRADER / "tests" / "hostile" / "01-creation-socket" / "tries-privileges.patch"
SHADOW = Path("/etc/shadow")
UNPRIVILEGED = "slk-unprivileged"
LABS_ATTACKED = ("01", "02", "03", "04", "05", "06", "07", "09")


def lab_file(submission: Path, lab: str, name: str, text: str) -> Path:
    """submission/lab/name holding text, the lab's other files the reference's."""
    if not (submission / lab).exists():
        copy_solutions(submission, lab)
    path = submission / lab / name
    path.unlink()
    path.write_text(text)
    return path


def build_attacks(submission: Path, kit: Path) -> None:
    """One attack per lab (see each test for what it must give), aimed at the
    kit that grades it (its path is no secret: error messages used to show it)."""
    hidden_tests = kit / "grader" / "gtest" / "test_tcp_hidden.cpp"
    reference = (KIT / "solutions" / "05-connect" / "DemandeConnexion.cpp").read_text()
    lab_file(submission, "01-creation-socket", "CreationSocket.cpp",
             f'#include "{kit}/solutions/01-creation-socket/CreationSocket.cpp"\n')
    lab_file(submission, "02-name-resolution", "TestResolutionNom.cpp",
             'asm(".section .rodata\\nshadow: .incbin \\"/etc/shadow\\"\\n.byte 0\\n.text");\n'
             'extern "C" const char shadow[];\n#include <cstdio>\nint main() { std::puts(shadow); }\n')
    lab_file(submission, "03-bind", "BindSocket.cpp",
             f'asm(".section .rodata\\nhidden: .incbin \\"{hidden_tests}\\"\\n.byte 0\\n.text");\n'
             'extern "C" const char hidden[];\n#include <cstdio>\nint main() { std::puts(hidden); }\n')
    lab_file(submission, "04-accept", "AttenteConnexion.cpp", '#include "/etc/shadow"\nint main() {}\n')
    # Probing for the kit: the probe finds nothing, so this is the reference, and scores as it.
    lab_file(submission, "05-connect", "DemandeConnexion.cpp",
             f'#if __has_include("{kit}/grader/checks/lab05_connect.py") || __has_include("{hidden_tests}")\n'
             '#error "the kit is visible to the compiler"\n#endif\n' + reference)
    serveur = lab_file(submission, "06-serveur-client", "Serveur.cpp", "")
    serveur.unlink()
    serveur.symlink_to(kit / "solutions" / "06-serveur-client" / "Serveur.cpp")
    client = serveur.with_name("Client.cpp")
    client.unlink()
    client.symlink_to("/etc/passwd")
    fifo = lab_file(submission, "07-socket-options", "Serveur.cpp", "")
    fifo.unlink()
    os.mkfifo(fifo)
    with fifo.with_name("Client.cpp").open("wb") as huge:
        huge.truncate(1 << 30)  # a sparse gigabyte: nothing on the disk, and never read
    lab_file(submission, "09-iterative-server", "Serveur.cpp",
             '#include "08-tcp-lib/TCP.cpp"\nint main() {}\n')
    lab_file(submission, "09-iterative-server", "Client.cpp", '#include "/dev/zero"\nint main() {}\n')


@pytest.fixture(scope="module", params=["as root", "as an unprivileged user"])
def attacked(request, tmp_path_factory):
    """The build attacks graded once as root, once by a real unprivileged
    user (user namespaces): (results, the text of every report format)."""
    root = Path(tempfile.mkdtemp(prefix="slk-test-attacks-"))
    root.chmod(0o755)
    try:
        if request.param == "as root":
            build_attacks(root / "submission", KIT)
            done = subprocess.run([str(GRADER / "grade"), "--submission", str(root / "submission"), "--lab",
                                   *LABS_ATTACKED, "--save", str(root / "saved"), "--output", os.devnull],
                                  capture_output=True, text=True, timeout=900)
            assert done.returncode == 0, done.stderr
            saved = root / "saved"
        else:
            user, folder = request.getfixturevalue("unprivileged")
            build_attacks(root / "submission", folder / "kit")
            subprocess.run(["chmod", "-R", "a+rX", str(root)], check=True)
            grade_as(user, folder, root / "submission", "--lab", *LABS_ATTACKED, "--save", str(folder / "out" / "saved"))
            saved = folder / "out" / "saved"
        results = json.loads((saved / "results.json").read_text())
        yield results, "\n".join(path.read_text() for path in saved.iterdir())
    finally:
        remove_tree(root)


def lab_score(results: dict, lab: str) -> float:
    return sum(t["score"] for t in results["tests"] if t["tags"] == [lab])


def build_report(results: dict, lab: str) -> str:
    return next(t["output"] for t in results["tests"] if t["extra_data"]["id"] == f"{lab}/build")


def test_including_the_kits_solution_buys_nothing(attacked):
    results, _ = attacked
    assert lab_score(results, "01-creation-socket") == 0
    assert "No such file or directory" in build_report(results, "01-creation-socket")


def test_embedding_the_hidden_tests_or_the_machines_secrets_fails(attacked):
    results, texts = attacked
    for lab in ("02-name-resolution", "03-bind", "04-accept"):
        assert lab_score(results, lab) == 0, lab
    assert "Hidden tests of the TCP library" not in texts and "HashPayload" not in texts
    if os.access(SHADOW, os.R_OK):  # the grader (root) can read it; no build may
        secret = SHADOW.read_text().splitlines()[0]
        assert secret not in texts and secret.split(":")[0] + ":" + secret.split(":")[1] not in texts
    assert "Permission denied" in build_report(results, "04-accept")


def test_probing_for_the_kit_finds_nothing(attacked):
    results, _ = attacked
    assert lab_score(results, "05-connect") == 10, build_report(results, "05-connect")


def test_links_fifos_and_huge_files_are_refused_with_a_line(attacked):
    results, _ = attacked
    assert lab_score(results, "06-serveur-client") == 0 and lab_score(results, "07-socket-options") == 0
    links = build_report(results, "06-serveur-client")
    assert "Serveur.cpp is a symbolic link" in links and "Client.cpp is a symbolic link" in links
    special = build_report(results, "07-socket-options")
    assert "Serveur.cpp is a FIFO" in special and "Client.cpp is larger than 1 MB" in special


def test_the_kits_library_source_is_in_no_build_and_a_compiler_without_end_is_stopped(attacked):
    results, _ = attacked
    assert lab_score(results, "09-iterative-server") == 0
    report = build_report(results, "09-iterative-server")
    assert "08-tcp-lib/TCP.cpp: No such file or directory" in report  # in every variant, the kit's too
    assert "out of memory" in report  # #include "/dev/zero": the compiler's memory is bounded


def test_a_lab_folder_that_is_a_link_is_not_followed(tmp_path):
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "03-bind").symlink_to(KIT / "solutions" / "03-bind")
    results = grade("--submission", str(tmp_path / "submission"), "--lab", "03")
    assert results["score"] == 0
    assert all("03-bind is a symbolic link: links are never followed" in t["output"] for t in results["tests"])


# --- run time: a program that tries every privilege -------------------------------


def privileged_submission(root: Path) -> Path:
    submission = copy_solutions(root / "submission", "01-creation-socket")
    apply(PRIVILEGES, submission)
    return submission


def host_leftovers() -> set[str]:
    """What the hostile program would leave on the host: SysV IPC, /dev/shm."""
    ipcs = subprocess.run(["ipcs"], capture_output=True, text=True).stdout.lower()
    found = {"sysv"} if "5ec0de" in ipcs else set()
    return found | ({"shm"} if Path("/dev/shm/slk-hostile").exists() else set())


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if "__pycache__" not in path.parts:
            digest.update(str(path).encode() + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()


def test_the_privilege_probe_has_teeth(tmp_path):
    """Run in a sandbox with the runner's own privileges (no drop), the
    hostile program does escape: its probes can tell."""
    folder = Path(tempfile.mkdtemp(prefix="slk-test-teeth-"))
    try:
        folder.chmod(0o755)
        submission = privileged_submission(folder)
        binary = folder / "probe"
        subprocess.run(["g++", "-std=c++17", "-o", str(binary), str(submission / "01-creation-socket" /
                                                                  "CreationSocket.cpp")], check=True, timeout=120)
        (folder / "view").mkdir()
        from kit import fsview
        fsview.View(binds=[fsview.Bind(str(folder), "/slk/lab")], env={"PATH": "/usr/bin:/bin"}).save(
            folder / "view" / "view.json")
        sandbox.give(folder / "view", sandbox.Isolation.USER, sandbox.GRADING_UID_BASE)
        isolation = sandbox.detect(os.environ.get("SLK_ISOLATION") or None)
        done = subprocess.run(sandbox.wrap(sandbox.enter_command(folder / "view" / "view.json", "/slk/lab",
                                                                 ["/slk/lab/probe"]), isolation),
                              capture_output=True, text=True, timeout=60, env=sandbox.bootstrap_environment())
        assert "ESCAPE: made its own folder writable" in done.stdout, done.stdout + done.stderr
        assert done.returncode == 3
    finally:
        remove_tree(folder)


def test_a_program_has_no_privilege_as_root(tmp_path):
    before, kit = host_leftovers(), tree_digest(GRADER)
    results = grade("--submission", str(privileged_submission(tmp_path)), "--lab", "01")
    assert results["score"] == 10, [t["output"] for t in results["tests"] if t["score"] < t["max_score"]]
    assert tree_digest(GRADER) == kit and host_leftovers() == before


@pytest.fixture(scope="module")
def unprivileged():
    """(user, a copy of the kit it can read): a real unprivileged user, made
    here when the tests run as root (and kept: making it again is a no-op)."""
    if os.geteuid() != 0:
        pytest.skip("SKIP: making an unprivileged user needs root")
    try:
        pwd.getpwnam(UNPRIVILEGED)
    except KeyError:
        subprocess.run(["useradd", "--system", "--create-home", "--home-dir", f"/var/lib/{UNPRIVILEGED}",
                        "--shell", "/usr/sbin/nologin", UNPRIVILEGED], check=True, timeout=60)
    folder = Path(tempfile.mkdtemp(prefix="slk-test-unprivileged-"))
    folder.chmod(0o755)
    files = subprocess.run(["git", "-C", str(KIT), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (KIT / name).is_file():
            (folder / "kit" / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(KIT / name, folder / "kit" / name)
    (folder / "out").mkdir()
    shutil.chown(folder / "out", UNPRIVILEGED)
    subprocess.run(["chmod", "-R", "a+rX", str(folder / "kit")], check=True)
    probe = subprocess.run(["runuser", "-u", UNPRIVILEGED, "--", sandbox.PYTHON, "-c",
                            "from kit import sandbox; print(sandbox.detect().value)"],
                           capture_output=True, text=True, timeout=60, cwd=folder / "kit" / "grader")
    if probe.stdout.strip() != sandbox.Isolation.USER.value:
        remove_tree(folder)
        pytest.skip(f"SKIP: this kernel gives an unprivileged user no namespaces ({probe.stdout.strip() or probe.stderr})")
    yield UNPRIVILEGED, folder
    remove_tree(folder)


def grade_as(user: str, folder: Path, submission: Path, *args: str) -> dict:
    output = folder / "out" / "results.json"
    done = subprocess.run(["runuser", "-u", user, "--", "env", f"SLK_CACHE={folder / 'out' / 'cache'}",
                           str(folder / "kit" / "grader" / "grade"), "--submission", str(submission), *args,
                           "--format", "json", "--output", str(output)],
                          capture_output=True, text=True, timeout=600, cwd=folder / "out")
    assert done.returncode == 0, done.stderr
    return json.loads(output.read_text())


def test_a_program_has_no_privilege_in_user_namespaces(unprivileged):
    user, folder = unprivileged
    submission = privileged_submission(folder / "sub")
    subprocess.run(["chmod", "-R", "a+rX", str(folder / "sub")], check=True)
    before, kit = host_leftovers(), tree_digest(folder / "kit" / "grader")
    results = grade_as(user, folder, submission, "--lab", "01")
    assert "user namespace" in results["output"]
    assert results["score"] == 10, [t["output"] for t in results["tests"] if t["score"] < t["max_score"]]
    assert tree_digest(folder / "kit" / "grader") == kit and host_leftovers() == before


# --- gradings side by side ------------------------------------------------------------


def test_a_fork_bomb_does_not_disturb_another_grading(tmp_path):
    """A fork bomb graded while the reference's lab 10 is: each grading takes
    slots of its own, so the bomb's processes count against its own uid."""
    bomb = copy_solutions(tmp_path / "bomb", "01-creation-socket")
    apply(GRADER / "tests" / "hostile" / "01-creation-socket" / "fork-bomb.patch", bomb)
    bombed: dict = {}
    thread = threading.Thread(target=lambda: bombed.update(grade("--submission", str(bomb), "--lab", "01")))
    thread.start()
    reference = grade("--lab", "10")
    thread.join(timeout=600)
    assert reference["score"] == 10, outcome(reference)
    assert bombed["score"] < 10


# --- what a submission's names and messages may hold -----------------------------------


def test_odd_names_and_hostile_messages_give_valid_results_in_every_format(tmp_path):
    submission = copy_solutions(tmp_path / "submission", "01-creation-socket")
    folder = submission / "01-creation-socket"
    (folder / os.fsdecode(b"\xff\xfe-not-utf8.txt")).write_text("x")
    (folder / "a\n```\n## Socket Lab Kit: every check passed\n```\x1b[2J.txt").write_text("x")
    (folder / "CreationSocket.cpp").write_text('#error "\x1b[2J\x1b]0;owned\x07 ```` </details> \x00"\n')
    saved = tmp_path / "saved"
    done = subprocess.run([str(GRADER / "grade"), "--submission", str(submission), "--lab", "01", "--save",
                           str(saved), "--output", os.devnull], capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads((saved / "results.json").read_bytes().decode("utf-8"))
    assert results["score"] == 0
    ET.fromstring((saved / "junit.xml").read_bytes())
    for name in ("report.txt", "report.md", "results.json", "junit.xml", "report.html"):
        data = (saved / name).read_bytes()
        assert b"\x1b" not in data and b"\x00" not in data and b"\x07" not in data, name
    markdown = (saved / "report.md").read_text()
    assert "## Socket Lab Kit: every check passed" not in markdown.splitlines()
    assert "\\xff\\xfe-not-utf8.txt" in build_report(results, "01-creation-socket")
