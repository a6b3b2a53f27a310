"""Lint one file: find its Bedrock call sites, audit each request, place the findings in the source.

This is the unit the runner parallelises and caches, and the flake8 plugin calls; it never raises
on bad input (a file that does not decode or parse is one BC004/BC001 diagnostic).
"""

from __future__ import annotations

import ast
import dataclasses
import io
import tokenize
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from bedrockcache.audit import AuditReport, audit
from bedrockcache.backends import wire_shaped
from bedrockcache.config import Settings
from bedrockcache.facts import Facts, default_facts
from bedrockcache.findings import Finding, Outcome, Severity
from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.diagnostic import Diagnostic, Unresolved
from bedrockcache.lint.evaluate import Evaluator, Origins
from bedrockcache.lint.fixes import FixContext, fix_finding, fixers
from bedrockcache.lint.index import ModuleIndex
from bedrockcache.lint.layers import constants, constructors, functions, layer_modules
from bedrockcache.lint.limits import OverLimit, file_too_large, tree_over_limits
from bedrockcache.lint.noqa import NoqaMap, apply_noqa, parse_noqa
from bedrockcache.lint.prefilter import might_have_call_site
from bedrockcache.lint.prefix import entry_node
from bedrockcache.lint.screen import calls_a_target
from bedrockcache.lint.sites import CallSite, FileContext
from bedrockcache.objects import Constructed
from bedrockcache.rules.catalogue import catalogue
from bedrockcache.rules.stability import check_prefix
from bedrockcache.wire import WireRequest, path_steps

__all__ = ["check_source"]


def check_source(
    source: bytes | str,
    path: str,
    settings: Settings | None = None,
    facts: Facts | None = None,
    *,
    prefilter: bool = True,
    noqa: bool = True,
) -> FileResult:
    """Lint one file's contents; ``path`` is what diagnostics show.

    ``noqa=False`` leaves line-level ``# noqa`` comments to the caller (flake8 applies its own);
    the file-level ``# bedrockcache: noqa`` is still honoured.
    """
    settings = settings or Settings()
    data = source.encode("utf-8") if isinstance(source, str) else source
    if prefilter and not might_have_call_site(data):
        return FileResult()
    too_large = file_too_large(len(data), settings)
    if too_large is not None:  # before any parse: the parse is what costs the memory
        return _finish(_over(path, too_large, parsed=False), "", path, settings, noqa)
    text = _decode(data)
    if text is None:
        return _finish(FileResult(diagnostics=[_not_utf8(path, data)]), "", path, settings, noqa)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            tree = ast.parse(text)
    except SyntaxError as exc:
        return _finish(FileResult(diagnostics=[_syntax(path, exc)]), text, path, settings, noqa)
    except ValueError as exc:  # null bytes
        error = Diagnostic(path, 1, 1, "BC001", f"invalid source: {exc}", 1, 2, Severity.ERROR)
        return _finish(FileResult(diagnostics=[error]), text, path, settings, noqa)
    except (RecursionError, MemoryError):
        return _finish(_not_audited(path, "too deeply nested to parse"), text, path, settings, noqa)
    if not calls_a_target(tree):  # ast is ten times faster than libcst: most files stop here
        return _finish(FileResult(parsed=True), text, path, settings, noqa)
    over = tree_over_limits(tree, text, settings)
    if over is not None:
        return _finish(_over(path, over, parsed=True), text, path, settings, noqa)
    del tree  # libcst's tree is ten times larger; this one is no longer needed
    try:
        module = cst.parse_module(text)
    except Exception as exc:  # valid Python (ast parsed it) that libcst cannot represent
        reason = f"libcst cannot parse this file ({type(exc).__name__}); it was not audited"
        return _finish(_not_audited(path, reason), text, path, settings, noqa)
    report = FileResult(parsed=True)
    try:
        _analyse(module, path, settings, facts, report)
    except RecursionError:  # within max-nesting-depth, yet too deep for this interpreter's stack
        reason = "too deeply nested to analyse (Python's recursion limit); it was not audited"
        return _finish(_not_audited(path, reason), text, path, settings, noqa)
    except Exception as exc:  # a bug of ours must not stop the run; it is listed, not hidden
        reason = f"internal error, please report it: {type(exc).__name__}: {exc}"
        report.unresolved.append(Unresolved(path, 1, 1, "file", (reason,)))
    return _finish(report, text, path, settings, noqa)


def _analyse(
    module: cst.Module, path: str, settings: Settings, facts: Facts | None, report: FileResult
) -> None:
    index = ModuleIndex.build(module)
    sites = list(_sites(index, settings.volatile_sources))
    if sites:
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        for ctx, site in sites:
            in_scope = _scope_test(ctx, site, positions)
            _audit_site(
                ctx.evaluator.origins,
                site,
                path,
                positions,
                in_scope,
                settings,
                facts,
                report,
                index,
            )
        report.call_sites = len(sites)


def _sites(
    index: ModuleIndex, volatile_sources: tuple[str, ...] = ()
) -> Iterator[tuple[FileContext, CallSite]]:
    evaluator = Evaluator(index, constructors(), functions(), constants(), volatile_sources)
    ctx = FileContext(index, evaluator)
    for module in layer_modules():
        for site in module.find(ctx):
            yield ctx, site


def _scope_test(ctx: FileContext, site: CallSite, positions: Any) -> Callable[[cst.CSTNode], bool]:
    """Whether a node lies in the function holding the call site (anywhere, at module level)."""
    functions = [n for n in ctx.index.ancestors(site.node) if isinstance(n, cst.FunctionDef)]
    if not isinstance(site.node, cst.Call) or site.node not in ctx.index.statement_of:
        return lambda node: True
    if not functions:
        return lambda node: True
    outer = positions[functions[0]]

    def inside(node: cst.CSTNode) -> bool:
        where = positions.get(node)
        if where is None:
            return False
        start, end = (where.start.line, where.start.column), (where.end.line, where.end.column)
        first = (outer.start.line, outer.start.column)
        return first <= start and end <= (outer.end.line, outer.end.column)

    return inside


def _audit_site(
    origins: Origins,
    site: CallSite,
    path: str,
    positions: Any,
    in_scope: Callable[[cst.CSTNode], bool],
    settings: Settings,
    facts: Facts | None,
    report: FileResult,
    index: ModuleIndex | None = None,
) -> None:
    start = positions[site.node].start
    reasons = [f"arguments hidden in {hidden}" for hidden in site.hidden]
    try:
        audited = audit(site.request, site.backend, facts=facts or _facts(settings))
    except Exception as exc:  # a request the auditor rejects outright is not audited, not a crash
        reasons.append(f"could not audit: {exc}")
        report.unresolved.append(
            Unresolved(path, start.line, start.column + 1, site.kind, tuple(reasons))
        )
        return
    for finding in audited.findings:
        if finding.code.startswith("BC1") and not _could_cache(audited, facts or _facts(settings)):
            continue  # a literal "hi" loses nothing without a directive: demo code, not a bug
        if finding.outcome is Outcome.UNAUDITED:
            reasons.append(f"{finding.code} {finding.message}")
            continue
        raw = audited.wire.raw if audited.wire is not None else None
        wire_only = _wire_space(finding.code, site)
        node, exact = _locate(finding.path, site, origins, raw, in_scope, wire_only)
        where = positions.get(node) or positions[site.node]
        diagnostic = _diagnostic(finding, path, where, exact)
        if index is not None and finding.code in fixers():
            context = FixContext(
                index.module,
                index,
                site,
                audited,
                facts or _facts(settings),
                lambda p, raw=raw: _locate(p, site, origins, raw, in_scope),
            )
            autofix = fix_finding(finding, node, exact, context)
            diagnostic = dataclasses.replace(diagnostic, autofix=autofix)
        report.diagnostics.append(diagnostic)
    if audited.wire is not None and audited.wire.breakpoints:
        fixing = None
        if index is not None:
            fixing = FixContext(
                index.module,
                index,
                site,
                audited,
                facts or _facts(settings),
                lambda p, raw=audited.wire.raw: _locate(p, site, origins, raw, in_scope),
            )
        report.diagnostics += _prefix_diagnostics(
            audited.wire, site, origins, positions, in_scope, path, fixing
        )
    if reasons or audited.unaudited:
        reasons += [f"unknown: {u}" for u in audited.unaudited]
        report.unresolved.append(
            Unresolved(path, start.line, start.column + 1, site.kind, tuple(reasons))
        )


def _prefix_diagnostics(
    wire: WireRequest,
    site: CallSite,
    origins: Origins,
    positions: Any,
    in_scope: Callable[[cst.CSTNode], bool],
    path: str,
    fixing: FixContext | None = None,
) -> list[Diagnostic]:
    """BC4xx: changing values before a breakpoint, each reported where it enters the request.

    A fix edits the mark's own node (where the order is made), not the element it enters.
    """

    def line_of(node: object) -> int | None:
        where = positions.get(node) if node is not None else None
        return where.start.line if where is not None else None

    found = []
    for item in check_prefix(wire, line_of):
        node = entry_node(site.request, item.mark, origins, in_scope)
        exact = node is not None
        if node is None:
            wire_only = _wire_space(item.finding.code, site)
            node, exact = _locate(item.finding.path, site, origins, wire.raw, in_scope, wire_only)
        where = positions.get(node) or positions[site.node]
        diagnostic = _diagnostic(item.finding, path, where, exact)
        made = item.mark.node
        if fixing is not None and isinstance(made, cst.CSTNode) and made in positions:
            autofix = fix_finding(item.finding, made, True, fixing)
            diagnostic = dataclasses.replace(diagnostic, autofix=autofix)
        found.append(diagnostic)
    return found


def _could_cache(report: AuditReport, facts: Facts) -> bool:
    """Whether a directive could cache anything: not when the whole request is certainly below
    the model's minimum (or, for an unknown model, below every caching model's minimum)."""
    if report.wire is None:
        return True
    model = report.model.model if report.model is not None else None
    if model is not None and model.min_tokens:
        minimum = model.min_tokens
    else:
        minimum = min((m.min_tokens or 0 for m in facts.models if m.caching == "yes"), default=0)
    return not report.wire.prefix_tokens.below(minimum)


def _diagnostic(finding: Finding, path: str, where: CodeRange, exact: bool) -> Diagnostic:
    message = finding.message
    if finding.path and not exact:
        message = f"{message} (at {finding.path})"
    return Diagnostic(
        path=path,
        line=where.start.line,
        column=where.start.column + 1,
        code=finding.code,
        message=message,
        end_line=where.end.line,
        end_column=where.end.column + 1,
        severity=finding.severity,
        fix=finding.fix,
    )


def _wire_space(code: str, site: CallSite) -> bool:
    """Whether a finding's path can only be read in the wire request: Bedrock's own rules (BC3xx)
    and prefix stability (BC4xx) judge what a library sends, and through a library such as
    LiteLLM the same path (``messages[0]``) names another element of the call's arguments."""
    return code[:3] in ("BC3", "BC4") and not wire_shaped(site.backend)


def _locate(
    where: str | None,
    site: CallSite,
    origins: Origins,
    wire: Any = None,
    in_scope: Callable[[cst.CSTNode], bool] = lambda node: True,
    wire_only: bool = False,
) -> tuple[cst.CSTNode, bool]:
    """The source node behind a path such as ``messages[0].content[1].cache_control``.

    Layer findings name a place in the layer's request; Bedrock's rules name a place in the wire
    request, which shares the objects a library passes through unchanged (a cachePoint dict, an
    InvokeModel body), so both are walked.
    """
    if not where:
        return site.node, True
    steps = path_steps(where)
    best: tuple[cst.CSTNode, bool] = (site.node, False)
    roots: list[Any] = [site.request]
    body = site.request.get("body")
    if isinstance(body, dict):
        roots.append(body)
    if wire is not None:
        roots.append(wire)
    if wire_only and wire is not None:
        roots = [wire]
    for root in roots:
        node, matched = _walk(root, steps, origins, site.node, in_scope)
        if matched == len(steps):
            return node, True
        if node is not site.node:
            best = (node, False)
    return best


def _walk(
    value: Any,
    steps: list[str | int],
    origins: Origins,
    node: cst.CSTNode,
    in_scope: Callable[[cst.CSTNode], bool],
) -> tuple[cst.CSTNode, int]:
    matched = 0
    for step in steps:
        container = value.kwargs if isinstance(value, Constructed) else value
        in_list = isinstance(container, list) and isinstance(step, int) and step < len(container)
        if in_list or (isinstance(container, dict) and step in container):
            nxt = container[step]
        else:
            break
        found = (
            origins.elements.get((id(value), step))
            or origins.elements.get((id(container), step))
            or origins.nodes.get(id(nxt))
        )
        if found is not None and not in_scope(found) and isinstance(nxt, dict | list):
            # A shared constant's literal (a cachePoint dict) serves many call sites: report the
            # use. A value given to a framework object elsewhere is the thing to change: go there.
            break
        if found is not None:
            node = found
        value = nxt
        matched += 1
    return node, matched


def _finish(
    report: FileResult, text: str, path: str, settings: Settings, noqa: bool = True
) -> FileResult:
    rules = catalogue()
    kept = [
        d
        for d in report.diagnostics
        if settings.enabled(d.code, d.severity) and not settings.ignored_in(path, d.code)
    ]
    directives = parse_noqa(text)
    if not noqa:
        directives = NoqaMap(lines={}, file=directives.file)
    kept = apply_noqa(
        kept,
        directives,
        path,
        known_codes=rules.keys(),
        enabled=lambda code: settings.enabled(code, rules[code].severity),
    )
    # A constructor shared by several call sites is reported once.
    report.diagnostics = sorted(
        {
            d
            for d in kept
            if settings.enabled(d.code, d.severity) and not settings.ignored_in(path, d.code)
        }
    )
    report.unresolved.sort()
    return report


_FACTS_CACHE: dict[str, Facts] = {}


def _facts(settings: Settings) -> Facts:
    if not settings.models:
        return default_facts()
    key = settings.key()
    if key not in _FACTS_CACHE:
        from bedrockcache.facts import load_facts

        _FACTS_CACHE[key] = load_facts(settings.models)
    return _FACTS_CACHE[key]


def _not_audited(path: str, reason: str) -> FileResult:
    return FileResult(unresolved=[Unresolved(path, 1, 1, "file", (reason,))], parsed=True)


def _over(path: str, over: OverLimit, *, parsed: bool) -> FileResult:
    entry = Unresolved(path, over.line, over.column, "file", (over.reason,))
    return FileResult(unresolved=[entry], parsed=parsed)


def _decode(data: bytes) -> str | None:
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).removeprefix("\ufeff")
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None


def _not_utf8(path: str, data: bytes) -> Diagnostic:
    try:
        data.decode("utf-8")
        offset = 0
    except UnicodeDecodeError as exc:
        offset = exc.start
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    message = f"not UTF-8 text (byte {offset}); the file was not checked"
    return Diagnostic(path, line, column, "BC004", message, line, column + 1, Severity.ERROR)


def _syntax(path: str, exc: SyntaxError) -> Diagnostic:
    line, column = exc.lineno or 1, max(exc.offset or 1, 1)
    message = f"invalid syntax: {exc.msg}; the file was not checked"
    return Diagnostic(path, line, column, "BC001", message, line, column + 1, Severity.ERROR)
