"""Apply fixes to a file's text: pick the non-overlapping ones, re-lint, repeat until stable.

Like ruff: fixes whose edits overlap one already taken wait for the next pass (the re-lint gives
them fresh positions); passes stop when nothing more applies, or after ``MAX_ITERATIONS`` (a fix
that keeps re-creating its own finding must not loop forever). A pass whose result does not
parse is undone fix by fix, so a bug in one fixer can never write a broken file.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bedrockcache.lint.diagnostic import Diagnostic, Edit, Fix

__all__ = ["MAX_ITERATIONS", "FixOutcome", "applicable", "apply_edits", "fix_text", "parses"]

MAX_ITERATIONS = 100  # ruff's cap
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass
class FixOutcome:
    """The text after fixing, what was fixed (per code) and what remains."""

    text: str
    fixed: Counter[str] = field(default_factory=Counter)
    remaining: list[Diagnostic] = field(default_factory=list)
    rejected: list[Diagnostic] = field(default_factory=list)  # fixes that broke the syntax

    @property
    def changed(self) -> bool:
        return sum(self.fixed.values()) > 0


def applicable(diagnostic: Diagnostic, unsafe: bool) -> bool:
    fix = diagnostic.autofix
    return fix is not None and (fix.applicability == "safe" or unsafe)


def fix_text(
    text: str,
    check: Callable[[str], list[Diagnostic]],
    *,
    unsafe: bool = False,
    first: list[Diagnostic] | None = None,
) -> FixOutcome:
    """Fix ``text`` until no applicable fix remains; ``check`` lints a text. ``first`` are the
    diagnostics of ``text`` when already known (a cached result for these very bytes)."""
    outcome = FixOutcome(text)
    diagnostics = first if first is not None else check(text)
    broken: set[tuple[str, str]] = set()  # (code, message) of fixes that broke the syntax
    for _ in range(MAX_ITERATIONS):
        candidates = [
            d for d in diagnostics if applicable(d, unsafe) and (d.code, d.message) not in broken
        ]
        if not candidates:
            break
        chosen = _non_overlapping(candidates)
        new = _parseable(outcome.text, chosen, outcome, broken)
        if new is None:
            continue
        text_before = outcome.text
        outcome.text = new[0]
        outcome.fixed.update(d.code for d in new[1])
        diagnostics = check(outcome.text)
        if outcome.text == text_before:
            break
    outcome.remaining = diagnostics
    return outcome


def _parseable(
    text: str,
    chosen: list[Diagnostic],
    outcome: FixOutcome,
    broken: set[tuple[str, str]],
) -> tuple[str, list[Diagnostic]] | None:
    """The text with the chosen fixes, leaving out any whose result does not parse."""
    new = apply_edits(text, [e for d in chosen for e in _edits(d)])
    if parses(new):
        return new, chosen
    kept: list[Diagnostic] = []
    for diagnostic in chosen:
        trial = apply_edits(text, [e for d in (*kept, diagnostic) for e in _edits(d)])
        if parses(trial):
            kept.append(diagnostic)
        else:
            broken.add((diagnostic.code, diagnostic.message))
            outcome.rejected.append(diagnostic)
    if not kept:
        return None
    return apply_edits(text, [e for d in kept for e in _edits(d)]), kept


def _edits(diagnostic: Diagnostic) -> tuple[Edit, ...]:
    fix: Fix | None = diagnostic.autofix
    return fix.edits if fix is not None else ()


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _non_overlapping(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Fixes in source order, skipping any that overlaps one taken (identical edits, such as the
    same import added twice, are not an overlap)."""
    taken: list[Diagnostic] = []
    ranges: list[Edit] = []
    for diagnostic in sorted(diagnostics, key=lambda d: (_edits(d)[0], d)):
        edits = _edits(diagnostic)
        if any(_overlap(e, r) for e in edits for r in ranges if e != r):
            continue
        taken.append(diagnostic)
        ranges += edits
    return taken


def _overlap(a: Edit, b: Edit) -> bool:
    a_start, a_end = (a.line, a.column), (a.end_line, a.end_column)
    b_start, b_end = (b.line, b.column), (b.end_line, b.end_column)
    if a_start == a_end == b_start == b_end:
        return True  # two insertions at one place: their order would be arbitrary
    return (a_start < b_end and b_start < a_end) or a_start == b_start


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with every edit applied (identical edits once); edits must not overlap."""
    starts = _line_starts(text)
    ordered = sorted(set(edits), key=lambda e: (e.line, e.column, e.end_line, e.end_column))
    out: list[str] = []
    cursor = 0
    for edit in ordered:
        start = _offset(text, starts, edit.line, edit.column)
        end = _offset(text, starts, edit.end_line, edit.end_column)
        content = edit.content
        at_end = start == len(text) and text and not text.endswith(("\n", "\r"))
        if at_end and content and not content.startswith(("\n", "\r")):
            content = "\n" + content  # a line inserted after a last line without its newline
        out.append(text[cursor:start])
        out.append(content)
        cursor = max(cursor, end)
    out.append(text[cursor:])
    return "".join(out)


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for match in _LINE.finditer(text):
        starts.append(match.end())
    return starts


def _offset(text: str, starts: list[int], line: int, column: int) -> int:
    if line - 1 >= len(starts):
        return len(text)
    return min(starts[line - 1] + column - 1, len(text))
