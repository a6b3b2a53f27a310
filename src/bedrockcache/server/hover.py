"""Hover: a rule's why and what to use instead, over a ``# noqa`` code or a finding's range."""

from __future__ import annotations

import re

from bedrockcache.lint.diagnostic import Diagnostic
from bedrockcache.lint.noqa import parse_noqa
from bedrockcache.output import rule_for, rule_url
from bedrockcache.server.positions import Lines

__all__ = ["hover", "rule_markdown"]

_CODE = re.compile(r"BC[0-9]{3}", re.IGNORECASE)


def rule_markdown(code: str) -> str | None:
    """The catalogue entry of ``code`` as Markdown, or None for a code this version lacks."""
    entry = rule_for(code)
    if entry is None:
        return None
    parts = [f"**{entry.code}** `{entry.name}` ({entry.severity.value}): {entry.summary}"]
    if entry.why:
        parts.append(f"**Why:** {entry.why}")
    if entry.fix:
        parts.append(f"**Use instead:** {entry.fix}")
    if entry.autofix is not None:
        parts.append(entry.autofix.describe())
    parts.append(f"[{entry.code} documentation]({rule_url(entry.code)})")
    return "\n\n".join(parts)


def hover(
    lines: Lines, diagnostics: list[Diagnostic], line: int, column: int
) -> tuple[str, tuple[int, int, int, int]] | None:
    """Markdown for the lint position (1-based), and the range it covers (lint coordinates)."""
    noqa = _noqa_code(lines, line, column)
    if noqa is not None:
        code, start, end = noqa
        markdown = rule_markdown(code)
        if markdown is not None:
            return markdown, (line, start, line, end)
    under = [d for d in diagnostics if _covers(d, line, column)]
    codes = list(dict.fromkeys(d.code for d in under))
    found = [m for m in map(rule_markdown, codes) if m is not None]
    if not found:
        return None
    first = under[0]
    return "\n\n---\n\n".join(found), (first.line, first.column, first.end_line, first.end_column)


def _noqa_code(lines: Lines, line: int, column: int) -> tuple[str, int, int] | None:
    """The BC code of a noqa directive at the position: (code, start, end column)."""
    comment = parse_noqa(lines.text).lines.get(line)
    if comment is None or comment.end_column is None:
        return None
    source_line = lines.line_text(line - 1)
    span = source_line[comment.column - 1 : comment.end_column - 1]
    for match in _CODE.finditer(span):
        start = comment.column + match.start()
        end = comment.column + match.end()
        if start <= column <= end:
            return match.group(0).upper(), start, end
    return None


def _covers(d: Diagnostic, line: int, column: int) -> bool:
    return (d.line, d.column) <= (line, column) <= (d.end_line, d.end_column)
