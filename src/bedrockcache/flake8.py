"""flake8 plugin: ``bedrockcache lint`` diagnostics inside an existing flake8 run.

Registered as ``[project.entry-points."flake8.extension"] BC = "bedrockcache.flake8:Plugin"``, so
``flake8 --select BC`` (or any selection that includes ``BC``) reports the same lines, columns and
codes as ``bedrockcache lint``.

Division of labour: flake8 owns selection (``--select``, ``--extend-ignore``, per-file-ignores)
and suppression (``# noqa``, ``--disable-noqa``); the plugin reports what the linter finds with
its default settings. Inline ``# noqa`` comments are left to flake8 (``check_source(noqa=False)``):
applied twice, ``--disable-noqa`` could not bring a suppressed finding back, and the linter's
unused-noqa bookkeeping (BC002/BC003) would judge comments that flake8 also reads. The linter's own
file-level ``# bedrockcache: noqa`` is kept: it names this tool, and flake8 does not know it.
``[tool.bedrockcache]`` in pyproject.toml is not read (flake8 has its own config), and the
advisory ``info`` findings stay off, as in a default lint run.

Importing this module is cheap (flake8 imports every plugin on every run): libcst and the
analyzer load on the first file that could hold a Bedrock call site.
"""

from __future__ import annotations

import ast
import io
import os
import tokenize
from collections.abc import Iterator, Sequence
from typing import Any

from bedrockcache import __version__
from bedrockcache.lint.imports import ImportScreen
from bedrockcache.lint.prefilter import might_have_call_site

__all__ = ["Plugin"]


class Plugin:
    """A flake8 AST checker; flake8 passes ``tree``, ``filename`` and ``lines`` by name."""

    name = "bedrockcache"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # flake8 picks the plugin type from the parameter names, so ``tree`` must be accepted;
        # the linter re-parses the text with libcst, which keeps what ``ast`` drops.
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        """Yield ``(line, column0, "BCxxx message", type)`` for each diagnostic, in order."""
        source = "".join(self.lines)
        data = _encode(source)
        if not might_have_call_site(data) and not _calls_a_wrapper(self.filename, data):
            return
        from bedrockcache.lint.checker import check_source

        result = check_source(data, self.filename, noqa=False)
        for diagnostic in result.diagnostics:
            text = f"{diagnostic.code} {diagnostic.message}"
            yield diagnostic.line, diagnostic.column - 1, text, type(self)


_SCREEN: ImportScreen | None = None


def _calls_a_wrapper(filename: str, data: bytes) -> bool:
    """Whether the file imports a module of the project (the working directory, as in a default
    lint run) that may wrap a Bedrock call: it is then linted like one that calls Bedrock."""
    global _SCREEN
    if _SCREEN is None:
        root = os.path.realpath(os.getcwd())
        _SCREEN = ImportScreen(root, lambda path: path.startswith(root + os.sep))
    return os.path.isfile(filename) and _SCREEN.imports_call_sites(filename, data)


def _encode(source: str) -> bytes:
    """The bytes of the file flake8 decoded, in its declared encoding, so columns come out right.

    flake8 hands over text decoded by the file's coding cookie; encoding it as UTF-8 under a
    ``latin-1`` cookie would make the linter decode it a second, different way. Never raises:
    text that does not encode becomes bytes the linter reports as undecodable.
    """
    data = source.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return source.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return data
