"""suggest_breakpoints(): where the cache breakpoints of a request should go, and what they save.

An audit says what is wrong; this says what is right. It reads the request as it reaches Bedrock
(through the layer's backend, like ``audit()``) and places at most ``max_breakpoints`` points that
maximize the tokens read from cache on repeated calls, under the rules Bedrock enforces:

- A point is suggested only where Bedrock accepts one: not after a reasoning/thinking block, not
  after a non-PDF document (Converse), not on empty text, never inside ``toolResult`` content (the
  view has no blocks there, so every place considered is a top-level block).
- Its prefix must reach the model's minimum by the LOW token estimate: a point that may cache
  nothing costs a slot and the 25% write premium for no read.
- Text known only at run time (``PartialText`` with unknown parts, ``Unknown``) is volatile: a point
  at or after it writes a new cache entry every call and is never read back, so every fixed point
  goes before the first volatile block. The one exception is the moving point on the latest user
  turn of a conversation, which is expected to move: the next call reads what it wrote.
- TTLs: ``1h`` is used only when the request already asks for it and the model offers it, and only
  on the earliest points, so no ``1h`` point follows a ``5m`` one. The moving point stays ``5m``.

How the fixed points are chosen. Every legal place before the first volatile block is a candidate:
the end of the tools, the end of each system block, the end of each message (its stable part).
Each candidate is a place where a later call may start to differ (another document, another user,
a new turn); such a call reads from cache the prefix of the last point at or before that place. The
chosen set maximizes that total over all candidates (exactly, by dynamic programming), which favors
points that close large stretches of stable content: after the tools, after the stable system
prompt, at the end of the stable context. The last candidate of a single-turn request (the end of
stable context, what an identical repeated call reads) is always kept; in a conversation the moving
point plays that role.

Paths name the block after which a point goes, in the Bedrock request (``system[0]``,
``messages[2].content[1]``); a layer such as LiteLLM or Strands expresses that in its own way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bedrockcache.backends import Backend, detect_backend, parse_backend, translator
from bedrockcache.facts import Facts, ModelFacts, ModelRef, default_facts
from bedrockcache.tokens import ZERO, TokenBand
from bedrockcache.unknown import PartialText, Unknown
from bedrockcache.wire import Block, Section, WireRequest

__all__ = ["Placement", "Suggestion", "suggest_breakpoints", "suggestion_dict", "suggestion_text"]

_UNMARKABLE_KINDS = {"reasoningContent", "thinking", "redacted_thinking", "unknown"}
_DIRECT_BACKENDS = {Backend.BEDROCK_CONVERSE, Backend.BEDROCK_INVOKE_ANTHROPIC}
_MESSAGE = re.compile(r"^messages\[(\d+)\]")
_PART = re.compile(r"^(\w+)((?:\[\d+\])*)$")
_MISSING = object()


@dataclass(frozen=True)
class Placement:
    """One suggested breakpoint: it goes right after the block at ``path``.

    ``tokens`` is the whole prefix it caches (tools -> system -> messages up to that block).
    """

    section: Section
    path: str
    after_kind: str
    ttl: str
    tokens: TokenBand
    reason: str


@dataclass(frozen=True)
class Suggestion:
    """The best placement for a request, what a repeated call reads from cache, and why.

    ``cached_tokens`` is the prefix of the last placement: what the next identical call (or the
    next turn of a conversation) reads from cache. ``saving_per_call_usd`` is (low, high) of
    ``cached_tokens x (input - read price)`` at the model's prices, with the regional premium for
    non-``global.`` ids; ``high`` is ``math.inf`` when the token band has no upper bound (an image,
    a document, a value known only at run time), and the whole is None when the model has no
    prices. The first call pays the write price instead; the figure is for the calls after it.
    """

    placements: tuple[Placement, ...]
    cached_tokens: TokenBand
    saving_per_call_usd: tuple[float, float] | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class _Candidate:
    index: int  # in wire.blocks
    block: Block
    role: str  # tools | system | context | turn
    message: int | None


def suggest_breakpoints(
    request: Mapping[str, Any] | Any,
    model: str | None = None,
    *,
    backend: Backend | str | None = None,
    facts: Facts | None = None,
) -> Suggestion:
    """The breakpoints that serve the most tokens from cache for ``request``, within the rules.

    ``request`` and ``backend`` are what ``audit()`` takes (the backend is detected when omitted);
    ``model`` is a Bedrock model id that overrides the request's own when given. Raises ValueError
    (RequestError) on an unknown backend or a request Bedrock could never parse, like ``audit()``.
    """
    facts = facts or default_facts()
    chosen_backend = detect_backend(request) if backend is None else parse_backend(backend)
    translation = translator(chosen_backend).translate(request, facts, chosen_backend)
    wire = translation.wire
    if wire is None:
        why = "; ".join(f.message for f in translation.findings) or "the layer refuses it"
        return Suggestion((), ZERO, None, (f"nothing reaches Bedrock: {why}",))
    model_id = model if model is not None else wire.model_id
    ref = facts.resolve(model_id) if isinstance(model_id, str) else None
    return _Planner(wire, facts, ref, chosen_backend).run()


class _Planner:
    """One suggestion: candidates, the choice among them, TTLs, prices and notes."""

    def __init__(
        self, wire: WireRequest, facts: Facts, ref: ModelRef | None, backend: Backend
    ) -> None:
        self.wire = wire
        self.facts = facts
        self.ref = ref
        self.backend = backend
        self.model: ModelFacts | None = ref.model if ref is not None else None
        self.notes: list[str] = []
        self.latest: int | None = None  # the latest user turn, in a conversation
        self.first_volatile = 0
        self.blocks = wire.blocks
        self.index = {b.path: i for i, b in enumerate(self.blocks)}
        self.prefix: list[TokenBand] = []
        total = ZERO
        for block in self.blocks:
            total = total + block.tokens
            self.prefix.append(total)

    # ---- the model -----------------------------------------------------------------------------

    def _minimum(self) -> int | None:
        """The model's minimum, or None when the facts do not know the model (not checked)."""
        return self.model.min_tokens if self.model is not None else None

    def _model_notes(self) -> bool:
        """Notes about the model; False when it cannot cache at all (nothing to suggest)."""
        if self.model is None:
            what = (
                "no model id in the request"
                if self.ref is None
                else f"model `{self.ref.raw}` is not in bedrockcache's model data"
            )
            self.notes.append(f"{what}: the minimum is not checked and no saving is computed")
            return True
        if self.model.caching == "no":
            self.notes.append(
                f"{self.model.name} does not support prompt caching on Bedrock: no breakpoint "
                "to suggest (a cache directive would make the call fail)"
            )
            return False
        if self.model.caching == "preview":
            self.notes.append(f"{self.model.name} caches only for accounts admitted to the preview")
        return True

    # ---- what may be marked, what is volatile --------------------------------------------------

    def _markable(self, block: Block) -> bool:
        if block.kind in _UNMARKABLE_KINDS or block.is_empty_text:
            return False
        # Converse refuses a cachePoint right after a non-PDF document (the view keeps its format).
        return not (block.kind == "document" and block.text not in (None, "pdf"))

    def _volatile(self, block: Block) -> bool:
        if block.kind == "unknown":
            return True
        if isinstance(block.text, PartialText) and block.text.unknown_parts:
            return True
        return _holds_runtime_value(_resolve(self.wire.raw, block.path))

    def _roles(self) -> dict[int, str]:
        messages = self.wire.raw.get("messages") if isinstance(self.wire.raw, Mapping) else None
        roles: dict[int, str] = {}
        if isinstance(messages, (list, tuple)):
            for m, message in enumerate(messages):
                if isinstance(message, Mapping) and isinstance(message.get("role"), str):
                    roles[m] = message["role"]
        return roles

    # ---- the plan ------------------------------------------------------------------------------

    def run(self) -> Suggestion:
        user_turns = sorted(m for m, role in self._roles().items() if role == "user")
        self.latest = user_turns[-1] if len(user_turns) >= 2 else None
        self.first_volatile = next(
            (i for i, b in enumerate(self.blocks) if self._volatile(b)), len(self.blocks)
        )
        if not self._model_notes():
            return Suggestion((), ZERO, None, tuple(self.notes + self._existing_notes({})))
        first_volatile = self.first_volatile
        if first_volatile < len(self.blocks):
            self.notes.append(
                f"{self.blocks[first_volatile].path} holds a value known only at run time: "
                "no fixed breakpoint at or after it (its prefix would change every call)"
            )
        latest, minimum = self.latest, self._minimum()
        moving = self._moving_candidate(latest, minimum) if latest is not None else None
        fixed = self._fixed_candidates(first_volatile, latest, minimum)
        slots = self.facts.bedrock.max_breakpoints - (1 if moving else 0)
        forced: set[int] = set()
        if fixed and moving is None:
            forced.add(len(fixed) - 1)  # end of stable context: what an identical call reads
        if moving is not None:
            forced |= self._lookback_forced(fixed, moving, user_turns[-2])
        values = [self.prefix[c.index].low for c in fixed]
        chosen = [fixed[i] for i in _choose(values, slots, forced)]
        if moving is not None:
            chosen.append(moving)
            volatile_message = (
                _message_index(self.blocks[first_volatile].path)
                if first_volatile < len(self.blocks)
                else latest
            )
            if moving.index > first_volatile and volatile_message != latest:
                self.notes.append(
                    f"the moving point after {moving.block.path} follows the run-time value in "
                    f"{self.blocks[first_volatile].path}: the next call reads it back only if "
                    "that value is the same"
                )
        ttls = self._ttls(chosen, moving)
        placements = tuple(
            Placement(
                section=c.block.section,
                path=c.block.path,
                after_kind=c.block.kind,
                ttl=ttl,
                tokens=self.prefix[c.index],
                reason=self._reason(c, chosen, first_volatile),
            )
            for c, ttl in zip(chosen, ttls, strict=True)
        )
        if not placements:
            self.notes.append("no place in this request can carry a breakpoint that caches")
        self._string_notes(placements)
        if self.backend not in _DIRECT_BACKENDS and placements:
            self.notes.append(
                f"paths are in the Bedrock request that {self.backend.value} sends; "
                "express each point in that layer's own way"
            )
        cached = placements[-1].tokens if placements else ZERO
        notes = self.notes + self._existing_notes({p.path: p for p in placements})
        return Suggestion(placements, cached, self._saving(cached, placements), tuple(notes))

    def _below(self, index: int, minimum: int | None, what: str) -> bool:
        """True (with a note) when the prefix up to ``index`` may not reach the minimum."""
        band = self.prefix[index]
        if minimum is None or band.reaches(minimum):
            return False
        name = self.model.name if self.model else "the model"
        self.notes.append(
            f"no point after {self.blocks[index].path} ({what}): {band} tokens, below "
            f"{name}'s minimum of {minimum:,} by the low estimate"
        )
        return True

    def _fixed_candidates(
        self, first_volatile: int, latest: int | None, minimum: int | None
    ) -> list[_Candidate]:
        """The last markable block of each unit (tools, a system block, a message) before
        the first volatile block; in a conversation only the messages before the latest turn."""
        last_of_unit: dict[tuple[str, int | None], _Candidate] = {}
        for i, block in enumerate(self.blocks[:first_volatile]):
            message = _message_index(block.path)
            if block.section == "messages" and (
                message is None or (latest is not None and message >= latest)
            ):
                continue
            if not self._markable(block):
                continue
            if block.section == "tools":
                unit: tuple[str, int | None] = ("tools", None)
            elif block.section == "system":
                unit = ("system", i)
            else:
                unit = ("messages", message)
            role = "context" if block.section == "messages" else block.section
            last_of_unit[unit] = _Candidate(i, block, role, message)
        candidates = sorted(last_of_unit.values(), key=lambda c: c.index)
        return [c for c in candidates if not self._below(c.index, minimum, _ROLE_NAMES[c.role])]

    def _moving_candidate(self, latest: int, minimum: int | None) -> _Candidate | None:
        """The last markable block of the latest user turn."""
        found = None
        for i, block in enumerate(self.blocks):
            if _message_index(block.path) == latest and self._markable(block):
                found = _Candidate(i, block, "turn", latest)
        if found is None:
            self.notes.append(f"messages[{latest}] has no block that can carry the moving point")
            return None
        if self._below(found.index, minimum, "moving point on the latest user turn"):
            return None
        return found

    def _lookback_forced(
        self, fixed: Sequence[_Candidate], moving: _Candidate, previous_turn: int
    ) -> set[int]:
        """Keep a point on the previous user turn when the latest turn is beyond the lookback.

        Bedrock looks for an earlier cache entry about ``lookback_blocks`` blocks back from each
        point. The previous call wrote its entry at the end of the previous user turn; if the
        turns since then add more blocks than that, only a point exactly there reads it.
        """
        lookback = self.facts.bedrock.lookback_blocks
        for position, c in enumerate(fixed):
            if c.message == previous_turn and moving.index - c.index > lookback:
                self.notes.append(
                    f"the latest turn adds {moving.index - c.index} blocks, more than the "
                    f"{lookback}-block lookback: a point after {c.block.path} reads what the "
                    "previous call wrote"
                )
                return {position}
        return set()

    def _ttls(self, chosen: Sequence[_Candidate], moving: _Candidate | None) -> list[str]:
        """5m everywhere unless the request asks for 1h: then 1h on the points up to the last
        place asked, which keeps every 1h point before every 5m one. The moving point stays 5m:
        it moves each turn, and a 1h write costs more than a 5m one."""
        default = self.facts.bedrock.default_ttl
        asked = [
            self.index[bp.marks.path]
            for bp in self.wire.breakpoints
            if bp.ttl == "1h" and bp.marks is not None and bp.marks.path in self.index
        ]
        ttls = [default] * len(chosen)
        if not asked:
            return ttls
        if self.model is None or "1h" not in self.model.ttls:
            name = self.model.name if self.model else "an unknown model"
            self.notes.append(f"1h TTL requested, but {name} is not known to offer it: 5m used")
            return ttls
        fixed = [k for k, c in enumerate(chosen) if c is not moving]
        long = [k for k in fixed if chosen[k].index <= max(asked)] or fixed[:1]
        for k in long:
            ttls[k] = "1h"
        if moving is not None and moving.index <= max(asked):
            self.notes.append("the moving point stays 5m: it moves every turn")
        return ttls

    def _reason(self, c: _Candidate, chosen: Sequence[_Candidate], first_volatile: int) -> str:
        if c.role == "turn":
            return "moving point on the latest user turn: the next call reads the conversation"
        if c.role == "tools":
            return "caches the tool definitions, shared by every call"
        if c.role == "system":
            if any(o.role == "system" and o.index > c.index for o in chosen):
                return f"caches the system prompt up to {c.block.path}"
            volatile = self.blocks[first_volatile] if first_volatile < len(self.blocks) else None
            if volatile is not None and volatile.section == "system":
                return "caches the stable part of the system prompt, before the run-time value"
            if any(b.section == "tools" for b in self.blocks):
                return "caches the tools and the system prompt"
            return "caches the system prompt"
        return f"caches the stable context up to messages[{c.message}]"

    def _string_notes(self, placements: Sequence[Placement]) -> None:
        if self.wire.dialect != "anthropic":
            return
        for p in placements:
            if p.path == "system" or p.path.endswith(".content"):
                self.notes.append(
                    f"{p.path} is a plain string: write it as a list of text blocks so the "
                    "last one can carry cache_control"
                )

    def _saving(
        self, cached: TokenBand, placements: Sequence[Placement]
    ) -> tuple[float, float] | None:
        if self.model is None or self.model.prices is None or not placements:
            return None
        prices = self.model.prices
        premium = self.model.regional_premium
        if self.ref is not None and self.ref.profile_prefix == "global":
            premium = 0.0
        per_token = (prices.input - prices.read) * (1 + premium) / 1e6
        high = math.inf if cached.high is None else cached.high * per_token
        return (cached.low * per_token, high)

    # ---- the request's own breakpoints ---------------------------------------------------------

    def _existing_notes(self, suggested: Mapping[str, Placement]) -> list[str]:
        """Which of the request's breakpoints are kept, moved, or useless (and why)."""
        notes: list[str] = []
        minimum = self._minimum()
        kept = {bp.marks.path for bp in self.wire.breakpoints if bp.marks}
        unmatched = [p for p in suggested.values() if p.path not in kept]
        limit = self.facts.bedrock.max_breakpoints
        for n, bp in enumerate(self.wire.breakpoints):
            where = f"existing breakpoint {bp.path}"
            marks = bp.marks
            if n >= limit:
                notes.append(f"{where}: useless, Bedrock rejects a breakpoint past the {limit}th")
                continue
            if marks is None:
                notes.append(f"{where}: useless, nothing precedes it")
                continue
            if marks.path in suggested:
                ttl = suggested[marks.path].ttl
                written = self.facts.bedrock.default_ttl if bp.ttl is None else bp.ttl
                change = "" if written == ttl else f" (ttl {written} -> {ttl})"
                notes.append(f"{where}: kept{change}")
                continue
            index = self.index.get(marks.path, len(self.blocks))
            if self.model is not None and self.model.caching == "no":
                notes.append(f"{where}: useless, {self.model.name} does not cache")
            elif not self._markable(marks):
                notes.append(f"{where}: useless, Bedrock does not cache after a {marks.kind} block")
            elif minimum is not None and bp.tokens.below(minimum):
                notes.append(f"{where}: useless, {bp.tokens} tokens is below the minimum")
            elif index >= self.first_volatile and (
                self.latest is None or _message_index(marks.path) != self.latest
            ):
                notes.append(f"{where}: useless, it follows a value known only at run time")
            elif unmatched:
                target = min(unmatched, key=lambda p: abs(self.index[p.path] - index))
                unmatched.remove(target)
                notes.append(f"{where}: moved to after {target.path}")
            else:
                notes.append(f"{where}: dropped, the suggested points cache more")
        for problem in self.wire.problems:
            if problem.kind in ("merged-cache-point", "cache-point-in-tool-result"):
                notes.append(f"existing directive at {problem.path}: useless, not a legal place")
        return notes


_ROLE_NAMES = {"tools": "end of the tools", "system": "system prompt", "context": "context"}


def _choose(values: Sequence[int], slots: int, forced: set[int]) -> list[int]:
    """Indices of at most ``slots`` candidates that maximize the tokens read from cache.

    A later call that differs from candidate ``d`` on reads the prefix of the last chosen point
    at or before ``d``; the sum of that over every ``d`` is maximized exactly. The indices in
    ``forced`` are always chosen.

    ``best[c][j]`` (the score of ``c`` points, the last at ``j``, counting the candidates before
    ``j``) is the best over ``i < j`` of ``best[c-1][i] + values[i] * (j - i)``: a line in ``j``
    per earlier point, so each step asks which line is highest at ``j`` (a Li Chao tree,
    O(n log n) per point instead of O(n^2)). A forced index between ``i`` and ``j`` rules ``i``
    out, so passing one starts the lines afresh. Ties go to the earliest ``i``.
    """
    n = len(values)
    k = min(slots, n)
    if k <= 0:
        return []
    forced = set(sorted(forced)[-k:])
    minus = float("-inf")
    first_forced = min(forced, default=n)

    # best[c][j]: score of c points, the last at j, counting the candidates before j.
    best = [[minus] * n for _ in range(k + 1)]
    parent = [[-1] * n for _ in range(k + 1)]
    for j in range(min(first_forced + 1, n)):
        best[1][j] = 0.0
    for c in range(2, k + 1):
        lines = _Lines(n)
        for j in range(1, n):
            i = j - 1
            if i in forced:
                lines = _Lines(n)  # no point before a forced one may precede a point after it
            if best[c - 1][i] != minus:
                lines.add(_Line(best[c - 1][i], values[i], i))
            top = lines.top(j)
            if top is not None:
                best[c][j], parent[c][j] = top.at(j), top.index
    last_forced = max(forced, default=-1)
    end, top_score = -1, minus
    for j in range(max(last_forced, 0), n):
        if best[k][j] != minus:
            score = best[k][j] + values[j] * (n - j)
            if score > top_score:
                end, top_score = j, score
    picked = []
    c = k
    while end >= 0 and c >= 1:
        picked.append(end)
        end, c = parent[c][end], c - 1
    return sorted(picked)


@dataclass(frozen=True)
class _Line:
    """``base + slope * (x - index)``: the score of the point at ``index`` carried on to ``x``."""

    base: float
    slope: int
    index: int

    def at(self, x: int) -> float:
        return self.base + self.slope * (x - self.index)

    def beats(self, other: _Line, x: int) -> bool:
        here, there = self.at(x), other.at(x)
        return here > there or (here == there and self.index < other.index)


class _Lines:
    """A Li Chao tree over the integers ``0..size-1``: the highest of the lines added at a point.

    Two lines cross at most once (with ties broken by index, one beats the other on a prefix or
    a suffix of the range), so each node keeps the line that wins at its middle and passes the
    other down to the one half where it can still win.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.nodes: dict[int, _Line] = {}

    def add(self, line: _Line) -> None:
        node, lo, hi = 1, 0, self.size - 1
        while True:
            held = self.nodes.get(node)
            if held is None:
                self.nodes[node] = line
                return
            mid = (lo + hi) // 2
            if line.beats(held, mid):
                self.nodes[node], line = line, held
                held = self.nodes[node]
            if lo == hi:
                return
            if line.beats(held, lo):
                node, hi = 2 * node, mid
            elif line.beats(held, hi):
                node, lo = 2 * node + 1, mid + 1
            else:
                return

    def top(self, x: int) -> _Line | None:
        node, lo, hi = 1, 0, self.size - 1
        found: _Line | None = None
        while node in self.nodes:
            held = self.nodes[node]
            if found is None or held.beats(found, x):
                found = held
            if lo == hi:
                break
            mid = (lo + hi) // 2
            node, lo, hi = (2 * node, lo, mid) if x <= mid else (2 * node + 1, mid + 1, hi)
        return found


def _message_index(path: str) -> int | None:
    match = _MESSAGE.match(path)
    return int(match[1]) if match else None


def _resolve(raw: object, path: str) -> object:
    """The element at a view path (``messages[1].content[0]``) in the request, if it is there."""
    node = raw
    for part in path.split("."):
        match = _PART.match(part)
        if match is None or not isinstance(node, Mapping) or match[1] not in node:
            return _MISSING
        node = node[match[1]]
        for index in re.findall(r"\[(\d+)\]", match[2]):
            if not isinstance(node, (list, tuple)) or int(index) >= len(node):
                return _MISSING
            node = node[int(index)]
    return node


def _holds_runtime_value(value: object) -> bool:
    """An Unknown, or text with unknown parts, anywhere in the element (directives aside)."""
    if isinstance(value, Unknown):
        return True
    if isinstance(value, PartialText):
        return bool(value.unknown_parts)
    if isinstance(value, Mapping):
        return any(_holds_runtime_value(v) for k, v in value.items() if k != "cache_control")
    if isinstance(value, (list, tuple)):
        return any(_holds_runtime_value(v) for v in value)
    return False


# ---- output (the CLI prints these) ----------------------------------------------------------


def _band(band: TokenBand) -> dict[str, int | None]:
    return {"low": band.low, "high": band.high}


def suggestion_dict(suggestion: Suggestion) -> dict[str, Any]:
    """JSON-ready data; an unbounded dollar figure is ``null``."""
    saving = suggestion.saving_per_call_usd
    return {
        "placements": [
            {
                "section": p.section,
                "path": p.path,
                "after_kind": p.after_kind,
                "ttl": p.ttl,
                "tokens": _band(p.tokens),
                "reason": p.reason,
            }
            for p in suggestion.placements
        ],
        "cached_tokens": _band(suggestion.cached_tokens),
        "saving_per_call_usd": None
        if saving is None
        else [round(v, 8) if math.isfinite(v) else None for v in saving],
        "notes": list(suggestion.notes),
    }


def suggestion_text(suggestion: Suggestion) -> str:
    """The suggestion for a terminal: one line a point, then the totals and the notes."""
    lines = ["placements:" if suggestion.placements else "placements:        none"]
    for n, p in enumerate(suggestion.placements, 1):
        lines.append(f"  {n}. after {p.path} ({p.after_kind}), ttl {p.ttl}, {p.tokens} tokens")
        lines.append(f"     {p.reason}")
    lines.append(f"cached_tokens:     {suggestion.cached_tokens}")
    saving = suggestion.saving_per_call_usd
    if saving is not None:
        low, high = saving
        upper = "" if high == low else "+" if math.isinf(high) else f"-${high:.4f}"
        lines.append(f"saving_per_call:   ${low:.4f}{upper}")
    if suggestion.notes:
        lines.append("notes:")
        lines += [f"  - {note}" for note in suggestion.notes]
    return "\n".join(lines)
