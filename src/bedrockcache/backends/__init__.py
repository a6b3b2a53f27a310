"""Backends: one module per layer, translating that layer's inputs into the Bedrock wire request.

Each module exposes ``translate(request, facts, backend) -> Translation`` (what that library
really sends, and what it drops on the way) and ``looks_like(request, backend) -> bool`` (for
backend detection). Modules are imported on first use, so auditing one layer never loads the
others. Callers go through ``translate()`` here, which refuses what is not a request at all the
same way for every backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from enum import Enum
from types import ModuleType
from typing import TYPE_CHECKING, Any

from bedrockcache.wire import RequestError

if TYPE_CHECKING:
    from bedrockcache.backends.base import Translation
    from bedrockcache.facts import Facts

__all__ = [
    "Backend",
    "detect_backend",
    "parse_backend",
    "translate",
    "translator",
    "wire_shaped",
]


class Backend(str, Enum):
    """The layer a request goes through. Values are stable: they appear in configs and CLIs."""

    BEDROCK_CONVERSE = "bedrock-converse"
    BEDROCK_INVOKE_ANTHROPIC = "bedrock-invoke-anthropic"
    ANTHROPIC_BEDROCK = "anthropic-bedrock"
    ANTHROPIC_BEDROCK_MANTLE = "anthropic-bedrock-mantle"
    LITELLM = "litellm"
    STRANDS = "strands"
    PYDANTIC_AI_BEDROCK = "pydantic-ai-bedrock"
    LANGCHAIN_BEDROCK_CONVERSE = "langchain-bedrock-converse"
    LANGCHAIN_BEDROCK = "langchain-bedrock"
    LLAMAINDEX_BEDROCK_CONVERSE = "llamaindex-bedrock-converse"


# The layers whose request is the Bedrock request itself, so a wire path names what was written.
_WIRE_SHAPED = frozenset(
    {
        Backend.BEDROCK_CONVERSE,
        Backend.BEDROCK_INVOKE_ANTHROPIC,
        Backend.ANTHROPIC_BEDROCK,
        Backend.ANTHROPIC_BEDROCK_MANTLE,
    }
)


def wire_shaped(backend: Backend | str) -> bool:
    """Whether a request for ``backend`` is the request Bedrock receives: no library between
    reshapes it (LiteLLM, for one, moves the system message out of ``messages``)."""
    try:
        return Backend(backend) in _WIRE_SHAPED
    except ValueError:
        return False


_MODULES = {
    Backend.BEDROCK_CONVERSE: "converse",
    Backend.BEDROCK_INVOKE_ANTHROPIC: "invoke",
    Backend.ANTHROPIC_BEDROCK: "anthropic_bedrock",
    Backend.ANTHROPIC_BEDROCK_MANTLE: "anthropic_mantle",
    Backend.LITELLM: "litellm",
    Backend.STRANDS: "strands",
    Backend.PYDANTIC_AI_BEDROCK: "pydantic_ai",
    Backend.LANGCHAIN_BEDROCK_CONVERSE: "langchain",
    Backend.LANGCHAIN_BEDROCK: "langchain",
    Backend.LLAMAINDEX_BEDROCK_CONVERSE: "llamaindex",
}

# Detection order: the most specific shapes first.
_DETECTION_ORDER = (
    Backend.LITELLM,
    Backend.PYDANTIC_AI_BEDROCK,
    Backend.STRANDS,
    Backend.LANGCHAIN_BEDROCK_CONVERSE,
    Backend.LANGCHAIN_BEDROCK,
    Backend.LLAMAINDEX_BEDROCK_CONVERSE,
    Backend.BEDROCK_INVOKE_ANTHROPIC,
    Backend.BEDROCK_CONVERSE,
    Backend.ANTHROPIC_BEDROCK,
    Backend.ANTHROPIC_BEDROCK_MANTLE,
)


def parse_backend(value: Backend | str) -> Backend:
    """``Backend`` from its value or name; ValueError naming the valid values otherwise."""
    if isinstance(value, Backend):
        return value
    if isinstance(value, str):
        for backend in Backend:
            if value in (backend.value, backend.name):
                return backend
    valid = ", ".join(b.value for b in Backend)
    raise ValueError(f"unknown backend {value!r}; expected one of: {valid}")


def translator(backend: Backend) -> ModuleType:
    return importlib.import_module(f"bedrockcache.backends.{_MODULES[backend]}")


def translate(request: Any, backend: Backend, facts: Facts) -> Translation:
    """What ``backend``'s library sends to Bedrock for ``request`` (its call's keyword arguments).

    RequestError when the request is not a mapping: no layer takes anything else, and the
    backends read it as one.
    """
    if not isinstance(request, Mapping):
        raise RequestError(
            f"a {backend.value} request must be an object (the call's keyword arguments), "
            f"not {type(request).__name__}"
        )
    return translator(backend).translate(request, facts, backend)


def detect_backend(request: Any) -> Backend:
    """The backend whose request shape this is; ValueError when no backend's shape matches
    (RequestError when the request is not an object at all)."""
    if not isinstance(request, Mapping):
        raise RequestError(
            f"cannot detect the backend: the request is not an object ({type(request).__name__})"
        )
    matches = [b for b in _DETECTION_ORDER if translator(b).looks_like(request, b)]
    if not matches:
        raise ValueError(
            "cannot detect the backend from the request's shape; pass backend= "
            "(see `bedrockcache audit --help` for the values)"
        )
    return matches[0]
