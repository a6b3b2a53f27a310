"""Did the cached prefix change between two calls that should have shared it?

A breakpoint only pays off when the next request repeats everything before it byte for byte. This
compares consecutive requests from the same call path block by block (tools, then system, then
messages; cache directives themselves left out) up to the earlier request's last breakpoint, and
reports the first block that differs, where in it, and which breakpoints that difference voids.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bedrockcache.capturing.record import CapturedRequest
from bedrockcache.wire import Block, WireRequest, value_at

__all__ = ["PrefixChange", "prefix_changes"]

_EXCERPT = 24  # characters shown on each side of the first difference


@dataclass(frozen=True)
class PrefixChange:
    """The first difference between the cached prefixes of two requests of one call path."""

    before: CapturedRequest
    after: CapturedRequest
    path: str  # the block that differs, e.g. system[0]; "(end of prefix)" when one ran out
    offset: int  # byte offset (UTF-8) of the first difference in that block's text or JSON
    excerpt_before: str
    excerpt_after: str
    invalidated: tuple[str, ...]  # the earlier request's breakpoints that cannot hit

    def describe(self) -> str:
        where = f" at {self.before.call_site}" if self.before.call_site else ""
        voided = self.invalidated[0]
        more = f" and {len(self.invalidated) - 1} after it" if len(self.invalidated) > 1 else ""
        return (
            f"requests {self.before.index} and {self.after.index} ({self.after.operation} "
            f"{self.after.model_id}{where}): the cached prefix differs at {self.path}, "
            f"byte {self.offset}:\n"
            f"    before: {self.excerpt_before!r}\n"
            f"    after:  {self.excerpt_after!r}\n"
            f"  so breakpoint {voided}{more} never hits: move what changes per call after the "
            f"last breakpoint (into the latest user turn)"
        )


def prefix_changes(requests: Iterable[CapturedRequest]) -> tuple[list[PrefixChange], int]:
    """The prefix changes between consecutive requests of each call path, and how many pairs
    were compared (a pair needs a breakpoint in the earlier request)."""
    groups: dict[tuple[object, ...], list[CapturedRequest]] = {}
    for request in requests:
        groups.setdefault(_call_path(request), []).append(request)
    changes, compared = [], 0
    for group in groups.values():
        for before, after in itertools.pairwise(group):
            wire_before, wire_after = before.report.wire, after.report.wire
            if wire_before is None or wire_after is None or not wire_before.breakpoints:
                continue
            compared += 1
            change = _first_change(before, after, wire_before, wire_after)
            if change is not None:
                changes.append(change)
    return changes, compared


def _call_path(request: CapturedRequest) -> tuple[object, ...]:
    return (request.call_site, request.operation, request.model_id)


def _first_change(
    before: CapturedRequest, after: CapturedRequest, a: WireRequest, b: WireRequest
) -> PrefixChange | None:
    marked = [bp.marks for bp in a.breakpoints if bp.marks is not None]
    if not marked:
        return None
    last = max(a.blocks.index(block) for block in marked)
    for i, block in enumerate(a.blocks[: last + 1]):
        left = _content(a, block)
        if i >= len(b.blocks):
            return _change(before, after, a, i, "(end of prefix)", left, "")
        other = b.blocks[i]
        right = _content(b, other)
        if block.path != other.path or left != right:
            return _change(before, after, a, i, block.path, left, right)
    return None


def _change(
    before: CapturedRequest,
    after: CapturedRequest,
    wire: WireRequest,
    index: int,
    path: str,
    left: str,
    right: str,
) -> PrefixChange:
    offset = next(
        (n for n, (x, y) in enumerate(zip(left, right, strict=False)) if x != y),
        min(len(left), len(right)),
    )
    start = max(0, offset - _EXCERPT)
    byte_offset = len(left[:offset].encode("utf-8"))
    invalidated = tuple(
        bp.path
        for bp in wire.breakpoints
        if bp.marks is not None and wire.blocks.index(bp.marks) >= index
    )
    return PrefixChange(
        before,
        after,
        path,
        byte_offset,
        left[start : offset + _EXCERPT],
        right[start : offset + _EXCERPT],
        invalidated,
    )


def _content(wire: WireRequest, block: Block) -> str:
    """The block as sent, minus cache directives: its text, or its JSON in the order sent."""
    if block.text is not None and block.kind == "text":
        return block.text
    element = value_at(wire.raw, block.path)
    return json.dumps(_without_directives(element), ensure_ascii=False)


def _without_directives(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_directives(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [_without_directives(v) for v in value]
    return value
