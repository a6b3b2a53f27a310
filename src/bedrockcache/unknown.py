"""The value nobody could determine.

Static evaluation rarely sees a whole request. Where a value is not known it is an ``Unknown``
(carrying where it came from), never a guess: rules report only what the known parts prove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Alternatives", "PartialText", "Unknown", "Volatile", "join_parts"]


@dataclass(frozen=True)
class Unknown:
    """A value that could not be determined; ``source`` says from what (a node, a call, a name)."""

    source: str = "unknown"

    def __repr__(self) -> str:
        return f"Unknown({self.source!r})"


@dataclass(frozen=True)
class Volatile(Unknown):
    """An Unknown known to differ between calls (a clock, a uuid) or processes (set order).

    It stays an Unknown to every reader that does not ask; the prefix-stability rules (BC4xx) ask
    where it came from: ``origin`` is the source as written, ``node`` the source node to report.
    ``scope`` is how often it changes: "call", "process" or "day"; ``kind`` is what it is:
    "value" (a per-call source), "order" (iteration over a set) or "keys" (json.dumps of a mapping
    whose key order follows a set).
    """

    origin: str = ""
    scope: str = "call"
    kind: str = "value"
    node: object = field(default=None, compare=False, hash=False, repr=False)

    def __repr__(self) -> str:
        return f"Volatile({self.source!r}, {self.origin!r}, {self.scope}, {self.kind})"


@dataclass(frozen=True)
class Alternatives(Unknown):
    """One of several known values, chosen at run time by a test the source does not decide:
    ``LONG if detailed else SHORT``, a name assigned in both branches of an ``if``.

    To every reader that does not ask it is an Unknown (so nothing is ever guessed); the linter
    audits the request once per option and reports a finding on all of them, or names the one
    where it holds. ``labels`` say how each option was written.
    """

    options: tuple[Any, ...] = field(default=(), compare=False, hash=False)
    labels: tuple[str, ...] = field(default=(), compare=False, hash=False)

    def __repr__(self) -> str:
        return f"Alternatives({self.labels!r})"


class PartialText(str):
    """Text whose known parts are seen and whose other parts are not: ``f"Today: {date}. {RULES}"``.

    It is a ``str`` (the known parts joined), so every backend treats it as the text it is at run
    time; token estimates read ``unknown_parts`` to drop their upper bound. The parts are kept for
    the rules that ask where a per-call value sits in a prompt.
    """

    parts: tuple[str | Unknown, ...]

    def __new__(cls, parts: tuple[str | Unknown, ...]) -> PartialText:
        self = super().__new__(cls, "".join(p for p in parts if isinstance(p, str)))
        self.parts = parts
        return self

    @property
    def unknown_parts(self) -> tuple[Unknown, ...]:
        return tuple(p for p in self.parts if isinstance(p, Unknown))

    # Text built from a PartialText stays partial: a backend that joins, pads or strips a prompt
    # must not turn "unknown content" into "empty".
    def __bool__(self) -> bool:
        return bool(self.unknown_parts) or len(self) > 0

    def __eq__(self, other: object) -> bool:
        if not self.unknown_parts:
            return str.__eq__(self, other)
        return isinstance(other, PartialText) and other.parts == self.parts

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = str.__hash__

    def __add__(self, other: object) -> str:
        if isinstance(other, str):
            return join_parts((*self.parts, *_parts(other)))
        return NotImplemented

    def __radd__(self, other: object) -> str:
        if isinstance(other, str):
            return join_parts((*_parts(other), *self.parts))
        return NotImplemented

    def strip(self, chars: str | None = None) -> str:
        return self.lstrip(chars).rstrip(chars)

    def lstrip(self, chars: str | None = None) -> str:
        first = self.parts[0] if self.parts else ""
        if isinstance(first, str):
            return join_parts((first.lstrip(chars), *self.parts[1:]))
        return self

    def rstrip(self, chars: str | None = None) -> str:
        last = self.parts[-1] if self.parts else ""
        if isinstance(last, str):
            return join_parts((*self.parts[:-1], last.rstrip(chars)))
        return self

    def __repr__(self) -> str:
        return f"PartialText({self.parts!r})"


def _parts(text: str) -> tuple[str | Unknown, ...]:
    return text.parts if isinstance(text, PartialText) else (str(text),)


def join_parts(parts: tuple[str | Unknown, ...]) -> str:
    """Adjacent known parts merged; a plain ``str`` when nothing is unknown."""
    merged: list[str | Unknown] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif part != "":
            merged.append(part)
    if all(isinstance(p, str) for p in merged):
        return "".join(p for p in merged if isinstance(p, str))
    return PartialText(tuple(merged))
