"""Fixers for LiteLLM's rules: directives LiteLLM drops because of where or how they are written."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from bedrockcache.audit import audit
from bedrockcache.findings import Finding, Severity
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.bedrock import mark_block, move_message_directive, set_type
from bedrockcache.lint.fixes.context import FixContext
from bedrockcache.lint.fixes.elements import insert_after, remove_at
from bedrockcache.lint.fixes.literals import find_key, keyed_dict, last_step, literal_directive
from bedrockcache.rules.litellm import MISSING
from bedrockcache.suggest import suggest_breakpoints

__all__ = ["FIXERS"]

Made = tuple[str, Sequence[Edit | None]] | None


def lift_from_function(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC202: ``cache_control`` inside ``tool["function"]`` moves to the tool's top level."""
    if last_step(finding.path) != "cache_control" or literal_directive(node) is None:
        return None
    keyed = keyed_dict(ctx, node, "cache_control")
    if keyed is None:
        return None
    function, at = keyed
    outer = keyed_dict(ctx, function, "function")
    if outer is None:
        return None
    tool, _ = outer
    if find_key(tool, "cache_control") is not None or find_key(tool, "function") is None:
        return None
    moved = function.elements[at].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    without = tool.deep_replace(function, remove_at(function, at))
    assert isinstance(without, cst.Dict)
    new = insert_after(without, len(without.elements) - 1, moved)
    return "Move `cache_control` to the top level of the tool", [ctx.replace(tool, new)]


@dataclass(frozen=True)
class _Spot:
    """A place in the ``completion()`` arguments that can carry a mark: a message's string
    content (``block`` None), one of its content blocks, or a tool (``message`` None)."""

    message: int | None
    block: int | None = None
    tool: int | None = None

    @property
    def path(self) -> str:
        if self.tool is not None:
            return f"tools[{self.tool}]"
        if self.block is None:
            return f"messages[{self.message}].content"
        return f"messages[{self.message}].content[{self.block}]"


def add_suggested(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC103: ``cache_control`` where ``suggest_breakpoints`` places the points, written the way
    LiteLLM reads it: a string content becomes one text block carrying the mark (read on every
    route, and still read if the content later grows into a list), a content block or a tool
    gets the key.

    The suggestion's paths are in the Bedrock request LiteLLM sends (``system[0]``,
    ``toolConfig.tools[1]``, ``messages[0].content[2]``), which merges, reorders and rewrites
    the OpenAI messages. Rather than re-derive that, each place in the arguments that could take
    a mark is tried through the LiteLLM translation, and kept only if its mark lands right after
    the suggested block; the marked request is then audited again as a whole.
    """
    request = ctx.site.request
    model = ctx.report.model
    if model is None or model.model is None or not model.model.min_tokens:
        return None  # without the model's minimum, no prefix is known to reach it
    if ctx.report.unaudited or ctx.site.hidden or "cache_control_injection_points" in request:
        return None
    suggestion = suggest_breakpoints(request, backend=ctx.site.backend, facts=ctx.facts)
    if not suggestion.placements:
        return None
    if any(p.tokens.low < model.model.min_tokens for p in suggestion.placements):
        return None
    landing = _landings(request, ctx)
    chosen: dict[_Spot, str | None] = {}
    for placement in suggestion.placements:
        spots = [spot for spot, path in landing.items() if path == placement.path]
        if len(spots) != 1:
            return None
        chosen[spots[0]] = placement.ttl if placement.ttl == "1h" else None
    if not _audits_clean(request, chosen, {p.path for p in suggestion.placements}, ctx):
        return None
    edits: list[Edit | None] = []
    nodes: set[cst.CSTNode] = set()
    for spot, ttl in chosen.items():
        located = _locate_spot(spot, ctx)
        if located is None or located in nodes:
            return None
        nodes.add(located)
        edits.append(mark_block(located, ttl, ctx))
    where = ", ".join(spot.path for spot in chosen)
    return f"Add `cache_control` to {where}", edits


def _locate_spot(spot: _Spot, ctx: FixContext) -> cst.CSTNode | None:
    """The literal to edit for a spot, written in the function of the call (a module constant
    serves other calls too). A tool is reached through its ``function`` dict, so that a tool
    bound to a local name is found at its literal, not at the name."""
    if spot.tool is not None:
        located, exact = ctx.locate(f"{spot.path}.function")
        keyed = keyed_dict(ctx, located, "function") if exact else None
        if keyed is None:
            return None
        located = keyed[0]
    else:
        located, exact = ctx.locate(spot.path)
        if not exact:
            return None
    if located is ctx.site.node or ctx.function_of(located) is not ctx.function_of(ctx.site.node):
        return None
    return located


def _landings(request: Mapping[str, Any], ctx: FixContext) -> dict[_Spot, str]:
    """For each place that could take a mark, the Bedrock block its mark follows on the wire."""
    spots: list[_Spot] = []
    messages = request.get("messages")
    for i, message in enumerate(messages if isinstance(messages, list) else ()):
        if not isinstance(message, dict) or message.get("cache_control") is not None:
            continue
        content = message.get("content")
        if isinstance(content, str) and message.get("role") in ("system", "user"):
            spots.append(_Spot(i))
        elif isinstance(content, list):
            spots += [
                _Spot(i, j)
                for j, block in enumerate(content)
                if isinstance(block, dict)
                and block.get("type") == "text"
                and block.get("cache_control") is None
            ]
    tools = request.get("tools")
    for i, tool in enumerate(tools if isinstance(tools, list) else ()):
        if isinstance(tool, dict) and "cache_control" not in tool:
            spots.append(_Spot(None, tool=i))
    found: dict[_Spot, str] = {}
    for spot in spots:
        report = audit(_marked(request, {spot: None}), ctx.site.backend, facts=ctx.facts)
        wire = report.wire
        if wire is not None and len(wire.breakpoints) == 1:
            marks = wire.breakpoints[0].marks
            if marks is not None:
                found[spot] = marks.path
    return found


def _audits_clean(
    request: Mapping[str, Any], chosen: dict[_Spot, str | None], wanted: set[str], ctx: FixContext
) -> bool:
    """The marked request has exactly the suggested points, and no error it did not have."""
    report = audit(_marked(request, chosen), ctx.site.backend, facts=ctx.facts)
    wire = report.wire
    if wire is None or report.unaudited:
        return False
    landed = [bp.marks.path for bp in wire.breakpoints if bp.marks is not None]
    if len(landed) != len(wire.breakpoints) or set(landed) != wanted or len(landed) != len(wanted):
        return False
    before = set(ctx.report.codes)
    return (
        not any(f.severity is Severity.ERROR and f.code not in before for f in report.findings)
        and MISSING.code not in report.codes
    )


def _marked(request: Mapping[str, Any], chosen: dict[_Spot, str | None]) -> dict[str, Any]:
    """A copy of the arguments with a mark at each spot (the values are not changed)."""
    new = dict(request)
    messages = list(request.get("messages") or ())
    tools = list(request.get("tools") or ())
    for spot, ttl in chosen.items():
        mark = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
        if spot.tool is not None:
            tools[spot.tool] = {**tools[spot.tool], "cache_control": mark}
            continue
        assert spot.message is not None
        message = dict(messages[spot.message])
        content = message["content"]
        if spot.block is None:
            message["content"] = [{"type": "text", "text": content, "cache_control": mark}]
        else:
            blocks = list(content)
            blocks[spot.block] = {**blocks[spot.block], "cache_control": mark}
            message["content"] = blocks
        messages[spot.message] = message
    new["messages"] = messages
    if tools:
        new["tools"] = tools
    return new


FIXERS = {
    "BC103": add_suggested,
    "BC201": move_message_directive,
    "BC202": lift_from_function,
    "BC206": set_type,
}
