"""Fixing files on disk: read with the file's own encoding, fix, write back atomically.

A write goes to a temporary file in the same directory, takes the original's permission bits and
is renamed over it, so a crash or a full disk leaves the old file or the new one, never half of
each; and nothing is written unless the fixed text parses (``fix_text`` checks every pass).
"""

from __future__ import annotations

import io
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

from bedrockcache.lint import atomic

__all__ = ["SourceFile", "encode", "read_source", "write_atomic"]


@dataclass(frozen=True)
class SourceFile:
    text: str
    encoding: str
    bom: bool


def read_source(data: bytes) -> SourceFile | None:
    """The text of a Python file, or None when it cannot be decoded (then it is not fixed)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        bom = encoding == "utf-8-sig"
        if encoding not in ("utf-8", "utf-8-sig"):
            return None  # the linter reads text as UTF-8; another encoding is not rewritten
        text = data.decode("utf-8")
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return None
    return SourceFile(text.removeprefix("\ufeff"), "utf-8" if bom else encoding, bom)


def encode(source: SourceFile, text: str) -> bytes | None:
    """``text`` in the file's encoding; None when a fix added characters it cannot hold."""
    try:
        data = text.encode(source.encoding)
    except (UnicodeEncodeError, LookupError):
        return None
    return b"\xef\xbb\xbf" + data if source.bom else data


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename, keeping its permission bits."""
    path = path.resolve()  # through a symlink: the link stays a link
    atomic.write_atomic(path, data, mode=stat.S_IMODE(path.stat().st_mode))
