"""Every fixture with something to fix has a ``.py.fixed`` twin: the exact text ``--fix
--unsafe-fixes`` makes of it (all fixes, safe and unsafe, so every fixer is pinned).

The twins are not fixtures themselves (test_fixtures.py lints ``*.py`` only), and their
``# expect:`` comments are the original's, left as the fixes leave them. To regenerate one after
an intended change, write ``fixed(path)`` to it and review the diff.
"""

from __future__ import annotations

import ast
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import FixOutcome, fix_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SOURCES = sorted(FIXTURES.rglob("*.py"))
TWINS = sorted(FIXTURES.rglob("*.py.fixed"))


@cache  # linting is the slow part: each fixture is fixed once for all the tests below
def fixed(path: Path, text: str | None = None) -> FixOutcome:
    text = path.read_text(encoding="utf-8") if text is None else text
    return fix_text(text, lambda t: check_source(t, str(path)).diagnostics, unsafe=True)


def _id(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


@pytest.mark.parametrize("path", SOURCES, ids=_id)
def test_fixture_is_fixed_to_its_twin(path: Path) -> None:
    outcome = fixed(path)
    twin = path.with_name(path.name + ".fixed")
    if not outcome.changed:
        assert not twin.exists(), f"{_id(twin)} is stale: nothing in {_id(path)} is fixable"
        assert outcome.text == path.read_text(encoding="utf-8")
        return
    assert twin.exists(), f"{_id(path)} has fixes but no .fixed twin"
    assert outcome.text == twin.read_text(encoding="utf-8")
    assert not outcome.rejected


@pytest.mark.parametrize("twin", TWINS, ids=_id)
def test_relinting_the_twin_reports_none_of_the_fixed_findings(twin: Path) -> None:
    source = twin.with_name(twin.name.removesuffix(".fixed"))
    before = Counter(d.code for d in check_source(source.read_bytes(), str(source)).diagnostics)
    outcome = fixed(source)
    after = Counter(d.code for d in check_source(twin.read_bytes(), str(source)).diagnostics)
    for code, count in outcome.fixed.items():
        # Every fixed finding is gone; findings of that code the fixer had no edit for remain.
        # A fix may reveal a finding another one masked (BC314 explains the missing BC103; once
        # it is removed BC103 appears and is fixed in a later pass): those are fixed too.
        assert after[code] == max(before[code] - count, 0), code
    ast.parse(twin.read_text(encoding="utf-8"))
    assert not [d for d in check_source(twin.read_bytes(), str(source)).diagnostics if d.autofix]


@pytest.mark.parametrize("twin", TWINS, ids=_id)
def test_fixing_a_twin_again_changes_nothing(twin: Path) -> None:
    source = twin.with_name(twin.name.removesuffix(".fixed"))
    text = twin.read_text(encoding="utf-8")
    again = fixed(source, text)
    assert again.text == text
    assert not again.changed


# Fixers whose findings no fixture triggers on a literal it may edit; hand cases pin them
# (test_fixes.py, test_fixes_breakpoints.py, test_fixes_volatile.py).
_HAND_CASES_ONLY = {"BC306", "BC307", "BC402", "BC403"}


def test_every_fixer_fixes_some_fixture():
    from bedrockcache.lint.fixes import fixers

    fixed_codes: Counter[str] = Counter()
    for twin in TWINS:
        fixed_codes.update(fixed(twin.with_name(twin.name.removesuffix(".fixed"))).fixed)
    assert set(fixers()) - _HAND_CASES_ONLY == set(fixed_codes)
