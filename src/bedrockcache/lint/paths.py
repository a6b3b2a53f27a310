"""Paths to repository files a module reads its prompt from.

``(Path(__file__).parent / "system.md").read_text()`` and ``open(os.path.join(HERE, "x.md"))``
name a file of the project: its text is the prompt, as stable as the file. The evaluator builds a
``FilePath`` from ``__file__`` and the path operations below, and reads it through the project
(which records the file as a dependency of the result). A path relative to the working directory
is read from the project root only when that file exists there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = ["FilePath", "absolute", "join", "parent"]


@dataclass(frozen=True)
class FilePath:
    path: str


def parent(value: FilePath) -> FilePath:
    return FilePath(os.path.dirname(value.path))


def join(value: FilePath, *parts: str) -> FilePath:
    return FilePath(os.path.normpath(os.path.join(value.path, *parts)))


def absolute(value: object, root: str) -> FilePath | None:
    """A path value or text as an absolute FilePath (relative text is taken from ``root``)."""
    if isinstance(value, FilePath):
        return value
    if isinstance(value, str) and getattr(value, "unknown_parts", ()) == () and value:
        return FilePath(value if os.path.isabs(value) else os.path.join(root, value))
    return None
