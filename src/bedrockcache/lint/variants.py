"""The concrete requests a call site may send when parts of it are ``Alternatives``.

``prompt = LONG_A if detailed else LONG_B`` gives a request that is one of two. The checker audits
each variant and reports a finding that holds on every one of them as usual, and one that holds
on some with the variant named. The variants share every value that is not an alternative, so a
finding still points at the literal it is about; new containers on the way to a chosen option
keep the source nodes of the ones they replace.
"""

from __future__ import annotations

import itertools
from typing import Any

from bedrockcache.lint.evaluate import Dumped, Origins
from bedrockcache.objects import Constructed
from bedrockcache.unknown import Alternatives

__all__ = ["MAX_VARIANTS", "variants"]

MAX_VARIANTS = 8

Variant = tuple[Any, tuple[str, ...]]  # the value, and the labels of the options it took


def variants(value: Any, origins: Origins, limit: int = MAX_VARIANTS) -> list[Variant] | None:
    """Every value ``value`` stands for; None when there are more than ``limit``."""
    try:
        return _expand(value, origins, limit, 0)
    except _TooMany:
        return None


class _TooMany(Exception):
    pass


def _expand(value: Any, origins: Origins, limit: int, depth: int) -> list[Variant]:
    if depth > 40:
        return [(value, ())]
    if isinstance(value, Alternatives):
        found: list[Variant] = []
        for option, label in zip(value.options, value.labels, strict=True):
            for inner, labels in _expand(option, origins, limit, depth + 1):
                found.append((inner, (label, *labels)))
        return _capped(found, limit)
    if isinstance(value, dict):
        keys = list(value)
        options = [_expand(value[k], origins, limit, depth + 1) for k in keys]
        if all(len(o) == 1 and o[0][0] is value[k] for o, k in zip(options, keys, strict=True)):
            return [(value, ())]
        return _capped(
            [
                (_copy_dict(value, dict(zip(keys, (v for v, _ in combo), strict=True)), origins),
                    _labels(combo))
                for combo in itertools.product(*options)
            ],
            limit,
        )  # fmt: skip
    if isinstance(value, list):
        options = [_expand(item, origins, limit, depth + 1) for item in value]
        if all(len(o) == 1 and o[0][0] is item for o, item in zip(options, value, strict=True)):
            return [(value, ())]
        return _capped(
            [
                (_copy_list(value, [v for v, _ in combo], origins), _labels(combo))
                for combo in itertools.product(*options)
            ],
            limit,
        )
    if isinstance(value, Constructed):
        kwargs = dict(value.kwargs)
        inner = _expand(kwargs, origins, limit, depth + 1)
        if len(inner) == 1 and inner[0][0] is kwargs:
            return [(value, ())]
        found = []
        for new_kwargs, labels in inner:
            made = Constructed(value.name, new_kwargs, value.args)
            _keep_origins(value, made, new_kwargs, origins)
            found.append((made, labels))
        return found
    if isinstance(value, Dumped):
        inner = _expand(value.value, origins, limit, depth + 1)
        if len(inner) == 1 and inner[0][0] is value.value:
            return [(value, ())]
        return [(Dumped(v), labels) for v, labels in inner]
    return [(value, ())]


def _capped(found: list[Variant], limit: int) -> list[Variant]:
    if len(found) > limit:
        raise _TooMany
    return found


def _labels(combo: tuple[Variant, ...]) -> tuple[str, ...]:
    return tuple(label for _, labels in combo for label in labels)


def _copy_dict(old: dict[Any, Any], new: dict[Any, Any], origins: Origins) -> dict[Any, Any]:
    _keep_origins(old, new, new, origins)
    return new


def _copy_list(old: list[Any], new: list[Any], origins: Origins) -> list[Any]:
    _keep_origins(old, new, new, origins)
    return new


def _keep_origins(old: object, new: object, container: Any, origins: Origins) -> None:
    """The source node of ``old`` and of each of its elements now stand for ``new``'s too."""
    node = origins.nodes.get(id(old))
    if node is not None:
        origins.note(new, node)
    keys = range(len(container)) if isinstance(container, list) else list(container)
    for key in keys:
        element = origins.elements.get((id(old), key))
        if element is not None:
            origins.element(new, key, element)
    if isinstance(old, Constructed):
        for key in keys:
            element = origins.elements.get((id(old.kwargs), key))
            if element is not None:
                origins.element(container, key, element)
