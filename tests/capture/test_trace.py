"""``bedrockcache trace -- COMMAND``: the program runs offline, every request it sent is audited."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from bedrockcache.cli import main

pytest.importorskip("boto3")

PROGRAM = """
import sys
import boto3

client = boto3.client("bedrock-runtime", region_name="us-east-1")
policy = "Follow the refund policy step by step and cite the section you used. " * 200
messages = [{"role": "user", "content": [{"text": "hi"}]}]
model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
client.converse(modelId=model, system=[{"text": policy}, {"cachePoint": {"type": "default"}}],
                messages=messages)
if "--twice" in sys.argv:
    client.converse(modelId=model, system=[{"text": policy}], messages=messages)
print("program finished")
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "app.py"
    path.write_text(PROGRAM)
    return path


def trace(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["trace", *args])
    return result.exit_code, result.stdout, result.stderr


def test_each_request_is_audited_and_strict_fails_on_the_uncached_one(program: Path) -> None:
    code, out, _ = trace("--strict", "--", str(program), "--twice")
    assert code == 1
    assert "request 0 (Converse us.anthropic.claude-sonnet-4-5-20250929-v1:0 via botocore)" in out
    assert "BC101 no cachePoint block" in out
    assert out.rstrip().endswith("2 Bedrock request(s): 1 will cache, 1 will not")
    code, _, _ = trace("--", str(program), "--twice")
    assert code == 0  # without --strict, findings do not fail the run


def test_json_output(program: Path) -> None:
    code, out, _ = trace("--format", "json", "--strict", "--", sys.executable, str(program))
    data = json.loads(out)
    assert code == 0
    assert data["exit_code"] == 0
    assert [(r["operation"], r["client"]) for r in data["requests"]] == [("Converse", "botocore")]
    assert data["requests"][0]["report"]["will_cache"] is True


def test_the_programs_own_failure_is_the_exit_code(tmp_path: Path) -> None:
    failing = tmp_path / "fail.py"
    failing.write_text("import sys\nsys.exit(3)\n")
    code, out, _ = trace("--", str(failing))
    assert code == 3
    assert "no Bedrock request was captured" in out


@pytest.mark.parametrize(("name", "status"), [("SIGTERM", 143), ("SIGKILL", 137)])
def test_a_program_killed_by_a_signal_exits_128_plus_the_signal(
    tmp_path: Path, program: Path, name: str, status: int
) -> None:
    """subprocess reports -N; passed to sys.exit that became 256 - N (241, 247)."""
    killed = tmp_path / "killed.py"
    killed.write_text(
        f"import os, runpy, signal\nrunpy.run_path({str(program)!r})\n"
        f"os.kill(os.getpid(), signal.{name})\n"
    )
    code, out, _ = trace("--format", "json", "--", str(killed))
    assert code == status
    data = json.loads(out)
    assert data["exit_code"] == status
    assert len(data["requests"]) == 1  # what it sent before it died is still audited


def test_python_subprocesses_of_the_program_are_traced(tmp_path: Path, program: Path) -> None:
    parent = tmp_path / "parent.py"
    parent.write_text(
        f"import subprocess, sys\nsubprocess.run([sys.executable, {str(program)!r}], check=True)\n"
    )
    code, out, _ = trace("--strict", "--", str(parent))
    assert code == 0
    assert "1 Bedrock request(s): 1 will cache, 0 will not" in out


def test_the_environments_own_sitecustomize_still_runs(
    tmp_path: Path, program: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    marker = tmp_path / "marker"
    (site / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    monkeypatch.setenv("PYTHONPATH", str(site))
    code, out, _ = trace("--", str(program))
    assert code == 0 and "1 Bedrock request(s)" in out
    assert marker.read_text() == "ran"


def test_output_file(tmp_path: Path, program: Path) -> None:
    report = tmp_path / "report.txt"
    code, out, _ = trace("-o", str(report), "--", str(program))
    assert code == 0
    assert "1 Bedrock request(s)" not in out
    assert report.read_text().endswith("1 Bedrock request(s): 1 will cache, 0 will not\n")


def test_an_unknown_command_is_a_one_line_usage_error() -> None:
    code, _, err = trace("--", "no-such-command-bedrockcache")
    assert code == 2
    assert err == "bedrockcache: error: command not found: no-such-command-bedrockcache\n"


def test_a_command_is_required() -> None:
    code, _, err = trace()
    assert code == 2
    assert "bedrockcache: error: missing argument" in err


def test_the_trace_site_is_harmless_without_a_trace_file(tmp_path: Path) -> None:
    import subprocess

    site = Path(__file__).resolve().parents[2] / "src" / "bedrockcache" / "_trace_site"
    script = textwrap.dedent(
        """
        import sys
        print("bedrockcache.capturing.session" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
    assert result.stderr == ""
