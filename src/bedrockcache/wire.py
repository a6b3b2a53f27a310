"""One normalized view of a request as it reaches Bedrock, whichever layer built it.

Both dialects (Converse ``cachePoint`` blocks, InvokeModel Anthropic ``cache_control`` marks) become
the same thing here: the ordered prefix tools -> system -> messages, each breakpoint with its TTL
and the estimated tokens it caches, the shape problems seen on the way, and the holes where a value
was Unknown. The rules read only this view, so they hold for every layer alike.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from bedrockcache.tokens import UNBOUNDED, ZERO, TokenBand, estimate_text
from bedrockcache.unknown import PartialText, Unknown

__all__ = [
    "MANTLE_OPERATION",
    "MAX_DEPTH",
    "Block",
    "Breakpoint",
    "Dialect",
    "Hole",
    "Problem",
    "RequestError",
    "Section",
    "WireRequest",
    "from_anthropic_body",
    "from_converse",
    "nested_values",
    "parse_body",
    "path_steps",
    "refusing_what_python_cannot_write",
    "value_at",
]

Dialect = Literal["converse", "anthropic"]
# The operation of a request to bedrock-mantle's Anthropic Messages API
# (``/anthropic/v1/messages``): ``anthropic-version`` is a header there, so the body carries none.
MANTLE_OPERATION = "Messages"
Section = Literal["tools", "system", "messages"]

# Converse union members of a content block (botocore accepts exactly one per block).
_CONVERSE_CONTENT_KINDS = (
    "text",
    "image",
    "document",
    "video",
    "audio",
    "toolUse",
    "toolResult",
    "guardContent",
    "cachePoint",
    "reasoningContent",
    "citationsContent",
    "searchResult",
)
_UNSIZED_KINDS = {"image", "document", "video", "audio", "searchResult"}


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_steps(path: str) -> list[str | int]:
    """``system[1].cachePoint`` -> ``["system", 1, "cachePoint"]``: the paths this view writes."""
    return [int(index) if index else name for name, index in _STEP.findall(path)]


def value_at(value: Any, path: str) -> Any:
    """The element of a raw request a path names; None when the request has no such element."""
    for step in path_steps(path):
        if (isinstance(value, list | tuple) and isinstance(step, int) and step < len(value)) or (
            isinstance(value, Mapping) and step in value
        ):
            value = value[step]
        else:
            return None
    return value


class RequestError(ValueError):
    """The request is not something Bedrock could receive (invalid JSON, wrong top-level type,
    nested more than ``MAX_DEPTH`` levels deep, a value no JSON encoder writes)."""


@contextmanager
def refusing_what_python_cannot_write() -> Iterator[None]:
    """Turn what a hostile request breaks deep inside an audit into a RequestError.

    Nesting deeper than Python can walk (RecursionError), and an integer longer than Python will
    print (ValueError from the first message or path that formats it). No program can send either
    to Bedrock: botocore and httpx serialize with the same interpreter. Checking every value up
    front would cost every audit a walk of the whole request; this costs nothing until it fires.
    """
    try:
        yield
    except RequestError:
        raise
    except RecursionError:
        raise RequestError("the request is nested too deeply to audit") from None
    except ValueError as exc:
        if "integer string conversion" not in str(exc):
            raise
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        raise RequestError(
            f"the request holds an integer of more than {limit:,} digits, "
            "which Python cannot write as JSON"
        ) from None


# How deep a value inside a block (a tool schema, a tool's input or result) may nest. Real ones
# nest a few dozen levels at most; the bound keeps every walk far from Python's recursion limit.
MAX_DEPTH = 200


@dataclass(frozen=True)
class Block:
    """One element of the cached prefix (cache directives themselves are not blocks)."""

    section: Section
    path: str
    kind: str
    tokens: TokenBand
    text: str | None = None

    @property
    def is_empty_text(self) -> bool:
        return self.kind == "text" and self.text is not None and not self.text.strip()


@dataclass(frozen=True)
class Breakpoint:
    """A cache directive that reaches Bedrock, with what it would cache."""

    section: Section
    path: str
    type: object
    ttl: object | None  # as written; None when absent (Bedrock's default applies)
    marks: Block | None  # the last block it caches; None when nothing precedes it
    tokens: TokenBand  # the whole prefix up to and including ``marks``


@dataclass(frozen=True)
class Problem:
    """A shape Bedrock or botocore refuses, or a directive in a place that caches nothing."""

    kind: str
    path: str
    detail: str = ""


@dataclass(frozen=True)
class Hole:
    """Part of the request that is Unknown: a directive could hide there.

    ``per_call`` marks the whole content of the final user turn: the question a call asks. It is
    read as text, since a breakpoint inside it could not make a prefix hit on the next call, so it
    does not excuse a stable prefix with no breakpoint before it.
    """

    path: str
    source: str
    per_call: bool = False


@dataclass(frozen=True)
class WireRequest:
    dialect: Dialect
    model_id: str | Unknown | None
    blocks: tuple[Block, ...] = ()
    breakpoints: tuple[Breakpoint, ...] = ()
    problems: tuple[Problem, ...] = ()
    holes: tuple[Hole, ...] = ()
    betas: tuple[str, ...] = ()
    top_level_cache_control: bool = False
    operation: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def prefix_tokens(self) -> TokenBand:
        total = ZERO
        for block in self.blocks:
            total = total + block.tokens
        return total

    @property
    def stable_tokens(self) -> TokenBand:
        """What a breakpoint could cache across calls: everything before the final user turn,
        and the blocks that turn begins with while they are fully known (a document sent with
        every question). The question itself is per call: a request holding nothing else has
        nothing to cache."""
        final = final_user_turn(self.raw)
        turn = f"messages[{final}]" if final is not None else None
        total = ZERO
        leading = True
        for block in self.blocks:
            if turn is not None and (block.path == turn or block.path.startswith(turn + ".")):
                if not leading:
                    continue
                if block.kind == "unknown" or block.tokens.high is None:
                    leading = False
                    # ``HANDBOOK + question``: the known text before the question is stable.
                    parts = getattr(block.text, "parts", ())
                    head = parts[0] if parts and isinstance(parts[0], str) else ""
                    total = total + estimate_text(head)
                    continue
            total = total + block.tokens
        return total

    @property
    def blocking_holes(self) -> tuple[Hole, ...]:
        """The holes where a directive could hide (not the per-call question)."""
        return tuple(h for h in self.holes if not h.per_call)


def final_user_turn(raw: object) -> int | None:
    """The index of the last message when it is a user turn with a known role."""
    messages = raw.get("messages") if isinstance(raw, Mapping) else None
    if isinstance(messages, list) and messages:
        last = messages[-1]
        if isinstance(last, Mapping) and last.get("role") == "user":
            return len(messages) - 1
    return None


def parse_body(body: object) -> object:
    """An InvokeModel body as Python data: dicts pass, JSON text and bytes are decoded."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        try:
            body = bytes(body).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequestError(f"body is not UTF-8 text: {exc.reason}") from None
    if isinstance(body, str):
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise RequestError(
                f"body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
    return body


def _json_len(value: object, path: str) -> TokenBand:
    """The token band of a block that is sized as the JSON Bedrock receives."""
    partial = any(
        isinstance(v, PartialText) and v.unknown_parts for v in nested_values(value, path)
    )
    try:
        text = json.dumps(value, default=_unknown_default, ensure_ascii=False)
    except _HasUnknown:
        return UNBOUNDED
    except (TypeError, ValueError) as exc:  # a key no encoder writes, an int too long to print
        reason = str(exc).split(";")[0]
        raise RequestError(f"{path} cannot be sent as JSON: {reason}") from None
    band = estimate_text(text)
    return TokenBand(band.low, None) if partial else band


def nested_values(value: object, path: str, *, skip_key: str | None = None) -> Iterator[object]:
    """``value`` and every value inside it (mappings, lists, tuples), without recursion.

    The walk refuses to go deeper than ``MAX_DEPTH`` levels (RequestError naming ``path``), which
    keeps every walk over a request, json.dumps included, far from Python's recursion limit, and
    ends a structure that contains itself. ``skip_key`` leaves out that key's values.
    """
    stack: list[tuple[object, int]] = [(value, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        item, depth = pop()
        yield item
        kind = type(item)
        if kind in _LEAVES or isinstance(item, str):
            continue
        if kind is dict or isinstance(item, Mapping):
            if skip_key is None:
                children = list(item.values())
            else:
                children = [v for k, v in item.items() if k != skip_key]
        elif kind is list or isinstance(item, (list, tuple)):
            children = list(item)
        else:
            continue
        if children and depth >= MAX_DEPTH:
            raise RequestError(f"{path} is nested more than {MAX_DEPTH} levels deep")
        for child in reversed(children):
            push((child, depth + 1))


_LEAVES = frozenset({str, int, float, bool, type(None)})


class _HasUnknown(Exception):
    pass


def _unknown_default(value: object) -> object:
    if isinstance(value, Unknown):
        raise _HasUnknown
    return str(value)


class _Builder:
    def __init__(self, dialect: Dialect) -> None:
        self.dialect: Dialect = dialect
        self.blocks: list[Block] = []
        self.breakpoints: list[Breakpoint] = []
        self.problems: list[Problem] = []
        self.holes: list[Hole] = []
        self._total = ZERO

    def block(self, block: Block) -> None:
        self.blocks.append(block)
        self._total = self._total + block.tokens

    def breakpoint(self, section: Section, path: str, directive: object) -> None:
        if isinstance(directive, Mapping):
            type_ = directive.get("type")
            ttl = directive.get("ttl")
        else:  # the directive itself is Unknown or not a mapping
            type_ = ttl = directive if isinstance(directive, Unknown) else None
            if not isinstance(directive, Unknown):
                self.problems.append(Problem("directive-not-object", path, repr(directive)))
                return
        marks = self.blocks[-1] if self.blocks else None
        self.breakpoints.append(Breakpoint(section, path, type_, ttl, marks, self._total))

    def hole(self, path: str, value: Unknown) -> None:
        self.holes.append(Hole(path, value.source))
        section: Section = "messages"
        if path.startswith(("tools", "toolConfig")):
            section = "tools"
        elif path.startswith("system"):
            section = "system"
        self.block(Block(section, path, "unknown", UNBOUNDED))

    def build(self, model_id: object, raw: Mapping[str, Any], **extra: Any) -> WireRequest:
        model: str | Unknown | None
        model = model_id if isinstance(model_id, (str, Unknown)) else None
        final = final_user_turn(raw)
        content = f"messages[{final}].content" if final is not None else None
        holes = tuple(
            Hole(h.path, h.source, per_call=True) if h.path == content else h for h in self.holes
        )
        return WireRequest(
            dialect=self.dialect,
            model_id=model,
            blocks=tuple(self.blocks),
            breakpoints=tuple(self.breakpoints),
            problems=tuple(self.problems),
            holes=holes,
            raw=raw,
            **extra,
        )


def _items(builder: _Builder, value: object, path: str) -> Sequence[object]:
    """The elements of a list-valued field; Unknown becomes a hole, anything else is ignored."""
    if isinstance(value, Unknown):
        builder.hole(path, value)
        return ()
    if isinstance(value, (list, tuple)):
        return value
    return ()


# ---- Converse --------------------------------------------------------------------------------


def from_converse(request: Mapping[str, Any], *, operation: str | None = None) -> WireRequest:
    """The view of boto3 ``converse`` / ``converse_stream`` keyword arguments."""
    if not isinstance(request, Mapping):
        raise RequestError(f"a Converse request must be an object, not {type(request).__name__}")
    b = _Builder("converse")
    tool_config = request.get("toolConfig")
    if isinstance(tool_config, Unknown):
        b.hole("toolConfig", tool_config)
    elif isinstance(tool_config, Mapping):
        for i, tool in enumerate(_items(b, tool_config.get("tools"), "toolConfig.tools")):
            _converse_element(b, "tools", f"toolConfig.tools[{i}]", tool, ("toolSpec",))
    for i, block in enumerate(_items(b, request.get("system"), "system")):
        _converse_element(b, "system", f"system[{i}]", block, ("text", "guardContent"))
    for m, message in enumerate(_items(b, request.get("messages"), "messages")):
        path = f"messages[{m}]"
        if isinstance(message, Unknown):
            b.hole(path, message)
            continue
        if not isinstance(message, Mapping):
            continue
        if "cache_control" in message:
            b.problems.append(Problem("anthropic-shape-in-converse", f"{path}.cache_control"))
        for c, block in enumerate(_items(b, message.get("content"), f"{path}.content")):
            _converse_element(b, "messages", f"{path}.content[{c}]", block, _CONVERSE_CONTENT_KINDS)
    extra = request.get("additionalModelRequestFields")
    top_level = isinstance(extra, Mapping) and "cache_control" in extra
    betas = _betas(extra.get("anthropic_beta") if isinstance(extra, Mapping) else None)
    return b.build(
        request.get("modelId"),
        request,
        operation=operation,
        top_level_cache_control=top_level,
        betas=betas,
    )


def _converse_element(
    b: _Builder, section: Section, path: str, element: object, kinds: Sequence[str]
) -> None:
    if isinstance(element, Unknown):
        b.hole(path, element)
        return
    if not isinstance(element, Mapping):
        return
    if "cache_control" in element:
        b.problems.append(Problem("anthropic-shape-in-converse", f"{path}.cache_control"))
    members = [k for k in element if k in kinds or k == "cachePoint"]
    if "cachePoint" in element and len(members) > 1:
        b.problems.append(Problem("merged-cache-point", path))
        return
    if "cachePoint" in element:
        previous = b.blocks[-1] if b.blocks else None
        if previous is not None and previous.section == section:
            if previous.kind == "reasoningContent":
                b.problems.append(Problem("after-reasoning", path))
            elif previous.kind == "document" and previous.text not in (None, "pdf"):
                b.problems.append(Problem("after-non-pdf-document", path, str(previous.text)))
        b.breakpoint(section, f"{path}.cachePoint", element["cachePoint"])
        return
    kind = members[0] if members else "other"
    value = element.get(kind)
    text: str | None = None
    if kind == "text" and isinstance(value, str):
        text, tokens = value, estimate_text(value)
    elif kind == "document" and isinstance(value, Mapping):
        fmt = value.get("format")
        text = fmt if isinstance(fmt, str) else None  # the format decides where a cachePoint may go
        tokens = UNBOUNDED
    elif kind in _UNSIZED_KINDS or isinstance(value, Unknown):
        tokens = UNBOUNDED
    else:
        if kind == "toolResult" and isinstance(value, Mapping):
            inner_blocks = value.get("content")
            for r, inner in enumerate(inner_blocks if isinstance(inner_blocks, list) else ()):
                if isinstance(inner, Mapping) and "cachePoint" in inner:
                    b.problems.append(Problem("cache-point-in-tool-result", f"{path}.content[{r}]"))
        tokens = _json_len(value, path)
    b.block(Block(section, path, kind, tokens, text))


# ---- InvokeModel Anthropic body ---------------------------------------------------------------


def from_anthropic_body(
    body: object, *, model_id: object = None, operation: str | None = None
) -> WireRequest:
    """The view of an InvokeModel Anthropic Messages body (dict, JSON text or bytes)."""
    data = parse_body(body)
    if isinstance(data, Unknown):
        b = _Builder("anthropic")
        b.hole("body", data)
        return b.build(model_id, {}, operation=operation)
    if not isinstance(data, Mapping):
        raise RequestError(f"an InvokeModel body must be a JSON object, not {type(data).__name__}")
    b = _Builder("anthropic")
    for i, tool in enumerate(_items(b, data.get("tools"), "tools")):
        _anthropic_block(b, "tools", f"tools[{i}]", tool, default_kind="tool")
    system = data.get("system")
    if isinstance(system, str):
        b.block(Block("system", "system", "text", estimate_text(system), system))
    else:
        for i, block in enumerate(_items(b, system, "system")):
            _anthropic_block(b, "system", f"system[{i}]", block)
    for m, message in enumerate(_items(b, data.get("messages"), "messages")):
        path = f"messages[{m}]"
        if isinstance(message, Unknown):
            b.hole(path, message)
            continue
        if not isinstance(message, Mapping):
            continue
        if "cache_control" in message:
            b.problems.append(Problem("message-level-cache-control", f"{path}.cache_control"))
        content = message.get("content")
        if isinstance(content, str):
            b.block(Block("messages", f"{path}.content", "text", estimate_text(content), content))
            continue
        for c, block in enumerate(_items(b, content, f"{path}.content")):
            _anthropic_block(b, "messages", f"{path}.content[{c}]", block)
    betas = _betas(data.get("anthropic_beta"))
    return b.build(
        model_id if model_id is not None else data.get("model"),
        data,
        operation=operation,
        top_level_cache_control="cache_control" in data,
        betas=betas,
    )


def _anthropic_block(
    b: _Builder, section: Section, path: str, block: object, default_kind: str = "text"
) -> None:
    if isinstance(block, Unknown):
        b.hole(path, block)
        return
    if not isinstance(block, Mapping):
        if isinstance(block, str):  # the anthropic SDK accepts bare strings nowhere; size it anyway
            b.block(Block(section, path, "text", estimate_text(block), block))
        return
    kind = block.get("type", default_kind)
    kind = kind if isinstance(kind, str) else "unknown"
    text = block.get("text") if kind == "text" else None
    if kind == "text" and isinstance(text, str):
        tokens = estimate_text(text)
    elif kind in ("image", "document") or isinstance(text, Unknown):
        tokens, text = UNBOUNDED, None
    else:
        body = {k: v for k, v in block.items() if k != "cache_control"}
        tokens, text = _json_len(body, path), None
    b.block(Block(section, path, kind, tokens, text))
    if "cache_control" in block:
        directive = block["cache_control"]
        if kind in ("thinking", "redacted_thinking"):
            b.problems.append(Problem("thinking-marked", f"{path}.cache_control"))
        b.breakpoint(section, f"{path}.cache_control", directive)


def _betas(value: object) -> tuple[str, ...]:
    """The beta flags that are known strings; an Unknown list contributes none."""
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(v for v in value if isinstance(v, str))
    return ()
