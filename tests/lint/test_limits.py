"""The explicit bounds (``max-file-size``, ``max-literal-size``, ``max-nesting-depth``): a file
past one is listed as not audited with the reason and where, never dropped and never an internal
error; a file within them is audited as before; the keys are validated like every other."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bedrockcache.cli import main
from bedrockcache.config import ConfigError, Settings, load_settings
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.limits import tree_over_limits
from bedrockcache.lint.runner import lint_paths

HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""


def call(extra: str = "") -> str:
    """A Converse call without a cache point (BC101), with ``extra`` among its arguments."""
    return (
        "\n\ndef answer(question):\n"
        "    return client.converse(\n"
        "        modelId=MODEL,\n"
        '        system=[{"text": POLICY}],\n'
        '        messages=[{"role": "user", "content": [{"text": question}]}],\n'
        f"        additionalModelRequestFields={{'x': {extra or '1'}}},\n"
        "    )\n"
    )


def entries(result) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    return [(u.line, u.column, "; ".join(u.reasons)) for u in result.unresolved]


# ---- file size -----------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_listed_not_parsed() -> None:
    source = HEAD + call() + "# padding\n" * 200
    settings = Settings(max_file_size=len(source.encode()) - 1)
    result = check_source(source, "big.py", settings)
    assert result.diagnostics == []
    assert not result.parsed
    [(line, column, reason)] = entries(result)
    assert (line, column) == (1, 1)
    assert reason == (
        f"{len(source.encode()):,} bytes, over max-file-size ({settings.max_file_size:,}); "
        "the file was not audited"
    )


def test_a_file_at_the_size_limit_is_audited() -> None:
    source = HEAD + call()
    result = check_source(source, "f.py", Settings(max_file_size=len(source.encode())))
    assert [d.code for d in result.diagnostics] == ["BC101"] and result.unresolved == []


def test_a_large_file_that_cannot_hold_a_call_site_is_not_listed() -> None:
    """The byte prefilter still drops what cannot matter: a big data module stays silent."""
    source = "DATA = [\n" + "    'row',\n" * 200 + "]\n"
    assert check_source(source, "data.py", Settings(max_file_size=100)).unresolved == []


# ---- literal size -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "kind"),
    [
        ("[" + ", ".join(["1"] * 11) + "]", "list"),
        ("(" + ", ".join(["1"] * 11) + ")", "tuple"),
        ("{" + ", ".join(str(i) for i in range(11)) + "}", "set"),
        ("{" + ", ".join(f"{i}: 1" for i in range(11)) + "}", "dict"),
    ],
)
def test_a_literal_over_the_limit_is_named_with_its_place(literal: str, kind: str) -> None:
    source = HEAD + call(literal)
    result = check_source(source, "f.py", Settings(max_literal_size=10))
    assert result.diagnostics == []
    [(line, column, reason)] = entries(result)
    text_line = source.splitlines()[line - 1]
    assert text_line[column - 1 :].startswith(literal[:3])
    assert reason == (
        f"a {kind} literal of 11 elements, over max-literal-size (10); the file was not audited"
    )


def test_a_literal_at_the_limit_is_audited() -> None:
    source = HEAD + call("[" + ", ".join(["1"] * 10) + "]")
    result = check_source(source, "f.py", Settings(max_literal_size=10))
    assert [d.code for d in result.diagnostics] == ["BC101"] and result.unresolved == []


def test_columns_count_characters_not_bytes() -> None:
    source = HEAD + "\n\nNAMES = ['é', " + "[1, 2, 3]]\n" + call()
    [(line, column, _)] = entries(check_source(source, "f.py", Settings(max_literal_size=2)))
    assert source.splitlines()[line - 1][column - 1 :] == "[1, 2, 3]]"


def test_a_huge_literal_in_a_call_is_not_audited_by_default() -> None:
    """Issue 13: one 100,000-element list in a call took 188 s and 6.8 GB."""
    rows = ", ".join(str(i % 10) for i in range(100_000))
    result = check_source(HEAD + call(f"[{rows}]"), "f.py")  # 300 KB: within max-file-size
    [(_, _, reason)] = entries(result)
    assert reason.startswith("a list literal of 100,000 elements, over max-literal-size (1,000)")


# ---- nesting depth ------------------------------------------------------------------------------


SHAPES = {
    "list": lambda n: "[" * n + "1" + "]" * n,
    "dict": lambda n: '{"k": ' * n + "1" + "}" * n,
    "call": lambda n: "f(" * n + "1" + ")" * n,
    "subscript": lambda n: "x" + "[0]" * n,
    "operator": lambda n: " + ".join(["1"] * n),
    "lambda": lambda n: "lambda: " * n + "1",
    "comprehension": lambda n: "[y for y in " * n + "z" + "]" * n,
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_literal_nested_150_deep_is_not_audited_with_the_reason(shape: str) -> None:
    """It used to raise RecursionError inside the checker: an internal error."""
    result = check_source(HEAD + call(SHAPES[shape](150)), "f.py")
    assert result.diagnostics == []
    [(_, _, reason)] = entries(result)
    assert "over max-nesting-depth (100); the file was not audited" in reason
    assert "internal error" not in reason


def _nested(shape: str, n: int, blocks: int) -> str:
    """``blocks`` nested ifs around a call holding ``shape`` nested ``n`` deep."""
    body = "".join("    " * (d + 1) + f"if x{d}:\n" for d in range(blocks))
    inner = call(SHAPES[shape](n)).replace("\n    ", "\n" + "    " * (blocks + 1))
    return HEAD + "\n\ndef answer(question):\n" + body + inner.split(":\n", 1)[1]


def _depth(source: str) -> int:
    over = tree_over_limits(ast.parse(source), source, Settings(max_nesting_depth=1))
    assert over is not None
    return int(re.match(r"nested (\d+) levels deep", over.reason)[1])  # type: ignore[index]


def _deepest_within(shape: str, limit: int, blocks: int) -> str:
    """The deepest file of this shape that is within ``limit`` (one more level is over it)."""
    # Past a few levels the shape is the deepest part of the file and each level adds a step.
    one, two = _depth(_nested(shape, 20, blocks)), _depth(_nested(shape, 21, blocks))
    n = 20 + (limit - one) // (two - one)
    source = _nested(shape, n, blocks)
    assert _depth(source) <= limit < _depth(_nested(shape, n + 1, blocks))
    return source


@pytest.mark.parametrize("blocks", [0, 60])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_code_at_the_default_depth_is_audited_even_from_a_deep_stack(
    shape: str, blocks: int
) -> None:
    """The default leaves room: at depth 100, with 200 more frames below the call than pytest's
    own (an editor or a plugin calling in), every shape is audited, not an internal error."""
    source = _deepest_within(shape, 100, blocks)

    def deep(frames: int):  # type: ignore[no-untyped-def]
        return check_source(source, "f.py") if frames == 0 else deep(frames - 1)

    result = deep(200)
    assert result.unresolved == []
    assert [d.code for d in result.diagnostics] == ["BC101"]


def test_past_the_recursion_limit_a_raised_depth_limit_still_ends_in_not_audited() -> None:
    """A user may raise max-nesting-depth past what Python's stack allows: not an error."""
    source = HEAD + call(SHAPES["list"](450))
    result = check_source(source, "f.py", Settings(max_nesting_depth=10_000))
    [(_, _, reason)] = entries(result)
    assert reason == "too deeply nested to analyse (Python's recursion limit); it was not audited"


# ---- configuration and the command line ------------------------------------------------------


@pytest.mark.parametrize("key", ["max-file-size", "max-literal-size", "max-nesting-depth"])
def test_the_limit_keys_are_read_from_the_config(tmp_path: Path, key: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.bedrockcache]\n{key} = 1_234\n")
    settings = load_settings(tmp_path)
    assert getattr(settings, key.replace("-", "_")) == 1234
    assert settings.key() != dataclasses.replace(settings, **{key.replace("-", "_"): 1}).key()


@pytest.mark.parametrize("value", ["0", "-5", '"1MB"', "true", "1.5", "[1]"])
def test_a_bad_limit_is_a_one_line_config_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.bedrockcache]\nmax-file-size = {value}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path)
    message = str(raised.value)
    assert "max-file-size: expected a positive integer" in message and "\n" not in message


def test_the_cli_lists_and_counts_a_file_over_a_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.bedrockcache]\nmax-literal-size = 5\n")
    big = HEAD + call("[1, 2, 3, 4, 5, 6]")
    (tmp_path / "big.py").write_text(big)
    (tmp_path / "ok.py").write_text(HEAD + call())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["lint", "--no-cache", "--show-unresolved", "."])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    line = next(n for n, text in enumerate(big.splitlines(), 1) if "[1, 2" in text)
    column = big.splitlines()[line - 1].index("[1, 2") + 1
    entry = f"big.py:{line}:{column}: file: not audited: a list literal of 6 elements"
    assert any(text.startswith(entry) for text in lines), lines
    assert "ok.py:" in result.stdout and "BC101" in result.stdout
    assert "1 file not audited" in lines


def test_the_runner_reports_every_file_over_the_size_limit(tmp_path: Path) -> None:
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(HEAD + call() + "# padding\n" * 100)
    settings = Settings(root=tmp_path, max_file_size=500)
    result = lint_paths([tmp_path], settings, use_cache=False)
    assert [Path(u.path).name for u in result.unresolved] == ["a.py", "b.py"]
    assert result.diagnostics == [] and result.files_checked == 2
