"""Builds compile each translation unit on its own (mk/lab.mk), through ccache
where it is installed: gradings that differ in one file compile that file
only, and the compiler's messages are the same with or without ccache, hit
or miss."""

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import KIT, copy_solutions

needs_ccache = pytest.mark.skipif(shutil.which("ccache") is None, reason="SKIP: ccache is not installed")


def ccache_counts(cache: Path) -> dict[str, int]:
    """ccache's counters of the grader's compiler cache under SLK_CACHE=cache."""
    printed = subprocess.run(["ccache", "--print-stats"], capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin", "CCACHE_DIR": str(cache / "ccache")}).stdout
    counts = dict(line.split("\t") for line in printed.splitlines())
    return {"hits": int(counts["direct_cache_hit"]) + int(counts["preprocessed_cache_hit"]),
            "misses": int(counts["cache_miss"])}


@needs_ccache
def test_gradings_differing_in_one_file_compile_that_file_only(tmp_path, monkeypatch):
    """Lab 09 linked with a library (as the grader builds it, from a folder of
    its own in each build): the second build, with Client.cpp changed, compiles
    Client.cpp alone; Serveur.cpp and the library's TCP.cpp are ccache hits,
    although the lab build (a new set of files) is not reused whole."""
    from kit import build as building
    from kit.labs import lab_named

    monkeypatch.setenv("SLK_CACHE", str(tmp_path / "cache"))
    lab, library = lab_named("09-iterative-server"), lab_named("08-tcp-lib")
    submission = copy_solutions(tmp_path / "submission", lab.name, library.name)
    variant = building.Library((("TCPLIB_DIR", library, submission / library.name),), "your 08-tcp-lib")
    first = building.build_lab(lab, submission, tmp_path / "one", library=variant)
    assert first.built_all, first.log
    assert ccache_counts(tmp_path / "cache") == {"hits": 0, "misses": 3}  # Serveur.cpp, Client.cpp, TCP.cpp

    source = submission / lab.name / "Client.cpp"
    source.write_text(source.read_text() + "\nstatic_assert(true, \"changed\");\n")
    second = building.build_lab(lab, submission, tmp_path / "two", library=variant)
    assert second.built_all, second.log
    assert ccache_counts(tmp_path / "cache") == {"hits": 2, "misses": 4}
    assert not (second.dir / "obj").exists() and not (second.dir / library.name).exists()


def test_messages_are_the_same_with_or_without_ccache(tmp_path, monkeypatch):
    """A warning in the library and an error in one program: make -k still
    builds the other program, and the build report is the same built with
    plain g++, through ccache the first time (misses) and again (hits: ccache
    shows the messages it kept)."""
    from kit import build as building
    from kit.labs import lab_named

    lab = lab_named("08-tcp-lib")
    submission = copy_solutions(tmp_path / "submission", lab.name)
    folder = submission / lab.name
    (folder / "TCP.cpp").write_text((folder / "TCP.cpp").read_text() + "\nstatic int unused_helper(int n) { int spare; return n; }\n")
    (folder / "ClientTest.cpp").write_text((folder / "ClientTest.cpp").read_text() + "\nint broken(\n")

    def build(name: str, cache: str, ccache: bool):
        monkeypatch.setenv("SLK_CACHE", str(tmp_path / cache))
        shutil.rmtree(tmp_path / cache / "lab-builds", ignore_errors=True)  # make runs each time
        if not ccache:
            monkeypatch.setattr(building, "_compiler_cache", lambda: ([], {}))
        made = building.build_lab(lab, submission, tmp_path / name)
        monkeypatch.undo()
        return made, made.log.replace(str(made.dir), "<BUILD_DIR>")

    plain, plain_log = build("plain", "no-ccache", ccache=False)
    assert plain.programs["ServeurTest"] and not plain.programs["ClientTest"], plain_log
    assert "TCP.cpp:" in plain_log and "unused variable 'spare'" in plain_log and "ClientTest.cpp:" in plain_log
    assert plain_log.count("unused variable 'spare'") == 1, "TCP.cpp is compiled once for both programs"
    if shutil.which("ccache") is None:
        pytest.skip("SKIP: ccache is not installed (the build without it is checked above)")
    cold, cold_log = build("cold", "ccache", ccache=True)
    warm, warm_log = build("warm", "ccache", ccache=True)
    assert ccache_counts(tmp_path / "ccache")["hits"] == 2  # TCP.cpp and ServeurTest.cpp; the error is not kept
    assert cold_log == plain_log and warm_log == plain_log
    assert (cold.programs, warm.programs) == ({"ServeurTest": str(cold.dir / "ServeurTest"), "ClientTest": None},
                                              {"ServeurTest": str(warm.dir / "ServeurTest"), "ClientTest": None})


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
