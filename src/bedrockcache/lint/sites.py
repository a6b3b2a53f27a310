"""A Bedrock call site, and what the per-layer finders share to recognise one.

Each module in ``lint/layers/`` turns the calls of one library into ``CallSite``s: the request the
backend of that layer would receive (``audit(request, backend)``), built from the evaluated
arguments. ``FileContext`` gives them the module index, the evaluator and receiver typing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.lint.bindings import Binding, resolve
from bedrockcache.lint.evaluate import Evaluator
from bedrockcache.lint.index import ModuleIndex, split_qualified
from bedrockcache.unknown import PartialText, Unknown

__all__ = ["CallSite", "FileContext", "assigned_name", "known_model", "may_be_claude"]


@dataclass
class CallSite:
    kind: str  # how the user would name it: "boto3 converse", "litellm completion", ...
    backend: Backend
    node: cst.CSTNode  # reported when a finding has no more precise place
    request: dict[str, Any]
    hidden: list[str] = field(default_factory=list)  # arguments hidden behind * or ** spreads
    # Reached through a wrapper (``node`` is the call of the wrapper): what the wrapper's own
    # audit reports already, (code, path) and reasons, is not reported again at this caller.
    inherited: frozenset[tuple[str, str | None]] = frozenset()
    inherited_reasons: frozenset[str] = frozenset()
    # Reached through a wrapper: the Bedrock call inside it (the innermost wrapper's), which an
    # editor links to from a finding at this caller.
    sent_at: cst.CSTNode | None = None


class FileContext:
    """What the finders of one module share. ``within`` restricts the calls they start from to
    one function's (a wrapper whose call sites are audited for one of its callers)."""

    def __init__(
        self,
        index: ModuleIndex,
        evaluator: Evaluator,
        within: cst.FunctionDef | None = None,
    ) -> None:
        self.index = index
        self.evaluator = evaluator
        self.consumed: set[int] = set()  # calls already audited as part of another call site
        self.within = within
        self._calls: list[cst.Call] | None = None

    @property
    def calls(self) -> list[cst.Call]:
        """The calls the finders start from: the module's, or the wrapper function's."""
        if self._calls is None:
            if self.within is None:
                self._calls = self.index.calls
            else:
                self._calls = self.index.calls_in(self.within)
        return self._calls

    def statement(self, node: cst.CSTNode) -> cst.CSTNode:
        return self.index.statement_of[node]

    def callee(self, call: cst.Call) -> tuple[str, str] | None:
        """(package, name) of an imported callee, e.g. ("litellm", "completion")."""
        qualified = self.index.qualified(call.func)
        return split_qualified(qualified) if qualified else None

    def calls_to(self, package: str, *names: str) -> Iterator[cst.Call]:
        for call in self.calls:
            callee = self.callee(call)
            if callee is not None and callee[0] == package and callee[1] in names:
                yield call

    def value(self, expr: cst.BaseExpression, at: cst.CSTNode) -> Any:
        return self.evaluator.value(expr, at)

    def bound_call(
        self, expr: cst.BaseExpression, at: cst.CSTNode
    ) -> tuple[cst.Call, cst.CSTNode] | None:
        """The call an expression is (``X(...)``) or a name is bound to (``x = X(...)``)."""
        for _ in range(8):
            if isinstance(expr, cst.Call):
                return expr, at
            if isinstance(expr, cst.Await):
                expr = expr.expression
                continue
            if not isinstance(expr, cst.Name) or expr.value in self.index.imports:
                return None
            binding = resolve(self.index, expr.value, at)
            if not isinstance(binding, Binding):
                return None
            expr, at = binding.value, binding.statement
        return None

    def uses_of(self, call: cst.Call) -> Iterator[tuple[cst.Call, str]]:
        """Method calls on the object ``call`` builds: ``name = Cls(...)`` then ``name.m(...)``."""
        target = assigned_name(self, call)
        if target is None:
            return
        for other in self.index.calls:
            func = other.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                if func.value.value == target:
                    bound = self.bound_call(func.value, self.statement(other))
                    if bound is not None and bound[0] is call:
                        yield other, func.attr.value
            elif isinstance(func, cst.Name) and func.value == target:
                bound = self.bound_call(func, self.statement(other))
                if bound is not None and bound[0] is call:
                    yield other, ""

    def parameter_annotation(self, name: str, at: cst.CSTNode) -> str | None:
        """The annotation text of parameter ``name`` of the function enclosing ``at``."""
        for node in reversed(self.index.ancestors(at)):
            if isinstance(node, cst.FunctionDef):
                params = node.params
                for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
                    if param.name.value == name and param.annotation is not None:
                        return cst.Module(body=[]).code_for_node(param.annotation.annotation)
                return None
        return None

    def enclosing_class(self, at: cst.CSTNode) -> cst.ClassDef | None:
        for node in reversed(self.index.ancestors(at)):
            if isinstance(node, cst.ClassDef):
                return node
        return None


def assigned_name(ctx: FileContext, call: cst.Call) -> str | None:
    """``name`` in ``name = call`` (or ``name: T = call``, ``name = await call``)."""
    statement = ctx.statement(call)
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        value = getattr(small, "value", None)
        if isinstance(value, cst.Await):
            value = value.expression
        if value is call:
            if isinstance(small, cst.Assign) and len(small.targets) == 1:
                target = small.targets[0].target
                return target.value if isinstance(target, cst.Name) else None
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                return small.target.value
    return None


def may_be_claude(model: object) -> bool:
    """Whether a model id may name Claude: an id that is known text and names another model
    (Nova, Titan, Llama, Mistral, ...) is not audited at all."""
    if not isinstance(model, str):
        return True  # Unknown or absent: may be
    lowered = model.lower()
    return (
        "anthropic" in lowered
        or "claude" in lowered
        or ":application-inference-profile/" in lowered
    )


def known_model(value: Any) -> str | Unknown | None:
    """A model id as a backend may read it: partly known text is not an id."""
    if isinstance(value, PartialText):
        unknown = value.unknown_parts
        if not str(value) and len(unknown) == 1:
            return unknown[0]  # a parameter annotated str: say which
        return Unknown(f"model id {value!s}…")
    if isinstance(value, str | Unknown) or value is None:
        return value
    return Unknown("model id")
