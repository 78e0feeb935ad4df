"""The plagiarism signal: a copy with renamed identifiers and a new layout is
found; independent implementations of the same library are not; starter code
does not count."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import GRADER, KIT
from kit.similarity import MIN_PRINTS, compare, flagged, fingerprints, lab_prints, tokens

LIBRARY = KIT / "solutions" / "08-tcp-lib"
FILES = ["TCP.cpp", "TCP.h"]


def disguised(source: str) -> str:
    """What a student hiding a copy does: rename every local name, rewrite the comments, change the layout."""
    renames = {"fd": "sock", "data": "buffer", "size": "length", "frame": "packet", "received": "got", "sent": "put"}
    for old, new in renames.items():
        source = re.sub(rf"\b{old}\b", new, source)
    source = re.sub(r"//[^\n]*", "// mine", source)
    source = re.sub(r"\n\s*\{", " {", source)           # braces on the same line
    return re.sub(r"^( +)", lambda m: "\t" * (len(m.group(1)) // 4), source, flags=re.MULTILINE)


def write(folder: Path, sources: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in sources.items():
        (folder / name).write_text(text)
    return folder


def prints_of(class_: dict[str, Path]) -> dict[str, set[int]]:
    return {student: lab_prints(folder, FILES) for student, folder in class_.items()}


def reference() -> dict[str, str]:
    return {name: (LIBRARY / name).read_text() for name in FILES}


def test_renaming_and_layout_do_not_change_the_tokens():
    original = (LIBRARY / "TCP.cpp").read_text()
    assert tokens(disguised(original)) == tokens(original)
    assert fingerprints(disguised(original)) == fingerprints(original)


def test_a_disguised_copy_is_flagged_and_independent_work_is_not(tmp_path):
    class_ = {
        "ana": write(tmp_path / "ana", reference()),
        "ben": write(tmp_path / "ben", {name: disguised(text) for name, text in reference().items()}),
        # Two other implementations of the same contract: the course's, and the length-header one.
        "cleo": write(tmp_path / "cleo", {name: (GRADER / "tests" / "course" / "08-tcp-lib" / name).read_text()
                                          for name in FILES}),
        "dan": write(tmp_path / "dan", {"TCP.cpp": (LIBRARY / "length-header" / "TCP.cpp").read_text(),
                                        "TCP.h": (LIBRARY / "TCP.h").read_text()}),
    }
    pairs = compare(prints_of(class_), "08-tcp-lib", lab_prints(KIT / "labs" / "08-tcp-lib", FILES))
    by_names = {(pair.first, pair.second): pair.similarity for pair in pairs}
    assert by_names[("ana", "ben")] == 1.0
    assert by_names[("ana", "cleo")] < 0.3 and by_names[("ben", "cleo")] < 0.3
    assert [(pair.first, pair.second) for pair in flagged(pairs)] == [("ana", "ben")]


def test_starter_code_alone_is_not_compared(tmp_path):
    skeleton = KIT / "labs" / "08-tcp-lib"
    class_ = {name: write(tmp_path / name, {file: (skeleton / file).read_text() for file in FILES})
              for name in ("eve", "finn")}
    assert len(fingerprints((skeleton / "TCP.cpp").read_text())) >= MIN_PRINTS
    assert compare(prints_of(class_), "08-tcp-lib", lab_prints(skeleton, FILES)) == []
