"""Which line of the user's code sent a request: the innermost frame outside libraries.

Requests are grouped by it to compare calls that should share a cached prefix. A framework that
sends from a worker thread (Strands, pydantic-ai) leaves no user frame on that thread's stack; the
call site is then None and the request is grouped by operation and model only.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from functools import cache

__all__ = ["call_site"]

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@cache
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots.add(_PACKAGE)
    return tuple(os.path.abspath(root) + os.sep for root in roots)


def _is_library(filename: str) -> bool:
    if filename.startswith("<frozen") or "site-packages" in filename or "dist-packages" in filename:
        return True
    return os.path.abspath(filename).startswith(_library_roots())


def call_site() -> str | None:
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _is_library(filename):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None
