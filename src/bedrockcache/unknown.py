"""The value nobody could determine.

Static evaluation rarely sees a whole request. Where a value is not known it is an ``Unknown``
(carrying where it came from), never a guess: rules report only what the known parts prove.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Unknown"]


@dataclass(frozen=True)
class Unknown:
    """A value that could not be determined; ``source`` says from what (a node, a call, a name)."""

    source: str = "unknown"

    def __repr__(self) -> str:
        return f"Unknown({self.source!r})"
