"""The kit's labs are consistent: checks, solutions, skeletons and handouts agree."""

import re

import pytest

from conftest import KIT
from kit.check import load_checks
from kit.labs import all_labs

LABS = all_labs()


def test_the_five_first_labs_exist():
    assert [lab.name for lab in LABS][:5] == ["01-creation-socket", "02-name-resolution", "03-bind",
                                              "04-accept", "05-connect"]


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_checks_are_well_declared(lab):
    specs = [spec for _, spec in load_checks(lab.check_module)]
    assert specs, f"{lab.name} has no checks"
    assert len({spec.key for spec in specs}) == len(specs)
    assert all(spec.lab == lab.name for spec in specs)
    # A check carries points, or is a measurement (feedback only) whose title says it has none.
    assert all(spec.points > 0 or (spec.points == 0 and spec.name.endswith("(no points)")) for spec in specs)
    # Each lab is worth 10 points; the TCP library of lab 08, which labs 09-11 build on, 20.
    worth = 20 if lab.name == "08-tcp-lib" else 10
    assert sum(spec.points for spec in specs) == worth, f"{lab.name} is worth {worth} points"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_solution_and_skeleton_have_the_same_files(lab):
    def sources(folder):  # what is written, not what is built
        return {p.name for p in folder.iterdir() if p.is_file() and b"\0" not in p.read_bytes()[:8192]}
    solution = sources(KIT / "solutions" / lab.name)
    skeleton = sources(lab.kit_dir) - {"README.md"}
    assert solution == skeleton
    assert all(f"{program}.cpp" in solution for program in lab.programs)


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_reference_sources_are_files_the_grader_builds(lab):
    """The grader never follows a link in a submission, the reference solutions
    included: each source is a regular file of its own (07's Client.cpp is a
    copy of 06's, kept equal here)."""
    for file in lab.student_files:
        path = KIT / "solutions" / lab.name / file
        assert not path.is_symlink() and path.is_file(), f"{path} must be a regular file"
    if lab.name == "07-socket-options":
        assert path.with_name("Client.cpp").read_bytes() == (KIT / "solutions/06-serveur-client/Client.cpp").read_bytes()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_library_headers_are_given_as_they_are(lab):
    """The kit links its reference library into a submission's build as a
    header and compiled objects: the header must be the one the handout gives
    (labs/), so that the submission's code compiles against what it was written for."""
    for file in lab.library_files:
        if file.endswith(".h"):
            assert (lab.kit_dir / file).read_bytes() == (KIT / "solutions" / lab.name / file).read_bytes()


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_handout_lists_every_check_with_its_points(lab):
    handout = (lab.kit_dir / "README.md").read_text()
    for _, spec in load_checks(lab.check_module):
        row = re.search(rf"^\|[^|\n]*{re.escape(spec.name)}[^|\n]*\|\s*{spec.points:g}\s*\|", handout, re.MULTILINE)
        assert row, f"{lab.name}/README.md: no grading-table row '| {spec.name} | {spec.points:g} |'"
    for section in ("## Goal", "## Steps", "## What the grader checks"):
        assert section in handout, f"{lab.name}/README.md has no '{section}' section"


@pytest.mark.parametrize("lab", LABS, ids=lambda lab: lab.name)
def test_only_the_hidden_modules_declare_checks_that_are_not_visible(lab):
    """The student bundle leaves out checks/hidden/: a check is visible exactly
    when it is in the lab's own module, so the bundle has every visible check."""
    for function, spec in load_checks(lab.check_module):
        in_hidden_module = function.__module__.startswith("checks.hidden.")
        assert in_hidden_module == (spec.visibility != "visible"), \
            f"{spec.id}: visibility {spec.visibility} in {function.__module__}"
