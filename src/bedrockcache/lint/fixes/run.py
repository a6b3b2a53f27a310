"""``lint --fix`` / ``--diff`` over a run's result: fix each file that has applicable fixes.

The run's diagnostics (from the cache or fresh) say which files have something to fix; each such
file is then fixed from its current text with fresh lint passes, so a cached result can never
hide a fix or apply a stale one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bedrockcache.config import Settings
from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.diagnostic import Diagnostic, LintResult
from bedrockcache.lint.fixes.apply import FixOutcome, applicable, fix_text
from bedrockcache.lint.fixes.files import encode, read_source, write_atomic

__all__ = ["FileChange", "FixRun", "fix_result", "lint_stdin"]


@dataclass(frozen=True)
class FileChange:
    path: str  # as displayed
    before: str
    after: str
    fixed: int


@dataclass
class FixRun:
    changes: list[FileChange] = field(default_factory=list)
    rejected: list[Diagnostic] = field(default_factory=list)  # fixes whose result did not parse
    # (path, reason): files whose fixed text could not be encoded or written; left unchanged
    unwritable: list[tuple[str, str]] = field(default_factory=list)


def _fix(text: str, path: str, settings: Settings, unsafe: bool) -> tuple[FixOutcome, FileResult]:
    """The fix, and the lint of the fixed text: ``fix_text`` lints the text it returns last."""
    from bedrockcache.lint.checker import check_source

    last: list[FileResult] = []

    def check(current: str) -> list[Diagnostic]:
        last[:] = [check_source(current, path, settings)]
        return last[0].diagnostics

    outcome = fix_text(text, check, unsafe=unsafe)
    return outcome, last[0]


def fix_result(result: LintResult, settings: Settings, *, unsafe: bool, write: bool) -> FixRun:
    """Fixes the files of ``result`` (written when ``write``) and updates it: the diagnostics
    left, and ``fixed``. A file that cannot be written keeps its diagnostics and is listed in
    ``unwritable``; raises OSError when a file cannot be read."""
    run = FixRun()
    paths = sorted({d.path for d in result.diagnostics if applicable(d, unsafe)})
    for shown in paths:
        data = Path(shown).read_bytes()
        source = read_source(data)
        if source is None:
            continue
        outcome, final = _fix(source.text, shown, settings, unsafe)
        run.rejected += outcome.rejected
        if not outcome.changed:
            continue
        encoded = encode(source, outcome.text)
        if encoded is None:
            run.unwritable.append((shown, f"the fixed text cannot be encoded as {source.encoding}"))
            continue
        if write:
            try:
                write_atomic(Path(shown), encoded)
            except OSError as error:  # the file, not its temporary neighbour, is what failed
                run.unwritable.append((shown, error.strerror or str(error)))
                continue
        fixed = sum(outcome.fixed.values())
        run.changes.append(FileChange(shown, source.text, outcome.text, fixed))
        result.diagnostics = [d for d in result.diagnostics if d.path != shown]
        result.diagnostics += outcome.remaining
        # What could not be audited is the fixed file's too: a fix moves lines, and may turn
        # a finding into a call site with an unknown part.
        result.unresolved = [u for u in result.unresolved if u.path != shown]
        result.unresolved += final.unresolved
        result.fixed += fixed
    result.diagnostics.sort()
    result.unresolved.sort()
    return run


def lint_stdin(
    data: bytes, path: str, settings: Settings, *, fix: bool, unsafe: bool
) -> tuple[LintResult, str | None]:
    """Lints (and with ``fix``, fixes) source read from stdin: the result, and the fixed text
    (None when nothing changed or the bytes are not text)."""
    from bedrockcache.lint.checker import check_source

    source = read_source(data) if fix else None
    fixed_text = None
    fixed = 0
    if source is not None:
        outcome, _ = _fix(source.text, path, settings, unsafe)
        if outcome.changed:
            fixed_text, fixed = outcome.text, sum(outcome.fixed.values())
    report = check_source(fixed_text if fixed_text is not None else data, path, settings)
    result = LintResult(
        diagnostics=sorted(report.diagnostics),
        unresolved=sorted(report.unresolved),
        files_checked=1,
        files_parsed=int(report.parsed),
        call_sites=report.call_sites,
        fixed=fixed,
        unsafe_fixes=unsafe,
    )
    return result, fixed_text
