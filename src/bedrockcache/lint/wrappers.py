"""Call sites reached through the project's own functions, audited once per caller.

A wrapper such as ``def call_claude(system, question): return client.converse(...)`` is called
from many places, each with its own arguments: whether caching applies is decided at each caller.
For every call of a project function that holds a Bedrock call site (directly, or through
another such function), the site is evaluated with the function's parameters bound to that
call's arguments and audited at the caller, as a type checker reports an argument error at the
call. What the wrapper's own audit finds (its parameters unknown) is reported inside the wrapper
once, so each caller sees only what its arguments cause.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from bedrockcache.audit import audit
from bedrockcache.facts import Facts
from bedrockcache.lint.evaluate import Callee, Evaluator
from bedrockcache.lint.index import ModuleIndex
from bedrockcache.lint.layers import layer_modules
from bedrockcache.lint.precision import verdict
from bedrockcache.lint.screen import METHODS, TARGETS
from bedrockcache.lint.sites import CallSite, FileContext
from bedrockcache.rules.stability import check_prefix

__all__ = ["MAX_WRAPPER_DEPTH", "wrapper_sites"]

MAX_WRAPPER_DEPTH = 3  # wrappers of wrappers followed from a caller


def wrapper_sites(ctx: FileContext, facts: Facts) -> Iterator[CallSite]:
    """The call sites of the project functions that ``ctx``'s calls run, one per caller."""
    yield from _Wrappers(ctx.evaluator, facts).sites(ctx, None, 0)


class _Wrappers:
    def __init__(self, evaluator: Evaluator, facts: Facts) -> None:
        self.evaluator = evaluator
        self.facts = facts
        self._holds: dict[int, bool] = {}
        self._own: dict[int, tuple[frozenset[tuple[str, str | None]], frozenset[str]]] = {}

    def sites(self, ctx: FileContext, outer: cst.Call | None, depth: int) -> Iterator[CallSite]:
        for call in ctx.calls:
            if not self._may_wrap(ctx.index, call):
                continue
            statement = ctx.statement(call)
            callee = self.evaluator.callee(call, statement)
            if callee is None or not self._holds_site(callee, 0):
                continue
            own = self._own_findings(callee)
            with self.evaluator.calling(callee, call, statement) as entered:
                if not entered:
                    continue
                inner = FileContext(callee.index, self.evaluator, within=callee.function)
                found = list(_direct(inner))
                if depth + 1 < MAX_WRAPPER_DEPTH:
                    found += list(self.sites(inner, outer or call, depth + 1))
            for site in found:
                yield CallSite(
                    f"{site.kind} in {callee.function.name.value}()",
                    site.backend,
                    outer or call,
                    site.request,
                    site.hidden,
                    inherited=site.inherited | own[0],
                    inherited_reasons=site.inherited_reasons | own[1],
                    sent_at=site.sent_at or site.node,
                )

    def _may_wrap(self, index: ModuleIndex, call: cst.Call) -> bool:
        """Whether the function a call runs may hold a call site, asked before its module is
        parsed: a function imported from a file with no Bedrock call in it holds none."""
        project = self.evaluator.project
        func = call.func
        head = func
        while isinstance(head, cst.Attribute):
            head = head.value
        if not isinstance(head, cst.Name):
            return False
        defined = _defined_names(index)
        if head.value == "self":  # a method of this class
            return isinstance(func, cst.Attribute) and func.attr.value in defined
        name = head.value
        if name not in index.imports and name not in index.relative:
            return not isinstance(func, cst.Attribute) and name in defined  # a local def
        if project is None:
            return False
        source = project.source_file(index, name)
        if source is None or not project.screen.may_call(source):
            return False
        called = func.attr.value if isinstance(func, cst.Attribute) else None
        if called is None:  # ``from app.llm import call_claude`` then ``call_claude(...)``
            spec = index.relative.get(name)
            called = spec.name if spec else index.imports[name].rsplit(".", 1)[-1]
        return project.screen.defines(source, called)

    def _holds_site(self, callee: Callee, depth: int) -> bool:
        """Whether a function may hold a Bedrock call site (itself or through the functions it
        calls): a look at its calls' names, before anything is evaluated."""
        key = id(callee.function)
        if key in self._holds:
            return self._holds[key]
        self._holds[key] = False  # recursion adds nothing
        index = callee.index
        found = False
        for call in _calls_in(callee):
            func = call.func
            if isinstance(func, cst.Attribute) and func.attr.value in METHODS:
                found = True
            else:
                qualified = index.qualified(func)
                parts = qualified.split(".") if qualified else []
                if parts and (parts[0], parts[-1]) in TARGETS:
                    found = True
            if not found and depth + 1 < MAX_WRAPPER_DEPTH and self._may_wrap(index, call):
                with self.evaluator.inside(index):
                    inner = self.evaluator.callee(call, index.statement_of[call])
                found = inner is not None and self._holds_site(inner, depth + 1)
            if found:
                break
        self._holds[key] = found
        return found

    def _own_findings(
        self, callee: Callee
    ) -> tuple[frozenset[tuple[str, str | None]], frozenset[str]]:
        """What the wrapper's call sites report on their own, its parameters unknown."""
        key = id(callee.function)
        if key not in self._own:
            findings: set[tuple[str, str | None]] = set()
            reasons: set[str] = set()
            with self.evaluator.inside(callee.index):
                inner = FileContext(callee.index, self.evaluator, within=callee.function)
                for site in _direct(inner):
                    try:
                        audited = audit(site.request, site.backend, facts=self.facts)
                    except Exception:  # listed where the wrapper itself is linted
                        continue
                    judged = verdict(audited, self.facts)
                    findings |= {(f.code, f.path) for f in judged.reported}
                    reasons |= set(judged.reasons)
                    if audited.wire is not None and audited.wire.breakpoints:
                        prefix = check_prefix(audited.wire, lambda node: None)
                        findings |= {(i.finding.code, i.finding.path) for i in prefix}
            self._own[key] = (frozenset(findings), frozenset(reasons))
        return self._own[key]


def _direct(ctx: FileContext) -> Iterator[CallSite]:
    """The layers' call sites among ``ctx``'s calls; the finders' notes on the module's index
    (Strands' reader names) are undone, so a module used as a dependency stays as it was."""
    readers = set(ctx.index.reader_names)
    try:
        for module in layer_modules():
            yield from list(module.find(ctx))
    finally:
        ctx.index.reader_names.clear()
        ctx.index.reader_names.update(readers)


def _defined_names(index: ModuleIndex) -> frozenset[str]:
    """The names of every def in the module (functions and methods, at any depth)."""
    key = ("def-names",)
    found = index.memo.get(key)
    if found is None:
        found = index.memo[key] = frozenset(f.name.value for f in index.functions)
    return found  # type: ignore[return-value]


def _calls_in(callee: Callee) -> list[cst.Call]:
    return callee.index.calls_in(callee.function)
