"""The linted project: which files are its modules, and what a name imported from one stands for.

Real code builds a request across modules (prompts and clients in shared modules, helpers, package
``__init__`` re-exports). The evaluator asks this object what an imported name is; the answer is a
``Symbol`` in another module's index, whose value the evaluator then computes in that module.

Only files under the project root that the configuration does not exclude are modules here: what
lies outside (site-packages, other repositories) stays Unknown. Each module is read and parsed once
per process (by path and content) and every file read on behalf of the file being linted is
recorded with its digest, so the result cache can tell when a dependency changed.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import libcst as cst

from bedrockcache.lint.bindings import Binding, module_binding, rebound_at_module_level
from bedrockcache.lint.imports import ImportScreen, import_roots, module_file
from bedrockcache.lint.index import ModuleIndex, RelativeImport, decorator_names
from bedrockcache.lint.source import decode_source

__all__ = ["MAX_CACHED_BYTES", "MAX_MODULE_BYTES", "MAX_READ_BYTES", "Project", "Symbol"]

# A dependency larger than this is not read (a generated file, a vendored bundle): Unknown.
MAX_MODULE_BYTES = 250_000
# A prompt file larger than this is not read: no prompt is that long, a data file might be.
MAX_READ_BYTES = 2_000_000
# Source bytes of parsed modules kept for the files linted next in the same process: enough for
# a project's shared modules (prompts, clients, helpers), little enough that memory stays bounded.
MAX_CACHED_BYTES = 400_000
_MAX_HOPS = 8  # re-exports followed before giving up (cycles end here too)
_TRANSPARENT_DECORATORS = frozenset(
    {"cache", "lru_cache", "cached", "staticmethod", "classmethod", "wraps"}
)

Kind = Literal["module", "function", "class", "value"]


@dataclass(frozen=True, eq=False)
class Symbol:
    """What a name in a module stands for: a submodule, a def, a class, or a plain binding."""

    kind: Kind
    index: ModuleIndex
    name: str
    node: cst.FunctionDef | cst.ClassDef | None = None
    binding: Binding | None = None


class Project:
    """The modules under ``root``; ``excluded`` says which paths are not the project's own."""

    def __init__(
        self,
        root: Path | str,
        excluded: object = None,
        *,
        max_module_bytes: int = MAX_MODULE_BYTES,
    ) -> None:
        self.root = os.path.realpath(root)
        self._excluded = excluded if callable(excluded) else (lambda path: False)
        self._max_module_bytes = max_module_bytes
        self._indexes: OrderedDict[str, ModuleIndex | None] = OrderedDict()
        self._digests: dict[str, str] = {}
        self._own: dict[str, ModuleIndex] = {}
        self._files: dict[str, str | None] = {}
        self._stamps: dict[str, tuple[int, int] | None] = {}
        self._fresh: set[str] = set()  # stamps checked since ``begin``
        self.screen = ImportScreen(self.root, self.contains, max_module_bytes)
        self.used: dict[str, str] = {}  # path -> sha256 of what was read for the current file

    # ---- the file being linted -----------------------------------------------------------------

    def begin(self, path: str | None, index: ModuleIndex) -> None:
        """Start linting ``path``: its own index stands for its module (an import cycle back to
        it sees the same nodes), and the dependencies read so far are forgotten."""
        self.used = {}
        self._own = {}
        self._fresh = set()
        if path is not None and os.path.isfile(path):
            self._own[os.path.realpath(path)] = index

    def modules_read(self) -> list[ModuleIndex]:
        """The other modules read for the current file: where a value it uses may have been
        defined."""
        found = []
        for path in self.used:
            index = self._indexes.get(path)
            if index is not None:
                found.append(index)
        return found

    def dependencies(self) -> list[tuple[str, str]]:
        """The files read for the current file, with their digests, sorted."""
        return sorted(self.used.items())

    # ---- modules -------------------------------------------------------------------------------

    def contains(self, path: str) -> bool:
        real = os.path.realpath(path)
        inside = real == self.root or real.startswith(self.root + os.sep)
        return inside and not self._excluded(real)

    def load(self, path: str) -> ModuleIndex | None:
        """The index of the module in ``path``; None when it is not the project's or unreadable."""
        real = os.path.realpath(path)
        own = self._own.get(real)
        if own is not None:
            return own
        if not self._current(real) or real not in self._indexes:
            self._indexes[real] = self._parse(real)
            self._evict()
        else:
            self._indexes.move_to_end(real)
        index = self._indexes[real]
        if index is not None:
            self.used[real] = self._digests[real]
        return index

    def _current(self, real: str) -> bool:
        """Whether what was read from ``real`` is still its content: a long-lived process (the
        editor server, a test session) sees files change between two lints."""
        if real in self._fresh:
            return True
        self._fresh.add(real)
        try:
            info = os.stat(real)
            stamp: tuple[int, int] | None = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        unchanged = real in self._stamps and self._stamps[real] == stamp
        self._stamps[real] = stamp
        if not unchanged:
            self._indexes.pop(real, None)
            self._files.pop(real, None)
        return unchanged

    def _evict(self) -> None:
        """Keep at most ``MAX_CACHED_BYTES`` of parsed source (libcst holds some 250 bytes of
        tree per byte of source): the least recently used module goes first."""

        def size(path: str) -> int:
            found = self._stamps.get(path)
            return found[1] if found else 0

        while len(self._indexes) > 1 and sum(map(size, self._indexes)) > MAX_CACHED_BYTES:
            self._indexes.popitem(last=False)

    def _parse(self, real: str) -> ModuleIndex | None:
        if not self.contains(real):
            return None
        try:
            if os.path.getsize(real) > self._max_module_bytes:
                return None
            data = Path(real).read_bytes()
        except OSError:
            return None
        text = decode_source(data)
        if text is None:
            return None
        try:
            module = cst.parse_module(text)
        except Exception:  # not valid Python (its own lint says so), or too deep to parse
            return None
        self._digests[real] = hashlib.sha256(data).hexdigest()
        return ModuleIndex.build(module, real)

    def read_text(self, path: str) -> str | None:
        """A repository file a module reads (a prompt), or None outside the project."""
        real = os.path.realpath(path)
        if not self._current(real) or real not in self._files:
            self._files[real] = self._read(real)
        text = self._files[real]
        if text is not None:
            self.used[real] = self._digests[real]
        return text

    def _read(self, real: str) -> str | None:
        if not self.contains(real) or not os.path.isfile(real):
            return None
        try:
            if os.path.getsize(real) > MAX_READ_BYTES:
                return None
            data = Path(real).read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        self._digests[real] = hashlib.sha256(data).hexdigest()
        return text

    # ---- names ---------------------------------------------------------------------------------

    def symbol(self, index: ModuleIndex, name: str, hops: int = 0) -> Symbol | None:
        """What a top-level ``name`` of a module stands for; None when it is not the project's."""
        if hops > _MAX_HOPS:
            return None
        if name in index.relative:
            return self._relative(index, index.relative[name], hops + 1)
        if name in index.imports:
            return self.qualified(index, index.imports[name], hops + 1)
        return self._defined(index, name, hops)

    def qualified(self, index: ModuleIndex, dotted: str, hops: int = 0) -> Symbol | None:
        """``app.prompts.SYSTEM`` as imported by ``index``'s module."""
        parts = dotted.split(".")
        for size in range(len(parts), 0, -1):
            module = self._absolute(index, parts[:size])
            if module is not None:
                found: Symbol | None = Symbol("module", module, parts[size - 1])
                for attribute in parts[size:]:
                    found = self.attribute(found, attribute, hops) if found else None
                return found
        return None

    def attribute(self, symbol: Symbol, name: str, hops: int = 0) -> Symbol | None:
        """``module.name`` for a module symbol (an attribute of anything else is not followed)."""
        if symbol.kind != "module":
            return None
        found = self._defined(symbol.index, name, hops)
        if found is not None:
            return found
        if name in symbol.index.relative or name in symbol.index.imports:
            return self.symbol(symbol.index, name, hops + 1)
        return self._submodule(symbol.index, name)

    def _defined(self, index: ModuleIndex, name: str, hops: int) -> Symbol | None:
        defs = [
            s
            for s in index.module.body
            if isinstance(s, cst.FunctionDef | cst.ClassDef) and s.name.value == name
        ]
        if defs:
            if len(defs) > 1 or not _transparent(defs[0]):
                return None
            if rebound_at_module_level(index, name, defs[0]):
                return None  # also bound another way: which one a caller sees is not known
            kind: Kind = "function" if isinstance(defs[0], cst.FunctionDef) else "class"
            return Symbol(kind, index, name, node=defs[0])
        if name in index.relative or name in index.imports:
            return None  # the caller follows imports itself
        binding = module_binding(index, name)
        if isinstance(binding, Binding):
            return Symbol("value", index, name, binding=binding)
        return None

    def source_file(self, index: ModuleIndex, name: str) -> str | None:
        """The file an imported name comes from, found without parsing anything (None when it
        is not the project's): a caller can ask whether that file may call Bedrock first."""
        if name in index.relative:
            spec = index.relative[name]
            if index.path is None:
                return None
            base, parts = _relative_start(index.path, spec)
            folder = os.path.join(base, *parts)
            return module_file(folder, [spec.name]) or module_file(base, parts)
        dotted = index.imports.get(name)
        if dotted is None:
            return None
        parts = dotted.split(".")
        for root in self._roots(index):
            for size in range(len(parts), 0, -1):
                found = module_file(root, parts[:size])
                if found is not None:
                    return found if self.contains(found) else None
        return None

    # ---- module files --------------------------------------------------------------------------

    def _relative(self, index: ModuleIndex, spec: RelativeImport, hops: int) -> Symbol | None:
        if index.path is None:
            return None
        base, parts = _relative_start(index.path, spec)
        package = self._module_at(base, parts) if parts else self._package(base)
        if package is not None:
            found = self.attribute(Symbol("module", package, spec.name), spec.name, hops)
            if found is not None:
                return found
        folder = os.path.join(base, *parts)
        sub = self._module_at(folder, [spec.name])
        return Symbol("module", sub, spec.name) if sub is not None else None

    def _submodule(self, package: ModuleIndex, name: str) -> Symbol | None:
        if package.path is None or os.path.basename(package.path) != "__init__.py":
            return None
        found = self._module_at(os.path.dirname(package.path), [name])
        return Symbol("module", found, name) if found is not None else None

    def _absolute(self, index: ModuleIndex, parts: list[str]) -> ModuleIndex | None:
        for root in self._roots(index):
            found = self._module_at(root, parts)
            if found is not None:
                return found
        return None

    def _roots(self, index: ModuleIndex) -> list[str]:
        return import_roots(index.path, self.root)

    def _module_at(self, base: str, parts: list[str]) -> ModuleIndex | None:
        if not parts:
            return self._package(base)
        found = module_file(base, parts)
        return self.load(found) if found is not None else None

    def _package(self, folder: str) -> ModuleIndex | None:
        init = module_file(folder, [])
        return self.load(init) if init is not None else None


def _transparent(node: cst.FunctionDef | cst.ClassDef) -> bool:
    """A def whose name still names it: undecorated, or decorated by a cache or a method kind."""
    for name in decorator_names(node):
        if name not in _TRANSPARENT_DECORATORS:
            return isinstance(node, cst.ClassDef) and name == "dataclass"
    return True


def _relative_start(path: str, spec: RelativeImport) -> tuple[str, list[str]]:
    """The folder a relative import counts its dots from, and the dotted parts after them."""
    base = os.path.dirname(path)
    for _ in range(spec.level - 1):
        base = os.path.dirname(base)
    return base, [p for p in spec.module.split(".") if p]
