"""Lint positions (1-based lines, 1-based columns in code points) to LSP positions and back.

LSP counts columns in the code units the client negotiated (UTF-16 unless it asked otherwise), and
lines split on ``\\n``, ``\\r\\n`` and ``\\r`` only, as libcst does: ``str.splitlines`` would also
split on form feeds and the like, and move every finding below one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lsprotocol import types

__all__ = ["Lines", "text_edit"]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")

Units = Callable[[str], int]  # how many client code units a piece of text is


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Lines:
    """One text's lines, for converting positions in it."""

    def __init__(self, text: str, units: Units = _utf16) -> None:
        self.text = text
        self._units = units
        self.starts = [0]
        for match in _LINE.finditer(text):
            self.starts.append(match.end())
        if len(self.starts) > 1 and self.starts[-1] == len(text) and not _ends_line(text):
            self.starts.pop()  # the last line has no newline: no line after it

    def line_text(self, line0: int) -> str:
        """Line ``line0`` (0-based) without its line break; "" past the end."""
        if line0 >= len(self.starts):
            return ""
        end = self.starts[line0 + 1] if line0 + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[line0] : end].rstrip("\r\n")

    def position(self, line: int, column: int) -> types.Position:
        """The LSP position of a lint position (1-based line, 1-based column in code points)."""
        line0 = max(line - 1, 0)
        if line0 >= len(self.starts):
            return types.Position(line=len(self.starts), character=0)
        text = self.line_text(line0)
        return types.Position(line=line0, character=self._units(text[: max(column - 1, 0)]))

    def range(self, line: int, column: int, end_line: int, end_column: int) -> types.Range:
        return types.Range(
            start=self.position(line, column), end=self.position(end_line, end_column)
        )

    def at_offset(self, offset: int) -> types.Position:
        """The LSP position of a code point offset into the text."""
        line0 = _last_at_or_before(self.starts, offset)
        return self.position(line0 + 1, offset - self.starts[line0] + 1)

    def lint_position(self, position: types.Position) -> tuple[int, int]:
        """(1-based line, 1-based column in code points) of an LSP position."""
        text = self.line_text(position.line)
        units = 0
        for index, char in enumerate(text):
            if units >= position.character:
                return position.line + 1, index + 1
            units += self._units(char)
        return position.line + 1, len(text) + 1


def _ends_line(text: str) -> bool:
    return text.endswith(("\n", "\r"))


def _last_at_or_before(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low


def text_edit(lines: Lines, new: str) -> types.TextEdit | None:
    """The one edit that turns ``lines``' text into ``new``: the span between their common
    prefix and suffix (None when they are equal). Computing it from the fixed text keeps every
    edit exactly what ``bedrockcache lint --fix`` writes."""
    old = lines.text
    if old == new:
        return None
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    # Never split a "\r\n" pair: a position between them does not exist for the client.
    while prefix > 0 and old[prefix - 1] == "\r" and old[prefix : prefix + 1] == "\n":
        prefix -= 1
    while suffix > 0 and old[len(old) - suffix] == "\n" and old[len(old) - suffix - 1] == "\r":
        suffix -= 1
    start, end = prefix, len(old) - suffix
    return types.TextEdit(
        range=types.Range(start=lines.at_offset(start), end=lines.at_offset(end)),
        new_text=new[start : len(new) - suffix],
    )
