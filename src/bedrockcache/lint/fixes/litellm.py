"""Fixers for LiteLLM's rules: directives LiteLLM drops because of where or how they are written."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.bedrock import move_message_directive, set_type
from bedrockcache.lint.fixes.context import FixContext
from bedrockcache.lint.fixes.elements import insert_after, remove_at
from bedrockcache.lint.fixes.literals import find_key, keyed_dict, last_step, literal_directive

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


FIXERS = {
    "BC201": move_message_directive,
    "BC202": lift_from_function,
    "BC206": set_type,
}
