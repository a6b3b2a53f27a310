"""BC104, BC204 and BC210-BC217: what Strands Agents (``BedrockModel``) does with a cache directive.

Every entry was seen on the wire with strands-agents 1.62.0 (older versions where noted) by the
project's capture harness; the requests here use the shape documented in
``bedrockcache.backends.strands``.
"""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import APP_PROFILE_ARN, CACHE_POINT, LONG, SONNET_45

LAYER = "strands"
_MODEL = SONNET_45
_ARN = APP_PROFILE_ARN
CP = CACHE_POINT
TOOL = {
    "name": "lookup_order",
    "description": "Look up an order by its id.",
    "inputSchema": {"json": {"type": "object", "properties": {"order_id": {"type": "string"}}}},
}

# A tool definition long enough to pass the minimum by itself, so a tools cachePoint caches.
BIG_TOOL = {**TOOL, "description": LONG}

_CACHING_PAGE = (
    "https://strandsagents.com/docs/user-guide/sdk/model-providers/amazon-bedrock-prompt-caching/"
)
_GENERIC_PAGE = (
    "https://strandsagents.com/docs/user-guide/sdk/model-providers/prompt-caching/index.md"
)
_AUTO_ARN_ISSUE = "https://github.com/strands-agents/harness-sdk/issues/1705"
_CACHE_POINTS_ISSUE = "https://github.com/strands-agents/harness-sdk/issues/1795"
_AUTO_PR = "https://github.com/strands-agents/harness-sdk/pull/1438"
_SYSTEM_PR = "https://github.com/strands-agents/sdk-python/pull/1305"


def _ex(**request: object) -> Example:
    return Example(LAYER, request)


def _model(**config: object) -> dict[str, object]:
    return {"model_id": _MODEL, **config}


_GOOD_SYSTEM = _ex(model=_MODEL, system_prompt=[{"text": LONG}, CP], prompt="hi")
_GOOD_AUTO = _ex(model=_model(cache_config={"strategy": "auto"}), system_prompt=LONG, prompt="hi")

RULES = (
    Rule(
        code="BC104",
        name="strands-missing-cache-point",
        severity=Severity.ERROR,
        outcome=Outcome.UNCACHED,
        summary="no cache directive reaches Bedrock from the Strands agent",
        why=(
            "Strands' BedrockModel caches nothing by default (1.62.0): without a cachePoint block "
            "in `system_prompt` or the messages, or a `cache_config`, every call pays full price "
            "for the whole prompt, and nothing warns."
        ),
        fix=(
            'pass `cache_config=CacheConfig(strategy="auto")` to BedrockModel, or end '
            '`system_prompt` with `{"cachePoint": {"type": "default"}}`'
        ),
        autofix=Autofix(
            (
                'turns a string `system_prompt=` of the call into `[{"text": ...}, {"cachePoint": '
                '{"type": "default"}}]`, when that prefix is known to reach the model\'s minimum '
                "and nothing in it changes per call (`agent.system_prompt` still returns the text)"
            ),
        ),
        bad=(_ex(model=_MODEL, system_prompt=LONG, prompt="hi"),),
        good=(_GOOD_SYSTEM, _GOOD_AUTO),
        layer=LAYER,
        sources=(_CACHING_PAGE, _GENERIC_PAGE),
    ),
    Rule(
        code="BC204",
        name="strands-anthropic-cache-control",
        severity=Severity.ERROR,
        outcome=Outcome.DROPPED,
        autofix=Autofix(
            (
                'replaces the `cache_control` key with a `{"cachePoint": {"type": "default"}}` '
                "block right after the block (same ttl)"
            ),
        ),
        summary=(
            "Anthropic `cache_control` given to Strands: dropped from message blocks, refused in "
            "`system_prompt`"
        ),
        why=(
            "Strands rebuilds every message content block from its Converse fields only "
            '(1.62.0 keeps `{"text": ...}` of a text block), so a `cache_control` key on a '
            "message block or on the message disappears without a warning. `system_prompt` "
            'blocks go to botocore as written, and it raises ParamValidationError ("Unknown '
            'parameter in system[0]: cache_control"): nothing is sent.'
        ),
        fix=(
            'put a separate `{"cachePoint": {"type": "default"}}` block right after the '
            'content to cache, or let `cache_config=CacheConfig(strategy="auto")` place them'
        ),
        bad=(
            _ex(
                model=_MODEL,
                system_prompt=LONG,
                prompt=[{"text": LONG, "cache_control": {"type": "ephemeral"}}],
            ),
            _ex(
                model=_MODEL,
                system_prompt=[{"text": LONG, "cache_control": {"type": "ephemeral"}}],
                prompt="hi",
            ),
        ),
        good=(_ex(model=_MODEL, system_prompt=LONG, prompt=[{"text": LONG}, CP]), _GOOD_SYSTEM),
        layer=LAYER,
        sources=(_CACHING_PAGE, _SYSTEM_PR),
    ),
    Rule(
        code="BC210",
        name="strands-nonexistent-cache-parameter",
        severity=Severity.ERROR,
        outcome=Outcome.DROPPED,
        autofix=Autofix(
            (
                'replaces `cache_points=...` with `cache_config=CacheConfig(strategy="auto")` (for'
                " a Claude model id), importing CacheConfig"
            ),
            safe=False,
            why_unsafe=(
                "Strands then places its own cache points (system prompt and last user message), "
                "which the made-up parameter never did"
            ),
        ),
        summary="a cache parameter Strands does not have (such as `cache_points`): nothing cached",
        why=(
            'BedrockModel checks its keyword arguments only with a UserWarning ("Invalid '
            "configuration parameters: ['cache_points']\") and ignores the unknown ones, in "
            "1.62.0 as in 1.29.0; `Agent(cache_points=...)` is a TypeError. `cache_points` has "
            "never existed in any release: its caching parameters are `cache_config` and the "
            "deprecated `cache_prompt` / `cache_tools`."
        ),
        fix=(
            'use `cache_config=CacheConfig(strategy="auto")`, or a cachePoint block in '
            "`system_prompt`"
        ),
        bad=(
            _ex(model=_model(cache_points=["system", "tools"]), system_prompt=LONG, prompt="hi"),
            _ex(model=_model(cache_system_prompt=True), system_prompt=LONG, prompt="hi"),
            Example(
                LAYER,
                {
                    "messages": [{"role": "user", "content": [{"text": LONG}]}],
                    "cache_points": [{"segment": "system"}],
                },
                note="the bedrockcache 0.1.0 request shape",
            ),
        ),
        good=(_GOOD_AUTO,),
        layer=LAYER,
        sources=(_CACHE_POINTS_ISSUE, _CACHING_PAGE),
    ),
    Rule(
        code="BC211",
        name="strands-auto-strategy-skips-model",
        severity=Severity.ERROR,
        outcome=Outcome.DROPPED,
        summary=(
            '`CacheConfig(strategy="auto")` caches nothing for this model id (neither "claude" '
            'nor "anthropic" in it)'
        ),
        why=(
            '"auto" turns into Anthropic-style caching only when "claude" or "anthropic" is '
            "part of `model_id` (1.62.0). For an application inference profile ARN (even with "
            "Claude behind it) or an Amazon Nova id every cache point it would add is skipped, "
            'with only a logged WARNING "cache_config is enabled but this model does not support '
            'automatic caching".'
        ),
        fix=(
            'use `CacheConfig(strategy="anthropic")`, which skips the model-id check, or place '
            "cachePoint blocks yourself"
        ),
        bad=(
            _ex(
                model={"model_id": _ARN, "cache_config": {"strategy": "auto"}},
                system_prompt=LONG,
                prompt="hi",
            ),
        ),
        good=(
            _ex(
                model=_model(cache_config={"strategy": "anthropic"}),
                system_prompt=LONG,
                prompt="hi",
            ),
        ),
        layer=LAYER,
        sources=(_AUTO_ARN_ISSUE, _CACHING_PAGE),
    ),
    Rule(
        code="BC212",
        name="strands-unknown-cache-strategy",
        severity=Severity.ERROR,
        outcome=Outcome.DROPPED,
        summary='`CacheConfig.strategy` is neither "auto" nor "anthropic": no cache point is added',
        why=(
            'Strands acts on the two strategies it knows, "auto" and "anthropic" (1.62.0); '
            "CacheConfig does not validate the value, so any other strategy silently adds no "
            "cache point at all."
        ),
        fix='use `strategy="auto"` (Claude model ids) or `strategy="anthropic"`',
        bad=(
            _ex(
                model=_model(cache_config={"strategy": "default"}), system_prompt=LONG, prompt="hi"
            ),
        ),
        good=(_GOOD_AUTO,),
        layer=LAYER,
        sources=(_GENERIC_PAGE,),
    ),
    Rule(
        code="BC213",
        name="strands-cache-config-not-an-object",
        severity=Severity.ERROR,
        outcome=Outcome.REJECTED,
        autofix=Autofix(
            (
                'wraps the strategy string: `cache_config=CacheConfig(strategy="auto")`, importing'
                " CacheConfig"
            ),
            safe=False,
            why_unsafe=(
                "the agent stops raising AttributeError and starts caching, a change beyond the "
                "directive itself"
            ),
        ),
        summary="`cache_config` is not a CacheConfig: Strands raises AttributeError",
        why=(
            "BedrockModel reads `cache_config.strategy`; a string, boolean or list there raises "
            "AttributeError before anything is sent (a plain dict does too in Python code, e.g. "
            "\"'dict' object has no attribute 'strategy'\" on 1.62.0)."
        ),
        fix=(
            'pass `cache_config=CacheConfig(strategy="auto")` '
            "(from strands.models import CacheConfig)"
        ),
        bad=(_ex(model=_model(cache_config="auto"), system_prompt=LONG, prompt="hi"),),
        good=(_GOOD_AUTO,),
        layer=LAYER,
        sources=(_GENERIC_PAGE,),
    ),
    Rule(
        code="BC214",
        name="strands-cache-prompt-deprecated",
        severity=Severity.INFO,
        outcome=Outcome.ADVICE,
        summary="`cache_prompt` is deprecated (it still adds a system cachePoint)",
        why=(
            'Since 1.15.0 `cache_prompt` warns "cache_prompt is deprecated. Use '
            'SystemContentBlock with cachePoint instead."; it still appends '
            '`{"cachePoint": {"type": <value>}}` to the system prompt in 1.62.0, even when '
            "there is no system prompt (a cachePoint with nothing before it)."
        ),
        fix=(
            'end `system_prompt` with a `{"cachePoint": {"type": "default"}}` block, or use '
            '`cache_config=CacheConfig(strategy="auto")`'
        ),
        bad=(_ex(model=_model(cache_prompt="default"), system_prompt=LONG, prompt="hi"),),
        good=(_GOOD_SYSTEM,),
        layer=LAYER,
        sources=(_CACHING_PAGE,),
    ),
    Rule(
        code="BC215",
        name="strands-cache-tools-deprecated",
        severity=Severity.INFO,
        outcome=Outcome.ADVICE,
        summary="`cache_tools` is deprecated (it still adds a tools cachePoint)",
        why=(
            'Since 1.55.0 `cache_tools` raises DeprecationWarning "cache_tools is deprecated. Use '
            'CacheConfig(tools_ttl=...) instead."; it still works in 1.62.0, and an explicit '
            "`tools_ttl` (even False) supersedes it."
        ),
        fix='use `cache_config=CacheConfig(strategy="auto", tools_ttl=True)`',
        bad=(
            _ex(
                model=_model(cache_tools="default"),
                system_prompt=[{"text": LONG}, CP],
                tools=[BIG_TOOL],
                prompt="hi",
            ),
        ),
        good=(
            _ex(
                model=_model(cache_config={"strategy": "auto", "tools_ttl": True}),
                system_prompt=LONG,
                tools=[BIG_TOOL],
                prompt="hi",
            ),
        ),
        layer=LAYER,
        sources=(_CACHING_PAGE,),
    ),
    Rule(
        code="BC216",
        name="strands-tool-cache-without-tools",
        severity=Severity.INFO,
        outcome=Outcome.DROPPED,
        summary="tool caching is configured but the agent has no tools: no tools cachePoint",
        why=(
            "`cache_tools` and `CacheConfig(tools_ttl=...)` add a cachePoint after the tool "
            "definitions only when there are tools (1.62.0); with none, the setting does nothing."
        ),
        fix="drop the tool-caching setting, or cache the system prompt instead",
        bad=(
            _ex(
                model=_model(cache_config={"strategy": "auto", "tools_ttl": True}),
                system_prompt=LONG,
                prompt="hi",
            ),
        ),
        good=(_GOOD_AUTO,),
        layer=LAYER,
        sources=(_CACHING_PAGE,),
    ),
    Rule(
        code="BC217",
        name="strands-auto-strips-message-cache-points",
        severity=Severity.INFO,
        outcome=Outcome.DROPPED,
        summary="with `cache_config`, Strands removes cachePoints from earlier messages",
        why=(
            'In "auto"/"anthropic" mode Strands keeps one message cache point, in the last '
            'user message, and strips every other one with a WARNING "stripped existing cache '
            "point (auto mode manages cache points)\" (1.52+; up to 1.50 it stripped the caller's "
            "point in the last message too). The cache still works from the moving point."
        ),
        fix=(
            "let cache_config place the message point, or drop cache_config and manage at most 4 "
            "cachePoints yourself"
        ),
        bad=(
            _ex(
                model=_model(cache_config={"strategy": "auto"}),
                system_prompt=LONG,
                messages=[
                    {"role": "user", "content": [{"text": "first question"}, CP]},
                    {"role": "assistant", "content": [{"text": "first answer"}]},
                ],
                prompt="second question",
            ),
        ),
        good=(_GOOD_AUTO,),
        layer=LAYER,
        sources=(_AUTO_PR, _GENERIC_PAGE),
    ),
)
