"""``bedrockcache lint --fix / --diff / --unsafe-fixes`` end to end on temporary projects."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bedrockcache.cli import main
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes import fixers

HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
WRONG_TYPE = HEAD + (
    'client.converse(modelId=MODEL, system=[{"text": POLICY}, '
    '{"cachePoint": {"type": "ephemeral"}}], messages=[])\n'
)
RIGHT_TYPE = WRONG_TYPE.replace('"type": "ephemeral"', '"type": "default"')
BAD_TTL = HEAD + (
    'client.converse(modelId=MODEL, system=[{"text": POLICY}, '
    '{"cachePoint": {"type": "default", "ttl": "2h"}}], messages=[])\n'
)
UNFIXABLE = (
    HEAD + 'client.converse(modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=[])\n'
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.bedrockcache]\n", encoding="utf-8")
    return tmp_path


def lint(*args: str, input: bytes | None = None) -> Result:
    result = CliRunner().invoke(main, ["lint", *args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def test_fix_writes_and_reports_fixed_and_remaining(project: Path) -> None:
    (project / "a.py").write_text(WRONG_TYPE, encoding="utf-8")
    (project / "b.py").write_text(BAD_TTL, encoding="utf-8")
    result = lint("--fix", ".")
    assert (project / "a.py").read_text(encoding="utf-8") == RIGHT_TYPE
    assert (project / "b.py").read_text(encoding="utf-8") == BAD_TTL  # unsafe: not applied
    assert "Found 2 errors (1 fixed, 1 remaining)." in result.stdout
    assert "No fixes available (1 hidden fix can be enabled" in result.stdout
    assert result.exit_code == 1
    again = lint("--fix", ".")
    assert "Found 1 error." in again.stdout
    assert (project / "a.py").read_text(encoding="utf-8") == RIGHT_TYPE


def test_unsafe_fixes_apply_too_and_exit_zero_when_nothing_remains(project: Path) -> None:
    (project / "b.py").write_text(BAD_TTL, encoding="utf-8")
    result = lint("--fix", "--unsafe-fixes", ".")
    assert (project / "b.py").read_text(encoding="utf-8") == BAD_TTL.replace(', "ttl": "2h"', "")
    assert "Found 1 error (1 fixed, 0 remaining)." in result.stdout
    assert result.exit_code == 0


def test_config_turns_fixing_on(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.bedrockcache]\nfix = true\nunsafe-fixes = true\n", encoding="utf-8"
    )
    (project / "b.py").write_text(BAD_TTL, encoding="utf-8")
    assert lint(".").exit_code == 0
    assert '"2h"' not in (project / "b.py").read_text(encoding="utf-8")


def test_config_fix_must_be_a_boolean(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.bedrockcache]\nfix = "yes"\n', "utf-8")
    (project / "a.py").write_text(WRONG_TYPE, encoding="utf-8")
    result = lint(".")
    assert result.exit_code == 2
    assert "fix: expected true or false" in result.stderr


def test_diff_changes_nothing_and_exits_one(project: Path) -> None:
    (project / "a.py").write_text(WRONG_TYPE, encoding="utf-8")
    result = lint("--diff", ".")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a.py\n+++ a.py\n@@")
    assert (
        '-client.converse(modelId=MODEL, system=[{"text": POLICY}, '
        '{"cachePoint": {"type": "ephemeral"}}]' in result.stdout
    )
    assert "Would fix 1 error." in result.stderr
    assert (project / "a.py").read_text(encoding="utf-8") == WRONG_TYPE


def test_diff_without_anything_to_fix_exits_zero(project: Path) -> None:
    (project / "a.py").write_text(RIGHT_TYPE, encoding="utf-8")
    (project / "c.py").write_text(UNFIXABLE, encoding="utf-8")
    result = lint("--diff", ".")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_a_cached_result_does_not_hide_a_fix(project: Path) -> None:
    (project / "a.py").write_text(WRONG_TYPE, encoding="utf-8")
    assert lint(".").exit_code == 1  # fills the cache
    assert lint("--fix", ".").exit_code == 0
    assert (project / "a.py").read_text(encoding="utf-8") == RIGHT_TYPE


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_the_written_file_keeps_its_mode(project: Path) -> None:
    target = project / "a.py"
    target.write_text(WRONG_TYPE, encoding="utf-8")
    target.chmod(0o640)
    lint("--fix", ".")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text(encoding="utf-8") == RIGHT_TYPE
    assert [p.name for p in project.iterdir() if p.name.startswith(".a.py")] == []


def test_a_fix_that_would_break_the_file_is_not_written(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(finding, node, ctx):
        return "break it", [Edit(1, 1, 1, 1, "(")]

    monkeypatch.setitem(fixers(), "BC309", broken)
    (project / "a.py").write_text(WRONG_TYPE, encoding="utf-8")
    result = lint("--fix", "--no-cache", ".")
    assert (project / "a.py").read_text(encoding="utf-8") == WRONG_TYPE
    assert "produced invalid Python and was not applied" in result.stderr
    assert result.exit_code == 1


def test_stdin_fix_prints_the_fixed_source(project: Path) -> None:
    result = lint("--fix", "-", input=WRONG_TYPE.encode())
    assert result.stdout == RIGHT_TYPE
    assert "Found 1 error (1 fixed, 0 remaining)." in result.stderr
    assert result.exit_code == 0


def test_stdin_without_fix_reports(project: Path) -> None:
    result = lint("-", input=WRONG_TYPE.encode())
    assert result.stdout.startswith("-:")
    assert "BC309" in result.stdout
    assert result.exit_code == 1


def test_stdin_diff(project: Path) -> None:
    result = lint("--diff", "-", input=WRONG_TYPE.encode())
    assert result.exit_code == 1
    assert result.stdout.startswith("--- -\n+++ -\n")


def test_crlf_and_bom_survive_a_fix(project: Path) -> None:
    target = project / "a.py"
    target.write_bytes(b"\xef\xbb\xbf" + WRONG_TYPE.replace("\n", "\r\n").encode())
    lint("--fix", ".")
    assert target.read_bytes() == b"\xef\xbb\xbf" + RIGHT_TYPE.replace("\n", "\r\n").encode()


def test_stdin_crlf_and_bom_survive_a_fix(project: Path) -> None:
    data = b"\xef\xbb\xbf" + WRONG_TYPE.replace("\n", "\r\n").encode()
    result = lint("--fix", "-", input=data)
    assert result.stdout_bytes == b"\xef\xbb\xbf" + RIGHT_TYPE.replace("\n", "\r\n").encode()
    assert "Found 1 error (1 fixed, 0 remaining)." in result.stderr
    assert result.exit_code == 0


def test_stdin_that_is_not_utf8_passes_through_byte_for_byte(project: Path) -> None:
    data = WRONG_TYPE.encode() + b"x = '\xff\xfe'\n"
    result = lint("--fix", "-", input=data)
    assert result.stdout_bytes == data
    assert "BC004 not UTF-8 text" in result.stderr
    assert result.exit_code == 1
    diff = lint("--diff", "-", input=data)
    assert diff.stdout == ""
    assert "No errors would be fixed." in diff.stderr


def test_the_fix_summary_counts_what_is_unresolved_in_the_fixed_file(project: Path) -> None:
    """A fix can move call sites and turn a finding into a site with an unknown part: the
    summary of --fix lists the fixed file's unresolved sites, as a lint run after it does."""

    def unresolved(result: Result) -> list[str]:
        return [line for line in result.stdout.splitlines() if "not fully audited" in line]

    fixture = Path(__file__).parents[2] / "fixtures" / "llamaindex" / "tool_agent.py"
    (project / "agent.py").write_bytes(fixture.read_bytes())
    before = unresolved(lint("--no-cache", "--show-unresolved", "agent.py"))
    fixing = lint("--fix", "--unsafe-fixes", "--no-cache", "--show-unresolved", "agent.py")
    after = unresolved(lint("--no-cache", "--show-unresolved", "agent.py"))
    assert before != after  # the case this test is about: the fix changed what is unresolved
    assert unresolved(fixing) == after
