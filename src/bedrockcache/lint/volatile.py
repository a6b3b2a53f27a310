"""Which calls give a different value on every call, and how that follows a value into a prompt.

A cached prefix hits only when it is byte-identical to the last one. The evaluator marks the
result of a clock, a uuid, a random draw or a user-listed source as ``Volatile`` (an ``Unknown``
that knows where it came from), and iteration over a set as ``Volatile`` of kind "order" (string
hashes are salted per process). These helpers decide what is a source and how a mark survives
formatting; the BC4xx rules (``rules/stability.py``) read the marks in the wire view.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bedrockcache.objects import Constructed
from bedrockcache.unknown import PartialText, Unknown, Volatile

__all__ = [
    "DAY_ATTRIBUTES",
    "SOURCES",
    "find_volatile",
    "granularity",
    "is_constant",
    "mark_unknown",
    "rescope",
    "source_scope",
    "taint",
    "time_argument",
    "unordered",
]

# Qualified name -> how often its value changes. Functions whose optional time argument, when
# given, makes them deterministic are listed in _TIME_ARGUMENT.
SOURCES: Mapping[str, str] = {
    "datetime.datetime.now": "call",
    "datetime.datetime.utcnow": "call",
    "datetime.datetime.today": "call",
    "datetime.date.today": "day",
    "time.time": "call",
    "time.time_ns": "call",
    "time.monotonic": "call",
    "time.monotonic_ns": "call",
    "time.perf_counter": "call",
    "time.perf_counter_ns": "call",
    "time.strftime": "call",
    "time.ctime": "call",
    "time.asctime": "call",
    "time.localtime": "call",
    "time.gmtime": "call",
    "uuid.uuid1": "call",
    "uuid.uuid4": "call",
    "uuid.uuid6": "call",
    "uuid.uuid7": "call",
    "os.urandom": "call",
    "os.getpid": "process",
    "os.getppid": "process",
    "socket.gethostname": "process",
    "platform.node": "process",
    "getpass.getuser": "process",
    "django.utils.timezone.now": "call",
    "pandas.Timestamp.now": "call",
}
_TIME_ARGUMENT = {"time.strftime": 1, "time.ctime": 0, "time.asctime": 0, "time.localtime": 0}
_TIME_ARGUMENT |= {"time.gmtime": 0}
# random.* and secrets.* draw, except what only sets up a generator (seeded, it is deterministic).
_RANDOM_MODULES = ("random", "secrets")
_NOT_DRAWS = frozenset({"seed", "getstate", "setstate", "Random", "compare_digest"})
# Attributes of a date or datetime that change at most once a day.
DAY_ATTRIBUTES = frozenset({"year", "month", "day", "date", "weekday", "isoweekday"})
# strftime directives that change at most once a day (locale date %x included).
_DAY_DIRECTIVES = frozenset("aAbBCdDeFgGhjmuUVwWxyY%nt")
_DIRECTIVE = re.compile(r"%[-#0^_]*([A-Za-z%])")


def source_scope(qualified: str, user_sources: Iterable[str] = ()) -> str | None:
    """How often a call to ``qualified`` changes ("call", "process", "day"); None if it does not."""
    if qualified in SOURCES:
        return SOURCES[qualified]
    module, _, name = qualified.rpartition(".")
    if module in _RANDOM_MODULES and name not in _NOT_DRAWS:
        return "call"
    if qualified in user_sources:
        return "call"
    return None


def time_argument(qualified: str) -> int | None:
    """The position of the time argument that makes ``qualified`` deterministic, if it has one."""
    return _TIME_ARGUMENT.get(qualified)


def granularity(fmt: object, scope: str) -> str:
    """The scope of a time formatted with ``fmt``: "day" when it shows nothing finer than a day."""
    if scope != "call" or not isinstance(fmt, str) or isinstance(fmt, PartialText):
        return scope
    directives = _DIRECTIVE.findall(fmt)
    if directives and all(d in _DAY_DIRECTIVES for d in directives):
        return "day"
    return scope


_RANK = {"call": 3, "process": 2, "day": 1}


def find_volatile(value: object, depth: int = 0) -> Volatile | None:
    """The most frequently changing mark inside a value (text parts, containers, objects)."""
    if depth > 12:
        return None
    if isinstance(value, Volatile):
        return value
    found: Volatile | None = None
    if isinstance(value, PartialText):
        items: Iterable[object] = value.parts
    elif isinstance(value, Mapping):
        items = (*value.keys(), *value.values())
    elif isinstance(value, list | tuple):
        items = value
    elif isinstance(value, Constructed):
        items = value.kwargs.values()
    elif hasattr(value, "value") and type(value).__name__ == "Dumped":
        items = (value.value,)  # type: ignore[attr-defined]
    else:
        return None
    for item in items:
        if isinstance(item, str) and not isinstance(item, PartialText):
            continue
        mark = find_volatile(item, depth + 1)
        if mark is not None and (found is None or _RANK[mark.scope] > _RANK[found.scope]):
            found = mark
    return found


def taint(result: object, *inputs: object, scope: str | None = None) -> object:
    """``result`` (an Unknown, or text of unknown content) marked with the inputs' volatility.

    A known result is returned unchanged: it is the same on every call whatever went into it.
    """
    mark = None
    for value in inputs:
        found = find_volatile(value)
        if found is not None and (mark is None or _RANK[found.scope] > _RANK[mark.scope]):
            mark = found
    if mark is None:
        return result
    return mark_unknown(result, mark, scope)


def mark_unknown(result: object, mark: Volatile, scope: str | None = None) -> object:
    scope = scope or mark.scope
    if isinstance(result, PartialText):
        parts = tuple(
            _marked(p, mark, scope) if isinstance(p, Unknown) and not isinstance(p, Volatile) else p
            for p in result.parts
        )
        return PartialText(parts)
    if isinstance(result, Unknown) and not isinstance(result, Volatile):
        return _marked(result, mark, scope)
    return result


def rescope(value: object, scope: str, depth: int = 0) -> object:
    """``value`` with its per-call marks changed to ``scope``: a helper's result computed once
    (``@functools.cache``, or called at import time) changes per process, not per call."""
    if depth > 12 or find_volatile(value) is None:
        return value
    if isinstance(value, Volatile):
        if value.scope != "call":
            return value
        return Volatile(value.source, value.origin, scope, value.kind, value.node)
    if isinstance(value, PartialText):
        return PartialText(tuple(rescope(p, scope, depth + 1) for p in value.parts))  # type: ignore[misc]
    if isinstance(value, dict):
        return {k: rescope(v, scope, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [rescope(v, scope, depth + 1) for v in value]
    return value


def _marked(unknown: Unknown, mark: Volatile, scope: str) -> Volatile:
    return Volatile(unknown.source, mark.origin, scope, mark.kind, mark.node)


def unordered(source: str, origin: str, node: object, kind: str = "order") -> Volatile:
    """The mark of a value whose order follows a set's iteration order (per process)."""
    return Volatile(source, origin, "process", kind, node)


def is_constant(value: object) -> bool:
    """Whether hashing ``value`` is the same in every process (numbers, bools, None)."""
    return value is None or (isinstance(value, int | float) and not isinstance(value, PartialText))
