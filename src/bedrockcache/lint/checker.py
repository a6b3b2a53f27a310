"""Lint one file: find its Bedrock call sites, audit each request, place the findings in the source.

This is the unit the runner parallelises and caches, and the flake8 plugin calls; it never raises
on bad input (a file that does not decode or parse is one BC004/BC001 diagnostic).
"""

from __future__ import annotations

import ast
import dataclasses
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from bedrockcache.audit import audit
from bedrockcache.backends import wire_shaped
from bedrockcache.config import Settings
from bedrockcache.facts import Facts, default_facts
from bedrockcache.findings import Finding, Severity
from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.classes import forget as forget_classes
from bedrockcache.lint.diagnostic import Diagnostic, Related, Unresolved, internal_error
from bedrockcache.lint.discover import excluder
from bedrockcache.lint.evaluate import Evaluator, Origins
from bedrockcache.lint.fixes import FixContext, fix_finding, fixers
from bedrockcache.lint.fixes.source import ModuleSource
from bedrockcache.lint.index import ModuleIndex
from bedrockcache.lint.layers import constants, constructors, functions, layer_modules
from bedrockcache.lint.limits import OverLimit, file_too_large, tree_over_limits
from bedrockcache.lint.noqa import NoqaMap, apply_noqa, parse_noqa
from bedrockcache.lint.precision import verdict
from bedrockcache.lint.prefilter import might_have_call_site
from bedrockcache.lint.prefix import entry_node
from bedrockcache.lint.project import Project
from bedrockcache.lint.screen import calls_a_target, calls_one_of
from bedrockcache.lint.sites import CallSite, FileContext, may_be_claude
from bedrockcache.lint.source import decode_source
from bedrockcache.lint.variants import variants
from bedrockcache.lint.wrappers import wrapper_sites
from bedrockcache.objects import Constructed
from bedrockcache.rules.catalogue import catalogue
from bedrockcache.rules.stability import check_prefix
from bedrockcache.wire import WireRequest, path_steps

__all__ = ["MAX_WRAPPER_CALLER_BYTES", "ModuleParser", "check_source", "node_positions"]

# A file with no Bedrock call of its own is parsed to follow its calls into the project's
# wrappers only up to this size: libcst holds ~250 bytes of tree per byte of source, and a
# generated or vendored giant calling a wrapper is not worth that memory.
MAX_WRAPPER_CALLER_BYTES = 256_000


class ModuleParser(Protocol):
    """Parses a file's text into libcst's tree, and may know that tree's node positions: an
    editor's parser reuses what the last keystroke left unchanged."""

    def parse(self, text: str, tree: ast.Module) -> cst.Module: ...

    def positions(self, module: cst.Module) -> Mapping[cst.CSTNode, CodeRange] | None: ...


def check_source(
    source: bytes | str,
    path: str,
    settings: Settings | None = None,
    facts: Facts | None = None,
    *,
    prefilter: bool = True,
    noqa: bool = True,
    project: Project | None = None,
    fixes: bool = True,
    parser: ModuleParser | None = None,
) -> FileResult:
    """Lint one file's contents; ``path`` is what diagnostics show.

    ``noqa=False`` leaves line-level ``# noqa`` comments to the caller (flake8 applies its own);
    the file-level ``# bedrockcache: noqa`` is still honoured. Names imported from other modules
    of the project (under ``settings.root``) are followed through ``project``, one is made when
    none is given; the files read that way are the result's ``dependencies``. ``fixes=False``
    leaves out the edits (``autofix``): an editor shows the findings first and asks for the
    edits only when the user looks at a finding's fixes. ``parser`` replaces libcst's parse of
    a text that ``ast`` parsed (the fixes, when asked for, are found on the tree it returns).
    """
    settings = settings or Settings()
    data = source.encode("utf-8") if isinstance(source, str) else source
    project = project or project_for(settings)
    real = os.path.realpath(path) if os.path.isfile(path) else None
    wrappers = project.screen.wrapper_names(real, data)
    if prefilter and not might_have_call_site(data) and not wrappers:
        return FileResult()
    too_large = file_too_large(len(data), settings)
    if too_large is not None:  # before any parse: the parse is what costs the memory
        return _finish(_over(path, too_large, parsed=False), "", path, settings, noqa)
    text = decode_source(data)
    if text is None:
        return _finish(FileResult(diagnostics=[_not_utf8(path, data)]), "", path, settings, noqa)
    tree: ast.Module | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like are not ours to report
            tree = ast.parse(text)
    except SyntaxError as exc:
        # Syntax newer than the running Python (3.12 f-strings, 3.14 t-strings) is not an error:
        # libcst's parser knows every version from 3.10 to 3.14 and decides.
        module = _parse_newer(text)
        if module is None:
            return _finish(FileResult(diagnostics=[_syntax(path, exc)]), text, path, settings, noqa)
    except ValueError as exc:  # null bytes
        error = Diagnostic(path, 1, 1, "BC001", f"invalid source: {exc}", 1, 2, Severity.ERROR)
        return _finish(FileResult(diagnostics=[error]), text, path, settings, noqa)
    except (RecursionError, MemoryError):
        return _finish(_not_audited(path, "too deeply nested to parse"), text, path, settings, noqa)
    if tree is not None:
        # ast is ten times faster than libcst: most files stop here, unless they call a wrapper
        # another module of the project defines.
        if not calls_a_target(tree) and (
            len(data) > MAX_WRAPPER_CALLER_BYTES or not calls_one_of(tree, wrappers)
        ):
            return _finish(FileResult(parsed=True), text, path, settings, noqa)
        over = tree_over_limits(tree, text, settings)
        if over is not None:
            return _finish(_over(path, over, parsed=True), text, path, settings, noqa)
        try:
            if parser is not None:
                module = parser.parse(text, tree)
            else:
                del tree  # libcst's tree is ten times larger; this one is no longer needed
                module = cst.parse_module(text)
        except Exception as exc:  # valid Python (ast parsed it) that libcst cannot represent
            reason = f"libcst cannot parse this file ({type(exc).__name__}); it was not audited"
            return _finish(_not_audited(path, reason), text, path, settings, noqa)
    report = FileResult(parsed=True)
    known = parser.positions(module) if parser is not None else None
    try:
        _analyse(module, text, path, settings, facts, report, project, fixes, known)
    except RecursionError:  # within max-nesting-depth, yet too deep for this interpreter's stack
        reason = "too deeply nested to analyse (Python's recursion limit); it was not audited"
        return _finish(_not_audited(path, reason), text, path, settings, noqa)
    except Exception as exc:  # a bug of ours must not stop the run; it is reported (exit 3)
        report.unresolved.append(internal_error(path, exc))
    return _finish(report, text, path, settings, noqa)


def _analyse(
    module: cst.Module,
    text: str,
    path: str,
    settings: Settings,
    facts: Facts | None,
    report: FileResult,
    project: Project,
    fixes: bool = True,
    positions: Mapping[cst.CSTNode, CodeRange] | None = None,
) -> None:
    real = os.path.realpath(path) if os.path.isfile(path) else None
    index = ModuleIndex.build(module, real)
    project.begin(real, index)
    try:
        _analyse_module(
            index, module, text, path, settings, facts, report, project, fixes, positions
        )
    finally:
        report.dependencies = project.dependencies()
        forget_classes()


def _analyse_module(
    index: ModuleIndex,
    module: cst.Module,
    text: str,
    path: str,
    settings: Settings,
    facts: Facts | None,
    report: FileResult,
    project: Project,
    fixes: bool = True,
    known: Mapping[cst.CSTNode, CodeRange] | None = None,
) -> None:
    sites = list(_sites(index, settings.volatile_sources, project, facts or _facts(settings)))
    if sites:
        positions = known if known is not None else _positions(module, index, text, fixes)
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
                index if fixes else None,  # the index is what the fixers edit
                project,
            )
        report.call_sites = len(sites)


def project_for(settings: Settings) -> Project:
    """The project of a run's settings, shared by the files one process lints (each dependency
    is parsed once per process)."""
    key = settings.key()
    found = _PROJECTS.get(key)
    if found is None:
        found = _PROJECTS[key] = Project(settings.root, excluded=excluder(settings))
    return found


_PROJECTS: dict[str, Project] = {}


def _sites(
    index: ModuleIndex,
    volatile_sources: tuple[str, ...] = (),
    project: Project | None = None,
    facts: Facts | None = None,
) -> Iterator[tuple[FileContext, CallSite]]:
    """The module's call sites, then those reached through the project's own functions."""
    evaluator = Evaluator(
        index, constructors(), functions(), constants(), volatile_sources, project
    )
    ctx = FileContext(index, evaluator)
    for module in layer_modules():
        for site in module.find(ctx):
            yield ctx, site
    for site in wrapper_sites(ctx, facts or default_facts()):
        yield ctx, site


@dataclasses.dataclass(frozen=True)
class _Scope:
    """Whether a node lies in the function holding the call site (anywhere, at module level).

    A node of another module (a value imported from it) is never in scope, nor ``local``: its
    finding is reported, and fixed, where this file uses the value.
    """

    positions: Any
    outer: CodeRange | None

    def __call__(self, node: cst.CSTNode) -> bool:
        where = self.positions.get(node)
        if where is None:
            return False
        if self.outer is None:
            return True
        start, end = (where.start.line, where.start.column), (where.end.line, where.end.column)
        first = (self.outer.start.line, self.outer.start.column)
        return first <= start and end <= (self.outer.end.line, self.outer.end.column)

    def local(self, node: cst.CSTNode) -> bool:
        return node in self.positions


def _scope_test(ctx: FileContext, site: CallSite, positions: Any) -> _Scope:
    functions = [n for n in ctx.index.ancestors(site.node) if isinstance(n, cst.FunctionDef)]
    if not isinstance(site.node, cst.Call) or site.node not in ctx.index.statement_of:
        return _Scope(positions, None)
    return _Scope(positions, positions[functions[0]] if functions else None)


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
    project: Project | None = None,
) -> None:
    """Audit the request (each variant of it when parts are alternatives) and place findings."""
    choices = variants(site.request, origins)
    if choices is None or len(choices) == 1:
        request = choices[0][0] if choices else site.request
        one = dataclasses.replace(site, request=request)
        args = (origins, one, path, positions, in_scope, settings, facts, report, index)
        _audit_variant(*args, project=project)
        return
    found: list[tuple[tuple[str, ...], FileResult]] = []
    for request, labels in choices:
        variant = FileResult()
        one = dataclasses.replace(site, request=request)
        args = (origins, one, path, positions, in_scope, settings, facts, variant, index)
        if _audit_variant(*args, claude_only=True, project=project):
            found.append((labels, variant))
    _merge_variants(found, report)


def _merge_variants(found: list[tuple[tuple[str, ...], FileResult]], report: FileResult) -> None:
    """A finding on every variant is reported as one; on some, with the variants named."""
    every = len(found)
    seen: dict[tuple[int, int, str], list[tuple[tuple[str, ...], Diagnostic]]] = {}
    for labels, variant in found:
        for diagnostic in variant.diagnostics:
            key = (diagnostic.line, diagnostic.column, diagnostic.code)
            seen.setdefault(key, []).append((labels, diagnostic))
    for holds in seen.values():
        diagnostic = holds[0][1]
        if len(holds) < every:
            # Named, and not fixed: an edit of the shared source would change every variant.
            ways = " or ".join("; ".join(labels) for labels, _ in holds if labels)
            message = f"{diagnostic.message} (when {ways})"
            diagnostic = dataclasses.replace(diagnostic, message=message, autofix=None)
        report.diagnostics.append(diagnostic)
    unresolved = {u: None for _, variant in found for u in variant.unresolved}
    report.unresolved += list(unresolved)


def _audit_variant(
    origins: Origins,
    site: CallSite,
    path: str,
    positions: Any,
    in_scope: Callable[[cst.CSTNode], bool],
    settings: Settings,
    facts: Facts | None,
    report: FileResult,
    index: ModuleIndex | None = None,
    *,
    claude_only: bool = False,
    project: Project | None = None,
) -> bool:
    """Audit one concrete request into ``report``; False when it is not Claude's at all.

    The layers leave out call sites whose model is not Claude (or, like Strands' ``"auto"``
    strategy, report what that model loses); ``claude_only`` does the same for a variant whose
    model is one of several alternatives."""
    start = positions[site.node].start
    reasons = [f"arguments hidden in {hidden}" for hidden in site.hidden]
    try:
        audited = audit(site.request, site.backend, facts=facts or _facts(settings))
    except Exception as exc:  # a request the auditor rejects outright is not audited, not a crash
        reasons.append(f"could not audit: {exc}")
        report.unresolved.append(
            Unresolved(path, start.line, start.column + 1, site.kind, tuple(reasons))
        )
        return True
    model_id = audited.wire.model_id if audited.wire is not None else None
    if claude_only and isinstance(model_id, str) and not may_be_claude(model_id):
        return False
    judged = verdict(audited, facts or _facts(settings))
    reasons += [r for r in judged.reasons if r not in site.inherited_reasons]
    if site.inherited:  # a wrapper's own findings are reported inside it, not at each caller
        judged.reported = [f for f in judged.reported if (f.code, f.path) not in site.inherited]
    for finding in judged.reported:
        if finding.code == "BC306" and (turns := _loop_turns(site, origins)):
            message = f"{finding.message}, after {turns} turns of the loop that adds them"
            finding = dataclasses.replace(finding, message=message)
        raw = audited.wire.raw if audited.wire is not None else None
        wire_only = _wire_space(finding.code, site)
        foreign: list[cst.CSTNode] = []
        node, exact = _locate(finding.path, site, origins, raw, in_scope, wire_only, foreign)
        where = positions.get(node) or positions[site.node]
        diagnostic = _diagnostic(finding, path, where, exact)
        related = _related(foreign, site, path, positions, project)
        if related:
            diagnostic = dataclasses.replace(diagnostic, related=related)
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
            audited.wire, site, origins, positions, in_scope, path, fixing, project
        )
    if reasons:
        report.unresolved.append(
            Unresolved(path, start.line, start.column + 1, site.kind, tuple(reasons))
        )
    return True


def _loop_turns(site: CallSite, origins: Origins) -> int:
    """The turns a list of the request was followed through in a loop (0: none)."""
    values = site.request.values() if isinstance(site.request, dict) else ()
    return max((origins.turns.get(id(v), 0) for v in values if isinstance(v, list)), default=0)


def _prefix_diagnostics(
    wire: WireRequest,
    site: CallSite,
    origins: Origins,
    positions: Any,
    in_scope: Callable[[cst.CSTNode], bool],
    path: str,
    fixing: FixContext | None = None,
    project: Project | None = None,
) -> list[Diagnostic]:
    """BC4xx: changing values before a breakpoint, each reported where it enters the request.

    A fix edits the mark's own node (where the order is made), not the element it enters.
    """

    def line_of(node: object) -> int | None:
        where = positions.get(node) if node is not None else None
        return where.start.line if where is not None else None

    found = []
    for item in check_prefix(wire, line_of):
        if (item.finding.code, item.finding.path) in site.inherited:
            continue  # the wrapper's own prefix reports it
        node = entry_node(site.request, item.mark, origins, in_scope)
        exact = node is not None
        foreign: list[cst.CSTNode] = []
        if node is None:
            wire_only = _wire_space(item.finding.code, site)
            node, exact = _locate(
                item.finding.path, site, origins, wire.raw, in_scope, wire_only, foreign
            )
        where = positions.get(node) or positions[site.node]
        diagnostic = _diagnostic(item.finding, path, where, exact)
        related = _related(foreign, site, path, positions, project)
        if related:
            diagnostic = dataclasses.replace(diagnostic, related=related)
        made = item.mark.node
        if fixing is not None and isinstance(made, cst.CSTNode) and made in positions:
            autofix = fix_finding(item.finding, made, True, fixing)
            diagnostic = dataclasses.replace(diagnostic, autofix=autofix)
        found.append(diagnostic)
    return found


def _related(
    foreign: list[cst.CSTNode],
    site: CallSite,
    path: str,
    positions: Mapping[cst.CSTNode, CodeRange],
    project: Project | None,
) -> tuple[Related, ...]:
    """The other places a finding concerns: the definition of a value of another module that
    the finding is about, and the Bedrock call inside the wrapper a caller's finding goes to."""
    found = []
    if foreign:
        place = _place(foreign[-1], path, positions, project)
        if place is not None:
            found.append(Related(*place, "the value is defined here"))
    if site.sent_at is not None:
        place = _place(site.sent_at, path, positions, project)
        if place is not None:
            found.append(Related(*place, "the request is sent to Bedrock here"))
    return tuple(found)


def _place(
    node: cst.CSTNode,
    path: str,
    positions: Mapping[cst.CSTNode, CodeRange],
    project: Project | None,
) -> tuple[str, int, int, int, int] | None:
    """(absolute path, line, column, end line, end column) of a node of this file or of a
    module read for it."""
    where = positions.get(node)
    if where is not None:
        return _span(os.path.abspath(path), where)
    for index in project.modules_read() if project is not None else ():
        if index.path is None:
            continue
        where = _modulenode_positions(index.module).get(node)
        if where is not None:
            return _span(index.path, where)
    return None


def _span(path: str, where: CodeRange) -> tuple[str, int, int, int, int]:
    start, end = where.start, where.end
    return path, start.line, start.column + 1, end.line, end.column + 1


# Positions of the dependency modules a finding pointed into, for the next files (and the next
# keystrokes of an editor): a module keeps its tree while its file is unchanged.
_MODULE_POSITIONS: OrderedDict[int, tuple[cst.Module, Mapping[cst.CSTNode, CodeRange]]] = (
    OrderedDict()
)
_MAX_MODULE_POSITIONS = 4


def _modulenode_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    known = _MODULE_POSITIONS.get(id(module))
    if known is not None and known[0] is module:
        _MODULE_POSITIONS.move_to_end(id(module))
        return known[1]
    found = node_positions(module)
    _MODULE_POSITIONS[id(module)] = (module, found)
    while len(_MODULE_POSITIONS) > _MAX_MODULE_POSITIONS:
        _MODULE_POSITIONS.popitem(last=False)
    return found


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
    foreign: list[cst.CSTNode] | None = None,
) -> tuple[cst.CSTNode, bool]:
    """The source node behind a path such as ``messages[0].content[1].cache_control``.

    Layer findings name a place in the layer's request; Bedrock's rules name a place in the wire
    request, which shares the objects a library passes through unchanged (a cachePoint dict, an
    InvokeModel body), so both are walked. The nodes of other modules met on the way (an
    imported constant) are added to ``foreign``, the deepest last.
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
        met: list[cst.CSTNode] = []
        node, matched = _walk(root, steps, origins, site.node, in_scope, met)
        if foreign is not None and met and not foreign:
            foreign += met
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
    met: list[cst.CSTNode] | None = None,
) -> tuple[cst.CSTNode, int]:
    matched = 0
    foreign = False  # the last node seen was made in another module
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
        if found is not None and isinstance(in_scope, _Scope) and not in_scope.local(found):
            # Made in another module (a wrapper's parameter, an imported constant): never the
            # place to report; an argument deeper down may be this file's own literal.
            foreign = True
            if met is not None:
                met.append(found)
            value = nxt
            matched += 1
            continue
        if found is not None and not in_scope(found) and isinstance(nxt, dict | list):
            # A shared constant's literal (a cachePoint dict) serves many call sites: report the
            # use. A value given to a framework object elsewhere is the thing to change: go there.
            break
        if found is not None:
            node, foreign = found, False
            if met is not None:
                met.clear()  # this file's own node is the place: nothing defined elsewhere
        value = nxt
        matched += 1
    if foreign:
        matched = min(matched, len(steps) - 1)  # the place itself is in another module
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


# Up to this many statements, positions come from the printing pass that fixes share (parents and
# spans kept for every node): an editor-sized file is printed once. A larger file gets positions
# alone, and only the fixes it needs pay for the rest (its memory grows with each node).
_SHARED_PRINT_STATEMENTS = 2_000


def _positions(
    module: cst.Module, index: ModuleIndex, text: str, fixes: bool
) -> Mapping[cst.CSTNode, CodeRange]:
    """Node positions, printed together with what the fixes need when they will be asked for."""
    if fixes and len(index.names_in) <= _SHARED_PRINT_STATEMENTS:
        try:
            return ModuleSource.of(module, index.memo).positions()
        except AttributeError:  # a libcst whose printing state differs: its provider below
            pass
    positions = node_positions(module)
    if fixes:
        ModuleSource.partial(module, text, positions, index.memo)  # fixes print what they touch
    return positions


def node_positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """libcst's syntactic positions of every node: its one printing pass, without the metadata
    wrapper's extra visit of the module (half the cost, and positions cost more than the
    parse)."""
    provider = PositionProvider()
    try:
        provider._gen_impl(module)
        return provider._computed
    except AttributeError:  # a libcst whose provider works otherwise
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)


def _parse_newer(text: str) -> cst.Module | None:
    """The module when it is valid Python of a version newer than the running one."""
    try:
        return cst.parse_module(text)
    except Exception:  # its syntax error is the one ast reported
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
