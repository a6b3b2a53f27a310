"""The fix for a per-call value in the system prompt (BC401-BC403): move it to the latest user turn.

The latest user turn sits after every breakpoint that caches the conversation so far, so a value
there changes only the part that is never read from the cache. The fixer moves as little as it
can: in an f-string or a ``+`` chain, the sentence around the value (up to a sentence end, a line
break or another placeholder); a whole system block only when that block is a short line around
the value. Anything it cannot see exactly (a helper builds the messages, a stable placeholder in
the sentence, a breakpoint in the latest turn) gets no fix: the message still says what to do.

The fix is unsafe: the model reads the value in the user's turn instead of its instructions, and
the expression that makes it runs where the user turn is built.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.findings import Finding
from bedrockcache.lint.bindings import Binding, _binds_anywhere, resolve
from bedrockcache.lint.diagnostic import Edit
from bedrockcache.lint.fixes.context import FixContext, literal_string, string_key
from bedrockcache.lint.fixes.elements import insert_after, remove_at
from bedrockcache.lint.fixes.literals import find_key, parse_element, quote_of
from bedrockcache.unknown import PartialText, Unknown
from bedrockcache.wire import path_steps, value_at

__all__ = ["FIXERS"]

Made = tuple[str, Sequence[Edit | None]] | None
Render = Callable[[list["_Part"]], "str | None"]
# The block dialect of each layer whose request is the Bedrock request as written.
_DIALECT = {
    Backend.BEDROCK_CONVERSE: "converse",
    Backend.BEDROCK_INVOKE_ANTHROPIC: "anthropic",
    Backend.ANTHROPIC_BEDROCK: "anthropic",
    Backend.ANTHROPIC_BEDROCK_MANTLE: "anthropic",
}
# A whole system block moves only when its stable text is at most a short line.
_SHORT_LINE = 80
# Where a sentence ends inside literal text: after . ! ? before whitespace, or at a line break.
_SENTENCE_END = re.compile(r"[.!?](?=\s)|[.!?]$|\n")


@dataclass
class _Part:
    """A piece of a split text: literal ``text`` (evaluated), or a placeholder ``node``."""

    text: str = ""
    node: cst.CSTNode | None = None
    marked: bool = False


def move_to_user_turn(finding: Finding, node: cst.CSTNode, ctx: FixContext) -> Made:
    dialect = _DIALECT.get(Backend(ctx.site.backend))
    wire = ctx.report.wire
    steps = path_steps(finding.path or "")
    if dialect is None or wire is None or not steps or steps[0] != "system":
        return None
    if not isinstance(steps[-1], int) or len(steps) != 2:
        return None  # a plain-string system prompt, or a path inside a block
    turn = _latest_user_turn(ctx, wire.raw, wire.breakpoints)
    if turn is None:
        return None
    located, exact = ctx.locate(finding.path or "")
    if not exact or not isinstance(located, cst.Dict):
        return None
    holder = ctx.element_of(located)
    if holder is None or not isinstance(holder[0], cst.List):
        return None
    text_at = find_key(located, "text")
    if text_at is None or not _plain_text_block(located, dialect):
        return None
    expression = located.elements[text_at].value
    split = _split(expression, node, ctx)
    if split is not None:
        moved_source, kept = split
        if not _evaluates_in_time(ctx, located, turn, expression):
            return None
        q = quote_of(located)
        block = _block_source(dialect, moved_source, q)
        system_edit = ctx.replace(expression, kept)
    else:
        value = value_at(wire.raw, f"{finding.path}.text")
        if not _short_line(value) or find_key(located, "cache_control") is not None:
            return None
        blocks, element = holder
        position = list(blocks.elements).index(element)
        if not _content_remains(wire.raw, position):
            return None
        if not _evaluates_in_time(ctx, located, turn, expression):
            return None
        block = ctx.module.code_for_node(located.with_changes(lpar=[], rpar=[]))
        if "\n" in block:
            return None
        system_edit = ctx.replace(blocks, remove_at(blocks, position))
    turn_edit = _prepend(ctx, turn, block, dialect)
    if turn_edit is None or system_edit is None:
        return None
    source = finding.message.split("`")
    what = f"`{source[1]}`" if len(source) > 2 else "the per-call value"
    return f"Move {what} out of the system prompt into the latest user turn", [
        system_edit,
        turn_edit,
    ]


def _latest_user_turn(
    ctx: FixContext, raw: object, breakpoints: Sequence[object]
) -> cst.Dict | None:
    """The latest message as a literal, when it is a user turn that holds no breakpoint (a value
    put before one would be cached, and change, again)."""
    messages = value_at(raw, "messages")
    if not isinstance(messages, list) or not messages:
        return None
    last = len(messages) - 1
    message = messages[last]
    if not isinstance(message, dict) or message.get("role") != "user":
        return None
    prefix = f"messages[{last}]"
    if any(str(getattr(b, "path", "")).startswith(prefix) for b in breakpoints):
        return None
    located, exact = ctx.locate(prefix)
    if not exact or located is ctx.site.node or not isinstance(located, cst.Dict):
        return None
    return located if find_key(located, "content") is not None else None


def _plain_text_block(block: cst.Dict, dialect: str) -> bool:
    """Only ``text`` (and ``type: "text"``, ``cache_control`` in the Anthropic dialect)."""
    allowed = {"text", "type", "cache_control"} if dialect == "anthropic" else {"text"}
    keys = [string_key(e) for e in block.elements]
    if None in keys or set(keys) - allowed:  # type: ignore[operator]
        return False
    at = find_key(block, "type")
    return at is None or literal_string(block.elements[at].value) == "text"


def _prepend(ctx: FixContext, turn: cst.Dict, block: str, dialect: str) -> Edit | None:
    content_at = find_key(turn, "content")
    if content_at is None:
        return None
    content = turn.elements[content_at].value
    if isinstance(content, cst.List):
        if not content.elements:
            return None
        return ctx.replace(content, insert_after(content, -1, parse_element(block, content)))
    if dialect != "anthropic" or isinstance(content, cst.Dict | cst.Tuple | cst.ListComp):
        return None  # Converse content is always a list; anything else is not text
    text = ctx.module.code_for_node(content)
    if "\n" in text:
        return None
    q = quote_of(turn)
    wrapped = f"[{block}, {_block_source(dialect, text, q)}]"
    return ctx.replace(content, cst.parse_expression(wrapped))


def _block_source(dialect: str, text: str, q: str) -> str:
    if dialect == "anthropic":
        return f"{{{q}type{q}: {q}text{q}, {q}text{q}: {text}}}"
    return f"{{{q}text{q}: {text}}}"


def _short_line(value: object) -> bool:
    """A block text that is the value itself, or the value with at most a short line around it."""
    if isinstance(value, PartialText):
        return len(str(value).strip()) <= _SHORT_LINE and "\n" not in str(value).strip()
    return isinstance(value, Unknown)


def _content_remains(raw: object, position: int) -> bool:
    """The system prompt still opens with content once block ``position`` is gone: a Converse
    cachePoint may not come first, and an empty system prompt is refused."""
    system = value_at(raw, "system")
    if not isinstance(system, list):
        return False
    rest = [b for i, b in enumerate(system) if i != position]
    return bool(rest) and not (isinstance(rest[0], dict) and "cachePoint" in rest[0])


# ---- splitting a text at the sentence that holds the value -----------------------------------


def _split(
    expression: cst.BaseExpression, mark: cst.CSTNode, ctx: FixContext
) -> tuple[str, cst.BaseExpression] | None:
    """(source of the moved text, the expression that stays) for an f-string or ``+`` chain."""
    if isinstance(expression, cst.FormattedString):
        parts = _fstring_parts(expression)
        render = _render_fstring(expression)
    elif _is_concat(expression):
        parts, quote = _concat_parts(expression)
        render: Render | None = _render_concat(quote, ctx) if quote else None
    else:
        return None
    if parts is None or render is None:
        return None
    for part in parts:
        part.marked = part.node is not None and _holds(part.node, mark, ctx)
    marked = [i for i, p in enumerate(parts) if p.marked]
    if not marked:
        return None
    first, last = marked[0], marked[-1]
    if any(p.node is not None and not p.marked for p in parts[first : last + 1]):
        return None  # a stable placeholder between two uses of the value would move with them
    before, head = _left_cut(parts, first)
    tail, after = _right_cut(parts, last)
    moved = [*head, *parts[first : last + 1], *tail]
    _strip(moved)
    gap = _trailing_space(before)
    _strip_end(before)
    _strip_start(after)
    if before and after:  # the text on both sides joins with the space that preceded the move
        before.append(_Part(gap or " "))
    kept = [*before, *after]
    if not any(p.node is not None or p.text.strip() for p in kept):
        return None  # nothing stable around it: the whole block would move (not this way)
    moved_source = render(moved)
    kept_source = render(kept)
    if moved_source is None or kept_source is None:
        return None
    return moved_source, cst.parse_expression(kept_source)


def _left_cut(parts: list[_Part], first: int) -> tuple[list[_Part], list[_Part]]:
    """The parts before the value that stay, and those that move with it: back to the last
    sentence end (or placeholder) before it."""
    index = first - 1
    while index >= 0 and parts[index].node is None:
        text = parts[index].text
        ends = list(_SENTENCE_END.finditer(text))
        if ends:
            cut = ends[-1].end()
            return [*parts[:index], _Part(text[:cut])], [
                _Part(text[cut:]),
                *parts[index + 1 : first],
            ]
        index -= 1
    return parts[: index + 1], parts[index + 1 : first]


def _right_cut(parts: list[_Part], last: int) -> tuple[list[_Part], list[_Part]]:
    """The parts after the value that move with it (through the sentence end), and those that
    stay."""
    index = last + 1
    while index < len(parts) and parts[index].node is None:
        text = parts[index].text
        end = _SENTENCE_END.search(text)
        if end:
            cut = end.end() if text[end.start()] != "\n" else end.start()
            return [*parts[last + 1 : index], _Part(text[:cut])], [
                _Part(text[cut:]),
                *parts[index + 1 :],
            ]
        index += 1
    return parts[last + 1 : index], parts[index:]


def _strip(parts: list[_Part]) -> None:
    _strip_start(parts)
    _strip_end(parts)


def _strip_start(parts: list[_Part]) -> None:
    while parts and parts[0].node is None:
        parts[0] = _Part(parts[0].text.lstrip())
        if parts[0].text:
            return
        parts.pop(0)


def _strip_end(parts: list[_Part]) -> None:
    while parts and parts[-1].node is None:
        parts[-1] = _Part(parts[-1].text.rstrip())
        if parts[-1].text:
            return
        parts.pop()


def _trailing_space(parts: list[_Part]) -> str:
    if not parts or parts[-1].node is not None:
        return ""
    text = parts[-1].text
    return text[len(text.rstrip()) :]


def _holds(node: cst.CSTNode, mark: cst.CSTNode, ctx: FixContext, depth: int = 0) -> bool:
    """Whether the value of ``node`` comes from ``mark``: it contains it, or names a variable
    bound (once, in plain sight) to an expression that does."""
    if node is mark:
        return True
    if depth > 4:
        return False
    if isinstance(node, cst.Name):
        statement = ctx.index.statement_of.get(node) or ctx.statement(node)
        binding = resolve(ctx.index, node.value, statement) if statement is not None else None
        return isinstance(binding, Binding) and _holds(binding.value, mark, ctx, depth + 1)
    return any(_holds(child, mark, ctx, depth) for child in node.children)


# ---- f-strings ------------------------------------------------------------------------------


def _fstring_parts(string: cst.FormattedString) -> list[_Part] | None:
    if "r" in string.prefix.lower() or "b" in string.prefix.lower():
        return None
    parts: list[_Part] = []
    for piece in string.parts:
        if isinstance(piece, cst.FormattedStringText):
            raw = piece.value.replace("{{", "{").replace("}}", "}")
            try:
                text = ast.literal_eval(f"{string.end}{raw}{string.end}")
            except (SyntaxError, ValueError):
                return None
            parts.append(_Part(text))
        else:
            parts.append(_Part(node=piece))
    return parts


def _render_fstring(string: cst.FormattedString) -> Render:
    quote = string.end
    prefix = string.prefix

    def render(parts: list[_Part]) -> str | None:
        pieces: list[str] = []
        placeholders = False
        for part in parts:
            if part.node is None:
                pieces.append(_escape(part.text, quote, braces=True))
            else:
                pieces.append(cst.Module([]).code_for_node(part.node))
                placeholders = True
        body = "".join(pieces)
        if not placeholders:
            return _plain(prefix.replace("f", "").replace("F", ""), quote, parts)
        return f"{prefix}{quote}{body}{quote}"

    return render


def _plain(prefix: str, quote: str, parts: list[_Part]) -> str:
    text = "".join(p.text for p in parts)
    return f"{prefix}{quote}{_escape(text, quote, braces=False)}{quote}"


def _escape(text: str, quote: str, *, braces: bool) -> str:
    out = text.replace("\\", "\\\\").replace(quote[0], "\\" + quote[0])
    if len(quote) == 1:
        out = out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    if braces:
        out = out.replace("{", "{{").replace("}", "}}")
    return out


# ---- "..." + value + "..." ------------------------------------------------------------------


def _is_concat(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)


def _concat_parts(node: cst.BaseExpression) -> tuple[list[_Part] | None, str | None]:
    operands: list[cst.BaseExpression] = []

    def flatten(value: cst.BaseExpression) -> None:
        if _is_concat(value) and not value.lpar:
            assert isinstance(value, cst.BinaryOperation)
            flatten(value.left)
            flatten(value.right)
        else:
            operands.append(value)

    flatten(node)
    parts: list[_Part] = []
    quote = None
    for operand in operands:
        if isinstance(operand, cst.SimpleString):
            if "r" in operand.prefix.lower() or "b" in operand.prefix.lower():
                return None, None
            value = operand.evaluated_value
            if not isinstance(value, str):
                return None, None
            quote = quote or operand.quote
            parts.append(_Part(value))
        else:
            parts.append(_Part(node=operand))
    return parts, quote


def _render_concat(quote: str, ctx: FixContext) -> Render:
    def render(parts: list[_Part]) -> str | None:
        pieces: list[str] = []
        for part in parts:
            if part.node is None:
                if part.text:
                    pieces.append(f"{quote}{_escape(part.text, quote, braces=False)}{quote}")
            else:
                pieces.append(ctx.module.code_for_node(part.node))
        return " + ".join(pieces) if pieces else None

    return render


# ---- evaluation order -------------------------------------------------------------------------


def _evaluates_in_time(
    ctx: FixContext, block: cst.CSTNode, turn: cst.CSTNode, expression: cst.CSTNode
) -> bool:
    """The moved expression may run where the user turn is built: the same statement, or a later
    one in the same block with nothing in between rebinding a name it reads."""
    here = ctx.statement(block)
    there = ctx.statement(turn)
    if here is None or there is None:
        return False
    if here is there:
        return True
    body = ctx.parent(here)
    if body is None or body is not ctx.parent(there):
        return False
    statements = list(getattr(body, "body", ()))
    if here not in statements or there not in statements:
        return False
    start, end = statements.index(here), statements.index(there)
    if end < start:
        return False
    names = {n.value for n in _names(expression)}
    return not any(
        _binds_anywhere(statement, name)
        for statement in statements[start + 1 : end + 1]
        for name in names
    )


def _names(node: cst.CSTNode) -> list[cst.Name]:
    found: list[cst.Name] = []

    class _Collect(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            found.append(name)

    node.visit(_Collect())
    return found


FIXERS = {
    "BC401": move_to_user_turn,
    "BC402": move_to_user_turn,
    "BC403": move_to_user_turn,
}
