"""BC107 and BC240-BC249: LlamaIndex ``BedrockConverse`` (llama-index-llms-bedrock-converse 0.15.5).

Every behaviour here was captured on the wire against a fake Bedrock endpoint (research report
wire-b.md section 4, llama-index-llms-bedrock-converse 0.15.5, llama-index-core 0.14.25,
botocore 1.44.8; the aioboto3 path with aioboto3 15.5.0).
"""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import APP_PROFILE_ARN, LONG, SONNET_45

__all__ = [
    "ADDITIONAL_KWARGS_CACHE_CONTROL",
    "CTOR_CACHE_CONTROL",
    "CTOR_SYSTEM_PROMPT_NOT_SENT",
    "CTOR_TOOL_CACHING_IGNORED",
    "MESSAGE_CACHE_CONTROL_DROPPED",
    "MISSING",
    "MODEL_ARN",
    "RULES",
    "SYSTEM_CACHING_WITHOUT_SYSTEM",
    "SYSTEM_POINT_MODEL_GATED",
    "TTL_DROPPED",
    "TYPE_FORCED",
]

LAYER = "llamaindex-bedrock-converse"
_S45 = SONNET_45
_HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
_ARN = APP_PROFILE_ARN
SYSTEM = {"role": "system", "content": LONG}
USER = {"role": "user", "content": "hi"}
TOOL = {"name": "lookup_order", "description": LONG, "parameters": {"type": "object"}}

_DOCS = "https://docs.llamaindex.ai/en/stable/examples/llm/bedrock_converse/"
_PR_19737 = "https://github.com/run-llama/llama_index/pull/19737"
_PR_19922 = "https://github.com/run-llama/llama_index/pull/19922"
_ISSUE_17895 = "https://github.com/run-llama/llama_index/issues/17895"


def _cache_point(**control: object) -> dict[str, object]:
    return {"block_type": "cache_point", "cache_control": {"type": "default", **control}}


def _system_blocks(*blocks: object) -> dict[str, object]:
    return {"role": "system", "blocks": [{"block_type": "text", "text": LONG}, *blocks]}


def _example(*messages: object, **ctor: object) -> Example:
    request: dict[str, object] = {"model": _S45}
    request.update(ctor)
    request["messages"] = list(messages) or [SYSTEM, USER]
    return Example(LAYER, request)


CACHED = _example(system_prompt_caching=True)

MISSING = Rule(
    code="BC107",
    name="llamaindex-missing-cache-point",
    autofix=Autofix(
        (
            "sets `system_prompt_caching=True` on the constructor when `bedrockcache suggest` "
            "puts a point at the end of the system prompt (the model's minimum is known to be "
            "met, nothing is unaudited) and the BedrockConverse object serves only this call"
        ),
    ),
    severity=Severity.ERROR,
    outcome=Outcome.UNCACHED,
    summary="no cachePoint reaches Bedrock from LlamaIndex BedrockConverse",
    why=(
        "BedrockConverse never caches on its own: it needs `system_prompt_caching=True`, a "
        "`CachePoint` block in a system or user ChatMessage, or `chat_with_tools(..., "
        "tool_caching=True)`. Without one every call pays for the whole prompt."
    ),
    fix=(
        "set `BedrockConverse(..., system_prompt_caching=True)` with a system ChatMessage, or "
        'end the stable blocks with `CachePoint(cache_control=CacheControl(type="default"))`'
    ),
    bad=(_example(),),
    good=(CACHED,),
    layer=LAYER,
    sources=(_DOCS, _PR_19737),
)

CTOR_TOOL_CACHING_IGNORED = Rule(
    code="BC240",
    name="llamaindex-constructor-tool-caching-ignored",
    autofix=Autofix(
        (
            "moves `tool_caching=True` from the constructor to the tool call, when the "
            "BedrockConverse object serves only that call"
        ),
    ),
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    summary="`BedrockConverse(tool_caching=True)` adds no tools cachePoint",
    why=(
        "Since 0.10.0 the synchronous request builder accepts the constructor's `tool_caching` "
        "and never uses it; only the native async path with aioboto3 installed honours it. "
        "`chat_with_tools`, `stream_chat_with_tools`, `achat_with_tools` without aioboto3 and "
        "FunctionAgent send the tools unmarked, without a warning (0.15.5)."
    ),
    fix="pass it per call: `llm.chat_with_tools(tools, chat_history=..., tool_caching=True)`",
    bad=(_example(SYSTEM, USER, tool_caching=True, method="chat_with_tools", tools=[TOOL]),),
    good=(
        _example(
            SYSTEM,
            USER,
            method="chat_with_tools",
            tools=[TOOL],
            call_tool_caching=True,
            system_prompt_caching=True,
        ),
    ),
    layer=LAYER,
    sources=(_PR_19737,),
)

TTL_DROPPED = Rule(
    code="BC241",
    name="llamaindex-cache-point-ttl-dropped",
    autofix=Autofix(
        "removes the `ttl`, which BedrockConverse never sends, so the code says 5 minutes",
    ),
    severity=Severity.WARNING,
    outcome=Outcome.DEGRADED,
    summary="`CacheControl(ttl=...)` is never sent: the cachePoint caches for 5 minutes",
    why=(
        'BedrockConverse turns a CachePoint into `{"cachePoint": {"type": "default"}}` '
        "and never writes its `ttl`, so a 1-hour TTL is silently lost (0.15.5)."
    ),
    fix=(
        "accept the 5-minute TTL, or send the request with a layer that passes `ttl` (boto3 "
        "Converse, LangChain ChatBedrockConverse)"
    ),
    bad=(_example(_system_blocks(_cache_point(ttl="1h")), USER),),
    good=(_example(_system_blocks(_cache_point()), USER),),
    layer=LAYER,
    sources=(_DOCS,),
)

TYPE_FORCED = Rule(
    code="BC242",
    name="llamaindex-cache-point-type-forced",
    severity=Severity.INFO,
    outcome=Outcome.ADVICE,
    summary='a CachePoint type other than "default" is sent as "default" (with a warning)',
    why=(
        'Bedrock Converse knows only `type: "default"`. BedrockConverse logs "The only '
        "allowed caching strategy for Bedrock Converse is 'default', falling back to that...\" "
        "and sends `default`, so caching works (0.15.5)."
    ),
    fix='write `CacheControl(type="default")`',
    bad=(_example(_system_blocks(_cache_point(type="ephemeral")), USER),),
    good=(_example(_system_blocks(_cache_point()), USER),),
    layer=LAYER,
    sources=(_DOCS,),
)

SYSTEM_POINT_MODEL_GATED = Rule(
    code="BC243",
    name="llamaindex-system-cache-point-model-not-listed",
    severity=Severity.WARNING,
    outcome=Outcome.DROPPED,
    summary="a system CachePoint is dropped: the model is not in LlamaIndex's caching list",
    why=(
        "A CachePoint in a SYSTEM ChatMessage is checked against "
        "BEDROCK_PROMPT_CACHING_SUPPORTED_MODELS and dropped with a warning log for other "
        "models; `system_prompt_caching=True` and user CachePoints are not checked (0.15.5). "
        "bedrockcache treats the models its data marks as caching as that list."
    ),
    fix="use a model that caches on Bedrock (Claude 3.5 Haiku, 3.7 Sonnet, or any Claude 4+)",
    bad=(_example(_system_blocks(_cache_point()), USER, model=_HAIKU3),),
    good=(_example(_system_blocks(_cache_point()), USER),),
    layer=LAYER,
    sources=(_PR_19922,),
)

MESSAGE_CACHE_CONTROL_DROPPED = Rule(
    code="BC244",
    name="llamaindex-message-cache-control-dropped",
    autofix=Autofix(
        (
            "removes the `cache_control` key and ends the message with a `CachePoint` block: "
            '`content="..."` becomes `blocks=[TextBlock(text="..."), CachePoint(...)]`, '
            "a literal block list ending in text gets the point appended"
        ),
    ),
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    summary="`cache_control` in a ChatMessage's `additional_kwargs` is ignored",
    why=(
        "BedrockConverse reads only the message's blocks; an Anthropic-style "
        '`additional_kwargs={"cache_control": ...}` never reaches Bedrock and nothing warns '
        "(0.15.5, also reported in issue 17895)."
    ),
    fix='add a `CachePoint(cache_control=CacheControl(type="default"))` block after the text',
    bad=(
        _example(
            SYSTEM,
            {
                "role": "user",
                "content": LONG,
                "additional_kwargs": {"cache_control": {"type": "ephemeral"}},
            },
        ),
    ),
    good=(
        _example(
            SYSTEM,
            {"role": "user", "blocks": [{"block_type": "text", "text": LONG}, _cache_point()]},
        ),
    ),
    layer=LAYER,
    sources=(_ISSUE_17895,),
)

CTOR_SYSTEM_PROMPT_NOT_SENT = Rule(
    code="BC245",
    name="llamaindex-constructor-system-prompt-not-sent",
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    summary="`BedrockConverse(system_prompt=...)` is not sent by chat(), so nothing is cached",
    why=(
        "The constructor's `system_prompt` is added only by the prompt helpers (`predict`, "
        "`stream`, ...). `chat()` / `stream_chat()` / `chat_with_tools()` send the system "
        "ChatMessages they are given, so with none the system prompt and the "
        "`system_prompt_caching` point are both absent (0.15.5)."
    ),
    fix='pass the system prompt as a `ChatMessage(role="system", content=...)` in the messages',
    bad=(_example(USER, system_prompt=LONG, system_prompt_caching=True),),
    good=(_example(SYSTEM, USER, system_prompt_caching=True),),
    layer=LAYER,
    sources=(_PR_19737,),
)

SYSTEM_CACHING_WITHOUT_SYSTEM = Rule(
    code="BC246",
    name="llamaindex-system-prompt-caching-without-system",
    severity=Severity.WARNING,
    outcome=Outcome.DROPPED,
    summary="`system_prompt_caching=True` with no system message adds nothing",
    why=(
        "The flag appends a cachePoint to the system blocks; when the request has no system "
        "content there is nowhere to put it and no cachePoint is sent (0.15.5)."
    ),
    fix="send the stable instructions as a system ChatMessage, or mark a user message instead",
    bad=(_example({"role": "user", "content": LONG}, system_prompt_caching=True),),
    good=(CACHED,),
    layer=LAYER,
    sources=(_PR_19737,),
)

MODEL_ARN = Rule(
    code="BC247",
    name="llamaindex-model-arn",
    severity=Severity.ERROR,
    outcome=Outcome.REJECTED,
    summary="an application inference profile ARN as `model` raises ValueError",
    why=(
        "BedrockConverse looks the model up in its own table (context size, caching support); "
        'an application inference profile ARN is not in it and the call raises "ValueError: '
        'Unknown model" before any request (0.15.5).'
    ),
    fix=(
        "give the Claude model id as `model=` and the profile as "
        "`application_inference_profile_arn=`"
    ),
    bad=(_example(model=_ARN, system_prompt_caching=True),),
    good=(_example(application_inference_profile_arn=_ARN, system_prompt_caching=True),),
    layer=LAYER,
    sources=(_DOCS,),
)

CTOR_CACHE_CONTROL = Rule(
    code="BC248",
    name="llamaindex-constructor-cache-control",
    autofix=Autofix(
        "removes the `cache_control` argument",
        safe=False,
        why_unsafe=(
            "the constructor stops raising TypeError, so the program goes on to send requests; "
            "nothing is cached until a working setting is added (BC107 then says which)"
        ),
    ),
    severity=Severity.ERROR,
    outcome=Outcome.REJECTED,
    summary="`BedrockConverse(cache_control=...)` is not a parameter: TypeError",
    why=(
        'BedrockConverse has no `cache_control` argument; the constructor raises "TypeError: '
        "unexpected keyword argument 'cache_control'\" (0.15.5)."
    ),
    fix="use `system_prompt_caching=True` or CachePoint blocks",
    bad=(_example(cache_control={"type": "ephemeral"}),),
    good=(CACHED,),
    layer=LAYER,
    sources=(_DOCS,),
)

ADDITIONAL_KWARGS_CACHE_CONTROL = Rule(
    code="BC249",
    name="llamaindex-additional-kwargs-cache-control",
    autofix=Autofix(
        "removes the `cache_control` key (and `additional_kwargs` when it was the only one)",
        safe=False,
        why_unsafe=(
            "calls stop raising ParamValidationError and reach Bedrock; nothing is cached until "
            "a working setting is added (BC107 then says which)"
        ),
    ),
    severity=Severity.ERROR,
    outcome=Outcome.REJECTED,
    summary='`BedrockConverse(additional_kwargs={"cache_control": ...})` makes botocore raise',
    why=(
        "`additional_kwargs` are merged into the Converse call's keyword arguments, where "
        '`cache_control` is unknown: botocore raises ParamValidationError ("Unknown parameter '
        'in input: cache_control") before sending (0.15.5).'
    ),
    fix="remove it; use `system_prompt_caching=True` or CachePoint blocks",
    bad=(_example(additional_kwargs={"cache_control": {"type": "ephemeral"}}),),
    good=(CACHED,),
    layer=LAYER,
    sources=(_ISSUE_17895,),
)

RULES = (
    MISSING,
    CTOR_TOOL_CACHING_IGNORED,
    TTL_DROPPED,
    TYPE_FORCED,
    SYSTEM_POINT_MODEL_GATED,
    MESSAGE_CACHE_CONTROL_DROPPED,
    CTOR_SYSTEM_PROMPT_NOT_SENT,
    SYSTEM_CACHING_WITHOUT_SYSTEM,
    MODEL_ARN,
    CTOR_CACHE_CONTROL,
    ADDITIONAL_KWARGS_CACHE_CONTROL,
)
