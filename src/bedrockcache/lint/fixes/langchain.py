"""Fixers for LangChain's ChatBedrockConverse: Anthropic ``cache_control`` becomes a cachePoint."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.bedrock import split_block_directive
from bedrockcache.lint.fixes.context import FixContext
from bedrockcache.lint.fixes.elements import append_argument, keyword_argument
from bedrockcache.lint.fixes.literals import cache_point, keyed_dict, last_step, literal_directive

__all__ = ["FIXERS"]

Made = tuple[str, Sequence[Edit | None]] | None


def standalone_to_cache_point(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC231: a content dict holding only ``cache_control`` becomes the cachePoint block
    ``ChatBedrockConverse.create_cache_point()`` returns, with the same ttl."""
    directive = literal_directive(node)
    keyed = keyed_dict(ctx, node, "cache_control")
    if last_step(finding.path) != "cache_control" or directive is None or keyed is None:
        return None
    holder, _ = keyed
    if len(holder.elements) != 1 or set(directive) - {"type", "ttl"}:
        return None
    if directive.get("type") != "ephemeral" or directive.get("ttl", "5m") not in ("5m", "1h"):
        return None
    ttl = directive.get("ttl")
    point = cst.parse_expression(cache_point(ttl if ttl == "1h" else None))
    return "Replace it with a cachePoint block", [ctx.replace(holder, point)]


_MODEL_CALLS = frozenset({"invoke", "ainvoke", "stream", "astream"})


def add_call_cache_control(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC106: ``cache_control={"type": "ephemeral"}`` on a ChatBedrockConverse call, which marks
    the system prompt and the last message (langchain-aws places the points), when the request
    with it is known to cache.

    Only on the model's own call: an agent's ``invoke`` does not hand its keywords to the model.
    """
    request = ctx.site.request
    call = ctx.site.node
    if request.get("class") != "ChatBedrockConverse" or not isinstance(call, cst.Call):
        return None
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in _MODEL_CALLS:
        return None
    if not call.args or any(
        a.star or (a.keyword is not None and a.keyword.value == "cache_control") for a in call.args
    ):
        return None
    kwargs = request.get("call")
    kwargs = dict(kwargs) if isinstance(kwargs, dict) else {}
    directive = {"type": "ephemeral"}
    if not ctx.would_cache({**request, "call": {**kwargs, "cache_control": directive}}):
        return None
    new = append_argument(call, keyword_argument("cache_control", '{"type": "ephemeral"}'))
    if new is None:
        return None
    return 'Pass `cache_control={"type": "ephemeral"}` to the call', [ctx.replace(call, new)]


FIXERS = {
    "BC106": add_call_cache_control,
    "BC230": split_block_directive,
    "BC231": standalone_to_cache_point,
}
