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
