"""Fixers for pydantic-ai's rules: cache settings BedrockConverseModel never reads become the
``bedrock_cache_*`` settings it does read, and an agent without any gets one.

Each fix is checked before it is offered: the request is audited again with the edited settings,
and the fix is dropped unless its finding is gone and nothing new is reported (BC223, BC226, a
breakpoint below the minimum, a volatile value before a new breakpoint). pydantic-ai's settings
merge across the model, the agent and the run, so only the audit knows what an edit does.

Settings are edited only where one request uses them: a literal written as the argument of the
agent, its run or its model (or bound to a name used once). A settings object several agents
share would change for all of them, and the audit sees only one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import libcst as cst

from bedrockcache.audit import AuditReport, audit
from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.context import FixContext, string_key
from bedrockcache.lint.fixes.elements import (
    append_argument,
    insert_after,
    keyword_argument,
    remove_at,
)
from bedrockcache.lint.fixes.literals import (
    find_key,
    last_step,
    like_string,
    literal_directive,
    parse_element,
    quote_of,
)
from bedrockcache.objects import Constructed, class_name, fields_of
from bedrockcache.rules.stability import check_prefix

__all__ = ["FIXERS"]

Made = tuple[str, Sequence[Edit | None]] | None
Fields = dict[str, Any]

_PROVIDER_KEYS = {
    # Other providers' settings with the same values (True, "5m", "1h") and the same place:
    # AnthropicModelSettings and OpenRouterModelSettings in pydantic-ai-slim 2.68.0.
    f"{provider}_cache_{kind}": f"bedrock_cache_{kind}"
    for provider in ("anthropic", "openrouter")
    for kind in ("instructions", "tool_definitions", "messages")
}
_EXTRA_BODY_KEYS = ("extra_body", "bedrock_extra")
_SETTINGS_CLASSES = ("BedrockModelSettings", "ModelSettings")
_MODEL_CLASS = "BedrockConverseModel"
_RUNS = frozenset({"run", "run_sync", "run_stream", "run_stream_events", "iter", "override"})
_SOURCES = ("model_settings", "run_model_settings", "model.settings")


# ---- BC224 ---------------------------------------------------------------------------------


def rename_setting(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC224: another provider's cache setting becomes Bedrock's with the same meaning
    (``anthropic_cache_instructions`` -> ``bedrock_cache_instructions``); a made-up name has no
    equivalent to guess."""
    key = last_step(finding.path)
    wanted = _PROVIDER_KEYS.get(key or "")
    place = _setting(ctx, finding, node)
    if wanted is None or place is None or not _bedrock_only(ctx):
        return None
    holder, at, source = place
    if _index(holder, wanted) is not None or not _writable(holder):
        return None

    def renamed(fields: Fields) -> Fields:
        return {(wanted if k == key else k): v for k, v in fields.items()}

    if not _clean_after(ctx, finding, source, renamed):
        return None
    if isinstance(holder, cst.Dict):
        old = holder.elements[at].key
        if not isinstance(old, cst.SimpleString):
            return None
        edit = ctx.replace(old, like_string(old, wanted))
    else:
        keyword = holder.args[at].keyword
        if keyword is None:
            return None
        edit = ctx.replace(keyword, cst.Name(wanted))
    return f"Rename `{key}` to `{wanted}`", [edit]


# ---- BC220 ---------------------------------------------------------------------------------


def from_extra_body(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC220: ``extra_body={"cache_control": {...}}`` becomes ``bedrock_cache_messages``.

    A top-level ``cache_control`` is Anthropic's automatic caching: one breakpoint on the last
    block, which pydantic-ai's own unified ``cache`` setting maps to ``anthropic_cache`` or
    ``anthropic_cache_messages`` and, on Bedrock, to ``bedrock_cache_messages``. Directives
    inside ``system``/``tools``/``messages`` blocks written in ``extra_body`` get no fix: the
    blocks themselves are not sent either, and moving them is a choice.
    """
    key = last_step(finding.path)
    place = _setting(ctx, finding, node)
    if key not in _EXTRA_BODY_KEYS or place is None or not isinstance(node, cst.Dict):
        return None
    if not _bedrock_only(ctx):
        return None
    holder, at, source = place
    inner = find_key(node, "cache_control")
    if inner is None or not _writable(holder):
        return None
    directive = literal_directive(node.elements[inner].value)
    if directive is None or set(directive) - {"type", "ttl"}:
        return None
    if directive.get("type") != "ephemeral" or directive.get("ttl", "5m") not in ("5m", "1h"):
        return None
    wanted = "bedrock_cache_messages"
    if _index(holder, wanted) is not None:
        return None
    ttl = directive.get("ttl")
    value: object = ttl if ttl is not None else True
    emptied = len(node.elements) == 1

    def moved(fields: Fields) -> Fields:
        out = dict(fields)
        rest = {k: v for k, v in fields_of(out[key]).items() if k != "cache_control"}
        if emptied:
            del out[key]
        else:
            out[key] = rest
        out[wanted] = value
        return out

    if not isinstance(fields_of_source(ctx, source).get(key), Mapping):
        return None
    if not _clean_after(ctx, finding, source, moved):
        return None
    source_value = repr(value) if ttl is None else f"{quote_of(holder)}{ttl}{quote_of(holder)}"
    if emptied:
        new = _replace_setting(holder, at, wanted, source_value)
    else:
        kept = holder.deep_replace(node, remove_at(node, inner))
        new = _add_setting(kept, at, wanted, source_value)
    if new is None:
        return None
    what = f"`{key}`" if emptied else f"`cache_control` in `{key}`"
    return f"Replace {what} with `{wanted}={source_value}`", [ctx.replace(holder, new)]


# ---- BC105 ---------------------------------------------------------------------------------


def add_cache_settings(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC105: ``bedrock_cache_instructions=True`` in the agent's model settings.

    Only for a Claude model that caches, a request the audit sees whole, and settings with no
    cache key at all (a wrong one has its own finding and fix); the point must reach the model's
    minimum by the low token estimate, so it is known to cache something. Bedrock's prefix runs
    tools, system, messages, so this point caches the tool definitions too; a separate
    ``bedrock_cache_tool_definitions`` point is not added, since a tool's definition (a
    function, a Tool) is never visible in the source and its point could not be shown to reach
    the minimum.
    """
    call = ctx.site.node
    if (
        finding.path
        or not isinstance(call, cst.Call)
        or not ctx.site.kind.startswith("pydantic-ai Agent")
    ):
        return None
    minimum = _claude_minimum(ctx)
    if minimum is None or ctx.report.unaudited or ctx.site.hidden:
        return None
    if any(arg.star for arg in call.args) or _cache_keys_anywhere(ctx):
        return None
    key = "bedrock_cache_instructions"

    def with_added(fields: Fields) -> Fields:
        return {**fields, key: True}

    if not _clean_after(ctx, finding, "model_settings", with_added, minimum):
        return None
    words = f"{key}=True"
    argument = _argument(call, "model_settings")
    if argument is None:
        imported = ctx.imported("pydantic_ai.models.bedrock", "BedrockModelSettings")
        if imported is None:
            return None
        name, imports = imported
        arg = keyword_argument("model_settings", f"{name}({words})")
        new = append_argument(call, arg) if call.args else call.with_changes(args=[arg])
        if new is None:
            return None
        return f"Add `model_settings={name}({words})`", [ctx.replace(call, new), *imports]
    located, exact = ctx.locate("model_settings")
    if exact and isinstance(located, cst.Name):
        located = _literal_behind(ctx, "model_settings") or call
    if not exact or located is call or not _one_use(ctx, located):
        return None
    holder = located
    if not (isinstance(holder, cst.Dict) or _settings_call(ctx, holder)) or not _writable(holder):
        return None
    new = _add_setting(holder, _size(holder) - 1, key, "True")
    return f"Add `{words}` to the model settings", [ctx.replace(holder, new)]


# ---- where a setting is written ------------------------------------------------------------


def _setting(
    ctx: FixContext, finding: Finding, node: cst.CSTNode
) -> tuple[cst.Dict | cst.Call, int, str] | None:
    """(the settings literal, the key's index in it, its source in the request) for the value
    ``node`` of the finding's key, when that literal serves this request alone."""
    key = last_step(finding.path)
    source = (finding.path or "").rpartition(".")[0]
    if key is None or source not in _SOURCES:
        return None
    parent = ctx.parent(node)
    holder = ctx.parent(parent) if parent is not None else None
    if isinstance(parent, cst.DictElement) and isinstance(holder, cst.Dict):
        if string_key(parent) != key:
            return None
    elif isinstance(parent, cst.Arg) and isinstance(holder, cst.Call):
        if parent.keyword is None or parent.keyword.value != key or not _settings_call(ctx, holder):
            return None
    else:
        return None
    at = _index(holder, key)
    if at is None or not _one_use(ctx, holder):
        return None
    return holder, at, source


def _literal_behind(ctx: FixContext, source: str) -> cst.CSTNode | None:
    """The settings literal a name passed as ``source`` stands for, as the linter resolved it:
    the literal holding the node of one of its keys."""
    keys = [k for k in fields_of_source(ctx, source) if isinstance(k, str)]
    if not keys:
        return None
    inner, exact = ctx.locate(f"{source}.{keys[0]}")
    parent = ctx.parent(inner) if exact else None
    if isinstance(parent, cst.DictElement | cst.Arg):
        return ctx.parent(parent)
    return None


def _settings_call(ctx: FixContext, node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call):
        return False
    name = ctx.index.qualified(node.func) or ""
    return name.startswith("pydantic_ai.") and name.rsplit(".", 1)[-1] in _SETTINGS_CLASSES


def _one_use(ctx: FixContext, literal: cst.CSTNode, depth: int = 0) -> bool:
    """Whether ``literal`` reaches one request only: an argument of the site's call, of a run,
    or of a model given in place; or bound to a name read once, where such an argument is."""
    if depth > 4:
        return False
    if literal is ctx.site.node:
        return True
    parent = ctx.parent(literal)
    if isinstance(parent, cst.Arg) and parent.value is literal:
        call = ctx.parent(parent)
        if not isinstance(call, cst.Call):
            return False
        if call is ctx.site.node:
            return True
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _RUNS:
            return True
        name = ctx.index.qualified(func) or ""
        if name.startswith("pydantic_ai.") and name.endswith(_MODEL_CLASS):
            return _one_use(ctx, call, depth + 1)
        return False
    target: cst.BaseExpression | None = None
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
        target = parent.targets[0].target
    elif isinstance(parent, cst.AnnAssign) and parent.value is literal:
        target = parent.target
    if isinstance(target, cst.Name):
        name = target.value
        named = ctx.per_module(("names", name), lambda: _names(ctx.module, name))
        uses = [n for n in named if n is not target]
        return len(uses) == 1 and _one_use(ctx, uses[0], depth + 1)
    return False


def _names(module: cst.Module, name: str) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Find(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value == name:
                found.append(node)

    module.visit(_Find())
    return found


def _bedrock_only(ctx: FixContext) -> bool:
    """The request's model is a Bedrock one the file names, and no run swaps it: settings an
    Anthropic model would read must not be renamed under it."""
    model = ctx.site.request.get("model")
    if not (isinstance(model, str) or class_name(model) == _MODEL_CLASS):
        return False
    return not any(_swaps_model(call) for call in ctx.index.calls)


def _swaps_model(call: cst.Call) -> bool:
    func = call.func
    named = isinstance(func, cst.Attribute) and func.attr.value in _RUNS
    return named and any(a.keyword is not None and a.keyword.value == "model" for a in call.args)


def _claude_minimum(ctx: FixContext) -> int | None:
    """The minimum prefix of a Claude model that caches on Bedrock; None for anything else."""
    ref = ctx.report.model
    model = ref.model if ref is not None else None
    if model is None or model.caching != "yes" or not model.min_tokens:
        return None
    if not any("anthropic.claude" in i for i in model.ids):
        return None
    return model.min_tokens


def _cache_keys_anywhere(ctx: FixContext) -> bool:
    """A cache key (right, wrong or unified) in any settings: another finding's business."""
    for source in _SOURCES:
        fields = fields_of_source(ctx, source)
        if any("cache" in str(k).lower() or k in _EXTRA_BODY_KEYS for k in fields):
            return True
    return False


# ---- literal edits -------------------------------------------------------------------------


def _index(holder: cst.Dict | cst.Call, key: str) -> int | None:
    if isinstance(holder, cst.Dict):
        return find_key(holder, key)
    found = None
    for i, arg in enumerate(holder.args):
        if arg.keyword is not None and arg.keyword.value == key:
            found = i
    return found


def _writable(holder: cst.CSTNode) -> bool:
    """Plain keys only: a ``**spread`` may hold any key, a positional argument is a dict too."""
    if isinstance(holder, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and string_key(e) is not None for e in holder.elements
        )
    if isinstance(holder, cst.Call):
        return all(a.keyword is not None and not a.star for a in holder.args)
    return False


def _size(holder: cst.Dict | cst.Call) -> int:
    return len(holder.elements) if isinstance(holder, cst.Dict) else len(holder.args)


def _add_setting(holder: Any, at: int, key: str, value: str) -> Any:
    """``holder`` with ``key: value`` (a dict) or ``key=value`` (a call) after position ``at``."""
    if isinstance(holder, cst.Dict):
        q = quote_of(holder)
        return insert_after(holder, at, parse_element(f"{q}{key}{q}: {value}", holder))
    arg = keyword_argument(key, value)
    args = list(holder.args)
    if not args:
        return holder.with_changes(args=[arg])
    if at == len(args) - 1:
        return append_argument(holder, arg)
    current = args[at]
    comma = current.comma
    if isinstance(comma, cst.Comma):
        after = comma.whitespace_after
        if isinstance(after, cst.ParenthesizedWhitespace):
            first = after.first_line.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
            after = after.with_changes(first_line=first, empty_lines=[])
        comma = comma.with_changes(whitespace_after=after)
    args.insert(at + 1, arg.with_changes(comma=comma))
    return holder.with_changes(args=args)


def _replace_setting(holder: Any, at: int, key: str, value: str) -> Any:
    """``holder`` with the setting at ``at`` replaced by ``key``/``value``, in its place."""
    if isinstance(holder, cst.Dict):
        old = holder.elements[at]
        if not isinstance(old.key, cst.SimpleString):
            return None
        new = old.with_changes(
            key=like_string(old.key, key), value=cst.parse_expression(value), comma=old.comma
        )
        return holder.deep_replace(old, new)
    old_arg = holder.args[at]
    new_arg = old_arg.with_changes(keyword=cst.Name(key), value=cst.parse_expression(value))
    return holder.deep_replace(old_arg, new_arg)


def _argument(call: cst.Call, keyword: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    return None


# ---- the audit after the edit --------------------------------------------------------------


def fields_of_source(ctx: FixContext, source: str) -> Mapping[str, Any]:
    """The settings one source of the request holds (empty when absent or unreadable)."""
    value = _source_value(ctx.site.request, source)
    fields = fields_of(value) if value is not None else None
    return fields if isinstance(fields, Mapping) else {}


def _source_value(request: Mapping[str, Any], source: str) -> object:
    if source == "model.settings":
        model = request.get("model")
        fields = fields_of(model) if isinstance(model, Mapping | Constructed) else None
        return fields.get("settings") if fields is not None else None
    return request.get(source)


def _with_source(
    request: Mapping[str, Any], source: str, change: Callable[[Fields], Fields]
) -> dict[str, Any] | None:
    """A copy of the request whose settings at ``source`` are ``change``d (a missing source
    starts empty)."""
    copy = dict(request)
    old = _source_value(request, source)
    fields = fields_of(old) if old is not None else {}
    if fields is None or (old is not None and not isinstance(old, Mapping | Constructed)):
        return None
    new_fields = change(dict(fields))
    if isinstance(old, Constructed):
        new: object = Constructed(old.name, new_fields, old.args)
    elif isinstance(old, Mapping) and "__class__" in old:
        new = {"__class__": old["__class__"], **new_fields}
    else:
        new = new_fields
    if source != "model.settings":
        copy[source] = new
        return copy
    model = request.get("model")
    if isinstance(model, Constructed):
        copy["model"] = Constructed(model.name, {**model.kwargs, "settings": new}, model.args)
    elif isinstance(model, Mapping):
        copy["model"] = {**model, "settings": new}
    else:
        return None
    return copy


def _clean_after(
    ctx: FixContext,
    finding: Finding,
    source: str,
    change: Callable[[Fields], Fields],
    minimum: int | None = None,
) -> bool:
    """Whether the request with the edit no longer has the finding and has nothing new: no other
    finding, no unknown part, no changing value before a breakpoint; with ``minimum``, every
    breakpoint reaches it by the low token estimate."""
    request = _with_source(ctx.site.request, source, change)
    if request is None:
        return False
    try:
        after = audit(request, ctx.site.backend, facts=ctx.facts)
    except Exception:
        return False
    before = _found(ctx.report)
    now = _found(after)
    spot = (finding.code, finding.path, finding.severity, finding.outcome)
    if now[spot] >= before[spot] or now - before:
        return False
    if set(after.unaudited) - set(ctx.report.unaudited) or after.wire is None:
        return False
    if minimum is None:
        return True
    points = after.wire.breakpoints
    return bool(points) and all(b.tokens.reaches(minimum) for b in points)


def _found(report: AuditReport) -> Counter[tuple[object, ...]]:
    """Findings by code, place and effect: BC301 is a warning while no directive is sent and a
    rejection once one is, so the code alone would hide a fix that makes the call fail."""
    findings = list(report.findings)
    if report.wire is not None:
        findings += [p.finding for p in check_prefix(report.wire)]
    return Counter((f.code, f.path, f.severity, f.outcome) for f in findings)


FIXERS = {
    "BC105": add_cache_settings,
    "BC220": from_extra_body,
    "BC224": rename_setting,
}
