"""BC4xx: what makes the cached prefix differ between calls, so a well-placed breakpoint never hits.

A cache hit needs the prefix up to the breakpoint byte for byte as before. The linter's evaluator
marks values that change (``Volatile``: a clock, a uuid, a random draw, a set's iteration order);
``check_prefix`` reads the marks in the wire view and reports those that sit before a breakpoint.
A mark after the last breakpoint costs nothing and is not reported; a request with no known
breakpoint gets no BC4xx (BC1xx already says it caches nothing). The latest message is exempt
from a breakpoint that closes it: that turn is new on every call anyway, and the breakpoint there
caches it for the next call, where it is history and the same bytes.

These rules are lint-only: ``audit()`` on a JSON request sees final values, not where they came
from, and reports none of them. Their examples are Python sources (``Example("lint", source)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bedrockcache.findings import Finding, Outcome, Severity
from bedrockcache.objects import Constructed
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import SONNET_45
from bedrockcache.unknown import PartialText, Volatile
from bedrockcache.wire import Block, WireRequest, value_at

__all__ = ["RULES", "check_prefix"]

_AWS = "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html"
_ANTHROPIC = "https://platform.claude.com/docs/en/build-with-claude/prompt-caching"
_HASHSEED = "https://docs.python.org/3/using/cmdline.html#envvar-PYTHONHASHSEED"
_JSON = "https://docs.python.org/3/library/json.html#json.dumps"

_HEAD = (
    "import boto3\n"
    "{imports}\n"
    'POLICY = "Follow the refund policy step by step and cite the section you used. " * 200\n'
    'CACHE_POINT = {{"cachePoint": {{"type": "default"}}}}\n'
    'bedrock = boto3.client("bedrock-runtime")\n'
    "{constants}\n\n"
    "def answer(question: str) -> dict:\n"
    "{body}"
    "    return bedrock.converse(\n"
    f'        modelId="{SONNET_45}",\n'
    '        system=[{{"text": {system}}}, CACHE_POINT],\n'
    '        messages=[{{"role": "user", "content": [{{"text": {user}}}]}}],\n'
    "    )\n"
)


def _source(
    system: str, user: str = "question", imports: str = "", constants: str = "", body: str = ""
) -> Example:
    text = _HEAD.format(imports=imports, constants=constants, body=body, system=system, user=user)
    return Example("lint", text)


_NOW = "from datetime import datetime\n"
_MOVE = Autofix(
    (
        "moves the value out of a system text block into the first block of the latest user "
        "turn: the sentence around it when the text is an f-string or a `+` chain (up to a "
        "sentence end, a line break or another placeholder), or the whole block when it is a "
        "short line around the value; only for boto3 and the anthropic SDK, when the latest "
        "turn is a literal user message holding no breakpoint and the value can be evaluated "
        "where that turn is built"
    ),
    safe=False,
    why_unsafe=(
        "the model reads the value in the user's turn rather than in its instructions, and the "
        "expression that makes it runs where the user turn is built"
    ),
)
_TAGS = 'TAGS = {"billing", "refunds", "shipping"}'

RULES = (
    Rule(
        code="BC401",
        name="volatile-value-in-prefix",
        severity=Severity.ERROR,
        outcome=Outcome.UNCACHED,
        summary=(
            "a value that changes on every call (clock, uuid, random draw) sits before a cache "
            "breakpoint: that breakpoint never hits"
        ),
        why=(
            "Bedrock and Anthropic cache the prefix up to a breakpoint only while it stays byte "
            'for byte the same: "alterations to the prompt prefix in subsequent requests will '
            'result in cache misses". A timestamp, request id or random choice of examples in the '
            "tools, the system prompt or an earlier message makes every request a cache write "
            "(1.25x the input price) that no later request reads. After the last breakpoint the "
            "same value costs nothing. Sources: `datetime.now/utcnow/today`, `time.time` and kin, "
            "`time.strftime/ctime/localtime/gmtime` without a time argument, `uuid1/4/6/7`, "
            "`random.*`, `secrets.*`, `os.urandom`, and `volatile-sources` from the config; they "
            "are followed through assignments, f-strings, `.format`, `%`, `+`, `join`, "
            "containers and helper functions of the same module."
        ),
        fix=(
            "move the changing value after the last breakpoint, e.g. into the latest user turn "
            "(a moved value changes what the model reads, so check the prompt still works)"
        ),
        autofix=_MOVE,
        bad=(_source('f"Time: {now}. {POLICY}"', imports=_NOW, body="    now = datetime.now()\n"),),
        good=(
            _source(
                "POLICY",
                'f"Time: {now}. {question}"',
                imports=_NOW,
                body="    now = datetime.now()\n",
            ),
        ),
        layer="stability",
        sources=(_AWS, _ANTHROPIC),
    ),
    Rule(
        code="BC402",
        name="process-value-in-prefix",
        severity=Severity.WARNING,
        outcome=Outcome.DEGRADED,
        summary=(
            "a value that differs per process (pid, host name, a clock read at import) sits "
            "before a cache breakpoint: processes do not share the cache"
        ),
        why=(
            "`os.getpid()`, the host name, or a clock, uuid or random draw evaluated once at "
            "import time is stable within a process but differs between worker processes, "
            "containers and restarts. Each process writes its own copy of the prefix to the "
            "cache and pays the write price for it; a fleet of short-lived workers rarely hits."
        ),
        fix=(
            "move the value after the last breakpoint (into the latest user turn), or drop it "
            "from the prompt"
        ),
        autofix=_MOVE,
        bad=(
            _source(
                'f"Worker {WORKER}. {POLICY}"',
                imports="import os\n",
                constants="WORKER = os.getpid()",
            ),
        ),
        good=(
            _source(
                "POLICY",
                'f"Worker {WORKER}. {question}"',
                imports="import os\n",
                constants="WORKER = os.getpid()",
            ),
        ),
        layer="stability",
        sources=(_AWS, _ANTHROPIC),
    ),
    Rule(
        code="BC403",
        name="date-in-prefix",
        severity=Severity.INFO,
        outcome=Outcome.ADVICE,
        summary="today's date sits before a cache breakpoint: the cache is rewritten once a day",
        why=(
            "`date.today()`, or a time formatted with nothing finer than the day "
            '(`now.strftime("%Y-%m-%d")`, `f"{now:%A %d %B}"`), changes at midnight: the first '
            "request of each day writes the prefix again. That is cheap next to a value that "
            "changes per call, so this is advice, reported only when selected by its full code."
        ),
        fix="move the date into the latest user turn if a daily cache write matters to you",
        autofix=_MOVE,
        bad=(
            Example(
                "lint",
                _source(
                    'f"Today is {date.today()}. {POLICY}"',
                    imports="from datetime import date\n",
                ).request,
                options={"extend_select": ("BC403",)},
            ),
        ),
        good=(
            Example(
                "lint",
                _source(
                    "POLICY",
                    'f"Today is {date.today()}. {question}"',
                    imports="from datetime import date\n",
                ).request,
                options={"extend_select": ("BC403",)},
            ),
        ),
        layer="stability",
        sources=(_AWS,),
    ),
    Rule(
        code="BC404",
        name="set-order-in-prefix",
        severity=Severity.WARNING,
        outcome=Outcome.DEGRADED,
        summary=(
            "iteration over a set puts prompt text or tools before a breakpoint in an order that "
            "differs between processes"
        ),
        why=(
            "Python salts the hash of `str` and `bytes` per process (PYTHONHASHSEED), so a set "
            "of strings iterates in a different order in each worker and after each restart; "
            "objects hash by identity. Text joined from a set, a tools list built from one, or a "
            "dict whose keys came from one differs between processes, which then never share "
            "the cache. A set of numbers, or of a single element, has a fixed order and is not "
            "reported."
        ),
        fix="iterate `sorted(...)` of the set (or keep the items in a list or tuple)",
        autofix=Autofix(
            "wraps the set in `sorted(...)` where it is iterated (`sep.join(s)`, `list(s)`, "
            "`tuple(s)`, a `for` clause), when every element is a string literal or f-string "
            "in the source (a literal, or a name bound once to one and never changed), so "
            "sorting cannot fail and only the order changes"
        ),
        bad=(_source("f\"Topics: {', '.join(TAGS)}. {POLICY}\"", constants=_TAGS),),
        good=(_source("f\"Topics: {', '.join(sorted(TAGS))}. {POLICY}\"", constants=_TAGS),),
        layer="stability",
        sources=(_HASHSEED, _AWS),
    ),
    Rule(
        code="BC405",
        name="unsorted-json-in-prefix",
        severity=Severity.WARNING,
        outcome=Outcome.DEGRADED,
        summary=(
            "`json.dumps` without `sort_keys=True` writes a mapping whose key order follows a "
            "set into the prefix"
        ),
        why=(
            "A dict keeps insertion order, so `json.dumps` of a dict literal is stable and is "
            "not reported. A dict built by iterating a set (`{k: v for k in names}`, "
            "`dict.fromkeys(names)`) has the set's per-process order, and its JSON differs "
            "between processes: they never share the cache."
        ),
        fix="pass `sort_keys=True` to `json.dumps`",
        autofix=Autofix(
            "adds `sort_keys=True` to the `json.dumps` call that writes the dict, when its keys "
            "are certainly strings (`{k: v for k in S}` or `dict.fromkeys(S, v)` over a set of "
            "string literals, no nested dict; otherwise sorting could raise TypeError) and the "
            "call does not already pass `sort_keys` or `*args`/`**kwargs`"
        ),
        bad=(
            _source(
                'f"Limits: {json.dumps(LIMITS)}. {POLICY}"',
                imports="import json\n",
                constants=_TAGS + "\nLIMITS = {tag: 100 for tag in TAGS}",
            ),
        ),
        good=(
            _source(
                'f"Limits: {json.dumps(LIMITS, sort_keys=True)}. {POLICY}"',
                imports="import json\n",
                constants=_TAGS + "\nLIMITS = {tag: 100 for tag in TAGS}",
            ),
        ),
        layer="stability",
        sources=(_JSON, _HASHSEED, _AWS),
    ),
)
_BY_CODE = {r.code: r for r in RULES}


@dataclass(frozen=True)
class PrefixFinding:
    finding: Finding
    mark: Volatile  # the value that changes; ``mark.node`` is where it comes from


def check_prefix(
    wire: WireRequest, line_of: Callable[[object], int | None] = lambda node: None
) -> list[PrefixFinding]:
    """The changing values of a request that sit before one of its breakpoints."""
    if not wire.breakpoints:
        return []
    position = {id(block): i for i, block in enumerate(wire.blocks)}
    last_message = _last_message(wire.blocks)
    closing = _closing_breakpoints(wire, position, last_message)
    found: list[PrefixFinding] = []
    seen: set[tuple[str, int]] = set()
    for i, block in enumerate(wire.blocks):
        first = _first_caching(wire, position, closing, i, _message_of(block) == last_message)
        if first is None:
            continue
        for mark in _marks(value_at(wire.raw, block.path)):
            code = _code(mark)
            key = (code, id(mark.node) if mark.node is not None else hash(mark.origin))
            if key in seen:
                continue
            seen.add(key)
            where = _where(block, last_message)
            message = _message(code, mark, where, first, line_of(mark.node))
            rule = _BY_CODE[code]
            found.append(PrefixFinding(rule.finding(message, path=block.path), mark))
    return found


def _code(mark: Volatile) -> str:
    if mark.kind == "order":
        return "BC404"
    if mark.kind == "keys":
        return "BC405"
    return {"call": "BC401", "process": "BC402", "day": "BC403"}[mark.scope]


def _message(code: str, mark: Volatile, where: str, breakpoint: int, line: int | None) -> str:
    at = f" (line {line})" if line is not None else ""
    n = f"breakpoint {breakpoint}"
    if code == "BC401":
        return (
            f"`{mark.origin}`{at} changes on every call and makes {where} differ: the cache "
            f"of {n} (and of every later breakpoint) never hits; move the value after the last "
            "breakpoint (into the latest user turn)"
        )
    if code == "BC402":
        return (
            f"`{mark.origin}`{at} differs between processes and is in {where}: each process "
            f"writes its own cache for {n}; move it after the last breakpoint"
        )
    if code == "BC403":
        return (
            f"the date from `{mark.origin}`{at} is in {where} and changes every day: the "
            f"cache of {n} is written again each day"
        )
    if code == "BC404":
        return (
            f"`{mark.origin}`{at} is a set or built from one, and its iteration order, which "
            f"differs between processes, goes into {where}: they do not share the cache of "
            f"{n}; iterate `sorted(...)` instead"
        )
    return (
        f"`{mark.origin}`{at} writes a dict whose keys follow a set's per-process order into "
        f"{where}: processes do not share the cache of {n}; pass `sort_keys=True`"
    )


def _where(block: Block, last_message: int | None) -> str:
    if block.section == "tools":
        return "the tool definitions"
    if block.section == "system":
        return "the system prompt"
    if _message_of(block) == last_message:
        return f"{_message_path(block.path)} (the latest turn, before its breakpoint)"
    return f"{_message_path(block.path)} (an earlier turn)"


def _message_path(path: str) -> str:
    match = re.match(r"messages\[\d+\]", path)
    return match.group(0) if match else path


def _message_of(block: Block) -> int | None:
    match = re.match(r"messages\[(\d+)\]", block.path) if block.section == "messages" else None
    return int(match.group(1)) if match else None


def _last_message(blocks: tuple[Block, ...]) -> int | None:
    indexes = [m for m in (_message_of(b) for b in blocks) if m is not None]
    return max(indexes, default=None)


def _closing_breakpoints(
    wire: WireRequest, position: Mapping[int, int], last_message: int | None
) -> set[int]:
    """Breakpoints that close the latest message: nothing of that message follows them."""
    closing: set[int] = set()
    if last_message is None:
        return closing
    for n, bp in enumerate(wire.breakpoints):
        if bp.marks is None or _message_of(bp.marks) != last_message:
            continue
        after = wire.blocks[position[id(bp.marks)] + 1 :]
        if not any(_message_of(b) == last_message for b in after):
            closing.add(n)
    return closing


def _first_caching(
    wire: WireRequest,
    position: Mapping[int, int],
    closing: set[int],
    index: int,
    in_last_message: bool,
) -> int | None:
    """The number (1-based) of the first breakpoint whose cached prefix holds block ``index``."""
    for n, bp in enumerate(wire.breakpoints):
        if bp.marks is None or id(bp.marks) not in position:
            continue
        if position[id(bp.marks)] < index or (in_last_message and n in closing):
            continue
        return n + 1
    return None


def _marks(value: Any, depth: int = 0) -> Iterator[Volatile]:
    """Every mark in a value, in order (a block may hold a clock and a uuid)."""
    if depth > 12:
        return
    if isinstance(value, Volatile):
        yield value
    elif isinstance(value, PartialText):
        for part in value.parts:
            if isinstance(part, Volatile):
                yield part
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _marks(key, depth + 1)
            yield from _marks(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _marks(item, depth + 1)
    elif isinstance(value, Constructed):
        yield from _marks(value.kwargs, depth + 1)
    elif type(value).__name__ == "Dumped":
        yield from _marks(getattr(value, "value", None), depth + 1)
