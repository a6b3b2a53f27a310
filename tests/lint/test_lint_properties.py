"""Properties of check_source: it never crashes, and it never claims a directive is missing
where an unknown value could hold one.

The request templates below build Bedrock calls (Converse, InvokeModel, LiteLLM) from random
pieces: literal blocks, cache directives, and unknowns (an unannotated parameter ``u``, which may
hold anything, or ``t: str``, which is only text). A piece remembers whether it is a *hole* (an
unknown where a directive could be) and whether it holds a directive.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst
import pytest
from hypothesis import HealthCheck, Phase, example, find, given, reject, settings
from hypothesis import strategies as st

from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.checker import check_source

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

HEAD = """\
import json

import boto3
import litellm

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120


def call(u, t: str):
"""


def checked(text: str | bytes, *, prefilter: bool = True) -> FileResult:
    try:
        result = check_source(text, "fuzz.py", prefilter=prefilter)
    except libcst.CSTValidationError:
        # A known bug, pinned by a strict xfail in test_checker.py; not a new finding here.
        reject()
    assert isinstance(result, FileResult)
    return result


# ---- arbitrary input ---------------------------------------------------------------------------


@SETTINGS
@given(st.text())
@example("")
@example("\x00")
@example("client.converse(**{")
@example("def f(:\n  client.converse(")
def test_arbitrary_text_never_crashes(text: str) -> None:
    checked(text, prefilter=False)
    checked("client.converse(modelId=x)\n" + text)


@SETTINGS
@given(st.binary())
@example(b"\xff\xfe")
@example(b"# -*- coding: nonsense -*-\nclient.converse()\n")
@example(b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n")
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    checked(data, prefilter=False)
    checked(b"client.converse(modelId=x)\n" + data)


# ---- request templates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    code: str
    hole: bool = False  # an unknown that could hold a cache directive
    directive: bool = False  # a cache directive written in the source
    long: bool = False  # text that may reach the model's minimum (so a directive would matter)
    per_call: bool = False  # text of unknown content: the question a call asks


HOLE = Piece("u", hole=True)


def or_hole(strategy: st.SearchStrategy[Piece]) -> st.SearchStrategy[Piece]:
    """``strategy``, or (one time in four) an unknown in its place."""
    return st.integers(0, 3).flatmap(lambda i: st.just(HOLE) if i == 0 else strategy)


def joined(template: str, *parts: Piece) -> Piece:
    return Piece(
        template.format(*(p.code for p in parts)),
        hole=any(p.hole for p in parts),
        directive=any(p.directive for p in parts),
        long=any(p.long for p in parts),
        per_call=any(p.per_call for p in parts),
    )


def final_turn(template: str, blocks: list[Piece]) -> Piece:
    """The last user message: only the known blocks it begins with are a stable prefix (a
    document sent with every question); from the first per-call block on, it is the question."""
    long = False
    for block in blocks:
        if block.per_call:
            break
        long = long or block.long
    whole = listed(blocks)
    return Piece(
        template.format(whole.code),
        hole=whole.hole,
        directive=whole.directive,
        long=long,
    )


# The whole content of the last user message unknown: the per-call question, read as text (a
# point inside it could not make a prefix hit on the next call). It is no hole.
QUESTION = Piece("u")


def listed(pieces: list[Piece]) -> Piece:
    return joined("[" + ", ".join("{}" for _ in pieces) + "]", *pieces)


# Text is never a hole: ``t`` is annotated ``str``, so no directive can hide in it. POLICY is
# over every model's minimum and ``t`` has no upper bound; the literals are short. ``t`` is a
# per-call value: in the last user message it is the question, not a prefix to cache.
TEXT = st.sampled_from(
    [
        Piece('"hi"'),
        Piece("POLICY", long=True),
        Piece('f"Q: {t}"', long=True, per_call=True),
        Piece("t", long=True, per_call=True),
        Piece('"rules " * 200'),
    ]
)


# Optional extra keyword arguments: none, or an unknown ``**`` spread (a hole).
SPREAD = st.sampled_from([Piece(""), Piece(", **u", hole=True)])


# Converse: cachePoint blocks in system, message content and tools.
CONVERSE_BLOCK = or_hole(
    st.one_of(
        TEXT.map(lambda t: joined('{{"text": {}}}', t)),
        st.just(Piece('{"cachePoint": {"type": "default"}}', directive=True)),
    )
)
CONVERSE_BLOCKS = st.lists(CONVERSE_BLOCK, min_size=1, max_size=3).map(listed)
CONVERSE_MESSAGE = or_hole(
    or_hole(CONVERSE_BLOCKS).map(lambda c: joined('{{"role": "user", "content": {}}}', c))
)
CONVERSE_FINAL = st.one_of(
    st.just(HOLE),  # the whole message unknown: its role too
    st.just(joined('{{"role": "user", "content": {}}}', QUESTION)),
    st.lists(CONVERSE_BLOCK, min_size=1, max_size=3).map(
        lambda blocks: final_turn('{{"role": "user", "content": {}}}', blocks)
    ),
)
CONVERSE_MESSAGES = or_hole(
    st.tuples(st.lists(CONVERSE_MESSAGE, max_size=2), CONVERSE_FINAL).map(
        lambda m: listed([*m[0], m[1]])
    )
)
CONVERSE_TOOL = or_hole(
    st.sampled_from(
        [
            Piece('{"toolSpec": {"name": "lookup", "inputSchema": {"json": {}}}}'),
            Piece('{"cachePoint": {"type": "default"}}', directive=True),
        ]
    )
)
CONVERSE_TOOLS = st.one_of(
    st.lists(CONVERSE_TOOL, min_size=1, max_size=2)
    .map(listed)
    .map(lambda tools: joined(', toolConfig={{"tools": {}}}', tools)),
    st.just(Piece(", toolConfig=u", hole=True)),
)


def _built_by_statements(blocks: Piece, extra: Piece) -> tuple[str, Piece]:
    """``system = [...]`` then ``system.append(extra)``: the statements and the whole value."""
    lines = f"    system = {blocks.code}\n    system.append({extra.code})\n"
    return lines, joined("system", blocks, extra)


@st.composite
def converse_call(draw: st.DrawFn) -> tuple[str, Piece]:
    statements = ""
    system = draw(st.one_of(st.none(), or_hole(CONVERSE_BLOCKS)))
    if system is not None and draw(st.booleans()):
        statements, system = _built_by_statements(system, draw(CONVERSE_BLOCK))
    parts = [Piece("modelId=MODEL"), joined("messages={}", draw(CONVERSE_MESSAGES))]
    if system is not None:
        parts.append(joined("system={}", system))
    call = joined(
        "client.converse(" + ", ".join("{}" for _ in parts) + "{}{})",
        *parts,
        draw(SPREAD),
        draw(st.one_of(st.just(Piece("")), CONVERSE_TOOLS)),
    )
    return statements + f"    return {call.code}\n", call


# InvokeModel: cache_control on blocks of system, message content and tools.
MARK = ', "cache_control": {"type": "ephemeral"}'
ANTHROPIC_BLOCK = or_hole(
    st.tuples(TEXT, st.booleans()).map(
        lambda m: Piece(
            f'{{"type": "text", "text": {m[0].code}{MARK if m[1] else ""}}}',
            directive=m[1],
            long=m[0].long,
            per_call=m[0].per_call,
        )
    )
)
ANTHROPIC_BLOCKS = st.lists(ANTHROPIC_BLOCK, min_size=1, max_size=3).map(listed)
ANTHROPIC_CONTENT = or_hole(st.one_of(TEXT, ANTHROPIC_BLOCKS))
ANTHROPIC_MESSAGE = or_hole(
    ANTHROPIC_CONTENT.map(lambda c: joined('{{"role": "user", "content": {}}}', c))
)
ANTHROPIC_FINAL = st.one_of(
    st.just(HOLE),
    st.just(joined('{{"role": "user", "content": {}}}', QUESTION)),
    TEXT.map(
        lambda t: Piece(f'{{"role": "user", "content": {t.code}}}', long=t.long and not t.per_call)
    ),
    st.lists(ANTHROPIC_BLOCK, min_size=1, max_size=3).map(
        lambda blocks: final_turn('{{"role": "user", "content": {}}}', blocks)
    ),
)
ANTHROPIC_MESSAGES = or_hole(
    st.tuples(st.lists(ANTHROPIC_MESSAGE, max_size=2), ANTHROPIC_FINAL).map(
        lambda m: listed([*m[0], m[1]])
    )
)
ANTHROPIC_TOOL = or_hole(
    st.sampled_from(
        [
            Piece('{"name": "lookup", "input_schema": {"type": "object"}}'),
            Piece(
                '{"name": "lookup", "input_schema": {"type": "object"}, '
                '"cache_control": {"type": "ephemeral"}}',
                directive=True,
            ),
        ]
    )
)


@st.composite
def invoke_call(draw: st.DrawFn) -> tuple[str, Piece]:
    parts = [
        Piece('"anthropic_version": "bedrock-2023-05-31"'),
        Piece('"max_tokens": 256'),
        joined('"messages": {}', draw(ANTHROPIC_MESSAGES)),
    ]
    system = draw(st.one_of(st.none(), ANTHROPIC_CONTENT))
    if system is not None:
        parts.append(joined('"system": {}', system))
    tools = draw(
        st.one_of(st.none(), or_hole(st.lists(ANTHROPIC_TOOL, min_size=1, max_size=2).map(listed)))
    )
    if tools is not None:
        parts.append(joined('"tools": {}', tools))
    if draw(st.integers(0, 3)) == 0:
        parts.append(Piece("**u", hole=True))
    body = joined("{{" + ", ".join("{}" for _ in parts) + "}}", *parts)
    lines = f"    body = {body.code}\n"
    lines += "    return client.invoke_model(modelId=MODEL, body=json.dumps(body))\n"
    return lines, body


# LiteLLM: cache_control on a message with text content, on a block of list content, on a tool.
def litellm_message(role: str) -> st.SearchStrategy[Piece]:
    return or_hole(
        st.one_of(
            st.tuples(TEXT, st.sampled_from(["", ', "cache_control": {"type": "ephemeral"}'])).map(
                lambda m: Piece(
                    f'{{"role": "{role}", "content": {m[0].code}{m[1]}}}',
                    directive=bool(m[1]),
                    long=m[0].long,
                )
            ),
            or_hole(ANTHROPIC_BLOCKS).map(
                lambda b: joined(f'{{{{"role": "{role}", "content": {{}}}}}}', b)
            ),
        )
    )


# The last message is the user's question; a system message may lead (LiteLLM moves it to
# ``system``, so where a mid-conversation one ends up is left to the conformance suite).
LITELLM_FINAL = st.one_of(
    st.just(HOLE),
    st.just(joined('{{"role": "user", "content": {}}}', QUESTION)),
    st.tuples(TEXT, st.sampled_from(["", ', "cache_control": {"type": "ephemeral"}'])).map(
        lambda m: Piece(
            f'{{"role": "user", "content": {m[0].code}{m[1]}}}',
            directive=bool(m[1]),
            long=m[0].long and not m[0].per_call,
        )
    ),
    st.lists(ANTHROPIC_BLOCK, min_size=1, max_size=3).map(
        lambda blocks: final_turn('{{"role": "user", "content": {}}}', blocks)
    ),
)
LITELLM_MESSAGES = or_hole(
    st.tuples(
        st.lists(litellm_message("system"), max_size=1),
        st.lists(litellm_message("user"), max_size=1),
        LITELLM_FINAL,
    ).map(lambda m: listed([*m[0], *m[1], m[2]]))
)
LITELLM_TOOL = or_hole(
    st.sampled_from(
        [
            Piece('{"type": "function", "function": {"name": "lookup", "parameters": {}}}'),
            Piece(
                '{"type": "function", "function": {"name": "lookup", "parameters": {}}, '
                '"cache_control": {"type": "ephemeral"}}',
                directive=True,
            ),
        ]
    )
)


@st.composite
def litellm_call(draw: st.DrawFn) -> tuple[str, Piece]:
    messages = draw(LITELLM_MESSAGES)
    tools = draw(
        st.one_of(
            st.just(Piece("")),
            st.lists(LITELLM_TOOL, min_size=1, max_size=2)
            .map(listed)
            .map(lambda t: joined(", tools={}", t)),
            st.just(Piece(", tools=u", hole=True)),
        )
    )
    call = joined(
        'litellm.completion(model="bedrock/" + MODEL, messages={}{}{})',
        messages,
        tools,
        draw(SPREAD),
    )
    return f"    return {call.code}\n", call


CALLS = {"BC101": converse_call(), "BC102": invoke_call(), "BC103": litellm_call()}


def _lint(body: str) -> list[str]:
    source = HEAD + body
    compile(source, "fuzz.py", "exec")  # the templates must make valid Python
    result = check_source(source, "fuzz.py")
    assert result.call_sites == 1, (source, result)
    return [d.code for d in result.diagnostics]


def _check_template(drawn: tuple[str, Piece], missing_code: str) -> None:
    body, request = drawn
    codes = _lint(body)
    missing = [c for c in codes if c.startswith("BC1")]
    if request.hole:
        assert missing == [], f"{missing} although an unknown may hold a directive:\n{body}"
    elif request.directive:
        assert missing == [], f"{missing} reported on a request with a directive:\n{body}"
    elif request.long:
        assert missing == [missing_code], f"{codes} on a request without any directive:\n{body}"
    else:  # too short to cache whatever it says: demo code, not worth a finding
        assert missing == [], f"{missing} reported on a request below every minimum:\n{body}"


@SETTINGS
@given(converse_call())
def test_converse_templates(drawn: tuple[str, Piece]) -> None:
    _check_template(drawn, "BC101")


@SETTINGS
@given(invoke_call())
def test_invoke_model_templates(drawn: tuple[str, Piece]) -> None:
    _check_template(drawn, "BC102")


@SETTINGS
@given(litellm_call())
def test_litellm_templates(drawn: tuple[str, Piece]) -> None:
    _check_template(drawn, "BC103")


def outcome(request: Piece) -> str:
    if request.hole:
        return "hole"
    if request.directive:
        return "directive"
    return "long" if request.long else "short"


@pytest.mark.parametrize("case", ["hole", "directive", "long", "short"])
@pytest.mark.parametrize("code", sorted(CALLS))
def test_the_templates_reach_every_case(code: str, case: str) -> None:
    """Each outcome occurs for each kind of call, so the properties above test something."""
    search = settings(max_examples=2000, database=None, derandomize=True, phases=[Phase.generate])
    body, request = find(CALLS[code], lambda drawn: outcome(drawn[1]) == case, settings=search)
    assert outcome(request) == case
    assert body.strip()
