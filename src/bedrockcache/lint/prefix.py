"""Where a changing value enters a request: the source element to put a BC4xx diagnostic on.

A mark travels inside the values the evaluator built, which the layers pass on unchanged, so the
mark object itself is found in the call site's request and the origins of the containers on the
way down name the innermost element (an f-string, a list element) that holds it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from bedrockcache.lint.evaluate import Dumped, Origins
from bedrockcache.objects import Constructed
from bedrockcache.unknown import PartialText

__all__ = ["entry_node"]


def entry_node(
    request: Any, mark: object, origins: Origins, in_scope: Callable[[cst.CSTNode], bool]
) -> cst.CSTNode | None:
    """The innermost element of the request, in the call site's function, that holds ``mark``."""
    best: cst.CSTNode | None = None
    value: Any = request
    for _ in range(16):
        container = value.kwargs if isinstance(value, Constructed) else value
        if isinstance(container, dict):
            items: list[tuple[object, Any]] = list(container.items())
        elif isinstance(container, list):
            items = list(enumerate(container))
        else:
            return best
        for key, item in items:
            if _holds(item, mark):
                node = origins.elements.get((id(container), key)) or origins.elements.get(
                    (id(value), key)
                )
                if node is not None and in_scope(node):
                    best = node
                value = item
                break
        else:
            return best
    return best


def _holds(value: Any, mark: object, depth: int = 0) -> bool:
    if value is mark:
        return True
    if depth > 12:
        return False
    if isinstance(value, PartialText):
        return any(part is mark for part in value.parts)
    if isinstance(value, Constructed):
        value = value.kwargs
    if isinstance(value, dict):
        return any(
            _holds(v, mark, depth + 1) or _holds(k, mark, depth + 1) for k, v in value.items()
        )
    if isinstance(value, list):
        return any(_holds(v, mark, depth + 1) for v in value)
    if isinstance(value, Dumped):
        return _holds(value.value, mark, depth + 1)
    return False
