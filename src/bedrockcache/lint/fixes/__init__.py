"""Fixes for ``bedrockcache lint --fix``: for a finding whose remedy is mechanical, the edits.

One module per layer holds its fixers (``FIXERS``: code -> fixer); ``context`` gives them the
file and edit builders, ``elements`` edits literals, ``apply`` applies fixes to a file. A fixer
returns ``(message, edits)`` or None; whether the fix is safe comes from the catalogue entry's
``autofix``, so the documentation and the behaviour cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache

import libcst as cst

from bedrockcache.findings import Finding
from bedrockcache.lint.diagnostic import Edit, Fix
from bedrockcache.lint.fixes.context import FixContext

__all__ = ["FixContext", "Fixer", "fix_finding", "fixers"]

Fixer = Callable[[Finding, cst.CSTNode, FixContext], "tuple[str, Sequence[Edit | None]] | None"]

_MODULES = (
    "bedrock",
    "litellm",
    "strands",
    "langchain",
    "pydantic_ai",
    "llamaindex",
    "stability",
    "volatile",
)


@cache
def fixers() -> Mapping[str, Fixer]:
    import importlib

    found: dict[str, Fixer] = {}
    for name in _MODULES:
        module = importlib.import_module(f"bedrockcache.lint.fixes.{name}")
        found.update(module.FIXERS)
    return found


def fix_finding(finding: Finding, node: cst.CSTNode, exact: bool, ctx: FixContext) -> Fix | None:
    """The fix for one finding located at ``node``, or None.

    A finding the checker could not place exactly gets none: its node is only near the cause.
    """
    fixer = fixers().get(finding.code)
    if fixer is None or not exact or (finding.path and node is ctx.site.node):
        return None  # a path that ends at the call itself was not found in the source
    from bedrockcache.rules.catalogue import catalogue

    entry = catalogue().get(finding.code)
    if entry is None or entry.autofix is None:
        return None
    try:
        made = fixer(finding, node, ctx)
    except Exception:  # a fixer's bug costs its fix, never the lint run
        return None
    if made is None:
        return None
    message, edits = made
    if not edits or any(e is None for e in edits):
        return None
    kept = tuple(sorted({e for e in edits if e is not None}))
    return Fix(message, entry.autofix.applicability, kept)
