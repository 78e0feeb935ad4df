"""What run_autograder makes of a Gradescope upload (kit/gradescope.py): links
are never followed, so a loose source that is a link to the kit's solution
(or to anything else) is not taken (a lab folder that is a link: see
test_integrity.py, the grader refuses it)."""

from conftest import KIT
from kit.gradescope import arrange


def test_a_loose_source_that_is_a_link_is_not_taken(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    (upload / "BindSocket.cpp").symlink_to(KIT / "solutions" / "03-bind" / "BindSocket.cpp")
    (upload / "Notes.h").write_text("// mine\n")
    folder = arrange(upload, tmp_path / "scratch", ["03-bind"])
    assert sorted(p.name for p in (folder / "03-bind").iterdir()) == ["Notes.h"]
