"""Insert and remove elements of a list or dict literal the way a person would type them.

libcst keeps each separator's whitespace (and any comment after it) on the comma, so adding or
dropping an element means moving commas: a new element borrows the line break and indentation of
its neighbours (never their comments), and a trailing comma stays trailing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import libcst as cst

__all__ = ["append_argument", "insert_after", "keyword_argument", "remove_at"]


def insert_after(container: Any, index: int, new: Any) -> Any:
    """``container`` with ``new`` (an Element or DictElement) right after element ``index``
    (-1: first)."""
    elements = list(container.elements)
    if index < 0:
        separator = _separator(container, elements, 0)
        if elements:
            new = new.with_changes(comma=cst.Comma(whitespace_after=separator))
        elements.insert(0, new)
        return container.with_changes(elements=elements)
    current = elements[index]
    separator = _separator(container, elements, index)
    if index < len(elements) - 1:
        # Before another element: borrow the comma (and line break) that separates them.
        new = new.with_changes(comma=_plain_comma(current.comma))
        elements.insert(index + 1, new)
    elif isinstance(current.comma, cst.Comma):  # a trailing comma stays trailing
        container, separator = _keep_trailing_comment(container, separator)
        elements[index] = current.with_changes(
            comma=current.comma.with_changes(whitespace_after=separator)
        )
        elements.insert(index + 1, new.with_changes(comma=_plain_comma(current.comma)))
    else:
        elements[index] = current.with_changes(comma=cst.Comma(whitespace_after=separator))
        elements.insert(index + 1, new.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return container.with_changes(elements=elements)


def _keep_trailing_comment(container: Any, separator: Any) -> tuple[Any, Any]:
    """After ``last,  # note`` the comment belongs to the closing bracket's line break; an
    element added after ``last`` must not take it, so it moves into the new separator."""
    name = "rbracket" if hasattr(container, "rbracket") else "rbrace"
    closing = getattr(container, name, None)
    gap = getattr(closing, "whitespace_before", None)
    if not (
        isinstance(gap, cst.ParenthesizedWhitespace)
        and gap.first_line.comment is not None
        and isinstance(separator, cst.ParenthesizedWhitespace)
    ):
        return container, separator
    separator = separator.with_changes(first_line=gap.first_line)
    bare = gap.first_line.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
    closing = closing.with_changes(whitespace_before=gap.with_changes(first_line=bare))
    return container.with_changes(**{name: closing}), separator


def remove_at(container: Any, index: int, field: str = "elements") -> Any:
    """``container`` without element ``index`` (of ``field``: ``args`` for a Call); the last
    element keeps the removed one's comma (so a trailing comma, or its absence, is kept)."""
    elements = list(getattr(container, field))
    elements.pop(index)
    removed = getattr(container, field)[index]
    if not elements:
        return _emptied(container) if field == "elements" else container.with_changes(args=[])
    if index < len(elements):
        return container.with_changes(**{field: elements})
    before = elements[-1].comma
    elements[-1] = elements[-1].with_changes(comma=removed.comma)
    changed = container.with_changes(**{field: elements})
    comment = _comment(before.whitespace_after) if isinstance(before, cst.Comma) else None
    closing_name = "rbracket" if hasattr(container, "rbracket") else "rbrace"
    closing = getattr(changed, closing_name, None)
    gap = getattr(closing, "whitespace_before", None)
    if (
        comment is not None
        and isinstance(gap, cst.ParenthesizedWhitespace)
        and gap.first_line.comment is None
    ):  # the comment stays on the line it described
        first = gap.first_line.with_changes(whitespace=cst.SimpleWhitespace("  "), comment=comment)
        closing = closing.with_changes(whitespace_before=gap.with_changes(first_line=first))
        changed = changed.with_changes(**{closing_name: closing})
    return changed


def _emptied(container: Any) -> Any:
    """``[]`` / ``{}``, keeping the brackets' own comments out of the way."""
    opening_name = "lbracket" if hasattr(container, "lbracket") else "lbrace"
    closing_name = "rbracket" if hasattr(container, "rbracket") else "rbrace"
    opening = getattr(container, opening_name).with_changes(
        whitespace_after=cst.SimpleWhitespace("")
    )
    closing = getattr(container, closing_name).with_changes(
        whitespace_before=cst.SimpleWhitespace("")
    )
    return container.with_changes(elements=[], **{opening_name: opening, closing_name: closing})


def _comment(whitespace: Any) -> Any:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.first_line.comment
    return None


def _separator(container: Any, elements: Sequence[Any], index: int) -> Any:
    """The whitespace that separates elements here: a neighbour's, else what follows the
    opening bracket (a line break in a multi-line literal), else one space."""
    for element in (*elements[index:], *reversed(elements[:index])):
        comma = element.comma
        if isinstance(comma, cst.Comma) and _has_content(comma.whitespace_after):
            return _without_comment(comma.whitespace_after)
    opening = getattr(container, "lbracket", None) or getattr(container, "lbrace", None)
    after = getattr(opening, "whitespace_after", None)
    if isinstance(after, cst.ParenthesizedWhitespace):
        return _without_comment(after)
    return cst.SimpleWhitespace(" ")


def _has_content(whitespace: Any) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace) or bool(
        getattr(whitespace, "value", "")
    )


def _without_comment(whitespace: Any) -> Any:
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        first = whitespace.first_line.with_changes(
            whitespace=cst.SimpleWhitespace(""), comment=None
        )
        return whitespace.with_changes(first_line=first, empty_lines=[])
    return cst.SimpleWhitespace(" ") if whitespace.value else whitespace


def _plain_comma(comma: Any) -> Any:
    if isinstance(comma, cst.Comma):
        return comma.with_changes(whitespace_after=_without_comment(comma.whitespace_after))
    return cst.MaybeSentinel.DEFAULT


def keyword_argument(name: str, value: str) -> cst.Arg:
    """``name=value`` as ruff formats a keyword argument (no spaces around ``=``)."""
    return cst.Arg(
        keyword=cst.Name(name),
        value=cst.parse_expression(value),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def append_argument(call: cst.Call, argument: cst.Arg) -> cst.Call | None:
    """``call`` with ``argument`` last, typed the way its arguments are laid out: ``f(x, new)``,
    or one per line when they are one per line with a trailing comma (comments kept in place)."""
    args = list(call.args)
    last = args[-1]
    if not isinstance(last.comma, cst.Comma):
        closing = last.whitespace_after_arg
        if isinstance(closing, cst.ParenthesizedWhitespace):  # f(\n    x\n): one per line
            opening = call.whitespace_before_args
            if not isinstance(opening, cst.ParenthesizedWhitespace):
                return None
            bare = opening.first_line.with_changes(
                whitespace=cst.SimpleWhitespace(""), comment=None
            )
            separator = opening.with_changes(first_line=bare, empty_lines=[])
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=separator),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
            return call.with_changes(
                args=[*args, argument.with_changes(whitespace_after_arg=closing)]
            )
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return call.with_changes(args=[*args, argument])
    after = last.comma.whitespace_after
    if not isinstance(after, cst.ParenthesizedWhitespace):  # f(x,) on one line
        args[-1] = last.with_changes(
            comma=last.comma.with_changes(whitespace_after=cst.SimpleWhitespace(" "))
        )
        return call.with_changes(args=[*args, argument.with_changes(comma=last.comma)])
    opening = call.whitespace_before_args
    if not isinstance(opening, cst.ParenthesizedWhitespace):
        return None  # f(x,\n) with the first argument on the call's line: no layout to copy
    separator = after.with_changes(last_line=opening.last_line, empty_lines=[])
    closing = after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    args[-1] = last.with_changes(comma=last.comma.with_changes(whitespace_after=separator))
    new = argument.with_changes(comma=last.comma.with_changes(whitespace_after=closing))
    return call.with_changes(args=[*args, new])
