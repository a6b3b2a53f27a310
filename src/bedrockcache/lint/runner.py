"""Lint many files: discover, prefilter, reuse cached results, parse the rest across the cores.

Most files in a codebase never talk to Bedrock. The bytes prefilter drops them before any parse
(reading is ~500 MB/s, libcst ~0.5 MB/s), the cache skips files already seen with these settings,
and only the remaining candidates are parsed, in worker processes when there are enough of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bedrockcache.config import Settings
from bedrockcache.lint.cache import Cache, FileResult, default_cache_dir
from bedrockcache.lint.diagnostic import LintResult
from bedrockcache.lint.discover import discover
from bedrockcache.lint.prefilter import might_have_call_site

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
    """Lint every Python file under ``paths``. Raises FileNotFoundError for a missing path and
    OSError for a file that cannot be read."""
    files = discover(paths, settings, force_exclude=force_exclude)
    cache = (
        Cache(cache_dir or default_cache_dir(settings.root), settings.key()) if use_cache else None
    )
    index = cache.load_index() if cache is not None else {}
    seen: dict[str, list[Any]] = {}
    result = LintResult(files_checked=len(files))
    pending: list[tuple[str, str, bytes]] = []  # (file, display path, contents)
    for file in files:
        shown = display_path(file)
        stamp = _stamp(file)
        known = index.get(str(file))
        if cache is not None and stamp is not None and known and known[:2] == stamp:
            if known[2] is None:  # unchanged, and it could not hold a call site
                seen[str(file)] = known
                continue
            cached = cache.get_digest(shown, known[2])
            if cached is not None:
                seen[str(file)] = known
                _merge(result, cached)
                continue
        data = file.read_bytes()
        if not might_have_call_site(data):
            if stamp is not None:
                seen[str(file)] = [*stamp, None]
            continue
        if stamp is not None:
            seen[str(file)] = [*stamp, hashlib.sha256(data).hexdigest()]
        cached = cache.get(shown, data) if cache is not None else None
        if cached is not None:
            _merge(result, cached)
        else:
            pending.append((str(file), shown, data))
    reports = _check_all(
        [(file, shown, len(data)) for file, shown, data in pending], settings, jobs
    )
    for (_, shown, data), report in zip(pending, reports, strict=True):
        if cache is not None:
            cache.put(shown, data, report)
        _merge(result, report)
    if cache is not None and seen != {k: index.get(k) for k in seen}:
        cache.save_index({**index, **seen})
    result.diagnostics.sort()
    result.unresolved.sort()
    return result


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
    pending: list[tuple[str, str, int]], settings: Settings, jobs: int | None
) -> list[FileResult]:
    """One result per pending file, in the order given."""
    if sum(size for _, _, size in pending) < _PARALLEL_BYTES:
        jobs = 1
    portable = dataclasses.replace(settings, models=dict(settings.models))
    return in_processes(
        _check_file,
        [(file, shown, portable) for file, shown, _ in pending],
        [size for _, _, size in pending],
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


def _check_file(file: str, shown: str, settings: Settings) -> FileResult:
    from bedrockcache.lint.checker import check_source  # libcst loads only when a file needs it

    return check_source(Path(file).read_bytes(), shown, settings)
