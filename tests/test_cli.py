import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bedrockcache.cli import main
from conftest import CP, LONG, SONNET_45

GOOD = {"modelId": SONNET_45, "system": [{"text": LONG}, CP], "messages": []}
BAD = {"modelId": SONNET_45, "system": [{"text": LONG}], "messages": []}


@pytest.fixture
def run(tmp_path):
    def invoke(args, request=None, stdin=None):
        if request is not None:
            path = tmp_path / "request.json"
            path.write_text(json.dumps(request))
            args = [a.replace("{file}", str(path)) for a in args]
        return CliRunner().invoke(main, args, input=stdin)

    return invoke


def test_audit_text_layout_of_0_1_0_with_codes(run):
    result = run(["audit", "{file}", "--backend", "bedrock-converse"], BAD)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:3] == [
        "backend:           bedrock-converse",
        "will_cache:        False",
        "breakpoint_count:  0",
    ]
    assert "reasons:" in lines
    assert "  [error] BC101 no cachePoint block anywhere in the Converse request" in lines
    assert "recommendations:" in lines


def test_strict_exit_codes(run):
    assert run(["audit", "{file}", "--strict"], BAD).exit_code == 1
    assert run(["audit", "{file}", "--strict"], GOOD).exit_code == 0


def test_stdin_and_detected_backend(run):
    result = run(["audit", "-"], stdin=json.dumps(GOOD))
    assert result.exit_code == 0
    assert result.output.startswith("backend:           bedrock-converse (detected)\n")
    assert "will_cache:        True" in result.output


def test_json_format(run):
    result = run(["audit", "{file}", "--format", "json"], BAD)
    data = json.loads(result.output)
    assert data["will_cache"] is False
    assert [f["code"] for f in data["findings"]] == ["BC101"]
    assert data["findings"][0]["severity"] == "error"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["audit", "missing.json"], None, "cannot read missing.json: No such file or directory"),
        (["audit", "-"], "{nope", "<stdin> is not valid JSON: Expecting property name"),
        (["audit", "-"], "[]", "cannot detect the backend: the request is not an object"),
        (["audit", "-", "--backend", "boto"], "{}", "unknown backend 'boto'"),
        (
            ["audit", "-", "--backend", "bedrock-invoke-anthropic"],
            '{"body": "{x"}',
            "not valid JSON",
        ),
        (["explain", "BC999"], None, "no rule 'BC999'"),
    ],
)
def test_bad_input_is_one_line_exit_2(run, args, stdin, message):
    result = run(args, stdin=stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "backend",
    ["litellm", "strands", "pydantic-ai-bedrock", "bedrock-invoke-anthropic", "anthropic-bedrock"],
)
def test_a_request_file_that_is_not_an_object_is_one_line_exit_2(run, backend):
    """`[1]` was an AttributeError traceback and exit 1 on every backend but Converse."""
    result = run(["audit", "{file}", "--backend", backend], [1])
    assert result.exit_code == 2
    assert result.output == (
        f"bedrockcache: error: a {backend} request must be an object "
        "(the call's keyword arguments), not list\n"
    )


def test_non_utf8_file(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes(b'{"a": "\xff"}')
    result = CliRunner().invoke(main, ["audit", str(path)])
    assert result.exit_code == 2
    assert "is not UTF-8 text" in result.output


def test_rules_table_lists_every_code(run):
    result = run(["rules"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("BC001  invalid-syntax  ")
    data = json.loads(run(["rules", "--format", "json"]).output)
    assert {"BC101", "BC305"} <= {r["code"] for r in data}


def test_explain_by_code_and_name(run):
    by_code = run(["explain", "bc101"])
    assert by_code.exit_code == 0 and by_code.output.startswith(
        "# BC101 converse-missing-cache-point"
    )
    assert run(["explain", "converse-missing-cache-point"]).output == by_code.output
    assert "(9,000 characters)" in by_code.output  # long example prompts are abbreviated


def test_python_dash_m_runs_the_cli():
    out = subprocess.run(
        [sys.executable, "-m", "bedrockcache", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.startswith("bedrockcache, version ")


def test_rules_doc_is_generated_from_the_catalogue(run):
    from pathlib import Path

    doc = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
    result = run(["explain", "--all"])
    assert result.exit_code == 0
    assert doc.read_text(encoding="utf-8") == result.output, (
        "docs/rules.md is stale: run `bedrockcache explain --all > docs/rules.md`"
    )


def test_0_1_0_cli_example_exits_1_under_strict(run):
    request = {
        "model": "bedrock/anthropic.claude-sonnet-4-5-v1:0",
        "messages": [{"role": "user", "content": "hi"}],
    }
    result = run(["audit", "{file}", "--backend", "litellm", "--strict"], request)
    assert result.exit_code == 1
    assert result.output.startswith("backend:           litellm\nwill_cache:        False\n")
    assert "  [error] BC103 " in result.output


# ---- usage errors: one line on stderr, exit 2, for every command ------------------------------

SUBCOMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_an_unknown_option_is_one_line_naming_the_commands_help(command):
    args = [command, "--no-such-option"]
    if command == "trace":  # trace hands unknown options to the program it runs: a bad choice
        args = [command, "--format", "xml", "--", "python"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("bedrockcache: error: ")
    assert line.endswith(f"(see 'bedrockcache {command} --help')")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lint", "--foo"], "no such option '--foo'"),
        (["lint", "--output-format", "xml"], "invalid value for '--output-format': 'xml' is not"),
        (["lint", "--jobs", "0"], "invalid value for '-j' / '--jobs': 0 is not in the range"),
        (["audit", "--backend"], "option '--backend' requires an argument"),
        (["trace"], "missing argument '-- COMMAND'"),
        (["rules", "--format", "x"], "invalid value for '--format': 'x' is not one of"),
        (["nope"], "no such command 'nope'"),
        (["--foo"], "no such option '--foo'"),
    ],
)
def test_usage_errors_are_one_line(args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"bedrockcache: error: {message}")
    command = "bedrockcache" if args[0] in ("nope", "--foo") else f"bedrockcache {args[0]}"
    assert line.endswith(f" (see '{command} --help')")


def test_the_bare_command_still_prints_its_help():
    result = CliRunner().invoke(main, [])
    assert "Usage: bedrockcache [OPTIONS] COMMAND [ARGS]..." in result.output
    assert "lint" in result.output
