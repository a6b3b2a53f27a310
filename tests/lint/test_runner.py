"""lint_paths over a temporary tree: what it reads, what it parses, and what the cache saves."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from bedrockcache.config import Settings
from bedrockcache.lint import checker, runner
from bedrockcache.lint.cache import CACHE_DIR_NAME
from bedrockcache.lint.diagnostic import LintResult
from bedrockcache.lint.runner import lint_paths

HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
UNCACHED = HEAD + 'client.converse(modelId=MODEL, system=[{"text": POLICY}], messages=[])\n'
CACHED = HEAD + (
    "client.converse(modelId=MODEL, "
    'system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}], messages=[])\n'
)
HIDDEN = HEAD + "def f(kw):\n    client.converse(modelId=MODEL, **kw)\n"


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project: two call-site files, one that only mentions Bedrock, one plain, one skipped."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "uncached.py").write_text(UNCACHED)
    (tmp_path / "pkg" / "cached.py").write_text(CACHED)
    (tmp_path / "pkg" / "hidden.py").write_text(HIDDEN)
    (tmp_path / "pkg" / "mentions.py").write_text('"""Wraps client.converse for the app."""\n')
    (tmp_path / "pkg" / "plain.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "pkg" / "notes.txt").write_text(UNCACHED)  # not Python
    (tmp_path / "build").mkdir()  # excluded by default
    (tmp_path / "build" / "generated.py").write_text(UNCACHED)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def settings_for(root: Path, **values: Any) -> Settings:
    return Settings(root=root, **values)


def run(root: Path, **options: Any) -> LintResult:
    options.setdefault("jobs", 1)
    settings = options.pop("settings", None) or settings_for(root)
    return lint_paths([root], settings, **options)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The display paths check_source is called with (the runner imports it either way)."""
    calls: list[str] = []
    real = checker.check_source

    def counting(source: bytes | str, path: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(path)
        return real(source, path, *args, **kwargs)

    monkeypatch.setattr(checker, "check_source", counting)
    if hasattr(runner, "check_source"):
        monkeypatch.setattr(runner, "check_source", counting)
    return calls


def summary(result: LintResult) -> tuple[Any, ...]:
    return (
        [dataclasses.astuple(d) for d in result.diagnostics],
        [dataclasses.astuple(u) for u in result.unresolved],
        result.files_checked,
        result.files_parsed,
        result.call_sites,
    )


# ---- discovery and the prefilter ---------------------------------------------------------------


def test_counts_files_read_and_files_parsed(tree: Path) -> None:
    result = run(tree, use_cache=False)
    # Read: every .py outside build/. Parsed: those that can hold a call site.
    assert result.files_checked == 5
    assert result.files_parsed == 4  # uncached, cached, hidden, and mentions (screened in)
    assert result.call_sites == 3
    assert [(d.path, d.code) for d in result.diagnostics] == [("pkg/uncached.py", "BC101")]
    assert [u.path for u in result.unresolved] == ["pkg/hidden.py"]


def test_only_prefiltered_files_reach_the_checker(tree: Path, checks: list[str]) -> None:
    run(tree, use_cache=False)
    assert sorted(checks) == [
        "pkg/cached.py",
        "pkg/hidden.py",
        "pkg/mentions.py",
        "pkg/uncached.py",
    ]


def test_paths_are_shown_relative_to_the_working_directory(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree / "pkg")
    result = run(tree, use_cache=False)
    assert [d.path for d in result.diagnostics] == ["uncached.py"]


def test_an_explicit_file_is_linted_even_in_an_excluded_directory(tree: Path) -> None:
    result = lint_paths([tree / "build" / "generated.py"], settings_for(tree), use_cache=False)
    assert [d.path for d in result.diagnostics] == ["build/generated.py"]


def test_force_exclude_skips_an_explicit_file_in_an_excluded_directory(tree: Path) -> None:
    result = lint_paths(
        [tree / "build" / "generated.py"], settings_for(tree), force_exclude=True, use_cache=False
    )
    assert result.files_checked == 0
    assert result.diagnostics == []


def test_a_missing_path_raises_file_not_found(tree: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.py"):
        lint_paths([tree / "nope.py"], settings_for(tree), use_cache=False)


def test_results_are_sorted(tree: Path) -> None:
    (tree / "pkg" / "a_first.py").write_text(UNCACHED)
    result = run(tree, use_cache=False)
    assert [d.path for d in result.diagnostics] == ["pkg/a_first.py", "pkg/uncached.py"]


# ---- the cache ---------------------------------------------------------------------------------


def test_a_second_run_reads_every_result_from_the_cache(tree: Path, checks: list[str]) -> None:
    first = run(tree, cache_dir=tree / "cache")
    assert len(checks) == 4
    second = run(tree, cache_dir=tree / "cache")
    assert len(checks) == 4  # no file was checked again
    assert summary(second) == summary(first)


def test_results_are_the_same_with_and_without_the_cache(tree: Path) -> None:
    uncached = run(tree, use_cache=False)
    filling = run(tree, cache_dir=tree / "cache")
    reading = run(tree, cache_dir=tree / "cache")
    assert summary(filling) == summary(uncached)
    assert summary(reading) == summary(uncached)


def test_only_a_changed_file_is_checked_again(tree: Path, checks: list[str]) -> None:
    run(tree, cache_dir=tree / "cache")
    checks.clear()
    (tree / "pkg" / "cached.py").write_text(UNCACHED)
    result = run(tree, cache_dir=tree / "cache")
    assert checks == ["pkg/cached.py"]
    assert [d.path for d in result.diagnostics] == ["pkg/cached.py", "pkg/uncached.py"]


def test_other_settings_do_not_reuse_the_cache(tree: Path, checks: list[str]) -> None:
    run(tree, cache_dir=tree / "cache")
    checks.clear()
    result = run(tree, cache_dir=tree / "cache", settings=settings_for(tree, ignore=("BC101",)))
    assert len(checks) == 4
    assert result.diagnostics == []


def test_no_cache_neither_reads_nor_writes(tree: Path, checks: list[str]) -> None:
    run(tree, use_cache=False)
    run(tree, use_cache=False)
    assert len(checks) == 8
    assert not (tree / CACHE_DIR_NAME).exists()


def test_the_default_cache_is_beside_the_settings_root(tree: Path) -> None:
    run(tree)
    cache = tree / CACHE_DIR_NAME
    assert (cache / "CACHEDIR.TAG").is_file()
    assert (cache / ".gitignore").read_text() == "*\n"


def test_the_cache_directory_is_never_linted(tree: Path) -> None:
    run(tree)
    assert summary(run(tree)) == summary(run(tree, use_cache=False))


def test_a_corrupt_cache_entry_is_a_miss(tree: Path, checks: list[str]) -> None:
    first = run(tree, cache_dir=tree / "cache")
    for entry in (tree / "cache").rglob("*.json"):
        entry.write_text("{not json")
    checks.clear()
    again = run(tree, cache_dir=tree / "cache")
    assert len(checks) == 4
    assert summary(again) == summary(first)


@pytest.mark.parametrize(
    "bad",
    [
        "stamp",  # [mtime, size]: the digest missing
        [],
        None,
        "x",
        ["mtime", 0, None],
        [0, -1, None],
        [True, 0, None],
        "stamp+short-digest",
        "stamp+digest+extra",
    ],
)
def test_a_malformed_index_entry_is_a_miss(tree: Path, checks: list[str], bad: Any) -> None:
    first = run(tree, cache_dir=tree / "cache")
    (index,) = (tree / "cache").rglob("files-*.json")
    data = json.loads(index.read_text())
    for path, entry in data["files"].items():
        stamp = entry[:2]
        shapes = {
            "stamp": stamp,
            "stamp+short-digest": [*stamp, "abc"],
            "stamp+digest+extra": [*entry, 1],
        }
        data["files"][path] = shapes.get(bad, bad) if isinstance(bad, str) else bad
    index.write_text(json.dumps(data))
    checks.clear()
    again = run(tree, cache_dir=tree / "cache")
    assert summary(again) == summary(first)
    # Every file was read again, and the entry results found by content: nothing re-parsed.
    assert checks == []
    assert all(len(e) == 3 for e in json.loads(index.read_text())["files"].values())


# ---- workers -----------------------------------------------------------------------------------


def test_a_small_run_starts_no_worker_processes(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process pool was started for a small run")

    monkeypatch.setattr(runner, "ProcessPoolExecutor", refuse)
    result = run(tree, use_cache=False, jobs=4)
    assert result.call_sites == 3


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crash_outside_the_analysis_is_that_files_internal_error(
    tree: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    real = checker.check_source

    def crashing(source: bytes | str, path: str, *args: Any, **kwargs: Any) -> Any:
        if path.endswith("hidden.py"):
            raise MemoryError
        return real(source, path, *args, **kwargs)

    monkeypatch.setattr(checker, "check_source", crashing)
    monkeypatch.setattr(runner, "_PARALLEL_BYTES", 0)  # workers even for this small tree
    result = run(tree, use_cache=False, jobs=jobs)
    (crash,) = result.internal_errors
    assert (crash.path, crash.reasons) == (str(Path("pkg/hidden.py")), ("MemoryError",))
    assert [d.path for d in result.diagnostics] == [str(Path("pkg/uncached.py"))]
    assert result.not_audited == []
