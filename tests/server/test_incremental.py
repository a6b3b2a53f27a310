"""The server's piecewise parse gives the findings of a full parse, at the same places."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from bedrockcache.config import Settings
from bedrockcache.lint.checker import check_source, node_positions
from bedrockcache.server.incremental import ChunkedParser

REPO = Path(__file__).resolve().parents[2]
FIXTURES = sorted((REPO / "fixtures").rglob("*.py"))

TRICKY = '''\
# a header comment

import boto3  # trailing comment
client = boto3.client("bedrock-runtime"); MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = (
    "Follow the refund policy step by step and cite the section you used. " * 120
)


@staticmethod
# between the decorator and the def
def ask(question: str):
    return client.converse(
        modelId=MODEL,
        system=[{"text": POLICY}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
    # a comment at the end of the body

if True:
    def other(question):  # noqa: BC101
        return client.converse(
            modelId=MODEL, system=[{"text": POLICY}], messages=[{"role": "user", "content": []}]
        )
x = """a string
spanning lines"""; y = 1 \\
    + 2
# a footer comment'''


def _report(result) -> tuple:
    diagnostics = [(d, d.message, d.related) for d in result.diagnostics]
    return diagnostics, result.unresolved, result.call_sites


def _same(text: str, path: Path, parser: ChunkedParser) -> None:
    settings = Settings(root=REPO / "fixtures")
    whole = check_source(text, str(path), settings, fixes=False)
    pieces = check_source(text, str(path), settings, fixes=False, parser=parser)
    assert _report(pieces) == _report(whole)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(REPO)))
def test_each_fixture_lints_the_same_piecewise(path: Path):
    _same(path.read_text(encoding="utf-8"), path, ChunkedParser())


def test_tricky_layouts_lint_the_same(tmp_path: Path):
    path = tmp_path / "tricky.py"
    for text in (TRICKY, TRICKY.replace("\n", "\r\n"), TRICKY + "\n"):
        _same(text, path, ChunkedParser())


def test_positions_are_those_of_a_full_parse():
    parser = ChunkedParser()
    module = parser.parse(TRICKY, ast.parse(TRICKY))
    shifted = parser.positions(module)
    assert shifted is not None
    whole = cst.parse_module(TRICKY)
    full = node_positions(whole)
    # Comments between statements may belong to another node in a full parse (a block's
    # footer); the code's nodes are the same, at the same places.
    pairs = list(zip(_code(module), _code(whole), strict=True))
    assert all(type(ours) is type(theirs) for ours, theirs in pairs)
    assert len(pairs) > 50
    assert [shifted[a] for a, _ in pairs] == [full[b] for _, b in pairs]


def _code(node: cst.CSTNode):
    code = cst.BaseExpression | cst.BaseSmallStatement | cst.Arg | cst.Param | cst.Decorator
    if isinstance(node, code):
        yield node
    for child in node.children:
        yield from _code(child)


def test_an_edit_reparses_only_the_piece_it_touched(monkeypatch: pytest.MonkeyPatch):
    parser = ChunkedParser()
    parser.parse(TRICKY, ast.parse(TRICKY))
    parsed: list[str] = []
    real = cst.parse_module

    def counting(text: str, *args, **kwargs):
        parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(cst, "parse_module", counting)
    edited = TRICKY.replace(
        '[{"text": question}]}],\n    )\n    # a', '[{"text": question + "!"}]}],\n    )\n    # a'
    )
    assert edited != TRICKY
    module = parser.parse(edited, ast.parse(edited))
    assert len(parsed) == 1 and "def ask" in parsed[0] and "def other" not in parsed[0]
    assert module.code_for_node(module.body[-1]).startswith("x = ")
    _same(edited, Path("tricky.py"), parser)
