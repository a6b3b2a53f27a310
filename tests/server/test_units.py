"""The server's pure parts: positions in UTF-16, the options it accepts, noqa edits."""

from __future__ import annotations

import pytest
from lsprotocol import types

from bedrockcache.server.actions import noqa_text
from bedrockcache.server.positions import Lines, text_edit
from bedrockcache.server.settings import DEFAULT_DEBOUNCE_MS, Options


def test_columns_are_utf16_code_units():
    lines = Lines('x = "😋"; y\n')
    # The quote after the emoji is lint column 7 (code points), UTF-16 character 7 (0-based):
    # the emoji is two UTF-16 units. The `y` is column 10, character 10.
    assert lines.position(1, 7) == types.Position(line=0, character=7)
    assert lines.position(1, 6) == types.Position(line=0, character=5)
    assert lines.position(1, 10) == types.Position(line=0, character=10)
    assert lines.lint_position(types.Position(line=0, character=7)) == (1, 7)
    assert lines.lint_position(types.Position(line=0, character=10)) == (1, 10)


def test_lines_split_as_python_does_not_on_form_feeds():
    lines = Lines("a = 1\r\n\x0cb = 2\rc = 3")
    assert lines.line_text(1) == "\x0cb = 2"
    assert lines.position(3, 2) == types.Position(line=2, character=1)
    assert lines.at_offset(len(lines.text)) == types.Position(line=2, character=5)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a = 1\nb = 2\n", "a = 1\nb = 3\n"),
        ("a\r\nb\r\n", "a\r\nc\r\nb\r\n"),
        ("a = [1]", "a = [1, 2]"),
        ("x = '😋'\ny = 1\n", "x = '😋'\ny = 2\n"),
        ("same\n", "same\n"),
    ],
)
def test_text_edit_turns_one_text_into_the_other(old: str, new: str):
    lines = Lines(old)
    edit = text_edit(lines, new)
    if old == new:
        assert edit is None
        return
    assert edit is not None
    start = _offset(lines, edit.range.start)
    end = _offset(lines, edit.range.end)
    assert old[:start] + edit.new_text + old[end:] == new


def _offset(lines: Lines, position: types.Position) -> int:
    line, column = lines.lint_position(position)
    return lines.starts[line - 1] + column - 1 if line - 1 < len(lines.starts) else len(lines.text)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("call(x)\n", "call(x)  # noqa: BC101\n"),
        ("call(x)  # keep this\n", "call(x)  # keep this  # noqa: BC101\n"),
        ("call(x)  # noqa: E501\n", "call(x)  # noqa: E501, BC101\n"),
        ("call(x)  # noqa:E501,BC204  # why\n", "call(x)  # noqa:E501,BC204, BC101  # why\n"),
    ],
)
def test_noqa_is_added_or_extended(line: str, expected: str):
    assert noqa_text(line, Lines(line), 1, "BC101") == expected


def test_noqa_is_not_offered_where_it_cannot_work():
    blanket = "call(x)  # noqa\n"
    assert noqa_text(blanket, Lines(blanket), 1, "BC101") is None
    in_string = 'x = """first\nsecond"""\n'
    assert noqa_text(in_string, Lines(in_string), 1, "BC101") is None


def test_options_from_the_client():
    assert Options.parse(None) == Options()
    parsed = Options.parse({"bedrockcache": {"showUnresolved": True, "debounce": 40}})
    assert parsed == Options(show_unresolved=True, debounce_ms=40)
    # Wrong types keep what was there; other keys are ignored.
    kept = Options.parse({"showUnresolved": "yes", "debounce": -1, "other": 1}, parsed)
    assert kept == parsed
    assert Options().debounce_ms == DEFAULT_DEBOUNCE_MS
    assert Options.parse({"config": "ruff.toml"}).config == "ruff.toml"
