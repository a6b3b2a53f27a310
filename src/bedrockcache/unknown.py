"""The value nobody could determine.

Static evaluation rarely sees a whole request. Where a value is not known it is an ``Unknown``
(carrying where it came from), never a guess: rules report only what the known parts prove.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PartialText", "Unknown"]


@dataclass(frozen=True)
class Unknown:
    """A value that could not be determined; ``source`` says from what (a node, a call, a name)."""

    source: str = "unknown"

    def __repr__(self) -> str:
        return f"Unknown({self.source!r})"


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

    def __repr__(self) -> str:
        return f"PartialText({self.parts!r})"
