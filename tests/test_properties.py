"""Hostile input never crashes audit(), suggest_breakpoints() or `bedrockcache audit`.

Any value at all, on every backend: a report, or one of the documented errors (README, "Audit a
request in Python"): RequestError for what Bedrock could never receive (not an object, nested too
deeply, a value no JSON encoder writes), and ValueError "cannot detect the backend" when no backend
is given and none matches. The command exits 0, 1 (only with --strict) or 2 with one line on
stderr. Python values go beyond JSON on purpose: bytes, sets, NaN and infinities, integers too long
to print, keys that are not strings, objects of no known type, deep nesting.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedrockcache import (
    Backend,
    Constructed,
    Outcome,
    RequestError,
    Unknown,
    audit,
    suggest_breakpoints,
)
from bedrockcache.cli import _report_json, _report_text, main
from bedrockcache.rules.catalogue import catalogue
from bedrockcache.unknown import PartialText

KEYS = [
    "modelId",
    "model",
    "body",
    "system",
    "messages",
    "role",
    "content",
    "text",
    "type",
    "ttl",
    "cachePoint",
    "cache_control",
    "toolConfig",
    "tools",
    "toolSpec",
    "anthropic_version",
    "anthropic_beta",
    "max_tokens",
    "additionalModelRequestFields",
    "model_settings",
    "cache_config",
    "system_prompt",
    "prompt",
    "strategy",
    "bedrock_cache_instructions",
    "blocks",
    "block_type",
    "cache_control_injection_points",
    "drop_params",
    "extra_body",
    "function",
    "toolResult",
]
MODELS = [
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:us-east-1:1:application-inference-profile/x",
]
BACKENDS = [*Backend, None]
PROFILE = settings(deadline=None, suppress_health_check=list(HealthCheck))


class HugeInt(int):
    """An int with more digits than Python will print: repr(), str() and json.dumps raise
    ValueError on it, as on any such int. Hypothesis shows it by ``_repr_pretty_``."""

    def __new__(cls, digits: int) -> HugeInt:
        return super().__new__(cls, (-1 if digits < 0 else 1) * 10 ** abs(digits))

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"HugeInt({self.bit_length()} bits)")


# -- values -------------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and the infinities included: Python's json writes and reads them
    st.text(max_size=30),
    st.sampled_from(["default", "ephemeral", "5m", "1h", "user", "system", "auto", *MODELS]),
)
odd_scalars = st.one_of(
    st.sampled_from([5000, -4400]).map(HugeInt),
    st.binary(max_size=8),
    st.sets(st.integers(), max_size=3),
    st.frozensets(st.text(max_size=3), max_size=3),
    st.complex_numbers(),
    st.builds(object),
    st.builds(Unknown, st.text(max_size=5)),
    st.builds(lambda a, b: PartialText((a, Unknown(b))), st.text(max_size=5), st.text(max_size=5)),
)
odd_keys = st.one_of(
    st.sampled_from(KEYS),
    st.text(max_size=5),
    st.integers(),
    st.none(),
    st.floats(),
    st.binary(max_size=3),
    st.tuples(st.integers()),
    st.frozensets(st.integers(), max_size=2),
)


def _nest(depth: int, kind: str) -> object:
    """``depth`` levels of one shape, innermost a text block."""
    value: object = {"text": "x", "type": "text"}
    for _ in range(depth):
        if kind == "list":
            value = [value]
        elif kind == "dict":
            value = {"content": value}
        elif kind == "anthropic":
            value = {"type": "tool_result", "tool_use_id": "t", "content": [value]}
        else:  # converse
            value = {"toolResult": {"toolUseId": "t", "content": [{"json": value}]}}
    return value


# Past MAX_DEPTH, short of what repr() (hypothesis reporting an example) can print.
deep = st.builds(
    _nest, st.integers(150, 400), st.sampled_from(["list", "dict", "anthropic", "converse"])
)
python_values = (
    st.recursive(
        st.one_of(json_scalars, odd_scalars),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.tuples(inner, inner),
            st.dictionaries(odd_keys, inner, max_size=5),
        ),
        max_leaves=25,
    )
    | deep
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=5),
    ),
    max_leaves=25,
)

# -- requests: anything, dicts of the keys backends read, and the catalogue's examples mutated ---

EXAMPLES = [
    example
    for rule in catalogue().values()
    for example in (*rule.bad, *rule.good)
    if example.backend not in ("lint", "lint-files")
]


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    """The places in a request a value can be replaced at (itself included), down to 12 levels."""
    found = [path]
    if len(path) >= 12:
        return found
    if isinstance(value, Constructed):
        for key, item in value.kwargs.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _replaced(value: object, path: tuple, new: object) -> object:
    """A copy of ``value`` with the element at ``path`` replaced (the original is left alone)."""
    if not path:
        return new
    key, rest = path[0], path[1:]
    if isinstance(value, Constructed):
        kwargs = dict(value.kwargs)
        kwargs[key] = _replaced(kwargs[key], rest, new)
        return dataclasses.replace(value, kwargs=kwargs)
    if isinstance(value, Mapping):
        copy = dict(value)
        copy[key] = _replaced(copy[key], rest, new)
        return copy
    items = list(value)  # type: ignore[call-overload]
    items[key] = _replaced(items[key], rest, new)
    return items if isinstance(value, list) else tuple(items)


@st.composite
def mutated_examples(draw: st.DrawFn, values: st.SearchStrategy) -> tuple[Any, str]:
    example = draw(st.sampled_from(EXAMPLES))
    request = example.request
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(request)))
        request = _replaced(request, path, draw(values))
    return request, example.backend


# -- audit() and suggest_breakpoints() ------------------------------------------------------------


def _documented(call, backend):  # type: ignore[no-untyped-def]
    """The call's result, or None when it raised a documented error (with a one-line message)."""
    try:
        return call()
    except RequestError as exc:
        message = str(exc)
    except ValueError as exc:
        message = str(exc)
        assert backend is None and message.startswith("cannot detect the backend"), message
    assert message and "\n" not in message
    return None


def _check(request: object, backend: Backend | str | None) -> None:
    report = _documented(lambda: audit(request, backend), backend)
    if report is not None:
        if report.will_cache:
            assert report.breakpoint_count >= 1
            assert not any(f.outcome is Outcome.REJECTED for f in report.findings)
            assert report.cached_tokens is not None
        assert all(isinstance(m, str) and m for _, m in report.reasons)
        assert _report_text(report) and json.loads(_report_json(report))
    _documented(lambda: suggest_breakpoints(request, backend=backend), backend)


@settings(PROFILE, max_examples=200)
@given(request=python_values, backend=st.sampled_from(BACKENDS))
def test_any_value_on_any_backend(request: object, backend: Backend | None) -> None:
    _check(request, backend)


@settings(PROFILE, max_examples=200)
@given(
    request=st.dictionaries(st.sampled_from(KEYS), python_values, max_size=6),
    backend=st.sampled_from(BACKENDS),
)
def test_dicts_of_the_keys_backends_read(request: dict, backend: Backend | None) -> None:
    _check(request, backend)


@settings(PROFILE, max_examples=250)
@given(mutated=mutated_examples(python_values), backend=st.sampled_from([*BACKENDS, "own"]))
def test_catalogue_examples_with_parts_replaced(mutated: tuple, backend: str | None) -> None:
    request, own = mutated
    _check(request, own if backend == "own" else backend)


@pytest.mark.parametrize("backend", list(Backend))
@pytest.mark.parametrize("kind", ["list", "dict", "anthropic", "converse"])
def test_deep_nesting_in_a_request_is_a_request_error_or_a_report(backend: Backend, kind: str):
    """900 levels (under Python's recursion limit of 1,000, where a recursive walk breaks) in
    every place a backend reads blocks from."""
    value = _nest(900, kind)
    for request in (
        {
            "modelId": MODELS[0],
            "model": MODELS[1],
            "messages": [{"role": "user", "content": [value]}],
        },
        {"modelId": MODELS[0], "model": MODELS[1], "system": [value], "messages": []},
        {"modelId": MODELS[0], "body": {"messages": [{"role": "user", "content": [value]}]}},
        {"modelId": MODELS[0], "model": MODELS[1], "tools": [value], "messages": value},
    ):
        _check(request, backend)


def test_a_hundred_thousand_nested_lists_are_a_request_error_on_every_backend():
    request = _nest(100_000, "list")
    for backend in BACKENDS:
        with pytest.raises(RequestError, match=r"must be an object|not an object"):
            audit(request, backend)


@pytest.mark.parametrize("backend", list(Backend))
@pytest.mark.parametrize("request_", [None, [1], 1, 1.5, "x", b"{}", True, {1, 2}, ()])
def test_a_request_that_is_not_an_object_is_a_request_error(backend: Backend, request_: object):
    with pytest.raises(RequestError, match=f"a {backend.value} request must be an object"):
        audit(request_, backend)
    with pytest.raises(RequestError, match="must be an object"):
        suggest_breakpoints(request_, backend=backend)


# -- the command ---------------------------------------------------------------------------------


def _command(text: str | bytes, backend: Backend | None, extra: list[str]) -> None:
    args = ["audit", "-", *extra, *(["--backend", backend.value] if backend else [])]
    result = CliRunner().invoke(main, args, input=text)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in ((0, 1, 2) if "--strict" in extra else (0, 2)), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("bedrockcache: error: "), result.stderr
    else:
        assert result.stdout.strip()


EXTRA = st.sampled_from([[], ["--strict"], ["--format", "json"], ["--strict", "--format", "json"]])


@settings(PROFILE, max_examples=120)
@given(value=json_values, backend=st.sampled_from(BACKENDS), extra=EXTRA)
def test_command_on_any_json(value: object, backend: Backend | None, extra: list[str]) -> None:
    _command(json.dumps(value), backend, extra)


@settings(PROFILE, max_examples=80)
@given(
    mutated=mutated_examples(json_values),
    backend=st.sampled_from([*BACKENDS, "own"]),
    extra=EXTRA,
)
def test_command_on_catalogue_examples_with_parts_replaced(mutated, backend, extra) -> None:  # type: ignore[no-untyped-def]
    request, own = mutated
    chosen = Backend(own) if backend == "own" else backend
    _command(json.dumps(request, default=str), chosen, extra)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"messages": ' + "[" * 950 + "]" * 950 + "}",
        '{"content": ' * 3_000 + "1" + "}" * 3_000,
        '{"modelId": "m", "max_tokens": ' + "9" * 5_000 + "}",
        '{"modelId": "m", "system": [{"text": "\\ud800"}], "messages": NaN}',
        b'{"modelId": "\xff"}',
    ],
    ids=["deep-list", "deep-messages", "deep-dict", "huge-int", "odd-json", "not-utf8"],
)
@pytest.mark.parametrize("backend", [None, Backend.LITELLM, Backend.BEDROCK_INVOKE_ANTHROPIC])
def test_command_on_hostile_text(text: str | bytes, backend: Backend | None) -> None:
    _command(text, backend, ["--strict"])


def test_command_in_a_real_interpreter_on_deep_nesting() -> None:
    """The C stack of a real process, not CliRunner's: 100,000 nested arrays, then a list."""
    for text, backend in (("[" * 100_000 + "]" * 100_000, "strands"), ("[1]", "litellm")):
        result = subprocess.run(
            [sys.executable, "-m", "bedrockcache", "audit", "-", "--backend", backend],
            input=text,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith("bedrockcache: error: ")
