"""One pass over a parsed module that records what the call-site finders and the evaluator ask for.

libcst's own metadata (scopes, qualified names, parents) costs 5-9 times a parse; the linter needs
far less: what each imported name stands for, every call with the statement that holds it, and
each statement's chain of enclosing blocks. One visitor collects all three.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

__all__ = [
    "ModuleIndex",
    "RelativeImport",
    "children",
    "decorator_names",
    "qualified_name",
    "split_qualified",
]

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


@dataclass(frozen=True)
class RelativeImport:
    """``from ..pkg.mod import name``: ``level`` dots, then ``module`` ("" in ``from . import``)."""

    level: int
    module: str
    name: str


@dataclass(eq=False)
class ModuleIndex:
    module: cst.Module
    imports: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin
    relative: dict[str, RelativeImport] = field(default_factory=dict)  # local name -> import
    path: str | None = None  # the file it was read from, when it is one (for project imports)
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
    # Every name written anywhere inside each statement (nested statements included): a lookup
    # of ``x`` skips, without walking them, the statements that never mention it.
    names_in: dict[cst.CSTNode, frozenset[str]] = field(default_factory=dict, repr=False)
    # Answers that depend only on the module (bindings.py's module-constant lookups): a file with
    # many call sites asks the same question once per site, and each answer walks every function.
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(cls, module: cst.Module, path: str | None = None) -> ModuleIndex:
        index = cls(module, path=path)
        _traverse(module, _Collector(index))
        return index

    def qualified(self, expr: cst.BaseExpression) -> str | None:
        return qualified_name(expr, self.imports)

    def calls_in(self, function: cst.FunctionDef) -> list[cst.Call]:
        """The calls inside a def (its nested defs' too), in source order; one pass over the
        module's calls serves every def."""
        by_function = self.memo.get("calls-by-function")
        if by_function is None:
            table: dict[cst.CSTNode, list[cst.Call]] = {}
            for call in self.calls:
                for node in self.ancestors(call):
                    if isinstance(node, cst.FunctionDef):
                        table.setdefault(node, []).append(call)
            by_function = self.memo["calls-by-function"] = table
        return by_function.get(function, [])  # type: ignore[union-attr]

    def size_of(self, function: cst.FunctionDef) -> int:
        """How many statements a def holds (its nested defs' too)."""
        sizes = self.memo.get("statements-by-function")
        if sizes is None:
            table: dict[cst.CSTNode, int] = {}
            for chain in self.chain.values():
                for node in chain:
                    if type(node) is cst.FunctionDef:
                        table[node] = table.get(node, 0) + 1
            sizes = self.memo["statements-by-function"] = table
        return sizes.get(function, 0)  # type: ignore[union-attr]

    def ancestors(self, node: cst.CSTNode) -> tuple[cst.CSTNode, ...]:
        """The nodes enclosing a call or statement, outermost first, ending with its statement."""
        statement = self.statement_of.get(node, node)
        return (*self.chain.get(statement, ()), statement)


_FIELDS: dict[type, tuple[str, ...]] = {}
_CODE_FIELDS: dict[type, tuple[str, ...]] = {}
# Fields that hold only layout (whitespace, brackets, punctuation): no name, call or statement.
_LAYOUT = frozenset(
    {
        "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "leading_lines",
        "lines_after_decorators", "comma", "semicolon", "colon", "equal", "dot", "operator",
        "header", "footer", "newline", "asynchronous", "star", "star_tok", "trailing_whitespace",
    }
)  # fmt: skip
# Where a type's fields are not in source order: the order its parts are written in.
_SOURCE_ORDER = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Arg: ("keyword", "value"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
}


_NODE_TYPES: dict[type, bool] = {}


def _is_node(value: object) -> bool:
    """``isinstance(value, cst.CSTNode)`` without the ABC machinery (a dict lookup per type)."""
    kind = type(value)
    found = _NODE_TYPES.get(kind)
    if found is None:
        found = _NODE_TYPES[kind] = issubclass(kind, cst.CSTNode)
    return found


def _code_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children that can hold code, in source order (layout nodes are left out)."""
    names = _CODE_FIELDS.get(type(node))
    if names is None:
        names = _SOURCE_ORDER.get(type(node)) or tuple(
            f.name
            for f in dataclasses.fields(node)
            if f.name not in _LAYOUT and "whitespace" not in f.name
        )
        _CODE_FIELDS[type(node)] = names
    return _nodes_in(node, names)


def _traverse(module: cst.Module, collector: _Collector) -> None:
    """``module.visit(collector)`` without libcst's visitor, which rebuilds every node it
    passes and cost most of an index's time: enter and leave each node that can hold code."""
    stack: list[tuple[cst.CSTNode, bool]] = [(module, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            collector.on_leave(node)
            continue
        collector.on_visit(node)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(_code_children(node)))


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """A node's children, not in source order: libcst's ``children`` runs a visitor per call and
    costs three times as much, which the name lookups (walks over statements) paid everywhere."""
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(f.name for f in dataclasses.fields(node))
    return _nodes_in(node, names)


def _nodes_in(node: cst.CSTNode, names: tuple[str, ...]) -> list[cst.CSTNode]:
    """The nodes held by the fields ``names`` of ``node``, in that order."""
    found: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if _is_node(value):
            found.append(value)
        elif type(value) in (list, tuple):
            found.extend(item for item in value if _is_node(item))
    return found


def decorator_names(node: cst.FunctionDef | cst.ClassDef) -> list[str | None]:
    """The last name of each decorator (``functools.cache`` and ``cache(...)``: ``"cache"``)."""
    found: list[str | None] = []
    for decorator in node.decorators:
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        name = target.attr.value if isinstance(target, cst.Attribute) else None
        found.append(target.value if isinstance(target, cst.Name) else name)
    return found


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


BOUND = "bound-names"  # memo key: the names a statement (or a def's body) binds
_STATEMENT_KINDS = frozenset(STATEMENT_TYPES)
_BINDING_KINDS = frozenset(
    {
        cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Del, cst.For, cst.CompFor, cst.AsName,
        cst.NamedExpr,
    }
)  # fmt: skip


def _binds(node: cst.CSTNode, names: set[str]) -> None:
    """The names ``node`` itself binds: assignment, loop and ``with``/``except`` targets,
    ``del``, the walrus."""
    if isinstance(node, cst.Assign):
        for target in node.targets:
            target_names(target.target, names)
    elif isinstance(node, cst.AnnAssign | cst.AugAssign | cst.Del | cst.For | cst.CompFor):
        target_names(node.target, names)
    elif isinstance(node, cst.AsName):
        target_names(node.name, names)
    elif isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name):
        names.add(node.target.value)


def target_names(target: cst.BaseExpression, names: set[str]) -> None:
    """The names an assignment target binds (``a``, ``a, *b``, ``[a, b]``)."""
    if isinstance(target, cst.Name):
        names.add(target.value)
    elif isinstance(target, cst.Tuple | cst.List):
        for element in target.elements:
            target_names(element.value, names)
    elif isinstance(target, cst.StarredElement):
        target_names(target.value, names)


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
        self.names: list[set[str]] = []  # parallel to ``statements``
        self.bound: list[set[str]] = []  # names each open statement binds (see bound_names)
        self.lambdas = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Exact types, not isinstance: libcst's node classes are ABCs, and this runs per node.
        kind = type(node)
        if kind in _STATEMENT_KINDS:
            self.index.chain[node] = tuple(self.stack)
            self.statements.append(node)
            self.names.append(set())
            self.bound.append(set())
        elif kind is cst.Name:
            if self.names:
                self.names[-1].add(node.value)  # type: ignore[attr-defined]
        elif kind is cst.Call:
            if self.statements:
                self.index.calls.append(node)  # type: ignore[arg-type]
                self.index.statement_of[node] = self.statements[-1]
        elif kind is cst.Lambda:
            self.lambdas += 1
        elif kind is cst.Import:
            self._import(node.names)  # type: ignore[attr-defined]
        elif kind is cst.ImportFrom:
            self._import_from(node)  # type: ignore[arg-type]
        if kind in _BINDING_KINDS and self.bound and not self.lambdas:
            _binds(node, self.bound[-1])
        if kind is cst.FunctionDef:
            self.index.functions.append(node)  # type: ignore[arg-type]
        elif kind is cst.ClassDef:
            self.index.classes.append(node)  # type: ignore[arg-type]
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()
        if type(original_node) is cst.Lambda:
            self.lambdas -= 1
        if self.statements and self.statements[-1] is original_node:
            self.statements.pop()
            names = self.names.pop()
            self.index.names_in[original_node] = frozenset(names)
            if self.names:
                self.names[-1] |= names
            bound = self.bound.pop()
            memo = self.index.memo
            if isinstance(original_node, cst.FunctionDef | cst.ClassDef):
                # A def binds its name where it stands; what its body binds stays inside it.
                memo[(BOUND, original_node.body)] = frozenset(bound)
                bound = {original_node.name.value}
            memo[(BOUND, original_node)] = frozenset(bound)
            if self.bound:
                self.bound[-1] |= bound

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
        if isinstance(node.names, cst.ImportStar):
            return
        if node.relative:
            self._relative(node, node.names)
            return
        if node.module is None:
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

    def _relative(self, node: cst.ImportFrom, names: Sequence[cst.ImportAlias]) -> None:
        module = _dotted(node.module) if node.module is not None else ""
        if module is None:
            return
        for alias in names:
            if not isinstance(alias.name, cst.Name):
                continue
            local = alias.name.value
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            found = RelativeImport(len(node.relative), module, alias.name.value)
            self.index.relative[local] = found
