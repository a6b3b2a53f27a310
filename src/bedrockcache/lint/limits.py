"""The bounds a file must fit before the expensive analysis, so that no input costs unbounded time
or memory and none ends in an internal error.

libcst holds about 500 bytes of tree per byte of source and walks it recursively; a 5 MB file
ran for 40 minutes at 4.7 GB, and a literal nested 150 deep exceeded Python's recursion limit.
So before libcst sees a file: its size (checked on the bytes, before any parse), the element
count of its largest list, tuple, set or dict literal, and the depth of its syntax tree (both
from the stdlib ``ast`` the screen has already built). A file past a bound is listed as not
audited with the reason and where, never silently dropped; the bounds are the ``max-*`` keys of
``[tool.bedrockcache]``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from bedrockcache.config import Settings

__all__ = ["OverLimit", "file_too_large", "tree_over_limits"]

_LITERALS = {ast.List: "list", ast.Tuple: "tuple", ast.Set: "set", ast.Dict: "dict"}
# Marker nodes (``Load``, ``Add``...) carry no structure: they are not levels.
_LEAVES = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)


@dataclass(frozen=True)
class OverLimit:
    """Where a file passes a bound (1-based line and column) and a one-line reason."""

    line: int
    column: int
    reason: str


def file_too_large(size: int, settings: Settings) -> OverLimit | None:
    if size <= settings.max_file_size:
        return None
    reason = (
        f"{size:,} bytes, over max-file-size ({settings.max_file_size:,}); the file was not audited"
    )
    return OverLimit(1, 1, reason)


def tree_over_limits(tree: ast.Module, text: str, settings: Settings) -> OverLimit | None:
    """The bound the tree passes, if any: nesting too deep (reported first, with the depth of
    the deepest node), or a literal with too many elements (the first one found).

    Depth counts every node from the module down (a statement in a block, an ``elif``, a
    bracket, an operand), without recursion: the tree being measured may be the one too deep
    to recurse over.
    """
    limit, largest = settings.max_nesting_depth, settings.max_literal_size
    deepest: tuple[int, ast.AST] = (0, tree)
    literal: tuple[int, str, ast.AST] | None = None
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest[0]:
            deepest = (depth, node)
        kind = _LITERALS.get(type(node))
        if kind is not None and literal is None:
            size = len(node.keys) if isinstance(node, ast.Dict) else len(node.elts)  # type: ignore[attr-defined]
            if size > largest:
                literal = (size, kind, node)
        stack.extend(
            (child, depth + 1)
            for child in ast.iter_child_nodes(node)
            if not isinstance(child, _LEAVES)
        )
    if deepest[0] > limit:
        reason = (
            f"nested {deepest[0]} levels deep, over max-nesting-depth ({limit}); the file was "
            "not audited"
        )
        return OverLimit(*_where(deepest[1], text), reason)
    if literal is not None:
        size, kind, node = literal
        reason = (
            f"a {kind} literal of {size:,} elements, over max-literal-size ({largest:,}); the "
            "file was not audited"
        )
        return OverLimit(*_where(node, text), reason)
    return None


def _where(node: ast.AST, text: str) -> tuple[int, int]:
    """1-based line and column in characters (``ast`` counts columns in UTF-8 bytes)."""
    line, offset = getattr(node, "lineno", 1), getattr(node, "col_offset", 0)
    lines = re.split(r"\r\n|\r|\n", text)
    if not 0 < line <= len(lines):
        return line, offset + 1
    head = lines[line - 1].encode("utf-8")[:offset]
    return line, len(head.decode("utf-8", errors="replace")) + 1
