"""Fixers for Strands: Anthropic directives become cachePoint blocks, made-up or mistyped cache
parameters become ``cache_config=CacheConfig(...)``."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.bedrock import split_block_directive
from bedrockcache.lint.fixes.context import FixContext, literal_string

__all__ = ["FIXERS"]

Made = tuple[str, Sequence[Edit | None]] | None
_STRATEGIES = ("auto", "anthropic")


def to_cache_config(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC210 ``cache_points=...`` and BC213 ``cache_config="auto"``: ``cache_config=CacheConfig(
    strategy=...)``, imported from ``strands.models`` when it is not yet."""
    argument = ctx.parent(node)
    call = ctx.parent(argument) if argument is not None else None
    if not isinstance(argument, cst.Arg) or not isinstance(call, cst.Call):
        return None
    keyword = argument.keyword.value if argument.keyword is not None else None
    if finding.code == "BC213":
        strategy = literal_string(node)
        if keyword != "cache_config" or strategy not in _STRATEGIES:
            return None
    else:
        if keyword != "cache_points" or any(
            a.keyword is not None and a.keyword.value == "cache_config" for a in call.args
        ):
            return None
        strategy = _auto_strategy(ctx)
        if strategy is None:
            return None
    imported = ctx.imported("strands.models", "CacheConfig")
    if imported is None:
        return None
    name, edits = imported
    config = cst.parse_expression(f'{name}(strategy="{strategy}")')
    new = argument.with_changes(keyword=cst.Name("cache_config"), value=config)
    return f'Use `cache_config={name}(strategy="{strategy}")`', [
        ctx.replace(argument.value, new.value),
        *([ctx.replace(argument.keyword, new.keyword)] if keyword != "cache_config" else []),
        *edits,
    ]


def _auto_strategy(ctx: FixContext) -> str | None:
    """The strategy "auto" when Strands' own test (the id names Claude) passes; otherwise no fix,
    since which strategy the user wants is then a choice (BC211 explains it)."""
    model = ctx.report.model
    raw = model.raw if model is not None else None
    if isinstance(raw, str) and ("claude" in raw or "anthropic" in raw):
        return "auto"
    return None


FIXERS = {
    "BC204": split_block_directive,
    "BC210": to_cache_config,
    "BC213": to_cache_config,
}
