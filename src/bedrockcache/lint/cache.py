"""Results of files already linted, so a second run only parses what changed (like ruff's cache).

Layout: ``<directory>/CACHEDIR.TAG`` and ``<directory>/.gitignore`` (``*``) so backup tools and git
skip it, and ``<directory>/<bedrockcache version>/<2 hex>/<sha256>.json``, one entry per file. An
entry's name hashes the file's bytes, the settings key, the tool version and the path (the stored
diagnostics carry the path, so a moved file is a new entry), and the entry repeats those inputs so
a read checks them instead of trusting the name.

The cache is an optimisation and must never change an answer: any entry that is unreadable,
corrupt, from another version or shaped unlike today's types is a miss; any failure to write is
ignored. Writes go to a temporary file in the same directory and are renamed into place, so a
concurrent reader sees a whole entry or none.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bedrockcache import __version__
from bedrockcache.backends.installed import fingerprint
from bedrockcache.findings import Severity
from bedrockcache.lint.atomic import write_atomic
from bedrockcache.lint.diagnostic import Diagnostic, Unresolved

__all__ = ["CACHEDIR_TAG", "CACHE_DIR_NAME", "Cache", "FileResult", "clear", "default_cache_dir"]

CACHE_DIR_NAME = ".bedrockcache_cache"
# The signature line is fixed by https://bford.info/cachedir/; the rest is free text.
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by bedrockcache.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n"
)
_SIGNATURE = CACHEDIR_TAG.splitlines()[0]


@dataclass
class FileResult:
    """What linting one file produced: all the run needs to report it without reading it again."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    call_sites: int = 0
    parsed: bool = False  # passed the prefilter and was parsed
    # Other files of the project read to lint this one (modules it imports, prompt files), with
    # their sha256: the result holds only while they are unchanged.
    dependencies: list[tuple[str, str]] = field(default_factory=list)


@cache
def code_version() -> str:
    """The release plus a stamp of the package's own files (names, sizes, mtimes) and of the
    library releases the backends predict from (``backends.installed``).

    A development checkout keeps one version number while its rules change; results computed
    by other code must not be served, so any edit to the package is a new cache key. Upgrading
    anthropic or LiteLLM can change what a call sends, so it is a new key too.
    """
    package = Path(__file__).resolve().parents[1]
    stamp = hashlib.sha256()
    for file in sorted(package.rglob("*")):
        if file.suffix in (".py", ".toml"):
            info = file.stat()
            stamp.update(f"{file.relative_to(package)}:{info.st_size}:{info.st_mtime_ns};".encode())
    stamp.update(fingerprint().encode())
    return f"{__version__}+{stamp.hexdigest()[:16]}"


def default_cache_dir(root: Path) -> Path:
    """Where the cache lives unless ``--cache-dir`` says otherwise: beside the config file."""
    return Path(root) / CACHE_DIR_NAME


class Cache:
    """A per-file result cache under ``directory`` for one settings key."""

    def __init__(self, directory: Path, settings_key: str) -> None:
        self.directory = Path(directory)
        self._versioned = self.directory / __version__
        self._settings_key = settings_key
        self._writable = True
        self._prepared = False

    def get(self, path: str, content: bytes) -> FileResult | None:
        """The stored result for this path and content, or None (a miss) for anything doubtful."""
        return self.get_digest(path, hashlib.sha256(content).hexdigest())

    def get_digest(self, path: str, digest: str) -> FileResult | None:
        """As ``get``, for content known by its sha256 (from the file index)."""
        entry = self._entry_for(path, digest)
        try:
            with open(entry, "rb") as handle:
                data = json.loads(handle.read().decode("utf-8"))
            if data.get("inputs") != self._inputs(path, digest):
                return None
            return _load_result(data["result"])
        except Exception:  # a corrupt or foreign entry is a miss, never an error
            return None

    def put(self, path: str, content: bytes, result: FileResult) -> None:
        """Stores ``result``; a cache that cannot be written is not retried this run."""
        if not self._writable:
            return
        digest, entry = self._entry(path, content)
        try:
            text = json.dumps(
                {"inputs": self._inputs(path, digest), "result": _dump_result(result)},
                ensure_ascii=False,
                allow_nan=False,
                separators=(",", ":"),
            )
        except (TypeError, ValueError):
            return  # a value JSON cannot hold: not worth caching
        try:
            self._prepare()
            entry.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(entry, text.encode("utf-8"))
        except OSError:
            self._writable = False

    def load_index(self) -> dict[str, list[Any]]:
        """``{path: [mtime_ns, size, sha256 or None(, imports)]}`` from the last run with these
        settings.

        A warm run stats each file instead of reading it: an unchanged file that could not hold
        a call site is skipped, and a candidate's result is found by its recorded digest. Like
        ruff's cache, this trusts (mtime, size); ``--no-cache`` reads everything.
        """
        try:
            with open(self._index_path(), "rb") as handle:
                data = json.loads(handle.read().decode("utf-8"))
        except Exception:  # a missing or corrupt index is an empty one
            return {}
        if not isinstance(data, dict) or data.get("settings") != self._settings_key:
            return {}
        files = data.get("files")
        if not isinstance(files, dict):
            return {}
        return {path: entry for path, entry in files.items() if _index_entry(entry)}

    def save_index(self, files: dict[str, list[Any]]) -> None:
        if not self._writable:
            return
        payload = {"settings": self._settings_key, "files": files}
        try:
            self._prepare()
            write_atomic(self._index_path(), json.dumps(payload, separators=(",", ":")).encode())
        except OSError:
            self._writable = False

    def _index_path(self) -> Path:
        return self._versioned / f"files-{self._settings_key[:32]}.json"

    def _entry(self, path: str, content: bytes) -> tuple[str, Path]:
        digest = hashlib.sha256(content).hexdigest()
        return digest, self._entry_for(path, digest)

    def _entry_for(self, path: str, digest: str) -> Path:
        key = json.dumps([code_version(), self._settings_key, path, digest])
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self._versioned / name[:2] / f"{name}.json"

    def _inputs(self, path: str, digest: str) -> dict[str, str]:
        return {
            "version": code_version(),
            "settings": self._settings_key,
            "path": path,
            "sha256": digest,
        }

    def _prepare(self) -> None:
        """Creates the directory with its CACHEDIR.TAG and .gitignore, once per Cache."""
        if self._prepared:
            return
        self._versioned.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", "*\n")):
            marker = self.directory / name
            if not marker.exists():
                write_atomic(marker, text.encode("utf-8"))
        self._prepared = True


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _index_entry(entry: Any) -> bool:
    """Whether an index entry has today's shape, ``[mtime_ns, size, sha256 or None]`` (with a
    fourth ``true`` after None when the file imports project modules); any other entry (from a
    hand edit, a crash or another version) is dropped, so the file is read again."""
    if not isinstance(entry, list) or len(entry) not in (3, 4):
        return False
    if len(entry) == 4 and (entry[2] is not None or entry[3] is not True):
        return False
    mtime, size, digest = entry[:3]
    if type(mtime) is not int or type(size) is not int or size < 0:
        return False
    return digest is None or (isinstance(digest, str) and _SHA256.fullmatch(digest) is not None)


def clear(directory: Path) -> bool:
    """Removes a cache directory for ``bedrockcache clean``; False when there was none.

    Refuses (ValueError) to remove a directory without our CACHEDIR.TAG, so a mistyped
    ``--cache-dir`` cannot delete a user's files.
    """
    directory = Path(directory)
    if not directory.exists():
        return False
    tag = directory / "CACHEDIR.TAG"
    try:
        first = tag.read_text(encoding="utf-8").splitlines()[:1]
    except (OSError, UnicodeDecodeError):
        first = []
    if first != [_SIGNATURE]:
        raise ValueError(f"{directory}: not a cache directory (no CACHEDIR.TAG), not removed")
    shutil.rmtree(directory)
    return True


# --- (de)serialization, checked against the dataclasses' own fields ---------------------------


_RESULT_KEYS = {"diagnostics", "unresolved", "call_sites", "parsed", "dependencies"}


def _dump_result(result: FileResult) -> dict[str, Any]:
    return {
        "diagnostics": [_dump(d) for d in result.diagnostics],
        "unresolved": [_dump(u) for u in result.unresolved],
        "call_sites": result.call_sites,
        "parsed": result.parsed,
        "dependencies": [list(d) for d in result.dependencies],
    }


def _dump(item: Any) -> dict[str, Any]:
    return {f.name: _dump_value(getattr(item, f.name)) for f in dataclasses.fields(item)}


def _dump_value(value: Any) -> Any:
    """A field value as JSON: nested dataclasses (a diagnostic's Fix and its Edits) included."""
    if isinstance(value, Severity):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dump(value)
    if isinstance(value, tuple):
        return [_dump_value(v) for v in value]
    return value


def _load_result(data: Any) -> FileResult:
    if not isinstance(data, dict) or set(data) != _RESULT_KEYS:
        raise ValueError("not a result")
    call_sites, parsed = data["call_sites"], data["parsed"]
    if type(call_sites) is not int or type(parsed) is not bool:
        raise ValueError("bad counts")
    dependencies = []
    for item in _list(data["dependencies"]):
        if not (isinstance(item, list) and len(item) == 2 and all(type(i) is str for i in item)):
            raise ValueError("bad dependency")
        dependencies.append((item[0], item[1]))
    return FileResult(
        diagnostics=[_load(Diagnostic, d) for d in _list(data["diagnostics"])],
        unresolved=[_load(Unresolved, u) for u in _list(data["unresolved"])],
        call_sites=call_sites,
        parsed=parsed,
        dependencies=dependencies,
    )


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


@cache
def _fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _load(cls: Any, data: Any) -> Any:
    hints = _fields(cls)
    if not isinstance(data, dict) or set(data) != set(hints):
        raise ValueError(f"not a {cls.__name__}")
    return cls(**{name: _convert(hint, data[name]) for name, hint in hints.items()})


def _convert(hint: Any, value: Any) -> Any:
    """``value`` as the field type ``hint``; raises for anything that does not fit exactly."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _convert(option, value)
            except (TypeError, ValueError):
                continue
        raise ValueError(f"{value!r} fits no option of {hint}")
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) != 2 or args[1] is not Ellipsis or not isinstance(value, list):
            raise ValueError(f"unsupported {hint}")
        return tuple(_convert(args[0], v) for v in value)
    if hint is type(None):
        if value is not None:
            raise ValueError("expected null")
        return None
    if isinstance(hint, type) and issubclass(hint, Severity):
        return Severity(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _load(hint, value)
    if hint in (int, str, bool, float) and type(value) is hint:
        return value
    raise ValueError(f"{value!r} is not {hint}")
