"""LangChain AWS on the wire: each FACTS.md behaviour run through the real langchain-aws.

ChatBedrockConverse (Converse), ChatBedrock (InvokeModel) and ``create_agent`` with
``BedrockPromptCachingMiddleware`` (langchain-aws 1.9.1, langchain 1.5.2). Each variant is a
program a user could write; ``harness.check`` compares what it sent with what ``audit()`` and lint
predict. Variants that raise before sending, or that need a stand-in for the Bedrock control
plane, are explicit tests below the table.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("langchain_aws")
pytest.importorskip("langchain.agents")

from bedrockcache import audit
from bedrockcache.backends import Backend
from bedrockcache.capturing import capture
from bedrockcache.findings import Severity
from bedrockcache.lint.checker import check_source
from bedrockcache.objects import Constructed
from conformance.harness import Variant, breakpoints, check, lint_codes, reported, run

CONVERSE = Backend.LANGCHAIN_BEDROCK_CONVERSE
INVOKE = Backend.LANGCHAIN_BEDROCK
S45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
LONG = "policy text " * 800
CP = {"cachePoint": {"type": "default"}}
EPH = {"type": "ephemeral"}
EPH_1H = {"type": "ephemeral", "ttl": "1h"}
TOOL = {
    "name": "get_weather",
    "description": "Get the weather for a city. " * 300,
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
}

PRELUDE = f"""\
from langchain_aws import ChatBedrock, ChatBedrockConverse
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

MODEL = "{S45}"
LONG = "policy text " * 800
TOOL = {TOOL!r}
"""

AGENT_PRELUDE = (
    PRELUDE
    + '''\
from langchain.agents import create_agent
from langchain_aws.middleware import BedrockPromptCachingMiddleware
from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return "sunny"

'''
)


def system(content: Any) -> dict[str, Any]:
    return {"type": "system", "content": content}


def human(content: Any) -> dict[str, Any]:
    return {"type": "human", "content": content}


def ai(content: Any) -> dict[str, Any]:
    return {"type": "ai", "content": content}


def converse(*messages: Any, **ctor: Any) -> dict[str, Any]:
    return {"class": "ChatBedrockConverse", "model": S45, **ctor, "messages": list(messages)}


def bedrock(*messages: Any, **ctor: Any) -> dict[str, Any]:
    return {"class": "ChatBedrock", "model_id": S45, **ctor, "messages": list(messages)}


def agent(cls: str, **settings: Any) -> dict[str, Any]:
    """create_agent(model, system_prompt=LONG, middleware=[...]) with no tools: one request."""
    key = "model" if cls == "ChatBedrockConverse" else "model_id"
    request: dict[str, Any] = {
        "class": cls,
        key: S45,
        "system_prompt": LONG,
        "messages": [Constructed("HumanMessage", {"content": "hi"})],
    }
    if settings.pop("middleware", True):
        request["middleware"] = [Constructed("BedrockPromptCachingMiddleware", settings)]
    return request


def agent_source(cls: str, middleware: str | None, tools: str = "") -> str:
    key = "model" if cls == "ChatBedrockConverse" else "model_id"
    mw = f", middleware=[{middleware}]" if middleware is not None else ""
    return (
        AGENT_PRELUDE
        + f"llm = {cls}({key}=MODEL, max_retries=0)\n"
        + f"agent = create_agent(llm, {tools}system_prompt=LONG{mw})\n"
        + 'agent.invoke({"messages": [HumanMessage("hi")]})\n'
    )


SYS_HI = "[SystemMessage(LONG), HumanMessage('hi')]"
TURNS = "[SystemMessage(LONG), HumanMessage('q1 ' + LONG), AIMessage('a1'), HumanMessage('q2')]"


def lc(body: str) -> str:
    return PRELUDE + body


VARIANTS = [
    # ---- ChatBedrockConverse: the ways that cache ---------------------------------------------
    Variant(
        "converse-system-create-cache-point",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "llm.invoke([SystemMessage(content=[LONG, ChatBedrockConverse.create_cache_point()]),"
            " HumanMessage('hi')])\n"
        ),
        CONVERSE,
        converse(system([LONG, CP]), human("hi")),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "converse-system-text-block-and-cache-point",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "content = [{'type': 'text', 'text': LONG}, {'cachePoint': {'type': 'default'}}]\n"
            "llm.invoke([SystemMessage(content=content), HumanMessage('hi')])\n"
        ),
        CONVERSE,
        converse(system([{"type": "text", "text": LONG}, CP]), human("hi")),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "converse-constructor-system-list",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0,"
            " system=[LONG, ChatBedrockConverse.create_cache_point()])\n"
            "llm.invoke([HumanMessage('hi')])\n"
        ),
        CONVERSE,
        converse(human("hi"), system=[LONG, CP]),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "converse-human-cache-point-ttl-1h",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "point = {'cachePoint': {'type': 'default', 'ttl': '1h'}}\n"
            "llm.invoke([HumanMessage(content=[LONG, point])])\n"
        ),
        CONVERSE,
        converse(human([LONG, {"cachePoint": {"type": "default", "ttl": "1h"}}])),
        (("messages[0].content[1].cachePoint", "1h"),),
    ),
    Variant(
        "converse-non-standard-wrapped-cache-point",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "wrapped = {'type': 'non_standard', 'value': {'cachePoint': {'type': 'default'}}}\n"
            "llm.invoke([HumanMessage(content=[{'type': 'text', 'text': LONG}, wrapped])])\n"
        ),
        CONVERSE,
        converse(human([{"type": "text", "text": LONG}, {"type": "non_standard", "value": CP}])),
        (("messages[0].content[1].cachePoint", None),),
    ),
    Variant(
        "converse-invoke-cache-control",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            f"llm.invoke({SYS_HI}, cache_control={{'type': 'ephemeral'}})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), call={"cache_control": EPH}),
        (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
    ),
    Variant(
        # the call argument is read by _stream as by _generate (what BC106's fix adds)
        "converse-stream-cache-control",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            f"for chunk in llm.stream({SYS_HI}, cache_control={{'type': 'ephemeral'}}):\n"
            "    pass\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), call={"cache_control": EPH}),
        (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
    ),
    Variant(
        "converse-invoke-cache-control-1h-history",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            f"llm.invoke({TURNS}, cache_control={{'type': 'ephemeral', 'ttl': '1h'}})\n"
        ),
        CONVERSE,
        converse(
            system(LONG), human("q1 " + LONG), ai("a1"), human("q2"), call={"cache_control": EPH_1H}
        ),
        (
            ("system[1].cachePoint", "1h"),
            ("messages[1].content[1].cachePoint", "1h"),
            ("messages[2].content[1].cachePoint", "1h"),
        ),
    ),
    Variant(
        "converse-bind-cache-control",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            f"llm.bind(cache_control={{'type': 'ephemeral'}}).invoke({SYS_HI})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), call={"cache_control": EPH}),
        (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
    ),
    Variant(
        "converse-streaming-cache-control",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0, streaming=True)\n"
            f"llm.invoke({SYS_HI}, cache_control={{'type': 'ephemeral'}})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), call={"cache_control": EPH}),
        (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
    ),
    Variant(
        "converse-bind-tools-cache-point",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "llm.bind_tools([TOOL, ChatBedrockConverse.create_cache_point()])"
            f".invoke({SYS_HI})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), tools=[TOOL, CP]),
        (("toolConfig.tools[1].cachePoint", None),),
    ),
    Variant(
        "converse-bind-tools-cache-control-four-points",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            f"llm.bind_tools([TOOL]).invoke({TURNS}, cache_control={{'type': 'ephemeral'}})\n"
        ),
        CONVERSE,
        converse(
            system(LONG),
            human("q1 " + LONG),
            ai("a1"),
            human("q2"),
            tools=[TOOL],
            call={"cache_control": EPH},
        ),
        (
            ("toolConfig.tools[1].cachePoint", None),
            ("system[1].cachePoint", None),
            ("messages[1].content[1].cachePoint", None),
            ("messages[2].content[1].cachePoint", None),
        ),
    ),
    Variant(
        # the budget is short (2 manual points): the library skips lists that already hold a
        # point and adds no end-of-history point once any manual point exists
        "converse-cache-control-short-budget",
        lc(
            "CP = {'cachePoint': {'type': 'default'}}\n"
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0, system=[LONG, CP])\n"
            "messages = [HumanMessage(content=['q1 ' + LONG, CP]), AIMessage('a1'),"
            " HumanMessage('q2')]\n"
            "llm.bind_tools([TOOL]).invoke(messages, cache_control={'type': 'ephemeral'})\n"
        ),
        CONVERSE,
        converse(
            human(["q1 " + LONG, CP]),
            ai("a1"),
            human("q2"),
            system=[LONG, CP],
            tools=[TOOL],
            call={"cache_control": EPH},
        ),
        (
            ("toolConfig.tools[1].cachePoint", None),
            ("system[1].cachePoint", None),
            ("messages[0].content[1].cachePoint", None),
            ("messages[2].content[1].cachePoint", None),
        ),
    ),
    Variant(
        "converse-cache-control-budget-full",
        lc(
            "CP = {'cachePoint': {'type': 'default'}}\n"
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0, system=[LONG, CP])\n"
            "content = ['a ' + LONG, CP, 'b ' + LONG, CP, 'c ' + LONG, CP]\n"
            "messages = [HumanMessage(content=content), AIMessage('x'), HumanMessage('q')]\n"
            "llm.invoke(messages, cache_control={'type': 'ephemeral'})\n"
        ),
        CONVERSE,
        converse(
            human(["a " + LONG, CP, "b " + LONG, CP, "c " + LONG, CP]),
            ai("x"),
            human("q"),
            system=[LONG, CP],
            call={"cache_control": EPH},
        ),
        (
            ("system[1].cachePoint", None),
            ("messages[0].content[1].cachePoint", None),
            ("messages[0].content[3].cachePoint", None),
            ("messages[0].content[5].cachePoint", None),
        ),
    ),
    # ---- ChatBedrockConverse: dropped and rewritten -------------------------------------------
    Variant(
        "converse-system-anthropic-cache-control-dropped",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "block = {'type': 'text', 'text': LONG, 'cache_control': {'type': 'ephemeral'}}\n"
            "llm.invoke([SystemMessage(content=[block]), HumanMessage('hi')])\n"
        ),
        CONVERSE,
        converse(system([{"type": "text", "text": LONG, "cache_control": EPH}]), human("hi")),
        (),
        frozenset({"BC230"}),
    ),
    Variant(
        "converse-human-anthropic-cache-control-dropped",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "block = {'type': 'text', 'text': LONG, 'cache_control': {'type': 'ephemeral'}}\n"
            "llm.invoke([SystemMessage(LONG), HumanMessage(content=[block])])\n"
        ),
        CONVERSE,
        converse(system(LONG), human([{"type": "text", "text": LONG, "cache_control": EPH}])),
        (),
        frozenset({"BC230"}),
    ),
    Variant(
        "converse-constructor-cache-control",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0,"
            " cache_control={'type': 'ephemeral'})\n"
            f"llm.invoke({SYS_HI})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), cache_control=EPH),
        (),
        frozenset({"BC232", "BC314"}),
    ),
    Variant(
        "converse-model-kwargs-cache-control",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0,"
            " model_kwargs={'cache_control': {'type': 'ephemeral'}})\n"
            f"llm.invoke({SYS_HI})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), model_kwargs={"cache_control": EPH}),
        (),
        frozenset({"BC232", "BC314"}),
    ),
    Variant(
        "converse-additional-model-request-fields-cache-control",
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0,"
            " additional_model_request_fields={'cache_control': {'type': 'ephemeral'}})\n"
            f"llm.invoke({SYS_HI})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), additional_model_request_fields={"cache_control": EPH}),
        (),
        frozenset({"BC232", "BC314"}),
    ),
    Variant(
        # base_model= names the model behind the profile: no GetInferenceProfile call is made
        "converse-arn-provider-base-model",
        lc(
            f"llm = ChatBedrockConverse(model='{ARN}', provider='anthropic',"
            " base_model='anthropic.claude-sonnet-4-5-20250929-v1:0', max_retries=0)\n"
            f"llm.invoke({TURNS}, cache_control={{'type': 'ephemeral'}})\n"
        ),
        CONVERSE,
        converse(
            system(LONG),
            human("q1 " + LONG),
            ai("a1"),
            human("q2"),
            model=ARN,
            provider="anthropic",
            base_model="anthropic.claude-sonnet-4-5-20250929-v1:0",
            call={"cache_control": EPH},
        ),
        (
            ("system[1].cachePoint", None),
            ("messages[1].content[1].cachePoint", None),
            ("messages[2].content[1].cachePoint", None),
        ),
    ),
    Variant(
        "converse-baseline-no-directive",
        lc(f"ChatBedrockConverse(model=MODEL, max_retries=0).invoke({SYS_HI})\n"),
        CONVERSE,
        converse(system(LONG), human("hi")),
        (),
        frozenset({"BC106"}),
    ),
    # ---- ChatBedrock (InvokeModel) ------------------------------------------------------------
    Variant(
        "bedrock-system-block-cache-control",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0)\n"
            "block = {'type': 'text', 'text': LONG, 'cache_control': {'type': 'ephemeral'}}\n"
            "llm.invoke([SystemMessage(content=[block]), HumanMessage('hi')])\n"
        ),
        INVOKE,
        bedrock(system([{"type": "text", "text": LONG, "cache_control": EPH}]), human("hi")),
        (("system[0].cache_control", None),),
    ),
    Variant(
        "bedrock-system-block-ttl-1h-stripped",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0)\n"
            "control = {'type': 'ephemeral', 'ttl': '1h'}\n"
            "block = {'type': 'text', 'text': LONG, 'cache_control': control}\n"
            "llm.invoke([SystemMessage(content=[block]), HumanMessage('hi')])\n"
        ),
        INVOKE,
        bedrock(system([{"type": "text", "text": LONG, "cache_control": EPH_1H}]), human("hi")),
        (("system[0].cache_control", None),),
        frozenset({"BC234"}),
    ),
    Variant(
        "bedrock-human-block-ttl-1h-stripped",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0)\n"
            "control = {'type': 'ephemeral', 'ttl': '1h'}\n"
            "block = {'type': 'text', 'text': LONG, 'cache_control': control}\n"
            "llm.invoke([HumanMessage(content=[block])])\n"
        ),
        INVOKE,
        bedrock(human([{"type": "text", "text": LONG, "cache_control": EPH_1H}])),
        (("messages[0].content[0].cache_control", None),),
        frozenset({"BC234"}),
    ),
    Variant(
        "bedrock-invoke-cache-control-keeps-ttl",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0)\n"
            f"llm.invoke({SYS_HI}, cache_control={{'type': 'ephemeral', 'ttl': '1h'}})\n"
        ),
        INVOKE,
        bedrock(system(LONG), human("hi"), call={"cache_control": EPH_1H}),
        (("messages[0].content[0].cache_control", "1h"),),
    ),
    Variant(
        "bedrock-streaming-block-cache-control",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0, streaming=True)\n"
            "block = {'type': 'text', 'text': LONG, 'cache_control': {'type': 'ephemeral'}}\n"
            "llm.invoke([HumanMessage(content=[block])])\n"
        ),
        INVOKE,
        bedrock(human([{"type": "text", "text": LONG, "cache_control": EPH}])),
        (("messages[0].content[0].cache_control", None),),
    ),
    Variant(
        "bedrock-bind-tools-tool-cache-control",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0)\n"
            "marked = dict(TOOL, description=LONG, cache_control={'type': 'ephemeral'})\n"
            f"llm.bind_tools([marked]).invoke({SYS_HI})\n"
        ),
        INVOKE,
        bedrock(
            system(LONG),
            human("hi"),
            tools=[dict(TOOL, description=LONG, cache_control=EPH)],
        ),
        (("tools[0].cache_control", None),),
    ),
    Variant(
        # FACTS.md lines 95-96 speak of ChatBedrockConverse only: ChatBedrock puts model_kwargs at
        # the top of the InvokeModel body, where Bedrock has no cache_control (BC314)
        "bedrock-model-kwargs-cache-control-top-level",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0,"
            " model_kwargs={'cache_control': {'type': 'ephemeral'}})\n"
            f"llm.invoke({SYS_HI})\n"
        ),
        INVOKE,
        bedrock(system(LONG), human("hi"), model_kwargs={"cache_control": EPH}),
        (),
        frozenset({"BC232", "BC314"}),
    ),
    Variant(
        "bedrock-constructor-cache-control-top-level",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0,"
            " cache_control={'type': 'ephemeral'})\n"
            f"llm.invoke({SYS_HI})\n"
        ),
        INVOKE,
        bedrock(system(LONG), human("hi"), cache_control=EPH),
        (),
        frozenset({"BC232", "BC314"}),
    ),
    Variant(
        "bedrock-converse-api-drops-block-cache-control",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0, beta_use_converse_api=True)\n"
            "block = {'type': 'text', 'text': LONG, 'cache_control': {'type': 'ephemeral'}}\n"
            "llm.invoke([HumanMessage(content=[block])])\n"
        ),
        INVOKE,
        bedrock(
            human([{"type": "text", "text": LONG, "cache_control": EPH}]),
            beta_use_converse_api=True,
        ),
        (),
        frozenset({"BC230"}),
    ),
    Variant(
        "bedrock-converse-api-create-cache-point",
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0, beta_use_converse_api=True)\n"
            "llm.invoke([HumanMessage(content=[LONG, ChatBedrockConverse.create_cache_point()])])\n"
        ),
        INVOKE,
        bedrock(human([LONG, CP]), beta_use_converse_api=True),
        (("messages[0].content[1].cachePoint", None),),
    ),
    Variant(
        "bedrock-baseline-no-directive",
        lc(f"ChatBedrock(model_id=MODEL, max_retries=0).invoke({SYS_HI})\n"),
        INVOKE,
        bedrock(system(LONG), human("hi")),
        (),
        frozenset({"BC106"}),
    ),
    # ---- create_agent + BedrockPromptCachingMiddleware ----------------------------------------
    Variant(
        "agent-converse-middleware",
        agent_source("ChatBedrockConverse", "BedrockPromptCachingMiddleware()"),
        CONVERSE,
        agent("ChatBedrockConverse"),
        (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
    ),
    Variant(
        "agent-converse-middleware-1h",
        agent_source("ChatBedrockConverse", "BedrockPromptCachingMiddleware(ttl='1h')"),
        CONVERSE,
        agent("ChatBedrockConverse", ttl="1h"),
        (("system[1].cachePoint", "1h"), ("messages[0].content[1].cachePoint", "1h")),
    ),
    Variant(
        # ChatBedrock: the last message only, with the middleware's ttl written out ("5m")
        "agent-bedrock-middleware-last-message-only",
        agent_source("ChatBedrock", "BedrockPromptCachingMiddleware()"),
        INVOKE,
        agent("ChatBedrock"),
        (("messages[0].content[0].cache_control", "5m"),),
    ),
    Variant(
        # first turn: 1 message + the system prompt = 2 < 3, uncached by design; BC237 (info)
        # explains it, so no BC106 (it was reported before this suite: a false positive)
        "agent-converse-min-messages-first-turn",
        agent_source(
            "ChatBedrockConverse", "BedrockPromptCachingMiddleware(min_messages_to_cache=3)"
        ),
        CONVERSE,
        agent("ChatBedrockConverse", min_messages_to_cache=3),
        (),
    ),
    Variant(
        # the middleware counts the system prompt: 1 message + 1 = 2 >= 2 caches
        "agent-converse-min-messages-reached",
        agent_source(
            "ChatBedrockConverse", "BedrockPromptCachingMiddleware(min_messages_to_cache=2)"
        ),
        CONVERSE,
        agent("ChatBedrockConverse", min_messages_to_cache=2),
        (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
    ),
    Variant(
        "agent-converse-no-middleware",
        agent_source("ChatBedrockConverse", None),
        CONVERSE,
        agent("ChatBedrockConverse", middleware=False),
        (),
        frozenset({"BC106"}),
    ),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_variant(variant: Variant) -> None:
    check(variant)


CACHE_POINT_VARIABLE = lc(
    "CP = ChatBedrockConverse.create_cache_point()\n"
    "llm = ChatBedrockConverse(model=MODEL, max_retries=0, system=[LONG, CP])\n"
    "llm.invoke([HumanMessage(content=['q ' + LONG, CP])])\n"
)


def test_cache_point_variable_on_the_wire_and_in_audit() -> None:
    sent = run(CACHE_POINT_VARIABLE).requests[-1]
    wire = (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None))
    assert breakpoints(sent.report.wire) == wire
    layer = audit(converse(human(["q " + LONG, CP]), system=[LONG, CP]), CONVERSE)
    assert breakpoints(layer.wire) == wire


def test_cache_point_variable_lint() -> None:
    assert lint_codes(CACHE_POINT_VARIABLE) == frozenset()


# ---- variants that raise before sending: the harness needs a request, so they are spelled out ---


def _raises(source: str) -> Exception:
    """Run ``source`` in a capture; it must raise before any Bedrock request is sent."""
    namespace: dict[str, Any] = {"__name__": "raising_variant"}
    with capture() as captured, pytest.raises(Exception) as info:  # each caller checks the type
        exec(compile(source, "<raising_variant>", "exec"), namespace)
    assert captured.requests == []
    return info.value


RAISING = [
    pytest.param(
        lc(
            "llm = ChatBedrockConverse(model=MODEL, max_retries=0)\n"
            "content = [{'type': 'text', 'text': LONG}, {'cache_control': {'type': 'ephemeral'}}]\n"
            "llm.invoke([HumanMessage(content=content)])\n"
        ),
        CONVERSE,
        converse(human([{"type": "text", "text": LONG}, {"cache_control": EPH}])),
        "ParamValidationError",
        'Unknown parameter in messages[0].content[1]: "cacheControl"',
        "BC231",
        id="converse-standalone-cache-control-dict",
    ),
    pytest.param(
        lc(
            f"llm = ChatBedrockConverse(model='{ARN}', max_retries=0)\n"
            f"llm.invoke({SYS_HI}, cache_control={{'type': 'ephemeral'}})\n"
        ),
        CONVERSE,
        converse(system(LONG), human("hi"), model=ARN, call={"cache_control": EPH}),
        "ValidationError",
        "Model provider should be supplied when passing a model ARN",
        "BC233",
        id="converse-arn-without-provider",
    ),
    pytest.param(
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0)\n"
            "llm.invoke([HumanMessage(content=[LONG, ChatBedrockConverse.create_cache_point()])])\n"
        ),
        INVOKE,
        bedrock(human([LONG, CP])),
        "ValueError",
        "Dict content item must have a type key",
        "BC235",
        id="bedrock-cache-point-in-human-message",
    ),
    pytest.param(
        lc(
            "llm = ChatBedrock(model_id=MODEL, max_retries=0)\n"
            "content = [{'type': 'text', 'text': LONG}, ChatBedrockConverse.create_cache_point()]\n"
            "llm.invoke([SystemMessage(content=content), HumanMessage('hi')])\n"
        ),
        INVOKE,
        bedrock(system([{"type": "text", "text": LONG}, CP]), human("hi")),
        "ValueError",
        "System message content item must be type 'text'",
        "BC235",
        id="bedrock-cache-point-in-system-message",
    ),
]


@pytest.mark.parametrize(("source", "backend", "request_", "error", "text", "code"), RAISING)
def test_raises_before_sending(
    source: str,
    backend: Backend,
    request_: dict[str, Any],
    error: str,
    text: str,
    code: str,
) -> None:
    raised = _raises(source)
    assert type(raised).__name__ == error
    assert text in str(raised)
    layer = audit(request_, backend)
    assert code in layer.codes
    assert layer.will_cache is False
    assert code in lint_codes(source)


# ---- what lint cannot see, and the control plane ------------------------------------------------


AGENT_WITH_TOOLS = agent_source(
    "ChatBedrockConverse", "BedrockPromptCachingMiddleware()", "tools=[get_weather], "
)


def test_agent_with_tools_middleware() -> None:
    """The tools get a point too. Lint leaves this site unresolved by design: each turn of the
    agent loop is a new request whose message count decides what the middleware does, so lint
    adds a hole for the turns the loop adds (lint/layers/langchain.py ``_loops``)."""
    sent = run(AGENT_WITH_TOOLS).requests[-1]
    wire = (
        ("toolConfig.tools[1].cachePoint", None),
        ("system[1].cachePoint", None),
        ("messages[0].content[1].cachePoint", None),
    )
    assert breakpoints(sent.report.wire) == wire
    request = agent("ChatBedrockConverse")
    request["tools"] = [dict(TOOL, name="get_weather")]
    layer = audit(request, CONVERSE)
    assert breakpoints(layer.wire) == wire
    assert reported(layer) == frozenset()
    result = check_source(AGENT_WITH_TOOLS, "variant.py")
    (unresolved,) = result.unresolved
    assert unresolved.reasons == (
        "unknown: toolConfig.tools[1] (cache_control argument)",
        "unknown: system[1] (cache_control argument)",
        "unknown: messages[0].content[1] (cache_control argument)",
        "unknown: messages[1] (messages the agent loop adds)",
    )
    assert [d.code for d in result.diagnostics if d.severity is not Severity.INFO] == []


class _ControlPlane:
    """Stands in for the ``bedrock`` control-plane client: capture() covers bedrock-runtime
    inference only, and the tests may not reach AWS."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def get_inference_profile(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        model = (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"
        )
        return {"models": [{"modelArn": model}]}


def test_arn_without_base_model_calls_the_control_plane() -> None:
    """Without ``base_model=``, ChatBedrockConverse asks GetInferenceProfile (control plane, at
    construction) which model stands behind an application profile ARN, then caches as usual."""
    from langchain_aws import ChatBedrockConverse
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    control = _ControlPlane()
    with capture() as captured:
        llm = ChatBedrockConverse(
            model=ARN, provider="anthropic", bedrock_client=control, max_retries=0
        )
        turns = [SystemMessage(LONG), HumanMessage("q1"), AIMessage("a1"), HumanMessage("q2")]
        llm.invoke(turns, cache_control=EPH)
    assert control.calls == [{"inferenceProfileIdentifier": ARN}]
    assert llm.base_model_id == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    (sent,) = captured.requests
    assert sent.model_id == ARN
    assert breakpoints(sent.report.wire) == (
        ("system[1].cachePoint", None),
        ("messages[1].content[1].cachePoint", None),
        ("messages[2].content[1].cachePoint", None),
    )
    request = converse(
        system(LONG), human("q1"), ai("a1"), human("q2"),
        model=ARN, provider="anthropic", call={"cache_control": EPH},
    )  # fmt: skip
    assert breakpoints(audit(request, CONVERSE).wire) == breakpoints(sent.report.wire)
