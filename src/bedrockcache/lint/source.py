"""Python source bytes to text, as the interpreter would read them."""

from __future__ import annotations

import io
import tokenize

__all__ = ["decode_source"]


def decode_source(data: bytes) -> str | None:
    """The text of a source file (its coding cookie honoured, a BOM dropped); None when the
    bytes are not text in that encoding."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding).removeprefix("\ufeff")
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
