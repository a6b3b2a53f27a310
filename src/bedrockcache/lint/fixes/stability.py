"""Fixers for prefix stability (BC4xx): make an order that follows a set's per-process hashing
the same in every process.

The node a fixer receives is not where the diagnostic is shown (the request element the value
enters) but where the order is made: the mark's own node, the ``json.dumps`` call (BC405) or the
expression a set is iterated at (BC404). Each fixer checks that the node is such a place before
touching it, so a mark that arrived some other way gets no fix.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from bedrockcache.findings import Finding
from bedrockcache.lint.bindings import Binding, mentions, resolve
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.context import FixContext, _bound_at_module_level
from bedrockcache.lint.fixes.elements import append_argument, keyword_argument

__all__ = ["FIXERS", "known_strings"]

Made = tuple[str, Sequence[Edit | None]] | None
# Calls that only iterate their sole argument: sorting it first changes the order and nothing else.
_ITERATING_CALLS = frozenset({"list", "tuple"})


def sort_json_keys(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC405: ``json.dumps(value)`` -> ``json.dumps(value, sort_keys=True)``.

    Not when the call already says something about ``sort_keys`` (``sort_keys=False`` is a
    choice) or passes ``*args``/``**kwargs`` that might.
    """
    if not isinstance(node, cst.Call) or ctx.index.qualified(node.func) != "json.dumps":
        return None
    if not node.args or any(
        a.star or (a.keyword is not None and a.keyword.value == "sort_keys") for a in node.args
    ):
        return None
    if node.args[0].keyword is not None or not _string_keyed(node.args[0].value, ctx):
        return None
    new = append_argument(node, keyword_argument("sort_keys", "True"))
    if new is None:
        return None
    return "Pass `sort_keys=True` to `json.dumps`", [ctx.replace(node, new)]


def sort_set(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC404: iterate ``sorted(s)`` where ``s`` is iterated.

    Only where the expression is iterated and nothing else (``sep.join(s)``, ``list(s)``,
    ``tuple(s)``, a ``for`` clause), so the result differs from before only in its order; and
    only when every element is a string written in the source, so ``sorted`` cannot raise (a set
    of objects has no order, and an annotation such as ``set[str]`` is not checked at run time).
    """
    if not isinstance(node, cst.BaseExpression) or not _iterated_only(node, ctx):
        return None
    if not known_strings(node, ctx):
        return None
    if "sorted" in ctx.index.imports or _bound_at_module_level(ctx.module, "sorted"):
        return None  # the builtin is shadowed
    wrapped = cst.Call(func=cst.Name("sorted"), args=[cst.Arg(value=node)])
    return "Iterate `sorted(...)` of the set", [ctx.replace(node, wrapped)]


def _string_keyed(node: cst.BaseExpression, ctx: FixContext, depth: int = 0) -> bool:
    """Whether ``node`` is a dict keyed by a set of strings: ``{k: v for k in S}`` or
    ``dict.fromkeys(S, v)`` (or a name bound once to one), ``S`` as ``known_strings`` accepts it.

    ``sort_keys=True`` raises TypeError on keys that do not compare (``1`` and ``"a"``), so the
    fix is offered only when every key is known to be a string.
    """
    if depth > 4:
        return False
    if isinstance(node, cst.DictComp):
        loop = node.for_in
        return (
            loop.inner_for_in is None
            and isinstance(node.key, cst.Name)
            and isinstance(loop.target, cst.Name)
            and node.key.value == loop.target.value
            and not _has_dict(node.value)
            and known_strings(loop.iter, ctx)
        )
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        func = node.func
        if not (isinstance(func.value, cst.Name) and func.value.value == "dict"):
            return False
        if func.attr.value != "fromkeys" or not 1 <= len(node.args) <= 2:
            return False
        if any(a.keyword or a.star for a in node.args):
            return False
        rest = node.args[1:]
        return known_strings(node.args[0].value, ctx) and not any(_has_dict(a.value) for a in rest)
    if isinstance(node, cst.Name):
        binding = _binding(node, ctx)
        return binding is not None and _string_keyed(binding.value, ctx, depth + 1)
    return False


def _has_dict(node: cst.CSTNode) -> bool:
    """A dict inside a value: ``sort_keys`` sorts nested dicts too, whose keys are not known."""
    if isinstance(node, cst.Dict | cst.DictComp):
        return True
    return any(_has_dict(child) for child in node.children)


def _binding(node: cst.Name, ctx: FixContext) -> Binding | None:
    """The one binding of a name that nothing in the file changes afterwards."""
    statement = ctx.index.statement_of.get(node) or ctx.statement(node)
    if statement is None:
        return None
    binding = resolve(ctx.index, node.value, statement)
    # ``escapes`` is not enough: a module constant read in a function always escapes;
    # ``_changed`` looks at every use of the name in the file instead.
    if not isinstance(binding, Binding) or binding.mutations:
        return None
    name = node.value
    if ctx.per_module(("changed", name), lambda: _changed(name, ctx)):
        return None
    return binding


def _iterated_only(node: cst.BaseExpression, ctx: FixContext) -> bool:
    parent = ctx.parent(node)
    if isinstance(parent, cst.CompFor | cst.For):
        return parent.iter is node
    if not isinstance(parent, cst.Arg) or parent.value is not node or parent.keyword or parent.star:
        return False
    call = ctx.parent(parent)
    if not isinstance(call, cst.Call) or len(call.args) != 1:
        return False
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value == "join"
    return isinstance(func, cst.Name) and func.value in _ITERATING_CALLS


def known_strings(node: cst.BaseExpression, ctx: FixContext, depth: int = 0) -> bool:
    """Whether ``node`` is certainly a set (or frozenset) of strings: a literal of string
    literals or f-strings, ``set(...)``/``frozenset(...)`` of one, or a name bound once to one
    and never changed through an attribute (``TAGS.add(1)``) or reassigned."""
    if depth > 4:
        return False
    if isinstance(node, cst.Set | cst.List | cst.Tuple):
        return bool(node.elements) and all(
            isinstance(e, cst.Element) and _is_text(e.value) for e in node.elements
        )
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        if node.func.value not in ("set", "frozenset") or len(node.args) != 1:
            return False
        argument = node.args[0]
        return not (argument.keyword or argument.star) and known_strings(
            argument.value, ctx, depth + 1
        )
    if isinstance(node, cst.Name):
        binding = _binding(node, ctx)
        return binding is not None and known_strings(binding.value, ctx, depth + 1)
    return False


def _is_text(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString):
        return isinstance(node.evaluated_value, str)
    if isinstance(node, cst.FormattedString):
        return "b" not in node.prefix.lower()
    if isinstance(node, cst.ConcatenatedString):
        return _is_text(node.left) and _is_text(node.right)
    return False


# Calls that read a set argument without changing it.
_READERS = frozenset(
    {"join", "list", "tuple", "sorted", "set", "frozenset", "len", "fromkeys", "dumps", "str"}
)


class _Changes(cst.CSTVisitor):
    """Counts what could change a name's set: ``name.method(...)``, ``name |= ...``, passing it
    to a call that is not a known reader, and each assignment to it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.attributes = 0
        self.assignments = 0

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.value.value == self.name:
            self.attributes += 1

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        called = func.attr.value if isinstance(func, cst.Attribute) else None
        called = func.value if isinstance(func, cst.Name) else called
        for argument in node.args:
            value = argument.value
            if isinstance(value, cst.Name) and value.value == self.name and called not in _READERS:
                self.attributes += 1  # handed to code that might add to it

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_Global(self, node: cst.Global) -> None:
        if any(n.name.value == self.name for n in node.names):
            self.assignments += 2  # rebound from inside a function: not one binding

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name) and target.value == self.name:
            self.assignments += 1


def _changed(name: str, ctx: FixContext) -> bool:
    changes = _Changes(name)
    for statement in ctx.module.body:
        if mentions(ctx.index, statement, name):  # the others cannot change it
            statement.visit(changes)
    return changes.attributes > 0 or changes.assignments > 1


FIXERS = {
    "BC404": sort_set,
    "BC405": sort_json_keys,
}
