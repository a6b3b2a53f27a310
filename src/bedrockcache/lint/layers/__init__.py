"""One module per library: which calls are Bedrock call sites and the request each one sends.

Every module exposes ``find(ctx) -> Iterator[CallSite]`` and may add entries to the evaluator's
tables: ``CONSTRUCTORS`` (framework classes whose calls become ``Constructed`` values),
``FUNCTIONS`` (helpers with a known result) and ``CONSTANTS`` (enum members and the like).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import lru_cache
from types import ModuleType
from typing import Any

from bedrockcache.lint.evaluate import ConstructorSpec, Function

__all__ = ["LAYERS", "constants", "constructors", "functions", "layer_modules"]

LAYERS = ("boto3", "anthropic", "litellm", "strands", "pydantic_ai", "langchain", "llamaindex")


@lru_cache(maxsize=1)
def layer_modules() -> tuple[ModuleType, ...]:
    return tuple(importlib.import_module(f"bedrockcache.lint.layers.{name}") for name in LAYERS)


def _merged(attribute: str) -> dict[Any, Any]:
    merged: dict[Any, Any] = {}
    for module in layer_modules():
        merged.update(getattr(module, attribute, {}))
    return merged


@lru_cache(maxsize=1)
def constructors() -> Mapping[tuple[str, str], ConstructorSpec]:
    return _merged("CONSTRUCTORS")


@lru_cache(maxsize=1)
def functions() -> Mapping[tuple[str, str], Function]:
    return _merged("FUNCTIONS")


@lru_cache(maxsize=1)
def constants() -> Mapping[tuple[str, str], Any]:
    return _merged("CONSTANTS")
