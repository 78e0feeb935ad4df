"""How a submission's lab is built: in a sandbox, from its own files and
what the kit gives compiled. Each translation unit is compiled on its own
(mk/lab.mk); the kit's reference library reaches a variant as its header and
objects, never its source; the kit's own builds go through ccache where it
is installed, a submission's never (its compiler could write the cache)."""

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import KIT, copy_solutions


def test_warnings_and_errors_are_shown_once_and_make_k_builds_the_rest(box):
    """A warning in the library and an error in one program: make -k still
    builds the other program, and each message appears once (TCP.cpp is
    compiled once for both programs)."""
    from kit import build as building
    from kit.labs import lab_named

    lab = lab_named("08-tcp-lib")
    submission = copy_solutions(box.work / "submission", lab.name)
    folder = submission / lab.name
    (folder / "TCP.cpp").write_text((folder / "TCP.cpp").read_text() + "\nstatic int unused_helper(int n) { int spare; return n; }\n")
    (folder / "ClientTest.cpp").write_text((folder / "ClientTest.cpp").read_text() + "\nint broken(\n")
    made = building.build_lab(lab, submission, box.work, box)
    assert made.programs["ServeurTest"] and not made.programs["ClientTest"], made.log
    assert "TCP.cpp:" in made.log and "ClientTest.cpp:" in made.log
    assert made.log.count("unused variable 'spare'") == 1
    assert str(KIT) not in made.log and str(box.work) not in made.log, "messages name the tree's own paths only"


def test_the_kits_library_is_linked_compiled_never_as_source(box):
    """Lab 09 linked with the kit's reference library: its programs build and
    link, and the tree the submission's compiler saw held the kit's header and
    objects, never TCP.cpp."""
    from kit import build as building
    from kit.labs import lab_named

    lab, library = lab_named("09-iterative-server"), lab_named("08-tcp-lib")
    submission = copy_solutions(box.work / "submission", lab.name)
    variant = building.Library((("TCPLIB_DIR", library, None),), "the kit's reference 08-tcp-lib")
    kept = building.buildbox.Box(box.isolation, box.uid, box.work, box.masked, box.grading, keep=True)
    made = building.build_lab(lab, submission, box.work, kept, library=variant)
    assert made.built_all, made.log
    tree = box.work / "trees" / lab.name
    assert sorted(p.name for p in (tree / library.name).rglob("*") if p.is_file()) == ["TCP.h", "TCP.o"]
    assert (tree / library.name / "TCP.h").read_bytes() == (library.kit_dir / "TCP.h").read_bytes()


def test_the_kits_own_builds_go_through_ccache_and_submissions_never_do(box, monkeypatch):
    """The kit's reference library compiles through ccache (built again, it
    is all hits); a submission's build leaves the compiler cache untouched."""
    if shutil.which("ccache") is None:
        pytest.skip("SKIP: ccache is not installed")
    from kit import build as building, kitbuilds
    from kit.buildcache import cache_root
    from kit.labs import lab_named

    monkeypatch.setenv("SLK_CACHE", str(box.work / "cache"))
    library = lab_named("08-tcp-lib")
    kitbuilds.reference_objects(library, ["plain"], {}, box.work / "one")
    shutil.rmtree(box.work / "cache" / "reference-objects")
    kitbuilds.reference_objects(library, ["plain"], {}, box.work / "two")
    assert ccache_counts(box.work / "cache") == {"hits": 1, "misses": 1}
    before = sorted(p.relative_to(cache_root("ccache")) for p in cache_root("ccache").rglob("*"))
    submission = copy_solutions(box.work / "submission", "06-serveur-client")
    assert building.build_lab(lab_named("06-serveur-client"), submission, box.work, box).built_all
    assert sorted(p.relative_to(cache_root("ccache")) for p in cache_root("ccache").rglob("*")) == before


def test_each_unit_is_compiled_once_whoever_asks(box, monkeypatch):
    """Lab 09 graded with a submission's own library, then a submission that
    differs in Client.cpp only: the second compiles Client.cpp alone (in a
    sandbox of its own) and takes Serveur.cpp and TCP.cpp from the grader's
    cache, with the same messages; a unit that cannot compile alone (it
    includes another source) is compiled by the full build, as before."""
    from kit import build as building, buildbox
    from kit.labs import lab_named

    monkeypatch.setenv("SLK_CACHE", str(box.work / "cache"))
    makes = []
    real_make = buildbox.make
    monkeypatch.setattr(buildbox, "make", lambda tree, arguments, **rest: makes.append(arguments[-1])
                        or real_make(tree, arguments, **rest))
    lab, library = lab_named("09-iterative-server"), lab_named("08-tcp-lib")
    submission = copy_solutions(box.work / "submission", lab.name, library.name)
    tcp = submission / library.name / "TCP.cpp"
    tcp.write_text(tcp.read_text() + "\nstatic int unused_helper(int n) { int spare; return n; }\n")
    variant = building.Library((("TCPLIB_DIR", library, submission / library.name),), "your 08-tcp-lib")
    first = building.build_lab(lab, submission, box.work / "one", box, library=variant)
    assert first.built_all and sorted(m for m in makes if m.endswith(".o")) == [
        "obj/plain/Client.o", "obj/plain/Serveur.o", "obj/plain/TCP.o"]
    client = submission / lab.name / "Client.cpp"
    client.write_text(client.read_text() + "\nstatic_assert(true, \"changed\");\n")
    makes.clear()
    second = building.build_lab(lab, submission, box.work / "two", box, library=variant)
    assert second.built_all and [m for m in makes if m.endswith(".o")] == ["obj/plain/Client.o"]
    assert second.log == first.log and second.log.count("unused variable 'spare'") == 1

    client.write_text('#include "Serveur.cpp"\n' + client.read_text())  # compiled in the full tree only: two main()s
    third = building.build_lab(lab, submission, box.work / "three", box, library=variant)
    assert third.log.count("redefinition of 'int main") == 1 and "No such file" not in third.log
    assert third.programs["Serveur"] and not third.programs["Client"]


def ccache_counts(cache: Path) -> dict[str, int]:
    """ccache's counters of the grader's compiler cache under SLK_CACHE=cache."""
    printed = subprocess.run(["ccache", "--print-stats"], capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin", "CCACHE_DIR": str(cache / "ccache")}).stdout
    counts = dict(line.split("\t") for line in printed.splitlines())
    return {"hits": int(counts["direct_cache_hit"]) + int(counts["preprocessed_cache_hit"]),
            "misses": int(counts["cache_miss"])}


def test_the_lab_makefile_for_students(tmp_path):
    """What the handouts promise: make builds in the lab folder from the library
    in ../08-tcp-lib, make asan in asan/, SAN= objects never mixed with plain
    ones, and make clean removes every built file."""
    labs = copy_solutions(tmp_path / "labs", "08-tcp-lib", "09-iterative-server")
    lab = labs / "09-iterative-server"
    for built in [p for p in lab.iterdir() if p.suffix not in (".cpp", ".h", ".txt") and p.name != "Makefile"]:
        shutil.rmtree(built) if built.is_dir() else built.unlink()  # programs someone built in solutions/
    sources = sorted(p.name for p in lab.iterdir())

    def make(*arguments: str) -> str:
        made = subprocess.run(["make", "-s", "-j2", "-C", str(lab), f"KIT_MK={KIT / 'mk'}", "OPT=-O0", *arguments],
                              capture_output=True, text=True, timeout=300)
        assert made.returncode == 0, made.stdout + made.stderr
        return made.stdout

    make()
    assert (lab / "Serveur").is_file() and (lab / "Client").is_file()
    assert sorted(p.name for p in (lab / "obj" / "plain").iterdir()) == ["Client.o", "Serveur.o", "TCP.o"]
    assert not list((labs / "08-tcp-lib").glob("*.o")), "the library's folder stays as it was"
    make("asan")
    assert (lab / "asan" / "Serveur").is_file()
    (lab / "Client.cpp").touch()
    make("SAN=address")
    assert sorted(p.name for p in (lab / "obj" / "address").iterdir()) == ["Client.o", "Serveur.o", "TCP.o"]
    make("clean")
    assert sorted(p.name for p in lab.iterdir()) == sources
