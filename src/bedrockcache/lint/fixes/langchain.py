"""Fixers for LangChain's ChatBedrockConverse: Anthropic ``cache_control`` becomes a cachePoint."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.bedrock import split_block_directive
from bedrockcache.lint.fixes.context import FixContext
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


FIXERS = {
    "BC230": split_block_directive,
    "BC231": standalone_to_cache_point,
}
