"""``check_source(fixes=False)``: the same findings without their edits (an editor's first pass)."""

from __future__ import annotations

from pathlib import Path

from bedrockcache.lint.checker import check_source

SUPPORT_BOT = Path(__file__).resolve().parents[2] / "examples" / "support_bot.py"


def test_without_fixes_the_findings_are_the_same_and_carry_no_edits():
    data = SUPPORT_BOT.read_bytes()
    with_fixes = check_source(data, str(SUPPORT_BOT))
    without = check_source(data, str(SUPPORT_BOT), fixes=False)
    assert with_fixes.diagnostics == without.diagnostics
    assert [d.message for d in with_fixes.diagnostics] == [d.message for d in without.diagnostics]
    assert all(d.autofix is not None for d in with_fixes.diagnostics)
    assert all(d.autofix is None for d in without.diagnostics)
    assert with_fixes.unresolved == without.unresolved
