"""Fixers for Bedrock's own rules (BC1xx on the direct APIs, BC3xx): directive values and places.

These edit the directive literals a request holds, whatever layer sent it: a cachePoint's or a
cache_control's ``type`` and ``ttl``, an Anthropic-shaped ``cache_control`` in a Converse block,
a message-level ``cache_control``, and the breakpoints a request without any is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import libcst as cst

from bedrockcache.backends import Backend, wire_shaped
from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.context import FixContext, literal_string, string_key
from bedrockcache.lint.fixes.elements import insert_after, remove_at
from bedrockcache.lint.fixes.literals import (
    cache_point,
    find_key,
    keyed_dict,
    last_step,
    like_string,
    literal_directive,
    parse_element,
    quote_of,
)
from bedrockcache.suggest import suggest_breakpoints
from bedrockcache.wire import Breakpoint

__all__ = ["FIXERS", "mark_block", "move_message_directive", "split_block_directive"]

Made = tuple[str, Sequence[Edit | None]] | None
_EXPECTED_TYPE = {"cachePoint": "default", "cache_control": "ephemeral"}
_TTLS = {"5m", "1h"}


def set_type(
    finding: Finding, node: cst.CSTNode, ctx: FixContext, wanted: str | None = None
) -> Made:
    """BC309 (and LiteLLM's BC206): the one ``type`` value that kind of directive takes."""
    kind = last_step(finding.path)
    wanted = wanted or _EXPECTED_TYPE.get(kind or "")
    if wanted is None or not isinstance(node, cst.Dict) or keyed_dict(ctx, node, kind) is None:
        return None
    at = find_key(node, "type")
    if at is None:
        return None
    element = node.elements[at]
    if not isinstance(element.value, cst.SimpleString) or literal_string(element.value) is None:
        return None
    new = element.value
    fixed = like_string(new, wanted)
    return f'Set `type` to "{wanted}"', [ctx.replace(new, fixed)]


def drop_ttl(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC310 (an invalid ttl) and BC307 (a 1h point after a 5m one): the ttl key goes, and the
    entry lives the default 5 minutes."""
    kind = last_step(finding.path)
    if kind not in _EXPECTED_TYPE or not isinstance(node, cst.Dict):
        return None
    if keyed_dict(ctx, node, kind) is None:
        return None
    at = find_key(node, "ttl")
    directive = literal_directive(node)
    if at is None or directive is None:
        return None
    if finding.code == "BC307" and directive.get("ttl") != "1h":
        return None
    return "Remove the `ttl` (5 minutes)", [ctx.replace(node, remove_at(node, at))]


def split_block_directive(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """An Anthropic ``cache_control`` on a Converse-style block (BC312 on boto3 Converse, BC204
    Strands, BC230 LangChain ChatBedrockConverse): the key goes, and a cachePoint block follows
    the block, with the same ttl."""
    if last_step(finding.path) != "cache_control":
        return None
    directive = literal_directive(node)
    keyed = keyed_dict(ctx, node, "cache_control")
    if directive is None or keyed is None or set(directive) - {"type", "ttl"}:
        return None
    if directive.get("type") != "ephemeral" or directive.get("ttl", "5m") not in _TTLS:
        return None
    block, at = keyed
    if finding.code != "BC230" and find_key(block, "type") is not None:
        return None  # an Anthropic block given to Converse: more is wrong than the directive
    if find_key(block, "text") is None and find_key(block, "toolSpec") is None:
        return None  # a point may not follow every kind of block (reasoning, a non-PDF document)
    if ctx.report.breakpoint_count >= 4:
        return None  # one more point would be over Bedrock's limit
    holder = ctx.element_of(block)
    if holder is None or not isinstance(holder[0], cst.List):
        return None
    blocks, element = holder
    position = list(blocks.elements).index(element)
    ttl = directive.get("ttl")
    point = parse_element(cache_point(ttl if ttl == "1h" else None, quote_of(block)), blocks)
    emptied = blocks.deep_replace(block, remove_at(block, at))
    assert isinstance(emptied, cst.List)
    new = insert_after(emptied, position, point)
    return "Replace `cache_control` with a cachePoint block after it", [ctx.replace(blocks, new)]


def move_message_directive(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """A message-level ``cache_control`` (BC315; LiteLLM's BC201) moves onto the message's last
    content block; string content becomes one text block carrying it."""
    if last_step(finding.path) != "cache_control":
        return None
    keyed = keyed_dict(ctx, node, "cache_control")
    if keyed is None or literal_directive(node) is None:
        return None
    message, at = keyed
    content_at = find_key(message, "content")
    if content_at is None:
        return None
    content = message.elements[content_at].value
    without = remove_at(message, at)
    quote = quote_of(message)
    moved = parse_element(f"{quote}cache_control{quote}: None", message).with_changes(value=node)
    if isinstance(content, cst.List):
        if not content.elements:
            return None
        last = content.elements[-1].value
        if not isinstance(last, cst.Dict) or find_key(last, "cache_control") is not None:
            return None
        if any(isinstance(e, cst.StarredDictElement) for e in last.elements):
            return None
        marked = insert_after(last, len(last.elements) - 1, moved)
        new = without.deep_replace(last, marked)
    elif finding.code == "BC315" and isinstance(content, cst.BaseExpression):
        if isinstance(content, cst.Dict | cst.Tuple | cst.ListComp):
            return None
        text = ctx.module.code_for_node(content)
        q = quote
        block = cst.parse_expression(f"[{{{q}type{q}: {q}text{q}, {q}text{q}: None}}]")
        assert isinstance(block, cst.List)
        inner = block.elements[0].value
        assert isinstance(inner, cst.Dict)
        filled = inner.with_changes(
            elements=[inner.elements[0], inner.elements[1].with_changes(value=content)]
        )
        filled = insert_after(filled, 1, moved)
        wrapped = block.with_changes(elements=[block.elements[0].with_changes(value=filled)])
        if text.count("\n"):
            return None  # a multi-line expression would need re-indenting
        new = without.deep_replace(content, wrapped)
    else:
        return None
    return "Move `cache_control` onto the last content block", [ctx.replace(message, new)]


def add_missing(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC101/BC102 on the direct APIs: the breakpoints ``suggest_breakpoints`` places, when each
    lands on a literal block the checker can locate and the model's minimum is known to be met."""
    model = ctx.report.model
    if model is None or model.model is None or not model.model.min_tokens:
        return None  # without the model's minimum, no prefix is known to reach it
    if ctx.report.unaudited:
        return None  # part of the request is unknown: another point may already be there
    suggestion = suggest_breakpoints(ctx.site.request, backend=ctx.site.backend, facts=ctx.facts)
    if not suggestion.placements:
        return None
    converse = finding.code == "BC101"
    edits: list[Edit | None] = []
    lists: dict[cst.List, list[tuple[int, str | None]]] = {}
    for placement in suggestion.placements:
        if placement.tokens.low < model.model.min_tokens:
            return None
        located, exact = ctx.locate(placement.path)
        if not exact or located is ctx.site.node:
            return None
        ttl = placement.ttl if placement.ttl == "1h" else None
        if not converse:
            edits.append(mark_block(located, ttl, ctx))
            continue
        holder = ctx.element_of(located)
        if holder is None or not isinstance(holder[0], cst.List):
            return None
        position = list(holder[0].elements).index(holder[1])
        lists.setdefault(holder[0], []).append((position, ttl))
    for blocks, places in lists.items():
        new = blocks
        for position, ttl in sorted(places, reverse=True):
            new = insert_after(
                new, position, parse_element(cache_point(ttl, quote_of(blocks)), new)
            )
        edits.append(ctx.replace(blocks, new))
    where = ", ".join(p.path for p in suggestion.placements)
    return f"Add a cache breakpoint after {where}", edits


def mark_block(located: cst.CSTNode, ttl: str | None, ctx: FixContext) -> Edit | None:
    """``"cache_control": {"type": "ephemeral"}`` on an Anthropic block; a plain-string system
    prompt or message content becomes a one-block list carrying it."""
    q = quote_of(located)
    directive = f"{q}type{q}: {q}ephemeral{q}" + (f", {q}ttl{q}: {q}{ttl}{q}" if ttl else "")
    if isinstance(located, cst.Dict):
        if find_key(located, "cache_control") is not None:
            return None
        mark = parse_element(f"{q}cache_control{q}: {{{directive}}}", located)
        return ctx.replace(located, insert_after(located, len(located.elements) - 1, mark))
    parent = ctx.parent(located)
    key = string_key(parent) if isinstance(parent, cst.DictElement) else None
    if key is None and isinstance(parent, cst.Arg) and parent.keyword is not None:
        key = parent.keyword.value
    if key not in ("system", "content") or isinstance(located, cst.List | cst.Tuple | cst.Dict):
        return None
    text = ctx.module.code_for_node(located)
    if "\n" in text:
        return None
    block = (
        f"[{{{q}type{q}: {q}text{q}, {q}text{q}: {text}, {q}cache_control{q}: {{{directive}}}}}]"
    )
    return ctx.replace(located, cst.parse_expression(block))


def drop_extra_points(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC306: the breakpoints past Bedrock's limit go, the ones that cache the most stay.

    Every point is a candidate place where a later call may start to differ; such a call reads
    the prefix of the last kept point at or before that place. The kept set maximizes that total
    over the request's own points (``suggest_breakpoints``' measure, over the points the user
    chose), always keeps the last point that reaches the model's minimum (what an identical call
    reads), and on a tie keeps the tools and system points, which other conversations share,
    and the first point.
    """
    wire = ctx.report.wire
    limit = ctx.facts.bedrock.max_breakpoints
    if not wire_shaped(ctx.site.backend):
        return None  # a layer's wire paths may name another element of its own request
    if wire is None or ctx.report.unaudited or len(wire.breakpoints) <= limit:
        return None
    points = wire.breakpoints
    if len(points) > _MAX_POINTS_TO_CHOOSE_FROM:
        return None  # a request written with this many points is not a choice to make blindly
    kept = _most_cached(points, limit, ctx)
    if kept is None:
        return None
    dropped = [bp for n, bp in enumerate(points) if n not in kept]
    edits = _removals(dropped, ctx)
    if edits is None:
        return None
    where = ", ".join(bp.path for bp in dropped)
    plural = "s" if len(dropped) > 1 else ""
    return f"Remove the breakpoint{plural} at {where} (Bedrock allows at most {limit})", edits


_MAX_POINTS_TO_CHOOSE_FROM = 16


def _most_cached(points: Sequence[Breakpoint], limit: int, ctx: FixContext) -> set[int] | None:
    """The indices of the points to keep; None when they would not be in TTL order."""
    model = ctx.report.model.model if ctx.report.model is not None else None
    minimum = model.min_tokens if model is not None and model.min_tokens else 0

    def value(bp: Breakpoint) -> int:
        # A point that may cache nothing (nothing before it, or under the minimum) is worth 0.
        return bp.tokens.low if bp.marks is not None and bp.tokens.reaches(minimum) else 0

    values = [value(bp) for bp in points]
    useful = [n for n, v in enumerate(values) if v > 0]
    best: tuple[tuple[int, int, bool, tuple[int, ...]], set[int]] | None = None
    for chosen in combinations(range(len(points)), limit):
        if useful and useful[-1] not in chosen:
            continue
        score, current = 0, 0
        for n, v in enumerate(values):
            current = v if n in chosen else current
            score += current
        shared = sum(1 for n in chosen if points[n].section != "messages")
        # On a tie: the tools and system points, then the first point (the prefix the most
        # calls share), then the later points (they cover the most tokens).
        key = (score, shared, 0 in chosen, chosen)
        if best is None or key > best[0]:
            best = (key, set(chosen))
    if best is None or not _ttl_order_kept([points[n] for n in sorted(best[1])], ctx):
        return None  # a 1h point after a 5m one was there before: BC307's fix comes first
    return best[1]


def _ttl_order_kept(points: Sequence[Breakpoint], ctx: FixContext) -> bool:
    """No 1h point after a 5m one (Bedrock rejects it; BC307), nor an unknown TTL to judge."""
    default = ctx.facts.bedrock.default_ttl
    seen_short = False
    for bp in points:
        ttl = default if bp.ttl is None else bp.ttl
        if not isinstance(ttl, str):
            return False
        if ttl == "1h" and seen_short:
            return False
        seen_short = seen_short or ttl != "1h"
    return True


def _removals(dropped: Sequence[Breakpoint], ctx: FixContext) -> list[Edit | None] | None:
    """The edits that take the dropped points out: a cachePoint block leaves its list, a
    ``cache_control`` key leaves its block; None unless each is a literal located exactly."""
    lists: dict[cst.List, list[int]] = {}
    edits: list[Edit | None] = []
    for bp in dropped:
        kind = last_step(bp.path)
        located, exact = ctx.locate(bp.path)
        if not exact or located is ctx.site.node or kind not in _EXPECTED_TYPE:
            return None
        if literal_directive(located) is None:
            return None
        keyed = keyed_dict(ctx, located, kind)
        if keyed is None:
            return None
        block, at = keyed
        if kind == "cache_control":
            edits.append(ctx.replace(block, remove_at(block, at)))
            continue
        holder = ctx.element_of(block)
        if len(block.elements) != 1 or holder is None or not isinstance(holder[0], cst.List):
            return None
        blocks, element = holder
        lists.setdefault(blocks, []).append(list(blocks.elements).index(element))
    for blocks, positions in lists.items():
        new = blocks
        for position in sorted(positions, reverse=True):
            new = remove_at(new, position)
        if not new.elements:
            return None  # an empty content list is refused: the point was all there was
        edits.append(ctx.replace(blocks, new))
    return edits


def drop_top_level(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC314: the request-level ``cache_control`` goes (the argument, or the key of the body or
    of ``additionalModelRequestFields``; that dict too when nothing else is left in it).

    Only where the request is written as Bedrock or LiteLLM take it: in a framework the field
    sits in the framework's own pass-through setting (LangChain's ``model_kwargs``, Strands'
    ``additional_request_fields``), which that layer's rules and fixes deal with.
    """
    if not (wire_shaped(ctx.site.backend) or ctx.site.backend == Backend.LITELLM):
        return None
    if last_step(finding.path) != "cache_control" or literal_directive(node) is None:
        return None
    message = "Remove the request-level `cache_control`"
    holder = ctx.parent(node)
    call = ctx.parent(holder) if holder is not None else None
    if isinstance(holder, cst.Arg) and isinstance(call, cst.Call):
        if call is not ctx.site.node or holder.keyword is None:
            return None
        if holder.keyword.value != "cache_control" or holder.value is not node:
            return None
        at = list(call.args).index(holder)
        return message, [ctx.replace(call, remove_at(call, at, "args"))]
    keyed = keyed_dict(ctx, node, "cache_control")
    if keyed is None:
        return None
    mapping, at = keyed
    emptied = remove_at(mapping, at)
    if not emptied.elements and finding.path == "additionalModelRequestFields.cache_control":
        outer = ctx.parent(mapping)
        container = ctx.parent(outer) if outer is not None else None
        if isinstance(outer, cst.Arg) and container is ctx.site.node:
            assert isinstance(container, cst.Call)
            position = list(container.args).index(outer)
            return message, [ctx.replace(container, remove_at(container, position, "args"))]
        if isinstance(outer, cst.DictElement) and isinstance(container, cst.Dict):
            position = list(container.elements).index(outer)
            return message, [ctx.replace(container, remove_at(container, position))]
    return message, [ctx.replace(mapping, emptied)]


def add_version(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC316: the body's ``anthropic_version``, first, as Bedrock's examples write it."""
    raw = ctx.site.request.get("body")
    keys = [k for k in raw if isinstance(k, str)] if isinstance(raw, dict) else []
    if not keys or "anthropic_version" in raw:
        return None
    located, exact = ctx.locate(f"body.{keys[0]}")  # the body dict is the parent of its values
    holder = ctx.element_of(located) if exact and located is not ctx.site.node else None
    body = holder[0] if holder is not None else None
    if not isinstance(body, cst.Dict) or find_key(body, keys[0]) is None:
        return None
    if find_key(body, "anthropic_version") is not None:
        return None
    if any(isinstance(e, cst.StarredDictElement) for e in body.elements):
        return None
    q = quote_of(body)
    version = parse_element(f"{q}anthropic_version{q}: {q}bedrock-2023-05-31{q}", body)
    return 'Add "anthropic_version": "bedrock-2023-05-31"', [
        ctx.replace(body, insert_after(body, -1, version))
    ]


def drop_beta(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC313: the caching beta flags Bedrock rejects leave the list; an emptied list goes with
    its key or argument."""
    rejected = set(ctx.facts.bedrock.rejected_cache_betas)
    for path in ("betas", "anthropic_beta", "body.anthropic_beta"):
        located, exact = ctx.locate(path)
        if not exact or located is ctx.site.node or not isinstance(located, cst.List):
            continue
        flags = [
            literal_string(e.value) if isinstance(e, cst.Element) else None
            for e in located.elements
        ]
        drop = [i for i, flag in enumerate(flags) if flag in rejected]
        if not drop or None in flags:
            continue
        message = "Remove the beta flag Bedrock rejects"
        if len(drop) < len(flags):
            new = located
            for i in reversed(drop):
                new = remove_at(new, i)
            return message, [ctx.replace(located, new)]
        holder = ctx.parent(located)
        outer = ctx.parent(holder) if holder is not None else None
        if isinstance(holder, cst.DictElement) and isinstance(outer, cst.Dict):
            at = list(outer.elements).index(holder)
            return message, [ctx.replace(outer, remove_at(outer, at))]
        if isinstance(holder, cst.Arg) and isinstance(outer, cst.Call):
            at = list(outer.args).index(holder)
            return message, [ctx.replace(outer, remove_at(outer, at, "args"))]
        return None
    return None


FIXERS = {
    "BC101": add_missing,
    "BC102": add_missing,
    "BC306": drop_extra_points,
    "BC307": drop_ttl,
    "BC309": set_type,
    "BC310": drop_ttl,
    "BC312": split_block_directive,
    "BC313": drop_beta,
    "BC314": drop_top_level,
    "BC315": move_message_directive,
    "BC316": add_version,
}
