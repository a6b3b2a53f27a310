"""``lint --fix`` / ``--diff`` over a run's result: fix each file that has applicable fixes.

The run's diagnostics (from the cache or fresh) say which files have something to fix; each such
file is then read again and fixed from its current text. Its first lint pass is the cached
result for exactly those bytes when there is one (the cache is keyed by content, settings and
tool code), else a fresh lint; every later pass is fresh. So a result for other bytes can never
hide a fix or apply a stale one. Files are fixed across worker processes, as lint runs them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from bedrockcache.config import Settings
from bedrockcache.lint.cache import Cache, FileResult
from bedrockcache.lint.diagnostic import Diagnostic, LintResult, Unresolved
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


def _fix(
    text: str,
    path: str,
    settings: Settings,
    unsafe: bool,
    first: list[Diagnostic] | None = None,
    last: list[FileResult] | None = None,
) -> FixOutcome:
    """``fix_text`` with the linter; ``last`` receives the result of the last lint pass (that of
    the fixed text when anything was fixed)."""
    from bedrockcache.lint.checker import check_source

    def check(candidate: str) -> list[Diagnostic]:
        result = check_source(candidate, path, settings)
        if last is not None:
            last[:] = [result]
        return result.diagnostics

    return fix_text(text, check, unsafe=unsafe, first=first)


def fix_result(
    result: LintResult,
    settings: Settings,
    *,
    unsafe: bool,
    write: bool,
    jobs: int | None = None,
    cache_dir: Path | None = None,
) -> FixRun:
    """Fixes the files of ``result`` (written when ``write``) and updates it: the diagnostics
    left, and ``fixed``. Files are fixed across worker processes as lint runs them (``jobs``
    as ``lint -j``); each file is read, fixed and written by one worker, atomically. With the
    result cache (``cache_dir``), the first lint pass of a file is its cached result for the
    bytes read, and a written file's result is stored for the next run. A file that cannot be
    written keeps its diagnostics and is listed in ``unwritable``; raises OSError when a file
    cannot be read."""
    from bedrockcache.lint.runner import in_processes

    run = FixRun()
    paths = sorted({d.path for d in result.diagnostics if applicable(d, unsafe)})
    portable = dataclasses.replace(settings, models=dict(settings.models))
    sizes = [_size(Path(shown)) for shown in paths]
    calls = [(shown, portable, unsafe, write, cache_dir) for shown in paths]
    for shown, fixed in zip(paths, in_processes(_fix_file, calls, sizes, jobs), strict=True):
        if fixed is None:
            continue
        run.rejected += fixed.rejected
        if fixed.unwritable is not None:
            run.unwritable.append((shown, fixed.unwritable))
        if fixed.change is None:
            continue
        run.changes.append(fixed.change)
        result.diagnostics = [d for d in result.diagnostics if d.path != shown]
        result.diagnostics += fixed.remaining
        if fixed.unresolved is not None:
            # What could not be audited is the fixed file's too: a fix moves lines, and may
            # turn a finding into a call site with an unknown part.
            result.unresolved = [u for u in result.unresolved if u.path != shown]
            result.unresolved += fixed.unresolved
        result.fixed += fixed.change.fixed
    result.diagnostics.sort()
    result.unresolved.sort()
    return run


@dataclass(frozen=True)
class _Fixed:
    """What fixing one file did, sent back from a worker."""

    change: FileChange | None
    remaining: list[Diagnostic]
    rejected: list[Diagnostic]
    unwritable: str | None = None  # why the fixed text was not written
    unresolved: list[Unresolved] | None = None  # the fixed text's, when it was linted last


def _fix_file(
    shown: str, settings: Settings, unsafe: bool, write: bool, cache_dir: Path | None
) -> _Fixed | None:
    """Fix one file from its current text (None when it is not text to fix)."""
    data = Path(shown).read_bytes()
    source = read_source(data)
    if source is None:
        return None
    cache = Cache(cache_dir, settings.key()) if cache_dir is not None else None
    known = cache.get(shown, data) if cache is not None else None  # keyed by these very bytes
    last: list[FileResult] = []
    first = known.diagnostics if known is not None else None
    outcome = _fix(source.text, shown, settings, unsafe, first, last)
    if not outcome.changed:
        return _Fixed(None, outcome.remaining, outcome.rejected)
    encoded = encode(source, outcome.text)
    if encoded is None:
        reason = f"the fixed text cannot be encoded as {source.encoding}"
        return _Fixed(None, outcome.remaining, outcome.rejected, unwritable=reason)
    if write:
        try:
            write_atomic(Path(shown), encoded)
        except OSError as error:  # the file, not its temporary neighbour, is what failed
            reason = error.strerror or str(error)
            return _Fixed(None, outcome.remaining, outcome.rejected, unwritable=reason)
        if cache is not None and last:
            cache.put(shown, encoded, last[0])  # the next run finds the fixed file linted
    change = FileChange(shown, source.text, outcome.text, sum(outcome.fixed.values()))
    final = last[0].unresolved if last else None
    return _Fixed(change, outcome.remaining, outcome.rejected, unresolved=final)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read (and reported) by the worker


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
        outcome = _fix(source.text, path, settings, unsafe)
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
