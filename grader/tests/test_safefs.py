"""kit/safefs.py: reads of hostile trees refuse links, special files and huge files."""

import os
import stat

import pytest

from kit.safefs import Refused, copy_regular, read_regular, remove_tree, walk


def test_a_regular_file_is_read(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "f.cpp").write_bytes(b"int x;\n")
    assert read_regular(tmp_path, "a/f.cpp", 100) == b"int x;\n"


@pytest.mark.parametrize("where", ["f.cpp", "link/f.cpp"])
def test_a_link_anywhere_on_the_path_is_refused(tmp_path, where):
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "f.cpp").write_text("the kit's solution")
    tree = tmp_path / "tree"
    tree.mkdir()
    if where == "f.cpp":
        (tree / "f.cpp").symlink_to(secret / "f.cpp")
    else:
        (tree / "link").symlink_to(secret)
    with pytest.raises(Refused, match="symbolic link"):
        read_regular(tree, where, 100)
    with pytest.raises(Refused, match="symbolic link"):
        copy_regular(tree, where, tmp_path / "copy", 100)
    assert not (tmp_path / "copy").exists()


def test_fifos_and_devices_are_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(Refused, match="FIFO"):
        read_regular(tmp_path, "fifo", 100)
    with pytest.raises(Refused, match="symbolic link"):
        (tmp_path / "zero").symlink_to("/dev/zero")
        read_regular(tmp_path, "zero", 100)


def test_a_file_past_the_bound_is_refused(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 101)
    with pytest.raises(Refused, match="larger than 100 bytes"):
        read_regular(tmp_path, "big", 100)
    assert read_regular(tmp_path, "big", 101) == b"x" * 101


def test_paths_that_leave_the_folder_are_refused(tmp_path):
    for bad in ("../x", "/etc/passwd", ""):
        with pytest.raises(Refused):
            read_regular(tmp_path, bad, 100)


def test_walk_counts_folders_and_never_follows_links(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path)
    seen = {str(path): stat.S_IFMT(info.st_mode) for path, info in walk(tmp_path, 10)}
    assert seen == {"d": stat.S_IFDIR, "loop": stat.S_IFLNK, "d/f": stat.S_IFREG}
    with pytest.raises(Refused, match="more than 2"):
        list(walk(tmp_path, 2))


def test_remove_tree_removes_what_a_program_made_unreadable(tmp_path):
    tree = tmp_path / "tree"
    (tree / "locked" / "deeper").mkdir(parents=True)
    (tree / "locked" / "deeper" / "f").write_text("x")
    (tree / "link").symlink_to(tmp_path / "keep")
    (tmp_path / "keep").write_text("not removed")
    os.chmod(tree / "locked" / "deeper", 0)
    os.chmod(tree / "locked", 0)
    remove_tree(tree)
    assert not tree.exists() and (tmp_path / "keep").read_text() == "not removed"
