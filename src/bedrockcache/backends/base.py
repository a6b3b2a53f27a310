"""What every backend returns, and the small helpers they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrockcache.findings import Finding
from bedrockcache.unknown import Unknown
from bedrockcache.wire import WireRequest

__all__ = ["Translation", "strip_prefix"]


@dataclass
class Translation:
    """A layer's input, as the library really sends it to Bedrock.

    ``wire`` is None when the library raises before anything is sent (the findings say why).
    ``findings`` are the layer's own: directives it drops, rewrites or refuses (BC2xx).
    ``missing`` is the layer's BC1xx code, reported when no directive reaches Bedrock at all.
    """

    wire: WireRequest | None
    missing: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def strip_prefix(model: object, prefix: str) -> object:
    """``bedrock/x`` -> ``x``; Unknown and non-strings pass through."""
    if isinstance(model, str) and model.startswith(prefix):
        return model[len(prefix) :]
    return model


def get(mapping: object, key: str, default: Any = None) -> Any:
    """``mapping[key]`` for a Mapping; ``default`` for anything else (including Unknown)."""
    if isinstance(mapping, Mapping):
        return mapping.get(key, default)
    return default


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)
