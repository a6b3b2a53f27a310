"""One pass over a parsed module that records what the call-site finders and the evaluator ask for.

libcst's own metadata (scopes, qualified names, parents) costs 5-9 times a parse; the linter needs
far less: what each imported name stands for, every call with the statement that holds it, and
each statement's chain of enclosing blocks. One visitor collects all three.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

__all__ = ["ModuleIndex", "qualified_name", "split_qualified"]

STATEMENT_TYPES = (
    cst.SimpleStatementLine,
    cst.If,
    cst.For,
    cst.While,
    cst.Try,
    cst.TryStar,
    cst.With,
    cst.FunctionDef,
    cst.ClassDef,
    cst.Match,
)


@dataclass
class ModuleIndex:
    module: cst.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin
    calls: list[cst.Call] = field(default_factory=list)  # in source order
    statement_of: dict[cst.CSTNode, cst.CSTNode] = field(default_factory=dict)  # call -> statement
    chain: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = field(
        default_factory=dict
    )  # stmt -> ancestors
    functions: list[cst.FunctionDef] = field(default_factory=list)
    classes: list[cst.ClassDef] = field(default_factory=list)
    # Names bound to library objects whose calls only read their arguments (a Strands agent):
    # handing a list to ``agent(...)`` does not make it unknown. Finders add to it.
    reader_names: set[str] = field(default_factory=set)
    # Answers that depend only on the module (bindings.py's module-constant lookups): a file with
    # many call sites asks the same question once per site, and each answer walks every function.
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, module: cst.Module) -> ModuleIndex:
        index = cls(module)
        module.visit(_Collector(index))
        return index

    def qualified(self, expr: cst.BaseExpression) -> str | None:
        return qualified_name(expr, self.imports)

    def ancestors(self, node: cst.CSTNode) -> tuple[cst.CSTNode, ...]:
        """The nodes enclosing a call or statement, outermost first, ending with its statement."""
        statement = self.statement_of.get(node, node)
        return (*self.chain.get(statement, ()), statement)


def qualified_name(expr: cst.BaseExpression, imports: dict[str, str]) -> str | None:
    """``ll.completion`` -> ``litellm.completion`` when ``import litellm as ll``; None otherwise."""
    dotted = _dotted(expr)
    if dotted is None:
        return None
    head, dot, rest = dotted.partition(".")
    base = imports.get(head)
    return f"{base}{dot}{rest}" if base else None


def split_qualified(name: str) -> tuple[str, str]:
    """(top-level package, last component): re-exports keep their identity across module paths."""
    head, _, _ = name.partition(".")
    return head, name.rsplit(".", 1)[-1]


def _dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` as a string; None for anything but names and attributes. A loop, not a
    recursion: a dotted name in user code may be thousands of attributes deep."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


class _Collector(cst.CSTVisitor):
    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.stack: list[cst.CSTNode] = []
        self.statements: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, STATEMENT_TYPES):
            self.index.chain[node] = tuple(self.stack)
            self.statements.append(node)
        elif isinstance(node, cst.Call) and self.statements:
            self.index.calls.append(node)
            self.index.statement_of[node] = self.statements[-1]
        if isinstance(node, cst.FunctionDef):
            self.index.functions.append(node)
        elif isinstance(node, cst.ClassDef):
            self.index.classes.append(node)
        elif isinstance(node, cst.Import):
            self._import(node.names)
        elif isinstance(node, cst.ImportFrom):
            self._import_from(node)
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()
        if self.statements and self.statements[-1] is original_node:
            self.statements.pop()

    def _import(self, names: Sequence[cst.ImportAlias]) -> None:
        for alias in names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.index.imports[alias.asname.name.value] = dotted
            else:
                head = dotted.split(".")[0]
                self.index.imports[head] = head

    def _import_from(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = _dotted(node.module)
        if module is None:
            return
        for alias in node.names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.index.imports[local] = f"{module}.{alias.name.value}"
