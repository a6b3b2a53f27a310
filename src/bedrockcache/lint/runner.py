"""Lint many files: discover, prefilter, reuse cached results, parse the rest across the cores.

Most files in a codebase never talk to Bedrock. The bytes prefilter drops them before any parse
(reading is ~500 MB/s, libcst ~0.5 MB/s), the cache skips files already seen with these settings,
and only the remaining candidates are parsed, in worker processes when there are enough of them.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bedrockcache.config import Settings
from bedrockcache.lint.cache import Cache, FileResult, default_cache_dir
from bedrockcache.lint.diagnostic import LintResult, internal_error
from bedrockcache.lint.discover import discover, excluder
from bedrockcache.lint.imports import ImportScreen
from bedrockcache.lint.prefilter import might_have_call_site
from bedrockcache.lint.reading import UNREADABLE, NotRegularFile, read_regular, unreadable

__all__ = ["in_processes", "lint_paths"]

T = TypeVar("T")

# Below this much candidate source, starting worker processes costs more than it saves.
_PARALLEL_BYTES = 400_000


def lint_paths(
    paths: Sequence[Path],
    settings: Settings,
    *,
    force_exclude: bool = False,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
) -> LintResult:
    """Lint every Python file under ``paths``. Raises FileNotFoundError for a missing path; a
    file or directory that cannot be read is a BC005 diagnostic, and a path that is not a regular
    file (a FIFO, a device) is skipped and listed in ``skipped``."""
    walk_errors: list[tuple[Path, OSError]] = []
    files = discover(paths, settings, force_exclude=force_exclude, unreadable=walk_errors)
    cache = (
        Cache(cache_dir or default_cache_dir(settings.root), settings.key()) if use_cache else None
    )
    index = cache.load_index() if cache is not None else {}
    seen: dict[str, list[Any]] = {}
    result = LintResult(files_checked=len(files))
    current = _Digests()
    root = os.path.realpath(settings.root)
    excluded = excluder(settings)
    screen = ImportScreen(root, lambda path: _inside(path, root) and not excluded(path))
    for directory, error in walk_errors:
        _report_unreadable(result, settings, display_path(directory), error, directory=True)
    pending: list[tuple[str, bytes]] = []  # (display path, contents)
    stamps = {str(file): _stamp(file) for file in files}
    # A file without a call site that imports project modules could call a wrapper one of them
    # gained: its "none" stands only while no file of the run changed.
    changed = any(index.get(path, [None, None])[:2] != stamp for path, stamp in stamps.items())
    changed = changed or any(e[2] is not None and p not in stamps for p, e in index.items())
    for file in files:
        shown = display_path(file)
        stamp = stamps[str(file)]
        known = index.get(str(file))
        if cache is not None and stamp is not None and known and known[:2] == stamp:
            if known[2] is None and not (len(known) == 4 and changed):
                seen[str(file)] = known  # unchanged, and it could not hold a call site
                continue
            cached = cache.get_digest(shown, known[2])
            if cached is not None and current.unchanged(cached.dependencies):
                seen[str(file)] = known
                _merge(result, cached)
                continue
        try:
            data = read_regular(file)
        except NotRegularFile as error:
            result.skipped.append((shown, str(error)))
            result.files_checked -= 1
            continue
        except OSError as error:
            _report_unreadable(result, settings, shown, error)
            continue
        if not might_have_call_site(data):
            imported = screen.imported(str(file), data)
            if not (imported and screen.imports_call_sites(str(file), data)):
                if stamp is not None:
                    seen[str(file)] = [*stamp, None, True] if imported else [*stamp, None]
                continue
        if stamp is not None:
            seen[str(file)] = [*stamp, hashlib.sha256(data).hexdigest()]
        cached = cache.get(shown, data) if cache is not None else None
        if cached is not None and current.unchanged(cached.dependencies):
            _merge(result, cached)
        else:
            pending.append((shown, data))
    # Workers are forked from this process and start with its memory: what the screen learnt
    # is not theirs to carry.
    del screen
    gc.collect()
    reports = _check_all(pending, settings, jobs)
    for (shown, data), report in zip(pending, reports, strict=True):
        if cache is not None and not any(u.internal for u in report.unresolved):
            cache.put(shown, data, report)  # a crash is not an answer to remember
        _merge(result, report)
    if cache is not None and seen != {k: index.get(k) for k in seen}:
        cache.save_index({**index, **seen})
    result.diagnostics.sort()
    result.unresolved.sort()
    return result


def _inside(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)


class _Digests:
    """The sha256 of each dependency as it is now, read once per run: a cached result whose
    imported modules (or prompt files) changed since is linted again."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    def unchanged(self, dependencies: Sequence[tuple[str, str]]) -> bool:
        return all(self._digest(path) == digest for path, digest in dependencies)

    def _digest(self, path: str) -> str | None:
        if path not in self._known:
            try:
                self._known[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                self._known[path] = None
        return self._known[path]


def _report_unreadable(
    result: LintResult, settings: Settings, shown: str, error: OSError, *, directory: bool = False
) -> None:
    diagnostic = unreadable(shown, error, directory=directory)
    if settings.enabled(UNREADABLE, diagnostic.severity) and not settings.ignored_in(
        shown, UNREADABLE
    ):
        result.diagnostics.append(diagnostic)


def _stamp(file: Path) -> list[int] | None:
    try:
        info = file.stat()
    except OSError:
        return None
    return [info.st_mtime_ns, info.st_size]


def display_path(file: Path) -> str:
    """Relative to the working directory when under it (as ruff and flake8 print paths)."""
    try:
        return os.path.relpath(file) if file.is_relative_to(Path.cwd()) else str(file)
    except ValueError:  # another drive on Windows
        return str(file)


def _merge(result: LintResult, report: FileResult) -> None:
    result.diagnostics += report.diagnostics
    result.unresolved += report.unresolved
    result.call_sites += report.call_sites
    result.files_parsed += int(report.parsed)


def _check_all(
    pending: list[tuple[str, bytes]], settings: Settings, jobs: int | None
) -> list[FileResult]:
    """One result per pending file, in the order given.

    Workers get the bytes the run read (not the path to read again), so each file is judged
    on the one content that is also the cache key, and nothing is opened twice.
    """
    if sum(len(data) for _, data in pending) < _PARALLEL_BYTES:
        jobs = 1
    portable = dataclasses.replace(settings, models=dict(settings.models))
    return in_processes(
        _check_file,
        [(data, shown, portable) for shown, data in pending],
        [len(data) for _, data in pending],
        jobs,
    )


def in_processes(
    function: Callable[..., T], calls: list[tuple[Any, ...]], sizes: list[int], jobs: int | None
) -> list[T]:
    """``function(*call)`` for each call, in the order given: across worker processes (one per
    core unless ``jobs`` says otherwise, the largest files first) when there are two or more
    calls and more than one worker, else in this process. ``function`` must be picklable (a
    module-level function) and so must the arguments; an exception in a worker is raised here.
    """
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(calls) < 2:
        return [function(*call) for call in calls]
    order = sorted(range(len(calls)), key=lambda i: -sizes[i])  # big files first
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    results: dict[int, T] = {}
    with ProcessPoolExecutor(max_workers=min(workers, len(calls)), mp_context=context) as pool:
        futures = {i: pool.submit(function, *calls[i]) for i in order}
        for i, future in futures.items():
            results[i] = future.result()
    return [results[i] for i in range(len(calls))]


def _check_file(data: bytes, shown: str, settings: Settings) -> FileResult:
    """One file's result; a crash while checking it is that file's internal error, and the
    run goes on with the others (as ruff reports a panic in one file)."""
    from bedrockcache.lint.checker import check_source, project_for  # libcst loads on demand

    try:
        return check_source(data, shown, settings, project=project_for(settings))
    except Exception as exc:
        return FileResult(unresolved=[internal_error(shown, exc)], parsed=True)
