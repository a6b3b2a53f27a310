"""The one catalogue: every code any front door can report, gathered from the rule modules.

Each module under ``bedrockcache.rules`` holds the entries of one layer (BC1xx, BC2xx) or of
Bedrock itself (BC3xx) in a ``RULES`` tuple, beside their examples. Codes never change meaning.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import lru_cache

from bedrockcache.rules.model import Rule

__all__ = ["catalogue", "rule"]

_MODULES = (
    "analyzer",
    "converse",
    "invoke",
    "litellm",
    "strands",
    "pydantic_ai",
    "langchain",
    "llamaindex",
    "bedrock",
    "stability",
)


@lru_cache(maxsize=1)
def catalogue() -> Mapping[str, Rule]:
    entries: dict[str, Rule] = {}
    for name in _MODULES:
        module = importlib.import_module(f"bedrockcache.rules.{name}")
        for entry in module.RULES:
            if entry.code in entries:
                raise RuntimeError(f"rule code {entry.code} is defined twice")
            entries[entry.code] = entry
    return dict(sorted(entries.items()))


def rule(code: str) -> Rule:
    try:
        return catalogue()[code]
    except KeyError:
        raise KeyError(f"no rule {code} in the catalogue") from None
