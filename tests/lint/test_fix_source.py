"""``ModuleSource``: an edit built from one printing pass of the module is exactly the edit the
whole module printed again would give, and linting a file costs the same number of whole-module
passes whatever the number of fixable findings in it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import libcst as cst
import pytest

from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import apply_edits, fix_text
from bedrockcache.lint.fixes.source import ModuleSource

# Every construct whose printing depends on where it stands: elements and arguments (a default
# comma from the parent), elif (printed by its parent If), nested blocks, a match statement, a
# decorator, comments, and a continuation line.
MODULE = """\
import boto3  # a comment


@decorator(a, b=[1, 2])
class Holder:
    VALUES = {"a": 1, "b": [x for x in range(3)]}

    def method(self, first, *rest, key=None, **extra):
        if first:
            return [first, *rest]
        elif key:
            total = first + \\
                key
            return {"total": total, **extra}
        else:
            for item in rest:
                while item:
                    item -= 1
        match key:
            case {"k": value} if value:
                return value
            case [one, *others]:
                return one
            case _:
                pass
        try:
            call(first, key=key)
        except (ValueError, TypeError) as err:
            raise RuntimeError(f"bad {err!r}") from err
        with open(first) as a, open(key) as b:
            return lambda x, y=2: (x, y)


def last(a, b):
    return a if b else [a, b, (a, b), {a, b}, {a: b}]
"""


def _renamed(node: cst.CSTNode) -> cst.CSTNode | None:
    """A changed copy of ``node`` for the node types the fixers and these tests rewrite."""
    if isinstance(node, cst.Name):
        return node.with_changes(value=node.value + "_x")
    if isinstance(node, cst.SimpleString):
        return cst.SimpleString('"changed"')
    if isinstance(node, cst.Element | cst.Arg | cst.DictElement):
        return node.with_changes(value=cst.Name("z"), comma=cst.MaybeSentinel.DEFAULT)
    if isinstance(node, cst.SimpleStatementLine):
        return node.with_changes(body=[cst.Pass(), cst.Expr(cst.Name("z"))])
    if isinstance(node, cst.If):
        return node.with_changes(test=cst.Name("z"))
    if isinstance(node, cst.IndentedBlock):
        return node.with_changes(body=[*node.body, cst.SimpleStatementLine([cst.Pass()])])
    if isinstance(node, cst.MatchCase):
        return node.with_changes(guard=cst.Name("z"))
    if isinstance(node, cst.FunctionDef | cst.ClassDef):
        return node.with_changes(name=cst.Name("renamed"))
    if isinstance(node, cst.List | cst.Dict | cst.Call | cst.Tuple):
        return cst.Name("z")
    return None


class _All(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


@pytest.mark.parametrize(
    "variant",
    [
        lambda text: text,
        lambda text: text.replace("\n", "\r\n"),
        lambda text: text.replace("    ", "\t"),
        lambda text: text.rstrip("\n"),  # no newline at the end of the file
    ],
    ids=["lf", "crlf", "tabs", "no-final-newline"],
)
@pytest.mark.parametrize("partial", [False, True], ids=["whole", "partial"])
def test_an_edit_equals_the_whole_module_printed_again(
    variant: Callable[[str], str], partial: bool
) -> None:
    """Also for a large module's partial source, which prints only the top-level statement
    around the node it is asked about (the header comment and the blank lines between
    statements belong to the statements, so their places must be found exactly)."""
    text = variant("# a header comment\n\n" + MODULE + "\n\n# a comment\nx = [1,\n  2]; y = 3\n")
    module = cst.parse_module(text)
    source = _partial(module, text) if partial else ModuleSource(module)
    collector = _All()
    module.visit(collector)
    kinds: Counter[str] = Counter()
    for old in collector.nodes:
        new = _renamed(old)
        if new is None:
            continue
        edit = source.replace(old, new)
        assert edit is not None, old
        expected = module.deep_replace(old, new)
        assert isinstance(expected, cst.Module)
        assert apply_edits(text, [edit]) == expected.code, module.code_for_node(old)
        kinds[type(old).__name__] += 1
    assert len(kinds) >= 12 and sum(kinds.values()) > 150  # the loop above tested something
    assert not partial or source._starts is not None  # never fell back to the whole module


def _partial(module: cst.Module, text: str) -> ModuleSource:
    from libcst.metadata import MetadataWrapper, PositionProvider

    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return ModuleSource.partial(module, text, positions, {})


def test_a_partial_source_prints_only_the_statements_it_is_asked_about() -> None:
    text = HEAD + "".join(CALL.format(n=n) for n in range(40))
    module = cst.parse_module(text)
    source = _partial(module, text)
    target = module.body[-1]
    assert isinstance(target, cst.FunctionDef)
    edit = source.replace(target.name, target.name.with_changes(value="renamed"))
    assert edit is not None
    assert apply_edits(text, [edit]) == text.replace("def answer_39", "def renamed")
    printed = source._printed.spans  # what the partial source printed: that one function
    assert target in printed and module.body[0] not in printed and module.body[-2] not in printed


def test_parents_are_the_tree_structure() -> None:
    """Every node the module prints has its parent; only the whitespace of an absent part (no
    ``**rest`` in a mapping pattern) prints nothing and has none."""
    module = cst.parse_module(MODULE)
    source = ModuleSource(module)
    seen = 0
    for node in _nodes(module):
        for child in node.children:
            if source.parent(child) is None:
                assert isinstance(child, cst.BaseParenthesizableWhitespace), child
                continue
            assert source.parent(child) is node
            seen += 1
    assert source.parent(module) is None
    assert source.text == MODULE and seen > 300


def _nodes(module: cst.Module) -> list[cst.CSTNode]:
    collector = _All()
    module.visit(collector)
    return collector.nodes


def test_positions_count_lines_as_the_tokenizer_does() -> None:
    source = ModuleSource(cst.parse_module("a = 1\r\nb = 2\rc = 3\n"))
    assert source.position(0) == (1, 1)
    assert source.position(7) == (2, 1)
    assert source.position(13) == (3, 1)
    assert source.position(15) == (3, 3)


HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
CALL = """

def answer_{n}(question: str) -> dict:
    return client.converse(
        modelId=MODEL,
        system=[{{"text": POLICY}}],
        messages=[{{"role": "user", "content": [{{"text": question}}]}}],
    )
"""


def _whole_module_passes(monkeypatch: pytest.MonkeyPatch, calls: int) -> int:
    """How often linting a file with ``calls`` fixable calls walks or prints the whole module."""
    count = Counter[str]()
    for name in ("visit", "_codegen", "deep_replace"):
        original = getattr(cst.Module, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            count[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cst.Module, name, spy)
    source = HEAD + "".join(CALL.format(n=n) for n in range(calls))
    result = check_source(source, "t.py")
    monkeypatch.undo()
    assert [d.code for d in result.diagnostics] == ["BC101"] * calls
    assert all(d.autofix is not None for d in result.diagnostics)
    return sum(count.values())


def test_fixable_findings_cost_no_whole_module_pass_each(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each fixable finding used to rebuild a parent map of the module and print it twice."""
    assert _whole_module_passes(monkeypatch, 2) == _whole_module_passes(monkeypatch, 8)


def test_the_fixes_built_from_one_pass_fix_every_call() -> None:
    source = HEAD + "".join(CALL.format(n=n) for n in range(6))
    outcome = fix_text(source, lambda t: check_source(t, "t.py").diagnostics)
    assert outcome.fixed == Counter({"BC101": 6})
    assert outcome.text.count('{"cachePoint": {"type": "default"}}') == 6
    assert check_source(outcome.text, "t.py").diagnostics == []


@pytest.mark.parametrize(
    "variant", [lambda t: t, lambda t: t.replace("\n", "\r\n")], ids=["lf", "crlf"]
)
def test_positions_from_the_shared_pass_are_libcsts(variant: Callable[[str], str]) -> None:
    """The checker takes node positions from the printing pass the fixes use: they must be the
    ones libcst's own PositionProvider gives, node for node."""
    from libcst.metadata import MetadataWrapper, PositionProvider

    module = cst.parse_module(variant(MODULE + HEAD + CALL.format(n=1)))
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    shared = ModuleSource(module).positions()
    assert dict(shared) == dict(expected) and len(shared) > 300


def test_an_editor_sized_file_with_fixes_is_printed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    printed = Counter[str]()
    original = cst.Module._codegen

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        printed[type(args[0]).__name__] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cst.Module, "_codegen", spy)
    result = check_source(HEAD + "".join(CALL.format(n=n) for n in range(3)), "t.py")
    monkeypatch.undo()
    assert [d.code for d in result.diagnostics] == ["BC101"] * 3
    assert all(d.autofix is not None for d in result.diagnostics)
    assert sum(printed.values()) == 1, printed


def test_a_large_module_is_printed_once_and_fixed_as_a_small_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past the checker's size for a shared pass, positions come from libcst's provider and
    the fixes print only the statements they touch: the same fixes, one whole-module pass."""
    from bedrockcache.lint import checker

    filler = "".join(f"value_{n} = {n}\n" for n in range(checker._SHARED_PRINT_STATEMENTS + 10))
    calls = [CALL.format(n=n) for n in range(3)]
    source = HEAD + calls[0] + filler + calls[1] + "# trailing comment\n" + calls[2].rstrip("\n")
    printed = Counter[str]()
    original = cst.Module._codegen

    def spy(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        printed["module"] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cst.Module, "_codegen", spy)
    large = check_source(source, "t.py").diagnostics
    assert printed["module"] == 1
    monkeypatch.setattr(checker, "_SHARED_PRINT_STATEMENTS", 10**9)
    small = check_source(source, "t.py").diagnostics
    assert [d.code for d in large] == ["BC101"] * 3
    assert large == small and all(d.autofix is not None for d in large)
