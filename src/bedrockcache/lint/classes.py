"""What a class's methods see on ``self``: the attributes its ``__init__`` and body set.

Real code keeps the client and the model id on ``self`` (``self.client.converse(
modelId=self.model_id, ...)``). An attribute is followed only when one plain assignment sets it
(in ``__init__`` or the class body) and nothing else in the class rebinds or changes it: what a
method could have done to it before the call is otherwise not known.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import libcst as cst

from bedrockcache.lint.bindings import LIBRARY_READERS, MUTATORS, PURE_FUNCTIONS
from bedrockcache.lint.index import children

__all__ = ["AttributeSource", "attribute_source", "forget", "self_assignments"]


@dataclass(frozen=True)
class AttributeSource:
    """Where ``self.<name>`` gets its value: ``value`` evaluated at ``statement``."""

    value: cst.BaseExpression
    statement: cst.CSTNode
    method: cst.FunctionDef | None  # None: the class body


@dataclass
class _ClassFacts:
    """What one walk of a class finds about ``self``: its assignments and what changes it."""

    assigned: dict[str, list[tuple[cst.CSTNode, cst.BaseExpression]]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)


_FACTS: dict[cst.ClassDef, _ClassFacts] = {}


def forget() -> None:
    """Drop what was learnt about classes (the checker calls it after each file, so no tree
    outlives the file it came from)."""
    _FACTS.clear()


def _facts(cls: cst.ClassDef) -> _ClassFacts:
    found = _FACTS.get(cls)
    if found is None:
        found = _FACTS[cls] = _walk_class(cls)
    return found


def _walk_class(cls: cst.ClassDef) -> _ClassFacts:
    found = _ClassFacts(
        methods={s.name.value for s in cls.body.body if isinstance(s, cst.FunctionDef)}
    )
    stack: list[cst.CSTNode] = [cls.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.ClassDef):
            continue  # a nested class has a self of its own
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    targets = [small.target]
                for target in targets:
                    attr = _self_attribute(target)
                    if attr is not None:
                        assert small.value is not None
                        found.assigned.setdefault(attr, []).append((node, small.value))
        if isinstance(node, cst.Call):
            found.changed |= _changes(node)
        elif isinstance(node, cst.AugAssign | cst.Del):
            attr = _self_attribute(node.target)
            if attr is not None:
                found.changed.add(attr)
        if isinstance(node, cst.Assign | cst.AugAssign):
            for target in _targets(node):
                if isinstance(target, cst.Subscript):
                    attr = _self_attribute(target.value)
                    if attr is not None:
                        found.changed.add(attr)
        stack.extend(children(node))
    return found


def self_assignments(
    cls: cst.ClassDef, attr: str
) -> Iterator[tuple[cst.CSTNode, cst.BaseExpression]]:
    """Each ``self.<attr> = value`` (or annotated) in the class, with its statement."""
    yield from _facts(cls).assigned.get(attr, ())


def attribute_source(cls: cst.ClassDef, attr: str) -> AttributeSource | None:
    """The one place ``self.<attr>`` is set, when nothing else in the class changes it."""
    facts = _facts(cls)
    if attr in facts.methods:
        return None  # a method, not a value
    assigned = facts.assigned.get(attr, [])
    in_body = [(s, v) for s in cls.body.body if (v := _class_binding(s, attr)) is not None]
    if len(assigned) + len(in_body) != 1 or attr in facts.changed:
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


def _changes(call: cst.Call) -> set[str]:
    """``self.<attr>.append(...)``, or ``self.<attr>`` handed to code that may change it."""
    found: set[str] = set()
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in MUTATORS:
        attr = _self_attribute(func.value)
        if attr is not None:
            found.add(attr)
    if _callee(func) in LIBRARY_READERS | PURE_FUNCTIONS:
        return found
    for arg in call.args:
        attr = _self_attribute(arg.value)
        if attr is not None:
            found.add(attr)
    return found


def _callee(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def _targets(node: cst.Assign | cst.AugAssign) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Assign):
        return [t.target for t in node.targets]
    return [node.target]


def _self_attribute(node: cst.CSTNode) -> str | None:
    """``x`` for ``self.x``."""
    if (
        isinstance(node, cst.Attribute)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    ):
        return node.attr.value
    return None
