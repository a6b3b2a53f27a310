"""What a class's methods see on ``self``: the attributes its ``__init__`` and body set.

Real code keeps the client and the model id on ``self`` (``self.client.converse(
modelId=self.model_id, ...)``). An attribute is followed only when one plain assignment sets it
(in ``__init__`` or the class body) and nothing else in the class rebinds or changes it: what a
method could have done to it before the call is otherwise not known.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from bedrockcache.lint.bindings import LIBRARY_READERS, MUTATORS, PURE_FUNCTIONS
from bedrockcache.lint.index import children

__all__ = ["AttributeSource", "attribute_source", "self_assignments"]


@dataclass(frozen=True)
class AttributeSource:
    """Where ``self.<name>`` gets its value: ``value`` evaluated at ``statement``."""

    value: cst.BaseExpression
    statement: cst.CSTNode
    method: cst.FunctionDef | None  # None: the class body


def self_assignments(
    cls: cst.ClassDef, attr: str
) -> Iterator[tuple[cst.CSTNode, cst.BaseExpression]]:
    """Each ``self.<attr> = value`` (or annotated) in the class, with its statement."""
    stack: list[cst.CSTNode] = [cls.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    targets = [small.target]
                for target in targets:
                    if _is_self_attribute(target, attr):
                        value = small.value
                        assert value is not None
                        yield node, value
            continue
        if isinstance(node, cst.ClassDef) and node is not cls:
            continue
        stack.extend(children(node))


def attribute_source(cls: cst.ClassDef, attr: str) -> AttributeSource | None:
    """The one place ``self.<attr>`` is set, when nothing else in the class changes it."""
    if any(isinstance(s, cst.FunctionDef) and s.name.value == attr for s in cls.body.body):
        return None  # a method, not a value
    assigned = list(self_assignments(cls, attr))
    in_body = [(s, v) for s in cls.body.body if (v := _class_binding(s, attr)) is not None]
    if len(assigned) + len(in_body) != 1 or _changed(cls, attr):
        return None
    if in_body:
        statement, value = in_body[0]
        return AttributeSource(value, statement, None)
    statement, value = assigned[0]
    init = _init(cls)
    if init is None or not any(s is statement for s in init.body.body):
        return None  # set in another method, or in a branch of __init__: not known at the call
    return AttributeSource(value, statement, init)


def _class_binding(statement: cst.CSTNode, attr: str) -> cst.BaseExpression | None:
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        if isinstance(small, cst.Assign) and any(
            isinstance(t.target, cst.Name) and t.target.value == attr for t in small.targets
        ):
            return small.value
        if (
            isinstance(small, cst.AnnAssign)
            and isinstance(small.target, cst.Name)
            and small.target.value == attr
            and small.value is not None
        ):
            return small.value
    return None


def _init(cls: cst.ClassDef) -> cst.FunctionDef | None:
    for statement in cls.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            return statement
    return None


def _changed(cls: cst.ClassDef, attr: str) -> bool:
    """``self.<attr>.append(...)``, ``self.<attr>[k] = v``, ``self.<attr> += ...``, ``del``."""
    stack: list[cst.CSTNode] = [cls.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Call) and _changes(node, attr):
            return True
        if isinstance(node, cst.AugAssign | cst.Del) and _is_self_attribute(node.target, attr):
            return True
        if isinstance(node, cst.Assign | cst.AugAssign):
            for target in _targets(node):
                if isinstance(target, cst.Subscript) and _is_self_attribute(target.value, attr):
                    return True
        stack.extend(children(node))
    return False


def _changes(call: cst.Call, attr: str) -> bool:
    """``self.<attr>.append(...)``, or ``self.<attr>`` handed to code that may change it."""
    func = call.func
    mutator = isinstance(func, cst.Attribute) and func.attr.value in MUTATORS
    if mutator and _is_self_attribute(func.value, attr):  # type: ignore[union-attr]
        return True
    if _callee(func) in LIBRARY_READERS | PURE_FUNCTIONS:
        return False
    return any(_is_self_attribute(arg.value, attr) for arg in call.args)


def _callee(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _targets(node: cst.Assign | cst.AugAssign) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    return [node.target]


def _is_self_attribute(node: cst.CSTNode, attr: str) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
        and node.attr.value == attr
    )
