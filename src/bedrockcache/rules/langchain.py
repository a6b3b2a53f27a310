"""BC106 and BC230-BC237: langchain-aws 1.9.1, ChatBedrockConverse and ChatBedrock.

Every behaviour here was captured on the wire against a fake Bedrock endpoint (research report
wire-b.md section 3, langchain-aws 1.9.1, langchain-core 1.8.3, botocore 1.44.8).
"""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import APP_PROFILE_ARN, CACHE_POINT, LONG, SONNET_45

__all__ = [
    "ARN_WITHOUT_PROVIDER",
    "BLOCK_CACHE_CONTROL_DROPPED",
    "BUDGET_FULL",
    "MIDDLEWARE_SKIPPED",
    "MISSING",
    "MODEL_FIELD_CACHE_CONTROL",
    "RULES",
    "STANDALONE_CACHE_CONTROL",
    "TTL_STRIPPED",
    "TYPELESS_BLOCK",
]

CONVERSE = "langchain-bedrock-converse"
INVOKE = "langchain-bedrock"
_S45 = SONNET_45
_ARN = APP_PROFILE_ARN
CP = CACHE_POINT
EPH = {"type": "ephemeral"}
HI = {"type": "human", "content": "hi"}

_MIDDLEWARE_DOCS = "https://docs.langchain.com/oss/python/integrations/middleware/aws"
_MIDDLEWARE_REF = (
    "https://reference.langchain.com/python/langchain-aws/middleware/prompt_caching/"
    "BedrockPromptCachingMiddleware"
)
_SUPPORT = (
    "https://support.langchain.com/articles/6345788173-how-do-i-implement-prompt-caching-in-aws-"
    "bedrock-with-langchain"
)
_ISSUE_470 = "https://github.com/langchain-ai/langchain-aws/issues/470"
_PR_1192 = "https://github.com/langchain-ai/langchain-aws/pull/1192"
# ChatBedrock cache_control support, normalised to {"type": "ephemeral"} from the start.
_PR_356 = "https://github.com/langchain-ai/langchain-aws/pull/356"


def _converse(*messages: object, **ctor: object) -> Example:
    request: dict[str, object] = {"model": _S45}
    request.update(ctor)
    request["messages"] = list(messages) or [{"type": "system", "content": [LONG, CP]}, HI]
    return Example(CONVERSE, request)


def _invoke(*messages: object, **ctor: object) -> Example:
    request: dict[str, object] = {"model_id": _S45}
    request.update(ctor)
    system = {"type": "system", "content": [{"type": "text", "text": LONG, "cache_control": EPH}]}
    request["messages"] = list(messages) or [system, HI]
    return Example(INVOKE, request)


MISSING = Rule(
    code="BC106",
    name="langchain-missing-cache-point",
    severity=Severity.ERROR,
    outcome=Outcome.UNCACHED,
    summary="no cache directive reaches Bedrock from ChatBedrockConverse / ChatBedrock",
    why=(
        "LangChain never caches on its own. ChatBedrockConverse needs a `cachePoint` block "
        "(`ChatBedrockConverse.create_cache_point()`) in a SystemMessage, a HumanMessage or the "
        "`bind_tools` list, an `invoke(..., cache_control={...})` call, or "
        "`BedrockPromptCachingMiddleware`; ChatBedrock (InvokeModel) needs `cache_control` on a "
        "text block or the same call argument. Without one every call pays for the whole prompt."
    ),
    fix=(
        "ChatBedrockConverse: end the SystemMessage content with "
        "`ChatBedrockConverse.create_cache_point()`, or call `invoke(messages, "
        'cache_control={"type": "ephemeral"})`; ChatBedrock: add `"cache_control": '
        '{"type": "ephemeral"}` to the last stable text block'
    ),
    autofix=Autofix(
        (
            'adds `cache_control={"type": "ephemeral"}` to a ChatBedrockConverse '
            "`invoke`/`ainvoke`/`stream`/`astream` call (langchain-aws then marks the system "
            "prompt and the last message), when the request with it is known to reach the "
            "model's minimum at every point and nothing before them changes per call"
        ),
    ),
    bad=(
        _converse({"type": "system", "content": LONG}, HI),
        _invoke({"type": "system", "content": LONG}, HI),
    ),
    good=(_converse(), _invoke()),
    layer=CONVERSE,
    sources=(_SUPPORT, _ISSUE_470, _MIDDLEWARE_DOCS),
)

BLOCK_CACHE_CONTROL_DROPPED = Rule(
    code="BC230",
    name="langchain-converse-drops-block-cache-control",
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    autofix=Autofix(
        (
            'replaces the block\'s `cache_control` with a `{"cachePoint": {"type": "default"}}` '
            "block right after it (same ttl)"
        ),
    ),
    summary="ChatBedrockConverse drops Anthropic `cache_control` on a text block without a warning",
    why=(
        'ChatBedrockConverse rebuilds a `{"type": "text", ...}` block as `{"text": ...}` and '
        "nothing else, so the Anthropic-style `cache_control` (the ChatAnthropic / ChatBedrock "
        "habit) never reaches Bedrock and no error is raised (langchain-aws 1.9.1, SystemMessage "
        "and HumanMessage alike; ChatBedrock with `beta_use_converse_api=True` goes the same way)."
    ),
    fix=(
        'put `ChatBedrockConverse.create_cache_point()` (`{"cachePoint": {"type": '
        '"default"}}`) as its own content element right after the block to cache'
    ),
    bad=(
        _converse(
            {"type": "system", "content": [{"type": "text", "text": LONG, "cache_control": EPH}]},
            HI,
        ),
    ),
    good=(_converse({"type": "system", "content": [{"type": "text", "text": LONG}, CP]}, HI),),
    layer=CONVERSE,
    sources=(_SUPPORT, "https://github.com/langchain-ai/langchainjs/pull/10841"),
)

STANDALONE_CACHE_CONTROL = Rule(
    code="BC231",
    name="langchain-converse-standalone-cache-control",
    severity=Severity.ERROR,
    outcome=Outcome.REJECTED,
    autofix=Autofix(
        (
            'replaces the dict with `{"cachePoint": {"type": "default"}}` (what '
            "`ChatBedrockConverse.create_cache_point()` returns), same ttl"
        ),
    ),
    summary="a content dict without `type` holding `cache_control` makes botocore raise",
    why=(
        "ChatBedrockConverse passes content dicts without a `type` through (that is how "
        'cachePoint dicts work) after renaming their keys to camelCase, so `{"cache_control": '
        '...}` arrives as `cacheControl` and botocore raises ParamValidationError ("Unknown '
        'parameter ... cacheControl") before sending (langchain-aws 1.9.1).'
    ),
    fix="use `ChatBedrockConverse.create_cache_point()` instead of a `cache_control` dict",
    bad=(
        _converse(
            {"type": "system", "content": LONG},
            {"type": "human", "content": [{"type": "text", "text": LONG}, {"cache_control": EPH}]},
        ),
    ),
    good=(
        _converse(
            {"type": "system", "content": LONG},
            {"type": "human", "content": [{"type": "text", "text": LONG}, CP]},
        ),
    ),
    layer=CONVERSE,
    sources=(_SUPPORT,),
)

MODEL_FIELD_CACHE_CONTROL = Rule(
    code="BC232",
    name="langchain-cache-control-as-model-field",
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    summary="`cache_control` on the model's constructor becomes a request field, not a breakpoint",
    why=(
        "`ChatBedrockConverse(cache_control=...)` is moved into `model_kwargs` (UserWarning), and "
        "`model_kwargs` / `additional_model_request_fields` end up in Converse "
        "`additionalModelRequestFields`; ChatBedrock puts `model_kwargs` at the top of the "
        "InvokeModel body. Either way no cachePoint or block `cache_control` is created "
        "(langchain-aws 1.9.1)."
    ),
    fix=(
        'pass the setting per call instead: `llm.invoke(messages, cache_control={"type": '
        '"ephemeral"})` or `llm.bind(cache_control={...})`, or mark blocks explicitly'
    ),
    bad=(
        _converse({"type": "system", "content": LONG}, HI, cache_control=EPH),
        _invoke({"type": "system", "content": LONG}, HI, model_kwargs={"cache_control": EPH}),
    ),
    good=(
        _converse({"type": "system", "content": LONG}, HI, call={"cache_control": EPH}),
        _invoke({"type": "system", "content": LONG}, HI, call={"cache_control": EPH}),
    ),
    layer=CONVERSE,
    sources=(_MIDDLEWARE_REF,),
)

ARN_WITHOUT_PROVIDER = Rule(
    code="BC233",
    name="langchain-arn-needs-provider",
    severity=Severity.ERROR,
    outcome=Outcome.REJECTED,
    summary="ChatBedrockConverse with an application inference profile ARN and no `provider=`",
    why=(
        "With a model ARN LangChain cannot tell the provider from the id and the constructor "
        'raises ValidationError ("Model provider should be supplied when passing a model ARN as '
        'model_id"). With `provider="anthropic"` it works and caching applies through the '
        "profile (langchain-aws 1.9.1)."
    ),
    fix=(
        'add `provider="anthropic"` (and `base_model=` the Claude model id, which also saves '
        "LangChain a GetInferenceProfile call)"
    ),
    bad=(_converse(model=_ARN),),
    good=(_converse(model=_ARN, provider="anthropic", base_model=_S45),),
    layer=CONVERSE,
    sources=("https://github.com/langchain-ai/langchain-aws/pull/992",),
)

TTL_STRIPPED = Rule(
    code="BC234",
    name="langchain-bedrock-strips-block-ttl",
    severity=Severity.WARNING,
    outcome=Outcome.DEGRADED,
    summary='ChatBedrock rewrites a text block\'s `cache_control` to `{"type": "ephemeral"}`',
    why=(
        "ChatBedrock (InvokeModel) keeps `cache_control` on system and message text blocks but "
        'replaces it with exactly `{"type": "ephemeral"}`, so a `"ttl": "1h"` is lost '
        "silently and the entry lives 5 minutes (langchain-aws 1.9.1). The per-call "
        "`cache_control` argument keeps the ttl."
    ),
    fix=(
        'pass the TTL per call: `llm.invoke(messages, cache_control={"type": "ephemeral", '
        '"ttl": "1h"})` (marks the last message), or use ChatBedrockConverse with '
        '`{"cachePoint": {"type": "default", "ttl": "1h"}}`'
    ),
    bad=(
        _invoke(
            {
                "type": "system",
                "content": [
                    {
                        "type": "text",
                        "text": LONG,
                        "cache_control": {"type": "ephemeral", "ttl": "1h"},
                    }
                ],
            },
            HI,
        ),
    ),
    good=(
        _invoke(
            {"type": "system", "content": LONG},
            HI,
            call={"cache_control": {"type": "ephemeral", "ttl": "1h"}},
        ),
    ),
    layer=INVOKE,
    sources=(_PR_356,),
)

TYPELESS_BLOCK = Rule(
    code="BC235",
    name="langchain-bedrock-cache-point-dict",
    severity=Severity.ERROR,
    outcome=Outcome.REJECTED,
    summary="a Converse `cachePoint` dict (a block without `type`) in ChatBedrock content",
    why=(
        "ChatBedrock builds an Anthropic InvokeModel body and accepts only typed blocks: "
        '`create_cache_point()` in a HumanMessage raises ValueError ("Dict content item must '
        'have a type key"), in a SystemMessage ValueError ("System message content item must '
        "be type 'text'\") (langchain-aws 1.9.1)."
    ),
    fix=(
        'on ChatBedrock mark the text block instead: `{"type": "text", "text": ..., '
        '"cache_control": {"type": "ephemeral"}}`; or switch to ChatBedrockConverse'
    ),
    bad=(_invoke({"type": "system", "content": LONG}, {"type": "human", "content": [LONG, CP]}),),
    good=(
        _invoke(
            {"type": "system", "content": LONG},
            {
                "type": "human",
                "content": [{"type": "text", "text": LONG, "cache_control": EPH}],
            },
        ),
    ),
    layer=INVOKE,
    sources=(_PR_356, _SUPPORT),
)

BUDGET_FULL = Rule(
    code="BC236",
    name="langchain-cache-control-budget-full",
    severity=Severity.INFO,
    outcome=Outcome.ADVICE,
    summary="`cache_control=` adds nothing: the request already holds 4 cachePoints",
    why=(
        "ChatBedrockConverse's per-call `cache_control` places points on the system prompt, the "
        "last message, the tools and (Claude) the end of the history, within Bedrock's budget of "
        "4 that counts the cachePoints already written. With 4 manual points it adds none and "
        "only logs at debug level (langchain-aws 1.9.1), so the moving breakpoint you asked for "
        "is not there."
    ),
    fix=(
        "drop some manual cachePoints (keep at most 2 if the end-of-history point matters), or "
        "drop the cache_control argument"
    ),
    bad=(
        _converse(
            {"type": "system", "content": [LONG, CP]},
            {"type": "human", "content": ["a " + LONG, CP, "b " + LONG, CP, "c " + LONG, CP]},
            call={"cache_control": EPH},
        ),
    ),
    good=(_converse({"type": "system", "content": [LONG, CP]}, HI, call={"cache_control": EPH}),),
    layer=CONVERSE,
    sources=(_PR_1192,),
)

MIDDLEWARE_SKIPPED = Rule(
    code="BC237",
    name="langchain-middleware-skips-request",
    severity=Severity.INFO,
    outcome=Outcome.DROPPED,
    summary="BedrockPromptCachingMiddleware adds no breakpoint to this request",
    why=(
        "The middleware caches only when the conversation has at least `min_messages_to_cache` "
        "messages and the model id names an Anthropic or Nova model; otherwise it passes the "
        "request through unmarked (with a warning for an unsupported model) "
        "(langchain-aws 1.9.1)."
    ),
    fix=(
        "expected on early turns; lower `min_messages_to_cache` to cache from the first turn, or "
        "give the model's `base_model=` when the id does not name the model"
    ),
    bad=(
        _converse(
            {"type": "human", "content": "hi"},
            system_prompt=LONG,
            middleware=[
                {"__class__": "BedrockPromptCachingMiddleware", "min_messages_to_cache": 3}
            ],
        ),
    ),
    good=(
        _converse(
            {"type": "human", "content": "hi"},
            system_prompt=LONG,
            middleware=[{"__class__": "BedrockPromptCachingMiddleware"}],
        ),
    ),
    layer=CONVERSE,
    sources=(
        _MIDDLEWARE_DOCS,
        _MIDDLEWARE_REF,
        "https://github.com/langchain-ai/langchain-aws/issues/931",
    ),
)

RULES = (
    MISSING,
    BLOCK_CACHE_CONTROL_DROPPED,
    STANDALONE_CACHE_CONTROL,
    MODEL_FIELD_CACHE_CONTROL,
    ARN_WITHOUT_PROVIDER,
    TTL_STRIPPED,
    TYPELESS_BLOCK,
    BUDGET_FULL,
    MIDDLEWARE_SKIPPED,
)
