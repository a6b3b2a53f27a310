"""Which files a lint run reads: ruff's rules for paths, excludes and .gitignore.

A path given on the command line is always linted, whatever its suffix, unless ``force_exclude``
is set: pre-commit passes every changed file by name and relies on the config's excludes to skip
some. As in ruff, ``force_exclude`` applies the exclude patterns (to the path and its directories
below the root) but not .gitignore, which git (and so pre-commit) has already applied.

Directories are walked for ``*.py`` and ``*.pyi``, skipping excluded names and patterns at any
depth, virtualenvs whatever their name (a directory holding ``pyvenv.cfg``), the ``.git``
directory, and what git ignores. Directory symlinks are not followed (ruff's default), so a walk
never leaves the tree or loops; symlinked files are linted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bedrockcache.config import (
    DEFAULT_EXCLUDE,
    PatternSet,
    Settings,
    relative_to_root,
    translate_glob,
)

__all__ = ["DEFAULT_EXCLUDE", "GitIgnore", "discover", "excluder", "is_excluded"]

_SUFFIXES = (".py", ".pyi")


def discover(
    paths: Sequence[Path],
    settings: Settings,
    *,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
    unreadable: list[tuple[Path, OSError]] | None = None,
) -> list[Path]:
    """The files to lint under ``paths``: absolute, normalized, sorted and de-duplicated.

    Raises FileNotFoundError (message ``<path>: no such file or directory``) for a path that does
    not exist, before anything is walked. A directory that cannot be listed is appended to
    ``unreadable`` with its error (the run reports it, BC005); one that vanished mid-walk is not.
    """
    absolute = [os.path.normpath(os.path.abspath(p)) for p in paths]
    for given, path in zip(paths, absolute, strict=True):
        if not os.path.exists(path):
            raise FileNotFoundError(f"{given}: no such file or directory")
    walker = _Walker(settings, respect_gitignore, unreadable)
    found: set[str] = set()
    for path in absolute:
        if force_exclude and _excluded(path, settings, walker.patterns):
            continue
        if os.path.isdir(path):
            walker.walk(path, found)
        else:
            found.add(path)
    return sorted(Path(p) for p in found)


def is_excluded(path: Path | str, settings: Settings) -> bool:
    """Whether exclude / extend-exclude (or a virtualenv) covers ``path`` or a directory above it.

    Only directories below ``settings.root`` are considered, so the name of the directory the
    project lives in never excludes the project (ruff issue #2034). A path outside the root is
    judged by its own name only.
    """
    return _excluded(path, settings, _pattern_set(settings))


def excluder(settings: Settings) -> Callable[[str], bool]:
    """``is_excluded`` for many paths of one run: the patterns are compiled once, and each
    directory is judged once (a project's import lookups ask about the same ones again)."""
    patterns = _pattern_set(settings)

    @lru_cache(maxsize=4096)
    def excluded(path: str) -> bool:
        return _excluded(path, settings, patterns)

    return excluded


def _excluded(path: Path | str, settings: Settings, patterns: PatternSet) -> bool:
    current = os.path.normpath(os.path.abspath(path))
    rel = relative_to_root(current, settings.root)
    if rel is None:
        return patterns.matches(os.path.basename(current), None, current)
    while rel:
        if patterns.matches(os.path.basename(current), rel, current):
            return True
        if os.path.isfile(os.path.join(current, "pyvenv.cfg")):
            return True
        current = os.path.dirname(current)
        rel = rel.rpartition("/")[0]
    return False


def _pattern_set(settings: Settings) -> PatternSet:
    return PatternSet((*settings.exclude, *settings.extend_exclude))


class _Walker:
    def __init__(
        self,
        settings: Settings,
        respect_gitignore: bool,
        unreadable: list[tuple[Path, OSError]] | None = None,
    ) -> None:
        self.patterns = _pattern_set(settings)
        self.root = settings.root
        self.respect_gitignore = respect_gitignore
        self.unreadable = unreadable

    def walk(self, top: str, found: set[str]) -> None:
        ignore = GitIgnore.for_directory(top) if self.respect_gitignore else None
        pending = [(top, relative_to_root(top, self.root), ignore)]
        while pending:
            directory, rel, ignore = pending.pop()
            try:
                with os.scandir(directory) as it:
                    entries = list(it)
            except FileNotFoundError:
                continue  # vanished since it was listed: nothing to lint there
            except OSError as error:
                if self.unreadable is not None:
                    self.unreadable.append((Path(directory), error))
                continue
            for entry in entries:
                child_rel = None if rel is None else (f"{rel}/{entry.name}" if rel else entry.name)
                if entry.name == ".git" or self.patterns.matches(entry.name, child_rel, entry.path):
                    continue
                if _is_real_dir(entry):
                    if os.path.isfile(os.path.join(entry.path, "pyvenv.cfg")):
                        continue
                    if ignore is not None and ignore.ignored(entry.path, is_dir=True):
                        continue
                    child = ignore.descend(entry.path) if ignore is not None else None
                    pending.append((entry.path, child_rel, child))
                elif entry.name.endswith(_SUFFIXES) and _is_file(entry):
                    if ignore is not None and ignore.ignored(entry.path, is_dir=False):
                        continue
                    found.add(entry.path)


def _is_real_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()  # follows symlinks: a link to a file is linted, a dangling one not
    except OSError:
        return False


# --- .gitignore -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool  # matched against the path from the .gitignore's directory, else the name


@dataclass(frozen=True)
class _Source:
    base: str  # the directory the patterns are relative to
    rules: tuple[_Rule, ...]


def _parse_gitignore(text: str) -> tuple[_Rule, ...]:
    """The rules of one .gitignore, per gitignore(5); lines that are not valid globs are skipped."""
    rules = []
    for raw in text.splitlines():
        line = raw
        while line.endswith(" ") and not line.endswith("\\ "):
            line = line[:-1]
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate or line.startswith(("\\!", "\\#")):  # a backslash escapes a literal ! or #
            line = line[1:]
        dir_only = line.endswith("/") and not line.endswith("\\/")
        if dir_only:
            line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.removeprefix("/")
        try:
            regex = re.compile(translate_glob(line, star_crosses_slash=False), re.DOTALL)
        except re.error:
            continue
        rules.append(_Rule(regex, negate, dir_only, anchored))
    return tuple(rules)


class GitIgnore:
    """The ignore rules in force in one directory of a git work tree.

    Sources in rising precedence: ``.git/info/exclude``, then each ``.gitignore`` from the
    repository root down to the directory. The last matching pattern wins, so a deeper file or
    a later line overrides an earlier one, and ``!`` re-includes. Outside a work tree git ignores
    nothing, so neither do we (ruff's ``ignore`` crate behaves the same). A directory holding its
    own ``.git`` (a nested repository) starts afresh. What an ignored directory holds is never
    visited, so (as in git) a ``!`` cannot re-include a file inside an ignored directory.
    """

    def __init__(self, sources: tuple[_Source, ...]) -> None:
        self._sources = sources

    @classmethod
    def for_directory(cls, directory: str | Path) -> GitIgnore | None:
        """The rules in force in ``directory``, or None when it is not inside a git work tree."""
        directory = os.path.normpath(os.path.abspath(directory))
        chain = [directory]
        current = directory
        while not os.path.exists(os.path.join(current, ".git")):
            parent = os.path.dirname(current)
            if parent == current:
                return None
            current = parent
            chain.append(current)
        sources = [_read(os.path.join(current, ".git", "info", "exclude"), current)]
        sources += [_read(os.path.join(d, ".gitignore"), d) for d in reversed(chain)]
        return cls(tuple(s for s in sources if s.rules))

    def descend(self, directory: str) -> GitIgnore:
        """The rules in force in ``directory``, a child of this one."""
        if os.path.exists(os.path.join(directory, ".git")):
            fresh = GitIgnore.for_directory(directory)
            return fresh if fresh is not None else GitIgnore(())
        source = _read(os.path.join(directory, ".gitignore"), directory)
        return GitIgnore((*self._sources, source)) if source.rules else self

    def ignored(self, path: str | Path, *, is_dir: bool) -> bool:
        """Whether git ignores ``path``, a file or directory in (or below) this directory."""
        path = os.path.normpath(os.path.abspath(path))
        name = os.path.basename(path)
        result = False
        for source in self._sources:
            prefix = source.base if source.base.endswith(os.sep) else source.base + os.sep
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix) :].replace(os.sep, "/")
            for rule in source.rules:
                if rule.dir_only and not is_dir:
                    continue
                if rule.regex.fullmatch(rel if rule.anchored else name):
                    result = not rule.negate
        return result


def _read(path: str, base: str) -> _Source:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return _Source(base, _parse_gitignore(handle.read()))
    except OSError:
        return _Source(base, ())
