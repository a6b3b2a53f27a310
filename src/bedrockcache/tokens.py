"""Token estimates as a band (low, high), never a point.

A character count does not give Claude's token count: English prose runs near 4 characters a token,
JSON, code and identifiers nearer 2.5, CJK text about one token a character. A "below the minimum"
verdict is certain only when even the high estimate is under it, so the band is wide on purpose.
Content whose size cannot be seen (image or document bytes, Unknown values) has no upper bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["TokenBand", "estimate_text"]

# Characters per token: the most a token can plausibly cover, and the least.
_ASCII_CHARS_PER_TOKEN_MAX = 5.0
_ASCII_CHARS_PER_TOKEN_MIN = 2.0
_NON_ASCII_TOKENS_PER_CHAR = (0.3, 2.0)


@dataclass(frozen=True)
class TokenBand:
    low: int
    high: int | None  # None: no upper bound is known

    def __add__(self, other: TokenBand) -> TokenBand:
        high = None if self.high is None or other.high is None else self.high + other.high
        return TokenBand(self.low + other.low, high)

    def below(self, minimum: int) -> bool:
        """Certainly under ``minimum``."""
        return self.high is not None and self.high < minimum

    def reaches(self, minimum: int) -> bool:
        """Certainly at or over ``minimum``."""
        return self.low >= minimum

    def __str__(self) -> str:
        if self.high is None:
            return f"at least ~{self.low:,}"
        if self.low == self.high:
            return f"~{self.low:,}"
        return f"~{self.low:,}-{self.high:,}"


ZERO = TokenBand(0, 0)
UNBOUNDED = TokenBand(0, None)


def estimate_text(text: str) -> TokenBand:
    band = _estimate(text)
    if getattr(text, "unknown_parts", ()):  # PartialText: the unseen parts have no upper bound
        return TokenBand(band.low, None)
    return band


def _estimate(text: str) -> TokenBand:
    if not text:
        return ZERO
    non_ascii = sum(1 for ch in text if ord(ch) > 127) if not text.isascii() else 0
    ascii_chars = len(text) - non_ascii
    low = ascii_chars / _ASCII_CHARS_PER_TOKEN_MAX + non_ascii * _NON_ASCII_TOKENS_PER_CHAR[0]
    high = ascii_chars / _ASCII_CHARS_PER_TOKEN_MIN + non_ascii * _NON_ASCII_TOKENS_PER_CHAR[1]
    return TokenBand(math.floor(low), math.ceil(high))
