"""Fixers for Strands: Anthropic directives become cachePoint blocks, made-up or mistyped cache
parameters become ``cache_config=CacheConfig(...)``."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.bedrock import split_block_directive
from bedrockcache.lint.fixes.context import FixContext, literal_string
from bedrockcache.lint.fixes.literals import cache_point

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


def add_system_point(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    """BC104: a string ``system_prompt`` becomes a text block followed by a cachePoint, when the
    system prompt (with the tools before it) is known to reach the model's minimum.

    Strands passes a list ``system_prompt`` to Bedrock as written and still reports
    ``agent.system_prompt`` as the text, so only what is cached changes.
    """
    request = ctx.site.request
    value = request.get("system_prompt")
    if not isinstance(value, str):
        return None
    located, exact = ctx.locate("system_prompt")
    argument = ctx.parent(located) if exact else None
    if not (
        isinstance(argument, cst.Arg)
        and argument.keyword is not None
        and argument.keyword.value == "system_prompt"
        and isinstance(ctx.parent(argument), cst.Call)
    ):
        return None  # the text comes from elsewhere (a constant's own literal): not this call's
    text = ctx.module.code_for_node(located)
    if "\n" in text or isinstance(located, cst.List | cst.Tuple | cst.Dict):
        return None
    point = {"cachePoint": {"type": "default"}}
    if not ctx.would_cache({**request, "system_prompt": [{"text": value}, point]}):
        return None
    new = cst.parse_expression(f'[{{"text": {text}}}, {cache_point()}]')
    return "End `system_prompt` with a cachePoint block", [ctx.replace(located, new)]


FIXERS = {
    "BC104": add_system_point,
    "BC204": split_block_directive,
    "BC210": to_cache_config,
    "BC213": to_cache_config,
}
