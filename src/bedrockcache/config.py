"""``[tool.bedrockcache]`` in pyproject.toml: which rules run, where, and with which model facts.

The keys and their meaning follow ruff's, so a ruff user can configure us without reading docs:

    [tool.bedrockcache]
    select = ["BC"]                  # rule selectors: "ALL", "BC", "BC2", "BC20", "BC204"
    ignore = ["BC205"]
    extend-select = ["BC207"]
    exclude = [...]                  # replaces DEFAULT_EXCLUDE; extend-exclude adds to it
    extend-exclude = ["generated"]
    volatile-sources = ["myapp.clock.now"]  # calls that change per call, besides the built-in ones
    fix = true                       # `lint` applies safe fixes, as with --fix
    unsafe-fixes = true              # and unsafe ones too, as with --unsafe-fixes
    max-file-size = 1_000_000        # bytes; a larger file is listed as not audited
    max-literal-size = 1_000         # elements of one list/tuple/set/dict literal
    max-nesting-depth = 100          # levels of the syntax tree (brackets, calls, blocks)
    [tool.bedrockcache.per-file-ignores]
    "tests/*" = ["BC1"]
    [tool.bedrockcache.models.my-model]   # overrides for bedrockcache.facts.load_facts
    ...

Selection (see ``Settings.enabled``): the most specific matching selector decides, ignore winning a
tie; ``info`` findings are advisory and only run when a selector names their full code. Anything
this module cannot make sense of is a ``ConfigError`` naming the key, never a silent default: a
config that is quietly half-applied makes a linter lie about what it checked.

This module is imported by the CLI before any linting, so it stays light: no libcst, no click.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bedrockcache.findings import Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "DEFAULT_EXCLUDE",
    "ConfigError",
    "PatternSet",
    "Settings",
    "find_config",
    "load_settings",
    "relative_to_root",
    "translate_glob",
]

# ruff's defaults, plus the build/env directories the brief asks for and our own cache.
DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".env",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".bedrockcache_cache",
    "__pycache__",
    "__pypackages__",
    "buck-out",
    "build",
    "dist",
    "env",
    "node_modules",
    "site-packages",
    "venv",
)

_TABLE = "[tool.bedrockcache]"
_LIST_KEYS = ("select", "ignore", "extend-select", "exclude", "extend-exclude")
# The bounds past which a file is listed as not audited (lint/limits.py): each far above what
# real code holds (the largest file that can hold a call site in the site-packages of every
# supported library is 0.97 MB; its largest literal 367 elements; its deepest tree 80 levels in a
# file with a call site), and each low enough that linting one file stays within seconds and a
# few hundred MB, whatever it holds.
DEFAULT_MAX_FILE_SIZE = 1_000_000
DEFAULT_MAX_LITERAL_SIZE = 1_000
DEFAULT_MAX_NESTING_DEPTH = 100
_LIMIT_KEYS = ("max-file-size", "max-literal-size", "max-nesting-depth")
_KEYS = (
    *_LIST_KEYS,
    "per-file-ignores",
    "models",
    "volatile-sources",
    "fix",
    "unsafe-fixes",
    *_LIMIT_KEYS,
)
# A volatile source is a dotted name as imported: "myapp.clock.now" (see rules/stability.py).
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+")
_SELECTOR = re.compile(r"BC[0-9]{0,3}")
_CLI_KEYS = ("select", "ignore", "extend_select", "exclude", "extend_exclude", "per_file_ignores")


class ConfigError(ValueError):
    """A config file or option the linter cannot honour; the CLI prints it and exits 2."""


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one run; patterns are relative to ``root``."""

    select: tuple[str, ...] = ("BC",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    # A plain dict (not a read-only proxy) so Settings pickle into worker processes.
    models: Mapping[str, Any] = field(default_factory=dict, hash=False)
    volatile_sources: tuple[str, ...] = ()  # calls whose result changes per call (BC401)
    root: Path = field(default_factory=Path.cwd)
    config_path: Path | None = None
    # What `lint` does with fixes (not part of key(): fixes do not change a file's diagnostics).
    fix: bool = False
    unsafe_fixes: bool = False
    # Past these a file is listed as not audited, with the reason (lint/limits.py).
    max_file_size: int = DEFAULT_MAX_FILE_SIZE  # bytes
    max_literal_size: int = DEFAULT_MAX_LITERAL_SIZE  # elements of one container literal
    max_nesting_depth: int = DEFAULT_MAX_NESTING_DEPTH  # levels of the syntax tree

    def enabled(self, code: str, severity: Severity | str) -> bool:
        """Whether findings with ``code`` are reported, by ruff's selection rules.

        Among the selectors matching ``code`` (``ALL`` < ``BC`` < ``BC2`` < ``BC20`` < ``BC204``),
        the most specific one of select/extend-select (enable) and ignore (disable) decides; on
        equal specificity ignore wins, and a code no selector matches is off. A finding whose
        severity is ``info`` is advisory: it runs only when select or extend-select names its full
        code, so ``select = ["ALL"]`` never floods CI with advice. Pass the catalogue severity.
        """
        on = _specificity(code, (*self.select, *self.extend_select))
        off = _specificity(code, self.ignore)
        if Severity(severity) is Severity.INFO and on < len(code):
            return False
        return on > off

    def ignored_in(self, path: Path | str, code: str) -> bool:
        """Whether per-file-ignores turn ``code`` off in ``path`` (a ``!pattern`` negates)."""
        if not self.per_file_ignores:
            return False
        absolute = os.path.normpath(os.path.abspath(path))
        rel = relative_to_root(absolute, self.root)
        name = os.path.basename(absolute)
        for pattern, codes in self.per_file_ignores:
            if _specificity(code, codes) < 0:
                continue
            negated = pattern.startswith("!")
            matcher = _pattern_set(pattern[1:] if negated else pattern)
            if matcher.matches(name, rel, absolute) != negated:
                return True
        return False

    def key(self) -> str:
        """A stable hash of every setting that changes a file's diagnostics, for the cache.

        Excludes are left out: they decide which files run, not what a file reports.
        """
        payload = {
            "select": self.select,
            "ignore": self.ignore,
            "extend_select": self.extend_select,
            "per_file_ignores": self.per_file_ignores,
            "models": _plain(self.models),
            "volatile_sources": self.volatile_sources,
            "root": str(self.root),
            "limits": [self.max_file_size, self.max_literal_size, self.max_nesting_depth],
        }
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a ``[tool.bedrockcache]``.

    A pyproject.toml without the table is passed over (ruff does the same), so a monorepo's
    package-level pyproject does not hide the repository's config.
    """
    start = Path(os.path.abspath(start))
    if not start.is_dir():
        start = start.parent
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _tool_table(_read_toml(candidate)) is not None:
            return candidate
    return None


def load_settings(
    start: Path, *, config: Path | None = None, isolated: bool = False, **cli: Any
) -> Settings:
    """Settings from the nearest config (or ``config``, or none when ``isolated``) plus CLI values.

    CLI values follow ruff: ``select``, ``exclude`` and ``per_file_ignores`` replace the config's
    (a CLI select also drops the config's ignore and extend-select, as ruff's layering does),
    ``ignore``, ``extend_select`` and ``extend_exclude`` add to it. A value of None or an empty
    sequence means "not given" (click's default for an absent multiple option); a string may hold
    comma-separated selectors. Without a config file, patterns are relative to the working
    directory (as in ruff), wherever the paths linted are.
    """
    unknown = sorted(set(cli) - set(_CLI_KEYS))
    if unknown:
        raise TypeError(f"load_settings() got an unexpected keyword argument {unknown[0]!r}")
    if isolated and config is not None:
        raise ConfigError("--config cannot be used with --isolated")
    start = Path(os.path.abspath(start))
    if config is not None:
        config_path: Path | None = Path(os.path.abspath(config))
        if not config_path.is_file():
            raise ConfigError(f"{config}: config file not found")
    else:
        config_path = None if isolated else find_config(start)
    values: dict[str, Any] = {}
    if config_path is not None:
        values = _from_file(config_path)
        root = config_path.parent
    else:
        root = Path.cwd()  # as ruff: without a config file, the project is the working directory
    values.update(_from_cli(cli, values))
    return Settings(root=root, config_path=config_path, **values)


def relative_to_root(path: Path | str, root: Path) -> str | None:
    """``path`` relative to ``root`` with ``/`` separators ("" for root), or None when outside.

    Compares absolute normalized paths first, then resolved ones, so a root reached through a
    symlink still matches.
    """
    rel = _relative(
        os.path.normpath(os.path.abspath(path)), os.path.normpath(os.path.abspath(root))
    )
    if rel is None:
        rel = _relative(os.path.realpath(path), os.path.realpath(root))
    return rel


def translate_glob(pattern: str, *, star_crosses_slash: bool, braces: bool = False) -> str:
    """A regex (for ``re.fullmatch``) equivalent to a glob with ``*``, ``?``, ``[...]`` and ``**``.

    ``**`` between slashes (or at either end) is any number of directories, ``**/`` zero or more;
    elsewhere it is ``*``. ruff's patterns let ``*`` cross ``/`` (its globs are built without
    ``literal_separator``); gitignore's do not, hence the switch. ``\\`` escapes the next
    character. Raises ``re.error`` for a pattern that is not a valid glob.
    """
    star = ".*" if star_crosses_slash else "[^/]*"
    one = "." if star_crosses_slash else "[^/]"
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            if j - i >= 2 and (i == 0 or pattern[i - 1] == "/") and (j == n or pattern[j] == "/"):
                if j == n:
                    out.append(".*")
                else:
                    out.append("(?:.*/)?")
                    j += 1
            else:
                out.append(star)
            i = j
        elif c == "?":
            out.append(one)
            i += 1
        elif c == "[":
            i = _translate_class(pattern, i, out, slash=star_crosses_slash)
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        elif c == "{" and braces and "}" in pattern[i:]:
            end = pattern.index("}", i)
            options = pattern[i + 1 : end].split(",")
            alternatives = (
                translate_glob(o, star_crosses_slash=star_crosses_slash) for o in options
            )
            out.append("(?:" + "|".join(alternatives) + ")")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    result = "".join(out)
    re.compile(result)
    return result


def _translate_class(pattern: str, start: int, out: list[str], *, slash: bool) -> int:
    j = start + 1
    negate = j < len(pattern) and pattern[j] in "!^"
    if negate:
        j += 1
    body_start = j
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    end = pattern.find("]", j)
    if end < 0:
        out.append(re.escape("["))
        return start + 1
    body = "".join("\\" + ch if ch in "\\[]^" else ch for ch in pattern[body_start:end])
    guard = "" if slash else "(?!/)"
    out.append(f"{guard}[{'^' if negate else ''}{body}]")
    return end + 1


def _normalized(path: Path | str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _relative(path: str, root: str) -> str | None:
    if path == root:
        return ""
    prefix = root if root.endswith(os.sep) else root + os.sep
    if path.startswith(prefix):
        return path[len(prefix) :].replace(os.sep, "/")
    return None


class PatternSet:
    """ruff's exclude and per-file-ignores patterns, compiled once.

    A pattern without ``/`` matches a file or directory name at any depth; one with ``/`` matches
    the path relative to the root (``./`` and a trailing ``/`` are dropped); an absolute one the
    absolute path. Globs as in ``translate_glob`` with ``*`` crossing ``/`` and ``{a,b}``.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        names: list[str] = []
        paths: list[str] = []
        absolute: list[str] = []
        for pattern in patterns:
            pattern = pattern.removeprefix("./")
            if len(pattern) > 1:
                pattern = pattern.rstrip("/") or "/"
            regex = translate_glob(
                pattern.replace(os.sep, "/"), star_crosses_slash=True, braces=True
            )
            if os.path.isabs(pattern):
                absolute.append(regex)
            elif "/" in pattern:
                paths.append(regex)
            else:
                names.append(regex)
        self._names = _union(names)
        self._paths = _union(paths)
        self._absolute = _union(absolute)

    def matches(self, name: str, rel: str | None, absolute: str | None = None) -> bool:
        """Whether a file or directory matches: its name, its root-relative path (None when
        outside the root) and, for absolute patterns, its absolute path."""
        if self._names is not None and self._names.fullmatch(name):
            return True
        if self._paths is not None and rel is not None and self._paths.fullmatch(rel):
            return True
        if self._absolute is not None and absolute is not None:
            return self._absolute.fullmatch(absolute.replace(os.sep, "/")) is not None
        return False


def _union(regexes: list[str]) -> re.Pattern[str] | None:
    if not regexes:
        return None
    return re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)


@lru_cache(maxsize=1024)
def _pattern_set(pattern: str) -> PatternSet:
    return PatternSet((pattern,))


def _specificity(code: str, selectors: Iterable[str]) -> int:
    """How specific the most specific selector matching ``code`` is (-1: none matches)."""
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- reading and validating -------------------------------------------------------------------


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(_toml_error(path, text, err)) from None


def _toml_error(path: Path, text: str, err: Exception) -> str:
    """``path:line:column: invalid TOML: reason``; "end of document" becomes the last line."""
    message = str(err)
    where = re.search(r" \(at line (\d+), column (\d+)\)$", message)
    if where:
        line, column = where.group(1), where.group(2)
        message = message[: where.start()]
    else:
        message = message.removesuffix(" (at end of document)")
        lines = text.splitlines() or [""]
        line, column = str(len(lines)), str(len(lines[-1]) + 1)
    return f"{path}:{line}:{column}: invalid TOML: {message}"


def _tool_table(data: Mapping[str, Any]) -> Any:
    tool = data.get("tool")
    return tool.get("bedrockcache") if isinstance(tool, Mapping) else None


def _from_file(path: Path) -> dict[str, Any]:
    """The validated Settings fields of a config file.

    A pyproject.toml holds them in ``[tool.bedrockcache]`` (none there: the defaults, as ruff
    does); any other file passed with ``--config`` holds them at the top level, like ruff.toml.
    """
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        table, where = _tool_table(data), f"{path}: {_TABLE} "
        if table is None:
            return {}
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: {_TABLE} must be a table")
    else:
        table, where = data, f"{path}: "
    return _validate(table, where)


def _validate(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    for key in table:
        if key not in _KEYS:
            hint = difflib.get_close_matches(key, _KEYS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"{where}{key}: unknown key{suggestion}")
    values: dict[str, Any] = {}
    for key in _LIST_KEYS:
        if key in table:
            values[key.replace("-", "_")] = _strings(table[key], f"{where}{key}")
    for key in ("select", "ignore", "extend_select"):
        for selector in values.get(key, ()):
            _check_selector(selector, f"{where}{key.replace('_', '-')}")
    for key in ("exclude", "extend_exclude"):
        for pattern in values.get(key, ()):
            _check_pattern(pattern, f"{where}{key.replace('_', '-')}")
    if "per-file-ignores" in table:
        values["per_file_ignores"] = _per_file_ignores(
            table["per-file-ignores"], f"{where}per-file-ignores"
        )
    if "models" in table:
        values["models"] = _models(table["models"], where)
    if "volatile-sources" in table:
        sources = _strings(table["volatile-sources"], f"{where}volatile-sources")
        for name in sources:
            if not _DOTTED.fullmatch(name):
                raise ConfigError(
                    f"{where}volatile-sources: {name!r} is not a dotted name such as "
                    '"myapp.clock.now"'
                )
        values["volatile_sources"] = sources
    for key in ("fix", "unsafe-fixes"):
        if key in table:
            if not isinstance(table[key], bool):
                raise ConfigError(f"{where}{key}: expected true or false")
            values[key.replace("-", "_")] = table[key]
    for key in _LIMIT_KEYS:
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{where}{key}: expected a positive integer, got {value!r}")
            values[key.replace("-", "_")] = value
    return values


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)


def _check_selector(selector: str, where: str) -> None:
    from bedrockcache.rules.catalogue import catalogue

    if selector == "ALL":
        return
    if _SELECTOR.fullmatch(selector) and any(code.startswith(selector) for code in catalogue()):
        return
    raise ConfigError(f"{where}: unknown rule selector {selector!r}")


def _check_pattern(pattern: str, where: str, *, negation: bool = False) -> None:
    if negation:
        pattern = pattern.removeprefix("!")
    if not pattern:
        raise ConfigError(f"{where}: empty pattern")
    try:
        PatternSet((pattern,))
    except re.error:
        raise ConfigError(f"{where}: invalid glob pattern {pattern!r}") from None


def _per_file_ignores(value: Any, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table of pattern = [codes]")
    entries = []
    for pattern, codes in value.items():
        _check_pattern(pattern, where, negation=True)
        selectors = _strings(codes, f"{where}.{_quote(pattern)}")
        for selector in selectors:
            _check_selector(selector, f"{where}.{_quote(pattern)}")
        entries.append((pattern, selectors))
    return tuple(entries)


def _quote(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _models(value: Any, where: str) -> Mapping[str, Any]:
    from bedrockcache.facts import FactsError, load_facts

    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}models: expected a table of model tables")
    try:
        load_facts(value)
    except FactsError as err:
        raise ConfigError(f"{where}{err}") from None
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise ConfigError(f"{where}models: invalid model table ({err})") from None
    return dict(value)


# --- command-line values ----------------------------------------------------------------------


def _from_cli(cli: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    given = {k: v for k, v in cli.items() if v is not None and not _empty(v)}
    values: dict[str, Any] = {}
    for key in ("select", "ignore", "extend_select"):
        if key in given:
            values[key] = _cli_list(given[key], key, split=True)
            for selector in values[key]:
                _check_selector(selector, _option(key))
    for key in ("exclude", "extend_exclude"):
        if key in given:
            values[key] = _cli_list(given[key], key, split=False)
            for pattern in values[key]:
                _check_pattern(pattern, _option(key))
    if "per_file_ignores" in given:
        values["per_file_ignores"] = _cli_per_file_ignores(given["per_file_ignores"])
    if "select" in values:  # as in ruff, a select on a later layer starts the selection afresh
        values.setdefault("ignore", ())
        values.setdefault("extend_select", ())
    else:
        for key in ("ignore", "extend_select"):
            if key in values:
                values[key] = (*config.get(key, ()), *values[key])
    if "extend_exclude" in values:
        values["extend_exclude"] = (*config.get("extend_exclude", ()), *values["extend_exclude"])
    return values


def _empty(value: Any) -> bool:
    return isinstance(value, Sequence | Mapping) and not isinstance(value, str) and not value


def _option(key: str) -> str:
    return "--" + key.replace("_", "-")


def _cli_list(value: Any, key: str, *, split: bool) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Iterable) or not all(isinstance(v, str) for v in items):
        raise ConfigError(f"{_option(key)}: expected strings")
    if not split:
        return tuple(items)
    return tuple(part.strip() for v in items for part in v.split(",") if part.strip())


def _cli_per_file_ignores(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Accepts a mapping, (pattern, codes) pairs, or ruff's ``"pattern:CODE,CODE"`` strings."""
    where = "--per-file-ignores"
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        items = [value] if isinstance(value, str) else list(value)
        pairs = []
        for item in items:
            if isinstance(item, str):
                pattern, sep, codes = item.rpartition(":")
                if not sep or not pattern:
                    raise ConfigError(f"{where}: expected 'pattern:CODES', got {item!r}")
                pairs.append((pattern, codes))
            elif isinstance(item, tuple | list) and len(item) == 2:
                pairs.append((item[0], item[1]))
            else:
                raise ConfigError(f"{where}: expected 'pattern:CODES', got {item!r}")
    entries = []
    for pattern, codes in pairs:
        if not isinstance(pattern, str):
            raise ConfigError(f"{where}: expected a string pattern, got {pattern!r}")
        _check_pattern(pattern, where, negation=True)
        selectors = _cli_list(codes, "per_file_ignores", split=True)
        for selector in selectors:
            _check_selector(selector, where)
        entries.append((pattern, selectors))
    return tuple(entries)
