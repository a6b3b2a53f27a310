"""Reading and building the literals fixers touch: directive dicts, their keys, string values.

Every check here is about trust: a fixer edits a dict only when it is the literal the finding
names (the value of the key the path ends with), and copies a value only when it is a plain
literal, so an edit can never guess at something computed at run time.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from bedrockcache.lint.fixes.context import FixContext, literal_string, string_key

__all__ = [
    "cache_point",
    "find_key",
    "keyed_dict",
    "last_step",
    "like_string",
    "literal_directive",
    "parse_element",
    "quote_of",
]


def last_step(path: str | None) -> str | None:
    if not path:
        return None
    tail = path.rsplit(".", 1)[-1]
    return None if "[" in tail else tail


def keyed_dict(ctx: FixContext, node: cst.CSTNode, key: str) -> tuple[cst.Dict, int] | None:
    """(the dict holding ``node`` under ``key``, the element's index) when ``node`` is that
    literal value."""
    holder = ctx.element_of(node)
    if holder is None or not isinstance(holder[0], cst.Dict):
        return None
    container, element = holder
    if string_key(element) != key:
        return None
    return container, list(container.elements).index(element)


def find_key(mapping: cst.Dict, key: str) -> int | None:
    """The index of the one element with this literal key; None if absent, a ``**`` spread
    could supply it, or the key is repeated."""
    found = None
    for i, element in enumerate(mapping.elements):
        if isinstance(element, cst.StarredDictElement):
            return None
        if string_key(element) == key:
            if found is not None:
                return None
            found = i
    return found


def literal_directive(node: cst.CSTNode) -> dict[str, str] | None:
    """A directive dict of plain string keys and values (``{"type": ..., "ttl": ...}``)."""
    if not isinstance(node, cst.Dict):
        return None
    out: dict[str, str] = {}
    for element in node.elements:
        key = string_key(element)
        value = literal_string(element.value) if isinstance(element, cst.DictElement) else None
        if key is None or value is None or key in out:
            return None
        out[key] = value
    return out


def like_string(old: cst.SimpleString, value: str) -> cst.SimpleString:
    """``value`` as a string literal quoted the way ``old`` is."""
    quote = old.quote
    prefix = "".join(c for c in old.prefix if c.lower() != "r")  # an escape-free new value
    body = value.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0])
    return cst.SimpleString(f"{prefix}{quote}{body}{quote}")


def cache_point(ttl: str | None = None, quote: str = '"') -> str:
    """A Converse cachePoint block, as source."""
    q = quote
    inner = f"{q}type{q}: {q}default{q}"
    if ttl is not None:
        inner += f", {q}ttl{q}: {q}{ttl}{q}"
    return f"{{{q}cachePoint{q}: {{{inner}}}}}"


def parse_element(source: str, like: Any) -> Any:
    """An Element (in a list) or a DictElement (``"key": value`` source) to insert in ``like``."""
    if isinstance(like, cst.Dict):
        mapping = cst.parse_expression("{" + source + "}")
        assert isinstance(mapping, cst.Dict)
        return mapping.elements[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return cst.Element(cst.parse_expression(source))


def quote_of(node: cst.CSTNode) -> str:
    """The quote character the surrounding literal uses, so new keys match it."""
    found: list[str] = []

    class _Find(cst.CSTVisitor):
        def visit_SimpleString(self, string: cst.SimpleString) -> None:
            found.append(string.quote[0])

    node.visit(_Find())
    return found[0] if found else '"'
