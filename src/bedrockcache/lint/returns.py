"""The ``return`` statements of a def, each with the ``if`` tests that lead to it.

A helper such as ``def build_system(cached): if cached: return [..., CP]; return [...]`` returns
one value or the other by its argument. The evaluator decides each test with the arguments it
knows: a return whose tests are all true is the result, one whose test is false is never
reached, and the rest are alternatives.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from bedrockcache.lint.index import children

__all__ = ["Return", "is_generator", "returns"]


@dataclass(frozen=True)
class Return:
    value: cst.BaseExpression | None
    statement: cst.CSTNode
    guards: tuple[tuple[cst.If, bool], ...]  # each if around it, True when in its body
    certain: bool  # reached whenever its guards hold (not in a loop or an except handler)


def returns(function: cst.FunctionDef) -> tuple[list[Return], bool]:
    """The def's returns in source order, and whether its body can end without one."""
    found = list(_block(function.body, (), True))
    return found, not _terminates(function.body)


def is_generator(function: cst.FunctionDef, memo: dict[object, object]) -> bool:
    """Whether the def yields (its calls are not its returns); kept in a module's memo."""
    key = ("generator", function)
    if key not in memo:
        memo[key] = _yields(function)
    return memo[key]  # type: ignore[return-value]


def _yields(function: cst.FunctionDef) -> bool:
    stack: list[cst.CSTNode] = [function.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Yield):
            return True
        if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        stack.extend(children(node))
    return False


def _block(
    block: cst.BaseSuite, guards: tuple[tuple[cst.If, bool], ...], certain: bool
) -> Iterator[Return]:
    for statement in getattr(block, "body", ()):
        yield from _statement(statement, guards, certain)


def _statement(
    node: cst.CSTNode, guards: tuple[tuple[cst.If, bool], ...], certain: bool
) -> Iterator[Return]:
    if isinstance(node, cst.SimpleStatementLine):
        for small in node.body:
            if isinstance(small, cst.Return):
                yield Return(small.value, node, guards, certain)
    elif isinstance(node, cst.If):
        yield from _block(node.body, (*guards, (node, True)), certain)
        if isinstance(node.orelse, cst.If):
            yield from _statement(node.orelse, (*guards, (node, False)), certain)
        elif isinstance(node.orelse, cst.Else):
            yield from _block(node.orelse.body, (*guards, (node, False)), certain)
    elif isinstance(node, cst.With):
        yield from _block(node.body, guards, certain)
    elif isinstance(node, cst.Try | cst.TryStar):
        yield from _block(node.body, guards, certain)
        for handler in node.handlers:
            yield from _block(handler.body, guards, False)
        for extra in (node.orelse, node.finalbody):
            if extra is not None:
                yield from _block(extra.body, guards, False)
    elif isinstance(node, cst.For | cst.While):
        yield from _block(node.body, guards, False)
        if node.orelse is not None:
            yield from _block(node.orelse.body, guards, False)
    elif isinstance(node, cst.Match):
        for case in node.cases:
            yield from _block(case.body, guards, False)


def _terminates(block: cst.BaseSuite) -> bool:
    """Whether every way through the block ends in a return or a raise."""
    body = list(getattr(block, "body", ()))
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, cst.Return | cst.Raise) for s in last.body)
    if isinstance(last, cst.If):
        orelse = last.orelse
        if orelse is None:
            return False
        rest = orelse if isinstance(orelse, cst.If) else None
        ends_else = _if_terminates(rest) if rest is not None else _terminates(orelse.body)
        return _terminates(last.body) and ends_else
    if isinstance(last, cst.With):
        return _terminates(last.body)
    return False


def _if_terminates(node: cst.If) -> bool:
    orelse = node.orelse
    if orelse is None or not _terminates(node.body):
        return False
    return _if_terminates(orelse) if isinstance(orelse, cst.If) else _terminates(orelse.body)
