"""Faults end to end: a crash of bedrockcache is exit 3 with one line, never a pass or a
traceback. Faults are injected by patching bedrockcache's own code (a layer finder, a renderer),
never a library."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bedrockcache import cli
from bedrockcache.cli import main
from bedrockcache.lint.layers import boto3 as boto3_layer
from conftest import run_bedrockcache

HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
UNCACHED = HEAD + 'client.converse(modelId=MODEL, system=[{"text": POLICY}], messages=[])\n'
CRASHING = UNCACHED + "# crash here\n"
REPORT_IT = "please report it at https://github.com/bedrockcache/bedrockcache/issues"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BEDROCKCACHE_OUTPUT_FORMAT", raising=False)
    monkeypatch.delenv(cli.TRACEBACK_ENV, raising=False)
    (tmp_path / "pyproject.toml").write_text("[tool.bedrockcache]\n", encoding="utf-8")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "crash.py").write_text(CRASHING, encoding="utf-8")
    (tmp_path / "app" / "uncached.py").write_text(UNCACHED, encoding="utf-8")
    return tmp_path


@pytest.fixture
def crashing_finder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The boto3 finder raises on files holding "# crash here": a bug of ours in one file."""
    real = boto3_layer.find

    def find(ctx: Any) -> Iterator[Any]:
        if "# crash here" in ctx.index.module.code:
            raise RuntimeError("boom")
        yield from real(ctx)

    monkeypatch.setattr(boto3_layer, "find", find)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def test_a_crash_in_one_file_is_exit_3_and_the_others_are_still_checked(
    project: Path, crashing_finder: None
) -> None:
    result = run("lint", "--no-cache", "app")
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    crash = "app/crash.py: internal error (RuntimeError: boom): the file was not fully checked"
    assert f"{crash}; {REPORT_IT}" in lines
    assert any(line.startswith("app/uncached.py:6:1: BC101 ") for line in lines)
    assert "All checks passed!" not in result.stdout
    assert "1 file not fully checked because of an internal error (listed above)" in lines
    assert run("lint", "--no-cache", "--exit-zero", "app").exit_code == 3


def test_a_crash_alone_is_not_a_pass(project: Path, crashing_finder: None) -> None:
    result = run("lint", "--no-cache", "app/crash.py")
    assert result.exit_code == 3
    assert "All checks passed!" not in result.stdout
    assert "Found 0 errors." in result.stdout


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_machine_formats_carry_the_crash_and_stderr_names_it(
    project: Path, crashing_finder: None, fmt: str
) -> None:
    result = run("lint", "--no-cache", "--output-format", fmt, "app")
    assert result.exit_code == 3
    data = json.loads(result.stdout)
    if fmt == "json":
        assert [(o["code"], o["filename"]) for o in data] == [
            ("BC101", "app/uncached.py"),
            (None, "app/crash.py"),
        ]
    else:
        (invocation,) = data["runs"][0]["invocations"]
        assert invocation["executionSuccessful"] is False
        assert len(invocation["toolExecutionNotifications"]) == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("bedrockcache: app/crash.py: internal error (RuntimeError: boom)")


def test_the_crash_is_also_on_stderr_when_the_report_goes_to_a_file(
    project: Path, crashing_finder: None
) -> None:
    result = run("lint", "--no-cache", "-o", "report.txt", "app")
    assert result.exit_code == 3
    assert "internal error (RuntimeError: boom)" in (project / "report.txt").read_text()
    assert "app/crash.py: internal error" in result.stderr


def test_a_crash_is_not_cached(
    project: Path, crashing_finder: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("lint", "app").exit_code == 3
    assert run("lint", "app").exit_code == 3
    monkeypatch.undo()  # the bug is fixed: the next run must check the file, not replay the crash
    monkeypatch.chdir(project)
    result = run("lint", "app")
    assert result.exit_code == 1
    assert "internal error" not in result.stdout
    assert "app/crash.py:6:1: BC101 " in result.stdout


def test_an_uncaught_exception_anywhere_is_one_line_and_exit_3(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bedrockcache.output

    def kaput(*args: object, **kwargs: object) -> str:
        raise RuntimeError("kaput\nsecond line")

    monkeypatch.setattr(bedrockcache.output, "render", kaput)
    result = run("lint", "--no-cache", "app")
    assert result.exit_code == 3
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("bedrockcache: internal error (RuntimeError: kaput second line); ")
    assert REPORT_IT in line
    assert f"{cli.TRACEBACK_ENV}=1" in line
    verbose = run("lint", "--no-cache", "app", env={cli.TRACEBACK_ENV: "1"})
    assert verbose.exit_code == 3
    assert "Traceback (most recent call last)" in verbose.stderr
    assert verbose.stderr.splitlines()[-1] == line


def test_every_subcommand_has_the_same_crash_policy(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise KeyError("BC101")

    monkeypatch.setattr(cli, "catalogue", broken)
    result = run("rules")
    assert result.exit_code == 3
    assert result.stderr.startswith("bedrockcache: internal error (KeyError: 'BC101'); ")
    assert len(result.stderr.splitlines()) == 1


# ---- the file system ---------------------------------------------------------------------------


def test_an_unreadable_file_is_bc005_and_the_run_goes_on(project: Path) -> None:
    (project / "app" / "crash.py").unlink()
    locked = project / "app" / "locked.py"
    locked.write_text(UNCACHED, encoding="utf-8")
    locked.chmod(0)
    done = run_bedrockcache(["lint", "--no-cache", "app"], project)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    lines = done.stdout.splitlines()
    assert (
        "app/locked.py:1:1: BC005 cannot read the file (Permission denied); it was not checked"
        in lines
    )
    assert any(line.startswith("app/uncached.py:6:1: BC101 ") for line in lines)
    ignored = run_bedrockcache(
        ["lint", "--no-cache", "--ignore", "BC005", "app/locked.py"], project
    )
    assert ignored.returncode == 0, ignored.stdout + ignored.stderr


def test_an_unreadable_directory_is_bc005_and_the_run_goes_on(project: Path) -> None:
    (project / "app" / "crash.py").unlink()
    locked = project / "app" / "locked"
    locked.mkdir()
    (locked / "inside.py").write_text(UNCACHED, encoding="utf-8")
    locked.chmod(0)
    try:
        done = run_bedrockcache(
            ["lint", "--no-cache", "--output-format", "concise", "app"], project
        )
    finally:
        locked.chmod(0o755)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert (
        "app/locked:1:1: BC005 cannot read the directory (Permission denied); "
        "nothing in it was checked"
    ) in lines
    assert any(line.startswith("app/uncached.py:6:1: BC101 ") for line in lines)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_is_never_opened_for_reading(project: Path) -> None:
    (project / "app" / "crash.py").unlink()
    os.mkfifo(project / "app" / "pipe.py")  # nothing ever writes to it: reading it would block
    named = run_bedrockcache(["lint", "--no-cache", "app/pipe.py", "app/uncached.py"], project)
    assert named.returncode == 1
    assert (
        named.stderr == "bedrockcache: warning: app/pipe.py: not a regular file (a FIFO); skipped\n"
    )
    assert "1 Bedrock call site checked in 1 file" in named.stdout
    walked = run_bedrockcache(["lint", "--no-cache", "app"], project)
    assert walked.returncode == 1
    assert walked.stderr == ""  # a walk only ever picks regular files


def test_a_device_named_on_the_command_line_is_skipped(project: Path) -> None:
    if not os.path.exists(os.devnull) or os.name != "posix":
        pytest.skip("no character device at os.devnull")
    result = run("lint", "--no-cache", os.devnull)
    assert result.exit_code == 0
    assert result.stderr == (
        f"bedrockcache: warning: {os.devnull}: not a regular file (a character device); skipped\n"
    )
    assert "checked in 0 files" in result.stdout


def test_a_fix_that_cannot_be_written_names_the_file_and_the_reason(project: Path) -> None:
    (project / "app" / "crash.py").unlink()
    target = project / "app" / "wrong.py"
    source = UNCACHED.replace("}], messages", '}, {"cachePoint": {"type": "ephemeral"}}], messages')
    target.write_text(source, encoding="utf-8")
    (project / "app").chmod(0o555)  # no temporary file can be created beside wrong.py
    try:
        done = run_bedrockcache(["lint", "--no-cache", "--fix", "app/wrong.py"], project)
    finally:
        (project / "app").chmod(0o755)
    assert done.returncode == 1, done.stderr
    assert done.stderr == (
        "bedrockcache: error: cannot write app/wrong.py: Permission denied; not fixed\n"
    )
    assert target.read_text(encoding="utf-8") == source
    assert "app/wrong.py:6:" in done.stdout and "BC309" in done.stdout
    assert "Found 1 error." in done.stdout


def test_lint_help_lists_every_exit_code() -> None:
    lines = [" ".join(line.split()) for line in run("lint", "--help").stdout.splitlines()]
    for code, meaning in [
        ("0", "no diagnostics"),
        ("1", "diagnostics"),
        ("2", "usage or configuration error"),
        ("3", "internal error"),
    ]:
        assert any(line.startswith(f"{code} {meaning}") for line in lines), meaning


def test_a_value_error_inside_the_run_is_a_crash_not_a_usage_error(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bedrockcache.lint import runner

    def buggy(*args: object, **kwargs: object) -> None:
        raise ValueError("not the user's fault")

    monkeypatch.setattr(runner, "lint_paths", buggy)
    result = run("lint", "--no-cache", "app")
    assert result.exit_code == 3
    assert result.stderr.startswith("bedrockcache: internal error (ValueError: not the user's")
