"""LlamaIndex ``BedrockConverse`` on the wire: each FACTS.md behaviour run through the real library.

llama-index-llms-bedrock-converse 0.15.5 without aioboto3 (the dev venv's state). Each variant is
a program a user could write; ``harness.check`` compares what it sent with what ``audit()`` and
lint predict. Variants that raise before sending are explicit tests below the table.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("llama_index.llms.bedrock_converse")

from bedrockcache import audit
from bedrockcache.backends import Backend
from bedrockcache.capturing import capture
from conformance.harness import Variant, check, lint_codes

LAYER = Backend.LLAMAINDEX_BEDROCK_CONVERSE
S45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
LONG = "policy text " * 800
SYSTEM = {"role": "system", "content": LONG}
USER = {"role": "user", "content": "hi"}
TOOL = {
    "name": "get_weather",
    "description": "Get the weather for a city. " * 300,
    "parameters": {"type": "object"},
}

PRELUDE = f"""\
from llama_index.core.llms import CacheControl, CachePoint, ChatMessage, TextBlock
from llama_index.llms.bedrock_converse import BedrockConverse

MODEL = "{S45}"
LONG = "policy text " * 800
"""
# Messages are written inline in the call: a module-level `SYSTEM = ChatMessage(...)` followed by
# another ChatMessage(...) call is not resolved by lint (see test_message_constant_lint).
SYS = "ChatMessage(role='system', content=LONG)"
USR = "ChatMessage(role='user', content='hi')"

TOOL_PRELUDE = '''\
from llama_index.core.tools import FunctionTool


def get_weather(city: str) -> str:
    """Get the weather for a city."""
    return "sunny"


weather = FunctionTool.from_defaults(fn=get_weather, description=LONG)
'''


def li(body: str, tools: bool = False) -> str:
    return PRELUDE + (TOOL_PRELUDE if tools else "") + body


def request(*messages: Any, **ctor: Any) -> dict[str, Any]:
    return {"class": "BedrockConverse", "model": S45, **ctor, "messages": list(messages)}


def point(**control: Any) -> dict[str, Any]:
    return {"block_type": "cache_point", "cache_control": {"type": "default", **control}}


def blocks(role: str, *items: Any) -> dict[str, Any]:
    return {"role": role, "blocks": [{"block_type": "text", "text": LONG}, *items]}


def tool() -> dict[str, Any]:
    """What FunctionTool.from_defaults(fn=get_weather, description=LONG) describes."""
    return dict(TOOL, description=LONG)


def system_blocks(*items: str) -> str:
    return f"ChatMessage(role='system', blocks=[TextBlock(text=LONG), {', '.join(items)}])"


# max_retries counts attempts here (it must be > 0): 1 is one attempt, no retry
CTOR = "llm = BedrockConverse(model=MODEL, max_retries=1"

VARIANTS = [
    # ---- the ways that cache ------------------------------------------------------------------
    Variant(
        "system-prompt-caching",
        li(f"{CTOR}, system_prompt_caching=True)\nllm.chat([{SYS}, {USR}])\n"),
        LAYER,
        request(SYSTEM, USER, system_prompt_caching=True),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "system-cache-point-block",
        li(
            f"{CTOR})\n"
            "cached = CachePoint(cache_control=CacheControl(type='default'))\n"
            f"llm.chat([{system_blocks('cached')}, {USR}])\n"
        ),
        LAYER,
        request(blocks("system", point()), USER),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        # a dict block with CachePoint's block_type is validated into a CachePoint
        "system-cache-point-dict-block",
        li(
            f"{CTOR})\n"
            "cached = {'block_type': 'cache', 'cache_control': {'type': 'default'}}\n"
            f"llm.chat([{system_blocks('cached')}, {USR}])\n"
        ),
        LAYER,
        request(
            blocks("system", {"block_type": "cache", "cache_control": {"type": "default"}}),
            USER,
        ),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "user-cache-point-block",
        li(
            f"{CTOR})\n"
            "cached = CachePoint(cache_control=CacheControl(type='default'))\n"
            "llm.chat([ChatMessage(role='user', blocks=[TextBlock(text=LONG), cached])])\n"
        ),
        LAYER,
        request(blocks("user", point())),
        (("messages[0].content[1].cachePoint", None),),
    ),
    Variant(
        # the README pattern plus the flag: a second point after the dynamic tail
        "system-text-point-text-and-flag",
        li(
            f"{CTOR}, system_prompt_caching=True)\n"
            "cached = CachePoint(cache_control=CacheControl(type='default'))\n"
            "system = ChatMessage(role='system', blocks=[TextBlock(text=LONG), cached,"
            " TextBlock(text='today is Monday')])\n"
            f"llm.chat([system, {USR}])\n"
        ),
        LAYER,
        request(
            {
                "role": "system",
                "blocks": [
                    {"block_type": "text", "text": LONG},
                    point(),
                    {"block_type": "text", "text": "today is Monday"},
                ],
            },
            USER,
            system_prompt_caching=True,
        ),
        (("system[1].cachePoint", None), ("system[3].cachePoint", None)),
    ),
    Variant(
        "stream-chat-system-prompt-caching",
        li(
            f"{CTOR}, system_prompt_caching=True)\n"
            f"for _chunk in llm.stream_chat([{SYS}, {USR}]):\n    pass\n"
        ),
        LAYER,
        request(SYSTEM, USER, system_prompt_caching=True, method="stream_chat"),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "chat-with-tools-per-call-tool-caching",
        li(
            f"{CTOR}, system_prompt_caching=True)\n"
            f"llm.chat_with_tools([weather], chat_history=[{SYS}, {USR}], tool_caching=True)\n",
            tools=True,
        ),
        LAYER,
        request(
            SYSTEM,
            USER,
            system_prompt_caching=True,
            method="chat_with_tools",
            tools=[tool()],
            call_tool_caching=True,
        ),
        (("toolConfig.tools[1].cachePoint", None), ("system[1].cachePoint", None)),
    ),
    Variant(
        # the profile ARN goes out as modelId; model= names the Claude model behind it
        "application-inference-profile-arn",
        li(
            f"{CTOR}, application_inference_profile_arn='{ARN}',"
            " system_prompt_caching=True)\n"
            f"llm.chat([{SYS}, {USR}])\n"
        ),
        LAYER,
        request(SYSTEM, USER, application_inference_profile_arn=ARN, system_prompt_caching=True),
        (("system[1].cachePoint", None),),
    ),
    # ---- dropped and rewritten ----------------------------------------------------------------
    Variant(
        "constructor-tool-caching-ignored",
        li(
            f"{CTOR}, tool_caching=True)\n"
            f"llm.chat_with_tools([weather], chat_history=[{SYS}, {USR}])\n",
            tools=True,
        ),
        LAYER,
        request(SYSTEM, USER, tool_caching=True, method="chat_with_tools", tools=[tool()]),
        (),
        frozenset({"BC240"}),
    ),
    Variant(
        "system-cache-point-ttl-1h-dropped",
        li(
            f"{CTOR})\n"
            "cached = CachePoint(cache_control=CacheControl(type='default', ttl='1h'))\n"
            f"llm.chat([{system_blocks('cached')}, {USR}])\n"
        ),
        LAYER,
        request(blocks("system", point(ttl="1h")), USER),
        (("system[1].cachePoint", None),),
        frozenset({"BC241"}),
    ),
    Variant(
        "user-cache-point-ttl-1h-dropped",
        li(
            f"{CTOR})\n"
            "cached = CachePoint(cache_control=CacheControl(type='default', ttl='1h'))\n"
            f"llm.chat([{SYS}, ChatMessage(role='user', blocks=[TextBlock(text=LONG), cached])])\n"
        ),
        LAYER,
        request(SYSTEM, blocks("user", point(ttl="1h"))),
        (("messages[0].content[1].cachePoint", None),),
        frozenset({"BC241"}),
    ),
    Variant(
        # forced to "default" with a warning log; BC242 is info-level, so not in the codes
        "cache-point-type-ephemeral-forced",
        li(
            f"{CTOR})\n"
            "cached = CachePoint(cache_control=CacheControl(type='ephemeral'))\n"
            f"llm.chat([{system_blocks('cached')}, {USR}])\n"
        ),
        LAYER,
        request(blocks("system", point(type="ephemeral")), USER),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "message-additional-kwargs-cache-control-dropped",
        li(
            f"{CTOR})\n"
            "marked = ChatMessage(role='user', content=LONG,"
            " additional_kwargs={'cache_control': {'type': 'ephemeral'}})\n"
            f"llm.chat([{SYS}, marked])\n"
        ),
        LAYER,
        request(
            SYSTEM,
            {
                "role": "user",
                "content": LONG,
                "additional_kwargs": {"cache_control": {"type": "ephemeral"}},
            },
        ),
        (),
        frozenset({"BC244"}),
    ),
    Variant(
        "constructor-system-prompt-not-sent-by-chat",
        li(
            f"{CTOR}, system_prompt=LONG, system_prompt_caching=True)\n"
            "llm.chat([ChatMessage(role='user', content='hi')])\n"
        ),
        LAYER,
        request(USER, system_prompt=LONG, system_prompt_caching=True),
        (),
        frozenset({"BC245"}),
    ),
    Variant(
        "system-prompt-caching-without-system-message",
        li(
            f"{CTOR}, system_prompt_caching=True)\n"
            "llm.chat([ChatMessage(role='user', content=LONG)])\n"
        ),
        LAYER,
        request({"role": "user", "content": LONG}, system_prompt_caching=True),
        (),
        frozenset({"BC107", "BC246"}),  # BC246 is a warning: BC107 is reported beside it
    ),
    Variant(
        # Claude 3 Haiku is not on LlamaIndex's caching list: a SYSTEM CachePoint is dropped
        "haiku-3-system-cache-point-gated",
        li(
            f"llm = BedrockConverse(model='{HAIKU3}', max_retries=1)\n"
            "cached = CachePoint(cache_control=CacheControl(type='default'))\n"
            f"llm.chat([{system_blocks('cached')}, {USR}])\n"
        ),
        LAYER,
        request(blocks("system", point()), USER, model=HAIKU3),
        (),
        frozenset({"BC243"}),  # the point is dropped: BC301 is advice (info)
    ),
    Variant(
        # ... but system_prompt_caching=True is not gated: the point is sent (Bedrock refuses it)
        "haiku-3-system-prompt-caching-not-gated",
        li(
            f"llm = BedrockConverse(model='{HAIKU3}', max_retries=1, system_prompt_caching=True)\n"
            f"llm.chat([{SYS}, {USR}])\n"
        ),
        LAYER,
        request(SYSTEM, USER, model=HAIKU3, system_prompt_caching=True),
        (("system[1].cachePoint", None),),
        frozenset({"BC301"}),
    ),
    Variant(
        # the prompt helpers (predict, ...) do send the constructor's system_prompt
        "predict-constructor-system-prompt",
        li(
            "from llama_index.core import PromptTemplate\n"
            f"{CTOR}, system_prompt=LONG, system_prompt_caching=True)\n"
            "llm.predict(PromptTemplate('hi'))\n"
        ),
        LAYER,
        {**request(USER, system_prompt=LONG, system_prompt_caching=True), "method": "predict"},
        (("system[1].cachePoint", None),),
    ),
    Variant(
        "baseline-no-directive",
        li(f"{CTOR})\nllm.chat([{SYS}, {USR}])\n"),
        LAYER,
        request(SYSTEM, USER),
        (),
        frozenset({"BC107"}),
    ),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.id for v in VARIANTS])
def test_variant(variant: Variant) -> None:
    check(variant)


# ---- variants that raise before sending ---------------------------------------------------------


RAISING = [
    pytest.param(
        li(
            f"llm = BedrockConverse(model='{ARN}', max_retries=1, system_prompt_caching=True)\n"
            f"llm.chat([{SYS}, {USR}])\n"
        ),
        request(SYSTEM, USER, model=ARN, system_prompt_caching=True),
        "ValueError",
        f"Unknown model: {ARN}",
        "BC247",
        id="model-application-profile-arn",
    ),
    pytest.param(
        li(f"{CTOR}, cache_control={{'type': 'ephemeral'}})\nllm.chat([{SYS}, {USR}])\n"),
        request(SYSTEM, USER, cache_control={"type": "ephemeral"}),
        "TypeError",
        "unexpected keyword argument 'cache_control'",
        "BC248",
        id="constructor-cache-control",
    ),
    pytest.param(
        li(
            f"{CTOR}, additional_kwargs={{'cache_control': {{'type': 'ephemeral'}}}})\n"
            f"llm.chat([{SYS}, {USR}])\n"
        ),
        request(SYSTEM, USER, additional_kwargs={"cache_control": {"type": "ephemeral"}}),
        "ParamValidationError",
        'Unknown parameter in input: "cache_control"',
        "BC249",
        id="constructor-additional-kwargs-cache-control",
    ),
]


@pytest.mark.parametrize(("source", "request_", "error", "text", "code"), RAISING)
def test_raises_before_sending(
    source: str, request_: dict[str, Any], error: str, text: str, code: str
) -> None:
    namespace: dict[str, Any] = {"__name__": "raising_variant"}
    with capture() as captured, pytest.raises(Exception) as info:  # each case checks the type
        exec(compile(source, "<raising_variant>", "exec"), namespace)
    assert captured.requests == []
    assert type(info.value).__name__ == error
    assert text in str(info.value)
    layer = audit(request_, LAYER)
    assert code in layer.codes
    assert layer.will_cache is False
    assert code in lint_codes(source)


MESSAGE_CONSTANT = PRELUDE + (
    "SYSTEM = ChatMessage(role='system', content=LONG)\n"
    "USER = ChatMessage(role='user', content='hi')\n"
    f"{CTOR}, system_prompt_caching=True)\n"
    "llm.chat([SYSTEM, USER])\n"
)


def test_message_constant_lint() -> None:
    assert lint_codes(MESSAGE_CONSTANT) == frozenset()
