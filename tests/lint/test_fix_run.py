"""``--fix`` over many files runs across worker processes as lint does, with the same result as
one process, and the result cache keeps what fixing needs (fixable counts on a warm run)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bedrockcache.cli import main
from bedrockcache.config import Settings
from bedrockcache.lint.fixes.run import fix_result
from bedrockcache.lint.runner import in_processes, lint_paths

HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
UNCACHED = HEAD + (
    "\n\ndef answer_{n}(question):\n"
    "    return client.converse(\n"
    "        modelId=MODEL,\n"
    '        system=[{{"text": POLICY}}],\n'
    '        messages=[{{"role": "user", "content": [{{"text": question}}]}}],\n'
    "    )\n"
)
FIXED = UNCACHED.replace(
    '[{{"text": POLICY}}]', '[{{"text": POLICY}}, {{"cachePoint": {{"type": "default"}}}}]'
)


def _pid_and(value: int) -> tuple[int, int]:
    return os.getpid(), value * 2


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def test_in_processes_uses_workers_and_keeps_the_order() -> None:
    got = in_processes(_pid_and, [(n,) for n in range(6)], [1, 50, 2, 40, 3, 30], jobs=2)
    assert [value for _, value in got] == [0, 2, 4, 6, 8, 10]
    assert os.getpid() not in {pid for pid, _ in got}


def test_in_processes_runs_here_with_one_job_or_one_call() -> None:
    assert in_processes(_pid_and, [(1,), (2,)], [1, 1], jobs=1) == [
        (os.getpid(), 2),
        (os.getpid(), 4),
    ]
    assert in_processes(_pid_and, [(3,)], [1], jobs=4) == [(os.getpid(), 6)]


def test_an_error_in_a_worker_is_raised_here_with_its_file(tmp_path: Path) -> None:
    (tmp_path / "ok").write_bytes(b"x")
    missing = str(tmp_path / "gone.py")
    with pytest.raises(FileNotFoundError) as raised:
        in_processes(_read, [(str(tmp_path / "ok"),), (missing,)], [1, 1], jobs=2)
    assert raised.value.filename == missing


def _project(root: Path, files: int) -> None:
    for n in range(files):
        (root / f"m{n:02d}.py").write_text(UNCACHED.format(n=n), encoding="utf-8")


@pytest.mark.parametrize("write", [True, False])
def test_fixing_in_workers_equals_fixing_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: bool
) -> None:
    outcomes = []
    for jobs in (1, 2):
        root = tmp_path / f"jobs{jobs}"
        root.mkdir()
        _project(root, 6)
        monkeypatch.chdir(root)
        settings = Settings(root=root)
        result = lint_paths([root], settings, use_cache=False, jobs=jobs)
        assert result.fixed == 0 and len(result.diagnostics) == 6
        run = fix_result(result, settings, unsafe=False, write=write, jobs=jobs)
        texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(root.glob("*.py"))}
        changes = [(c.path, c.before, c.after, c.fixed) for c in run.changes]
        outcomes.append((texts, changes, result.diagnostics, result.fixed, run.rejected))
    assert outcomes[0] == outcomes[1]
    texts, changes, remaining, fixed, _ = outcomes[1]
    assert fixed == 6 and remaining == [] and len(changes) == 6
    expected = FIXED if write else UNCACHED
    assert texts == {f"m{n:02d}.py": expected.format(n=n) for n in range(6)}


def lint(*args: str) -> Result:
    result = CliRunner().invoke(main, ["lint", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def test_fix_with_jobs_on_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, 4)
    monkeypatch.chdir(tmp_path)
    result = lint("--fix", "--no-cache", "-j", "2", ".")
    assert result.exit_code == 0, result.output
    assert "Found 4 errors (4 fixed, 0 remaining)." in result.stdout
    assert all(
        (tmp_path / f"m{n:02d}.py").read_text(encoding="utf-8") == FIXED.format(n=n)
        for n in range(4)
    )


def test_a_warm_run_reports_the_fixable_count_and_fixes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, 3)
    monkeypatch.chdir(tmp_path)
    cold = lint(".")
    warm = lint(".")
    assert "[*] 3 fixable with the `--fix` option." in cold.stdout
    assert warm.stdout == cold.stdout
    assert list(tmp_path.glob(".bedrockcache_cache/*/*/*.json"))  # it was served from there
    fixed = lint("--fix", ".")
    assert "Found 3 errors (3 fixed, 0 remaining)." in fixed.stdout
    assert lint(".").exit_code == 0


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the lint passes (check_source calls) made in this process."""
    from bedrockcache.lint import checker

    calls: list[str] = []
    original = checker.check_source

    def counted(source, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(path)
        return original(source, path, *args, **kwargs)

    monkeypatch.setattr(checker, "check_source", counted)
    return calls


def test_a_warm_cache_saves_the_first_lint_pass_and_keeps_the_fixed_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path)
    cache_dir = tmp_path / ".bedrockcache_cache"
    result = lint_paths([tmp_path], settings, cache_dir=cache_dir, jobs=1)  # fills the cache
    calls = _counting(monkeypatch)
    run = fix_result(result, settings, unsafe=False, write=True, jobs=1, cache_dir=cache_dir)
    assert len(run.changes) == 2 and result.diagnostics == []
    assert sorted(calls) == ["m00.py", "m01.py"]  # one pass each: the fixed text, not the first
    calls.clear()
    again = lint_paths([tmp_path], settings, cache_dir=cache_dir, jobs=1)
    assert calls == []  # the fixed files' results were stored
    fresh = lint_paths([tmp_path], settings, use_cache=False, jobs=1)
    assert (again.diagnostics, again.call_sites) == (fresh.diagnostics, fresh.call_sites) == ([], 2)


def test_without_the_cache_every_pass_is_fresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path)
    result = lint_paths([tmp_path], settings, use_cache=False, jobs=1)
    calls = _counting(monkeypatch)
    fix_result(result, settings, unsafe=False, write=True, jobs=1)
    assert sorted(calls) == ["m00.py", "m00.py", "m01.py", "m01.py"]


def test_a_cached_result_for_other_bytes_is_never_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file changed after the run linted it: its cache entry no longer matches, so the fix
    comes from a fresh lint of what is there now."""
    _project(tmp_path, 1)
    monkeypatch.chdir(tmp_path)
    settings = Settings(root=tmp_path)
    cache_dir = tmp_path / ".bedrockcache_cache"
    result = lint_paths([tmp_path], settings, cache_dir=cache_dir, jobs=1)
    moved = "# a comment that moves every line down\n" + UNCACHED.format(n=0)
    (tmp_path / "m00.py").write_text(moved, encoding="utf-8")
    fix_result(result, settings, unsafe=False, write=True, jobs=1, cache_dir=cache_dir)
    expected = "# a comment that moves every line down\n" + FIXED.format(n=0)
    assert (tmp_path / "m00.py").read_text(encoding="utf-8") == expected
