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
_DEF = re.compile(rb"^(?:async[ \t]+)?def[ \t]+(\w+)", re.M)
_TOP_LEVEL = re.compile(rb"^[^\s#@)\]}]", re.M)  # a line that ends a top-level def
_DEPTH = 0  # modules imported through (a wrapper's wrapper in a third module is not followed)
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
        self._roots: dict[str, list[str]] = {}  # a file's directory -> where imports start
        self._files: dict[tuple[str, tuple[str, ...]], str | None] = {}
        self._inside: dict[str, bool] = {}
        self._defs: dict[str, set[str]] = {}
        self._bound: dict[tuple[str, int, int], list[tuple[str, str | None, str]]] = {}

    def imports_call_sites(self, path: str | None, data: bytes) -> bool:
        """Whether a file imports a project module that may hold a Bedrock call site."""
        return bool(self.wrapper_names(path, data))

    def wrapper_names(self, path: str | None, data: bytes) -> set[str]:
        """The names a file imports from project modules that may hold a Bedrock call site:
        only a call of one of them can reach a wrapper."""
        if path is None:
            return set()
        real = os.path.realpath(path)
        return {
            local
            for local, name, dep in self._bindings(real, data)
            if self._may_call(dep, 0) and (name is None or self.defines(dep, name))
        }

    def defines(self, path: str, name: str) -> bool:
        """Whether a project file has a top-level ``def name`` that may reach a Bedrock call
        (its own text, or a def of the same file it calls, holds one): a class, a constant or
        an unrelated function imported from it is no wrapper, and the caller need not be
        parsed. Read from the file's bytes."""
        if path not in self._defs:
            self._defs[path] = _wrapping_defs(path)
        return name in self._defs[path]

    def may_call(self, path: str) -> bool:
        """Whether the project file ``path`` may hold a Bedrock call site."""
        return self._contains(path) and self._may_call(os.path.realpath(path), 0)

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
        return list(dict.fromkeys(dep for _, _, dep in self._bindings(path, data)))

    def _bindings(self, path: str, data: bytes) -> list[tuple[str, str | None, str]]:
        """(local name, the name imported from the file or None for a module, project file)
        for each name a file's import statements bind (once per file and content)."""
        key = (path, len(data), hash(data))
        found = self._bound.get(key)
        if found is None:
            found = self._bound[key] = self._read_bindings(path, data)
            if len(self._bound) > 64:  # asked again for the same file soon, or never
                self._bound.pop(next(iter(self._bound)))
        return found

    def _read_bindings(self, path: str, data: bytes) -> list[tuple[str, str | None, str]]:
        found: list[tuple[str, str | None, str]] = []
        for match in _IMPORT.finditer(data):
            source, grouped, names, plain = match.groups()
            if plain is not None:
                for item in plain.decode("ascii", "replace").split(","):
                    dotted, _, alias = item.strip().partition(" as ")
                    local = alias.strip() or dotted.strip().split(".")[0]
                    found += [
                        (local, None, f) for f in self._files_for(path, 0, dotted.strip(), [])
                    ]
                continue
            module = source.decode("ascii", "replace")
            level = len(module) - len(module.lstrip("."))
            listed = (grouped if grouped is not None else names).decode("ascii", "replace")
            listed = listed.replace("\\", " ").replace("\n", " ")
            for item in listed.split(","):
                name, _, alias = item.strip().partition(" as ")
                if not name.strip():
                    continue
                name = name.strip()
                for dep in self._files_for(path, level, module.lstrip("."), [name]):
                    submodule = os.path.splitext(os.path.basename(dep))[0] == name or (
                        os.path.basename(os.path.dirname(dep)) == name
                    )
                    found.append((alias.strip() or name, None if submodule else name, dep))
        return [entry for entry in found if self._project_file(entry[2])]

    def _project_file(self, path: str) -> bool:
        if path not in self._inside:
            self._inside[path] = self._contains(path)
        return self._inside[path]

    def _files_for(self, path: str, level: int, dotted: str, names: list[str]) -> list[str]:
        parts = [p for p in dotted.split(".") if p]
        if level:
            base = os.path.dirname(path)
            for _ in range(level - 1):
                base = os.path.dirname(base)
            bases = [base]
        else:
            folder = os.path.dirname(path)
            if folder not in self._roots:
                self._roots[folder] = import_roots(path, self.root)
            bases = self._roots[folder]
        found: list[str] = []
        for base in bases:
            module = self._module_file(base, tuple(parts))
            if module is not None:
                found.append(module)
            found += [f for n in names if (f := self._module_file(base, (*parts, n))) is not None]
            if found:
                break
        return found

    def _module_file(self, base: str, parts: tuple[str, ...]) -> str | None:
        key = (base, parts)
        if key not in self._files:
            self._files[key] = module_file(base, list(parts))
        return self._files[key]


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


def _wrapping_defs(path: str) -> set[str]:
    """The top-level defs of a file whose text may reach a Bedrock call, directly or through
    one other top-level def of the file it calls."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return set()
    starts = [(m.start(), m.group(1)) for m in _DEF.finditer(data)]
    regions: dict[str, bytes] = {}
    for i, (start, name) in enumerate(starts):
        top = _TOP_LEVEL.search(data, start + 1)
        end = top.start() if top is not None else len(data)
        if i + 1 < len(starts):
            end = min(end, starts[i + 1][0])
        regions[name.decode("ascii", "replace")] = data[start:end]
    direct = {n for n, text in regions.items() if might_have_call_site(text, noqa=False)}
    through = {
        n
        for n, text in regions.items()
        if any(re.search(rb"\b" + re.escape(d.encode()) + rb"\(", text) for d in direct)
    }
    return direct | through
