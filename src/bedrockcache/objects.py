"""Framework objects in a request, whether real instances, linter stand-ins or plain JSON.

A Strands ``CacheConfig(...)``, a pydantic-ai ``CachePoint()`` or a LlamaIndex ``ChatMessage`` can
reach a backend three ways: as the real object (a user's test), as ``Constructed`` (the linter saw
the constructor call in source) or as a dict (a request written as JSON). Backends read all three
through ``fields_of`` and ``class_name`` and never import the framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Constructed", "class_name", "fields_of"]


@dataclass(frozen=True)
class Constructed:
    """A call to a known framework class, with the arguments the source gave it."""

    name: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    args: tuple[Any, ...] = ()


def class_name(value: object) -> str | None:
    """The class name of a real object, a Constructed one, or a dict with ``"__class__"``."""
    if isinstance(value, Constructed):
        return value.name
    if isinstance(value, Mapping):
        name = value.get("__class__")
        return name if isinstance(name, str) else None
    if value is None or isinstance(value, (str, int, float, bool, list, tuple)):
        return None
    return type(value).__name__


def fields_of(value: object) -> Mapping[str, Any] | None:
    """The named fields of an object-like value, or None when it has none."""
    if isinstance(value, Constructed):
        return value.kwargs
    if isinstance(value, Mapping):
        return {k: v for k, v in value.items() if k != "__class__"}
    if value is None or isinstance(value, (str, bytes, int, float, bool, list, tuple)):
        return None
    dump = getattr(value, "model_dump", None)  # pydantic models (LlamaIndex, LangChain messages)
    if callable(dump):
        try:
            data = dump()
        except Exception:  # a model that cannot dump itself is opaque, not an error
            data = None
        if isinstance(data, Mapping):
            return data
    if hasattr(value, "__dict__"):
        return {k: v for k, v in vars(value).items() if not k.startswith("_")}
    slots = getattr(type(value), "__slots__", ())
    if slots:
        return {s: getattr(value, s) for s in slots if hasattr(value, s)}
    return None
