"""What the editor asked for (options) and the ``[tool.bedrockcache]`` config of each document.

The config is found as ``lint`` finds it, from the document's directory upward, and kept per
directory until a config file changes: the server then forgets every answer (a new pyproject.toml
can take over a directory that had none), and the open documents are linted again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bedrockcache.config import ConfigError, Settings, load_settings

__all__ = ["ConfigCache", "Options"]

DEFAULT_DEBOUNCE_MS = 150


@dataclass(frozen=True)
class Options:
    """The server's settings, from ``initializationOptions`` or ``workspace/didChangeConfiguration``
    (either the object itself or under a ``bedrockcache`` key).

    ``showUnresolved``: list the call sites that could not be fully audited as hints.
    ``config``: a config file to use instead of the nearest pyproject.toml (as ``--config``).
    ``debounce``: milliseconds to wait after an edit before linting.
    """

    show_unresolved: bool = False
    config: str | None = None
    debounce_ms: int = DEFAULT_DEBOUNCE_MS

    @classmethod
    def parse(cls, raw: Any, base: Options | None = None) -> Options:
        """Options from a client's JSON; unknown keys and wrong types keep the old value, since
        an editor's settings UI is no place to fail."""
        base = base or cls()
        if isinstance(raw, dict) and isinstance(raw.get("bedrockcache"), dict):
            raw = raw["bedrockcache"]
        if not isinstance(raw, dict):
            return base
        show = raw.get("showUnresolved", base.show_unresolved)
        config = raw.get("config", base.config)
        debounce = raw.get("debounce", base.debounce_ms)
        return cls(
            show_unresolved=show if isinstance(show, bool) else base.show_unresolved,
            config=config if isinstance(config, str) and config else None,
            debounce_ms=debounce
            if isinstance(debounce, int) and not isinstance(debounce, bool) and debounce >= 0
            else base.debounce_ms,
        )


class ConfigCache:
    """The settings of each directory's documents (or the config error that stops them)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str | None], Settings | ConfigError] = {}

    def settings_for(self, path: str | None, config: str | None = None) -> Settings:
        """The settings that lint a document at ``path`` (the working directory's when it has no
        file); raises ConfigError for a config file ``lint`` would refuse."""
        directory = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
        key = (directory, config)
        if key not in self._known:
            try:
                self._known[key] = load_settings(
                    Path(directory), config=Path(config) if config else None
                )
            except (ConfigError, ValueError, OSError) as exc:
                self._known[key] = ConfigError(str(exc))
        found = self._known[key]
        if isinstance(found, ConfigError):
            raise found
        return found

    def is_config(self, path: str) -> bool:
        """Whether a change to ``path`` may change some document's settings."""
        if os.path.basename(path) == "pyproject.toml":
            return True
        real = os.path.realpath(path)
        return any(
            isinstance(s, Settings)
            and s.config_path is not None
            and os.path.realpath(s.config_path) == real
            for s in self._known.values()
        ) or any(
            config is not None and os.path.realpath(config) == real for _, config in self._known
        )

    def clear(self) -> None:
        self._known.clear()
