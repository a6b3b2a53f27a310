"""Dotted names in user code are resolved by loops: a name thousands of attributes deep is no
RecursionError (a traceback and exit 1 before), whatever the interpreter's recursion limit."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from bedrockcache.cli import main
from bedrockcache.lint.index import qualified_name
from bedrockcache.lint.screen import calls_a_target

DEPTH = sys.getrecursionlimit() + 10


def _chain(head: str, *tail: str) -> str:
    return ".".join([head, *["a"] * DEPTH, *tail])


def test_the_screen_resolves_a_name_deeper_than_the_recursion_limit() -> None:
    miss = ast.parse(f"import litellm\nlitellm.bedrock\nx = {_chain('a')}()\n")
    assert calls_a_target(miss) is False
    hit = ast.parse(f"import litellm\nx = {_chain('litellm', 'completion')}()\n")
    assert calls_a_target(hit) is True


def test_qualified_name_resolves_a_name_deeper_than_the_recursion_limit() -> None:
    expr: cst.BaseExpression = cst.Name("ll")
    for name in ["a"] * DEPTH + ["completion"]:
        expr = cst.Attribute(value=expr, attr=cst.Name(name))
    assert qualified_name(expr, {"ll": "litellm"}) == _chain("litellm", "completion")
    assert qualified_name(expr, {}) is None
    assert qualified_name(cst.Call(func=cst.Name("f")), {"f": "litellm.completion"}) is None


def test_lint_of_a_990_deep_name_passes_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    names = ".".join(["a"] * 990)
    (tmp_path / "deep.py").write_text(f"import litellm\nlitellm.bedrock\nx = {names}()\n")
    result = CliRunner().invoke(main, ["lint", "--no-cache", "--isolated", "deep.py"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "All checks passed!" in result.stdout
    assert result.exit_code == 0
