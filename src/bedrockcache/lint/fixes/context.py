"""What a fixer works with: the parsed file, node positions and parents, and edit builders.

A fixer never re-derives where a finding is: it receives the CST node the checker located for
the finding's request path. It rewrites that node (or its literal parent) with libcst and turns
the result into an ``Edit`` over the node's own source range, so everything outside the node,
comments and formatting included, is left as the user wrote it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import libcst as cst

from bedrockcache.audit import AuditReport
from bedrockcache.facts import Facts
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.source import ModuleSource, position
from bedrockcache.lint.index import ModuleIndex
from bedrockcache.lint.sites import CallSite

__all__ = ["FixContext", "literal_string", "position", "string_key"]

T = TypeVar("T")


@dataclass
class FixContext:
    module: cst.Module
    index: ModuleIndex
    site: CallSite
    report: AuditReport
    facts: Facts
    # The checker's own locator: the node behind a request path, and whether it is exact.
    locate: Callable[[str], tuple[cst.CSTNode, bool]]

    @property
    def source(self) -> ModuleSource:
        """The module's text, parents and spans: one printing pass, shared by every fix in the
        module (it lives in the index's per-module memo)."""
        return ModuleSource.of(self.module, self.index.memo)

    def per_module(self, key: object, compute: Callable[[], T]) -> T:
        """An answer that depends only on the module, computed once for all its findings: a
        question a fixer asks per finding must not walk the module per finding."""
        memo_key = ("fixes", key)
        if memo_key not in self.index.memo:
            self.index.memo[memo_key] = compute()
        return self.index.memo[memo_key]  # type: ignore[return-value]

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.source.parent(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        return self.source.ancestors(node)

    def function_of(self, node: cst.CSTNode) -> cst.FunctionDef | None:
        """The function whose local scope holds ``node``; None at module or class level, where
        a literal is shared by whatever reads the name."""
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
            if isinstance(ancestor, cst.ClassDef):
                return None
        return None

    def statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        """The statement (simple line or compound) that holds ``node``."""
        current: cst.CSTNode | None = node
        while current is not None and not isinstance(
            current, cst.SimpleStatementLine | cst.BaseCompoundStatement
        ):
            current = self.parent(current)
        return current

    def would_cache(self, request: Any) -> bool:
        """Whether the call site's request, changed as a fix would change it, caches: every
        breakpoint known to reach the model's minimum, no new error or warning, and no per-call
        value before a breakpoint. A fix that adds a directive is checked this way, through the
        layer's own backend, rather than by re-deriving what the library will do."""
        from bedrockcache.audit import audit
        from bedrockcache.findings import Severity
        from bedrockcache.rules.stability import check_prefix

        model = self.report.model.model if self.report.model is not None else None
        if model is None or not model.min_tokens or self.report.unaudited:
            return False
        try:
            changed = audit(request, self.site.backend, facts=self.facts)
        except Exception:
            return False
        wire = changed.wire
        if wire is None or not wire.breakpoints or changed.unaudited:
            return False
        if any(point.tokens.low < model.min_tokens for point in wire.breakpoints):
            return False
        before = {f.code for f in self.report.findings}
        serious = (Severity.ERROR, Severity.WARNING)
        if any(f.code not in before and f.severity in serious for f in changed.findings):
            return False
        return not check_prefix(wire)

    def element_of(self, value: cst.CSTNode) -> tuple[cst.CSTNode, Any] | None:
        """(container, element) when ``value`` is a literal's element: a DictElement's value in a
        Dict, or an Element of a List/Tuple."""
        element = self.parent(value)
        container = self.parent(element) if element is not None else None
        if isinstance(element, cst.DictElement) and isinstance(container, cst.Dict):
            return container, element
        if isinstance(element, cst.Element) and isinstance(container, cst.List | cst.Tuple):
            return container, element
        return None

    def replace(self, old: cst.CSTNode, new: cst.CSTNode) -> Edit | None:
        """The edit that turns ``old`` into ``new`` in the file, over the span that differs."""
        return self.source.replace(old, new)

    def imported(self, module: str, name: str) -> tuple[str, list[Edit]] | None:
        """The local name for ``module.name`` and the edit that imports it when missing; None
        when the name is taken by something else (the fix would shadow it)."""
        wanted = f"{module}.{name}"
        for local, origin in self.index.imports.items():
            if origin == wanted:
                return local, []
        if name in self.index.imports or _bound_at_module_level(self.module, name):
            return None
        line = _import_line(self.module)
        return name, [Edit(line, 1, line, 1, f"from {module} import {name}\n")]


def _import_line(module: cst.Module) -> int:
    """The line a new import goes on: after the docstring, ``__future__`` and the top-level
    imports that open the module."""
    line = len(module.header) + 1
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        first = statement.body[0] if statement.body else None
        is_docstring = (
            statement is module.body[0]
            and isinstance(first, cst.Expr)
            and isinstance(first.value, cst.SimpleString | cst.ConcatenatedString)
        )
        if not (is_docstring or isinstance(first, cst.Import | cst.ImportFrom)):
            break
        line += module.code_for_node(statement).count("\n")  # its leading lines included
    return line


def _bound_at_module_level(module: cst.Module, name: str) -> bool:
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef) and statement.name.value == name:
            return True
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name) and target.target.value == name:
                            return True
    return False


def literal_string(node: cst.CSTNode | None) -> str | None:
    """The value of a plain string literal (no f-string, no concatenation)."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def string_key(element: cst.BaseDictElement) -> str | None:
    if isinstance(element, cst.DictElement):
        return literal_string(element.key)
    return None
