"""Which project files a module imports, read from its bytes (no parse, no libcst).

A file with no Bedrock call of its own may call a wrapper another module of the project
defines. Before anything is parsed, the runner asks whether a file imports a module that may
hold a call site (itself, or through the modules it imports): only such files are parsed.
Import statements are found by a pattern over the bytes, resolved the way Python resolves them
for the project's own code (relative to the file, or from the package root, the project root
or its ``src``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from bedrockcache.lint.prefilter import might_have_call_site

__all__ = ["ImportScreen", "import_roots", "module_file"]

# ``from .x import a, b`` / ``from x import (a,\n b)`` / ``import a.b as c, d``.
_IMPORT = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]*(?:\(([^)]*)\)|([\w \t,]*))"
    rb"|import[ \t]+([\w., \t]+))",
    re.M,
)
_DEPTH = 2  # modules imported through before a wrapper is no longer looked for
_MAX_BYTES = 1_000_000


class ImportScreen:
    """Answers, for the project under ``root``, whether a file imports Bedrock-calling code."""

    def __init__(
        self, root: str, contains: Callable[[str], bool], max_bytes: int = _MAX_BYTES
    ) -> None:
        self.root = root
        self._contains = contains
        self._max_bytes = max_bytes
        self._may: dict[str, bool] = {}  # path -> may call Bedrock (itself or an import)

    def imports_call_sites(self, path: str | None, data: bytes) -> bool:
        """Whether a file imports a project module that may hold a Bedrock call site."""
        if path is None:
            return False
        real = os.path.realpath(path)
        return any(self._may_call(dep, 0) for dep in self.imported(real, data))

    def _may_call(self, path: str, depth: int) -> bool:
        if path in self._may:
            return self._may[path]
        self._may[path] = False  # an import cycle adds nothing
        try:
            if os.path.getsize(path) > self._max_bytes:
                return False
            data = Path(path).read_bytes()
        except OSError:
            return False
        found = might_have_call_site(data, noqa=False) or (
            depth < _DEPTH
            and any(self._may_call(dep, depth + 1) for dep in self.imported(path, data))
        )
        self._may[path] = found
        return found

    def imported(self, path: str, data: bytes) -> list[str]:
        """The project files a file's import statements name (modules and submodules)."""
        found: list[str] = []
        for match in _IMPORT.finditer(data):
            source, grouped, names, plain = match.groups()
            if plain is not None:
                for item in plain.decode("ascii", "replace").split(","):
                    dotted = item.split(" as ")[0].strip()
                    found += self._files_for(path, 0, dotted, [])
                continue
            module = source.decode("ascii", "replace")
            level = len(module) - len(module.lstrip("."))
            listed = (grouped if grouped is not None else names).decode("ascii", "replace")
            listed = listed.replace("\\", " ").replace("\n", " ")
            imported = [n.split(" as ")[0].strip() for n in listed.split(",") if n.strip()]
            found += self._files_for(path, level, module.lstrip("."), imported)
        return [f for f in dict.fromkeys(found) if self._contains(f)]

    def _files_for(self, path: str, level: int, dotted: str, names: list[str]) -> list[str]:
        parts = [p for p in dotted.split(".") if p]
        if level:
            base = os.path.dirname(path)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            bases = import_roots(path, self.root)
        found: list[str] = []
        for base in bases:
            module = module_file(base, parts)
            if module is not None:
                found.append(module)
            folder = os.path.join(base, *parts)
            found += [f for n in names if (f := module_file(folder, [n])) is not None]
            if found:
                break
        return found


def import_roots(path: str | None, root: str) -> list[str]:
    """Where absolute imports start: above the importer's top package, the project root and
    its ``src`` (the layouts a project's own code is imported from)."""
    roots = []
    if path is not None:
        top = os.path.dirname(path)
        while os.path.isfile(os.path.join(top, "__init__.py")):
            top = os.path.dirname(top)
        roots.append(top)
    roots += [root, os.path.join(root, "src")]
    return list(dict.fromkeys(roots))


def module_file(base: str, parts: list[str]) -> str | None:
    """``base/a/b.py`` or ``base/a/b/__init__.py`` for ``a.b`` (``base/__init__.py`` for no
    parts); None when there is no such file."""
    if not parts:
        init = os.path.join(base, "__init__.py")
        return init if os.path.isfile(init) else None
    path = os.path.join(base, *parts)
    for candidate in (path + ".py", os.path.join(path, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None
