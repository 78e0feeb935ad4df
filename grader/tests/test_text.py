"""Showing bytes and output to students: escaped, bounded, first difference kept."""

from kit.text import cut, decode_output, escape_bytes, first_difference, show_wire, tail_lines


def test_escape_bytes_keeps_printable_ascii_and_escapes_the_rest():
    assert escape_bytes(b"OPER#+#5#3#)") == "OPER#+#5#3#)"
    assert escape_bytes(b"a\nb\r\t\x00\xff\\") == "a\\nb\\r\\t\\x00\\xff\\\\"


def test_decode_output_keeps_utf8_and_shows_invalid_bytes():
    assert decode_output("Résultat = 15\n".encode()) == "Résultat = 15\n"
    assert decode_output(b"ok\xff\x1b[31m") == "ok\\xff\\x1b[31m"


def test_cut_keeps_the_region_of_the_first_difference():
    text = "a" * 500 + "X" + "b" * 500
    shown = cut(text, 100, keep_from=500)
    assert "X" in shown
    assert shown.startswith("(…") and shown.endswith("more characters)")
    assert cut("short", 100) == "short"


def test_first_difference():
    assert first_difference(b"abcdef", b"abcXef") == 3
    assert first_difference(b"abc", b"abcdef") == 3
    assert first_difference("", "x") == 0


def test_show_wire_counts_bytes():
    assert show_wire(b"hi\n") == '"hi\\n" (3 bytes)'


def test_tail_lines_says_what_it_left_out():
    text = "\n".join(str(i) for i in range(10))
    assert tail_lines(text, 3) == "(…7 earlier lines)\n7\n8\n9"
    assert tail_lines("one", 3) == "one"
