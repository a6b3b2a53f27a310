"""BC105 and BC220-BC229: what pydantic-ai's ``BedrockConverseModel`` does with a cache directive.

Every entry was seen on the wire with pydantic-ai-slim 2.68.0 (1.38.0 where noted) by the project's
capture harness; the requests use the shape documented in ``bedrockcache.backends.pydantic_ai``.
"""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import APP_PROFILE_ARN, LONG

LAYER = "pydantic-ai-bedrock"
_MODEL = "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0"
_ARN = APP_PROFILE_ARN
CACHE_POINT = {"__class__": "CachePoint"}
TOOL = {
    "name": "lookup_order",
    "description": "Look up an order by its id.",
    "parameters_json_schema": {"type": "object", "properties": {"order_id": {"type": "string"}}},
}

_DOCS = "https://ai.pydantic.dev/models/bedrock"
_CACHING_PR = "https://github.com/pydantic/pydantic-ai/pull/3438"
_ARN_ISSUE = "https://github.com/pydantic/pydantic-ai/issues/4381"


def _ex(**request: object) -> Example:
    return Example(LAYER, {"model": _MODEL, "instructions": LONG, "prompt": "hi", **request})


_GOOD = _ex(model_settings={"bedrock_cache_instructions": True})

RULES = (
    Rule(
        code="BC105",
        name="pydantic-ai-missing-cache-point",
        severity=Severity.ERROR,
        outcome=Outcome.UNCACHED,
        summary="no cache directive reaches Bedrock from the pydantic-ai agent",
        why=(
            "BedrockConverseModel adds no cachePoint unless a setting or a CachePoint() marker "
            "asks for one (2.68.0): without them every call pays full price for the "
            "instructions, the tool definitions and the history, and nothing warns."
        ),
        fix=(
            "set `model_settings=BedrockModelSettings(bedrock_cache_instructions=True, "
            "bedrock_cache_tool_definitions=True, bedrock_cache_messages=True)` (or `'1h'`)"
        ),
        bad=(_ex(),),
        good=(_GOOD, _ex(prompt=[LONG, CACHE_POINT]), _ex(model_settings={"cache": True})),
        layer=LAYER,
        sources=(_DOCS, _CACHING_PR),
        autofix=Autofix(
            "adds `bedrock_cache_instructions=True` to the Agent's model settings, or "
            "`model_settings=BedrockModelSettings(bedrock_cache_instructions=True)` (imported) "
            "when it has none; only for a Claude model that caches, a request seen whole with no "
            "cache setting yet, and a point the audit knows reaches the model's minimum (it "
            "caches the tool definitions too: they come first in the prefix)"
        ),
    ),
    Rule(
        code="BC220",
        name="pydantic-ai-extra-body-ignored",
        severity=Severity.ERROR,
        outcome=Outcome.DROPPED,
        summary="cache directives in `extra_body` never reach Bedrock Converse",
        why=(
            "BedrockConverseModel lists `extra_body` among its unsupported settings: 2.68.0 "
            "ignores it with UnsupportedSettingWarning, 1.38.0 and up to 2.33 silently. Neither a "
            "`cache_control` nor `system`/`cachePoint` blocks written there are sent."
        ),
        fix=(
            "use `bedrock_cache_instructions` / `bedrock_cache_tool_definitions` / "
            "`bedrock_cache_messages`, or a CachePoint() in the prompt"
        ),
        bad=(
            _ex(model_settings={"extra_body": {"cache_control": {"type": "ephemeral"}}}),
            Example(
                LAYER,
                {
                    "model_settings": {
                        "extra_body": {
                            "system": [
                                {
                                    "type": "text",
                                    "text": LONG,
                                    "cache_control": {"type": "ephemeral"},
                                }
                            ]
                        }
                    }
                },
                note="the bedrockcache 0.1.0 request shape",
            ),
        ),
        good=(_GOOD,),
        layer=LAYER,
        sources=(_DOCS,),
        autofix=Autofix(
            "replaces a top-level `cache_control` in `extra_body` (Anthropic's automatic "
            "caching: one point on the last block) with `bedrock_cache_messages` (its ttl kept), "
            "removing `extra_body` when nothing else is left in it; a directive on `system`, "
            "`tools` or `messages` blocks there gets no fix, since those blocks are not sent "
            "either"
        ),
    ),
    Rule(
        code="BC221",
        name="pydantic-ai-model-profile-without-caching",
        severity=Severity.ERROR,
        outcome=Outcome.DROPPED,
        summary="pydantic-ai's profile for this model id has no prompt caching: directives dropped",
        why=(
            "pydantic-ai decides caching from the `<vendor>.` part of the model name: only the "
            "`anthropic.` profile (and `amazon.` Nova, without tools) enables it. An application "
            "inference profile ARN or an unknown vendor gets no profile, so every cache setting "
            "and CachePoint() is skipped silently, with no warning (2.68.0; issue #4381). The "
            "unified `cache` setting also needs `supports_cache` in the profile."
        ),
        fix=(
            "pass the base model id as the model name and the ARN as "
            "`bedrock_inference_profile=<arn>` in the model settings, or give "
            "`BedrockConverseModel(..., profile=BedrockModelProfile("
            "bedrock_supports_prompt_caching=True, bedrock_supports_tool_caching=True))` "
            "(add `supports_cache=True` for the unified `cache` setting)"
        ),
        bad=(_ex(model=f"bedrock:{_ARN}", model_settings={"bedrock_cache_instructions": True}),),
        good=(_GOOD,),
        layer=LAYER,
        sources=(_ARN_ISSUE, _DOCS),
    ),
    Rule(
        code="BC222",
        name="pydantic-ai-tool-caching-not-in-profile",
        severity=Severity.INFO,
        outcome=Outcome.DROPPED,
        summary="the model's profile caches prompts but not tool definitions: no tools cachePoint",
        why=(
            "The Amazon Nova profile enables prompt caching without tool caching, so "
            "`bedrock_cache_tool_definitions` adds nothing there (2.68.0); Nova on Bedrock does "
            "not cache tool definitions anyway."
        ),
        fix="drop `bedrock_cache_tool_definitions` for this model; cache the instructions instead",
        bad=(
            _ex(
                model="bedrock:us.amazon.nova-pro-v1:0",
                tools=[TOOL],
                model_settings={
                    "bedrock_cache_instructions": True,
                    "bedrock_cache_tool_definitions": True,
                },
            ),
        ),
        good=(_GOOD,),
        layer=LAYER,
        sources=(_DOCS,),
    ),
    Rule(
        code="BC223",
        name="pydantic-ai-unified-cache-overridden",
        severity=Severity.WARNING,
        outcome=Outcome.DROPPED,
        summary="an explicit `bedrock_cache_*` setting switches the unified `cache` setting off",
        why=(
            "pydantic-ai maps the unified `cache` model setting only when no `bedrock_cache_*` "
            "key is present; any such key, even `False`, replaces it entirely (2.68.0), so the "
            "parts `cache` asked for and the explicit keys do not repeat are not cached."
        ),
        fix="use either the unified `cache` setting or the `bedrock_cache_*` keys, not both",
        bad=(_ex(model_settings={"cache": True, "bedrock_cache_instructions": False}),),
        good=(_ex(model_settings={"cache": True}),),
        layer=LAYER,
        sources=(_DOCS,),
    ),
    Rule(
        code="BC224",
        name="pydantic-ai-unknown-cache-setting",
        severity=Severity.ERROR,
        outcome=Outcome.DROPPED,
        summary="a cache setting BedrockConverseModel does not read (another provider's, made up)",
        why=(
            "Model settings are a TypedDict: keys are not validated, and BedrockConverseModel "
            "reads only `bedrock_cache_instructions`, `bedrock_cache_tool_definitions`, "
            "`bedrock_cache_messages` and `cache`. `anthropic_cache_*` (AnthropicModel's) or a "
            "made-up `bedrock_cache_prompt` is ignored without a warning (2.68.0)."
        ),
        fix=(
            "use `bedrock_cache_instructions` / `bedrock_cache_tool_definitions` / "
            "`bedrock_cache_messages`"
        ),
        bad=(
            _ex(model_settings={"anthropic_cache_instructions": True}),
            _ex(model_settings={"bedrock_cache_prompt": True}),
        ),
        good=(_GOOD,),
        layer=LAYER,
        sources=(_DOCS,),
        autofix=Autofix(
            "renames AnthropicModel's or OpenRouterModel's `<provider>_cache_instructions` / "
            "`_tool_definitions` / `_messages` to the `bedrock_cache_*` setting of the same "
            "meaning and values; a made-up name gets no fix"
        ),
    ),
    Rule(
        code="BC225",
        name="pydantic-ai-instructions-cache-without-static-instructions",
        severity=Severity.WARNING,
        outcome=Outcome.DROPPED,
        summary="`bedrock_cache_instructions` with no static instructions: no system cachePoint",
        why=(
            "The instructions cache point goes after the static instructions, before those from "
            "`@agent.instructions` functions; with only dynamic instructions (or none) no point "
            "is added, without a warning (2.68.0)."
        ),
        fix=(
            "pass the stable part as `instructions=` (or `system_prompt=`) and keep only the "
            "changing part in `@agent.instructions`"
        ),
        bad=(
            _ex(
                instructions=None,
                dynamic_instructions=[LONG],
                model_settings={"bedrock_cache_instructions": True},
            ),
        ),
        good=(
            _ex(
                dynamic_instructions=["Today is Monday."],
                model_settings={"bedrock_cache_instructions": True},
            ),
        ),
        layer=LAYER,
        sources=(_DOCS,),
    ),
    Rule(
        code="BC226",
        name="pydantic-ai-tool-cache-without-tools",
        severity=Severity.INFO,
        outcome=Outcome.DROPPED,
        summary="`bedrock_cache_tool_definitions` is set but the agent has no tools",
        why=(
            "The tools cache point is appended to the tool definitions, so with no tools the "
            "setting adds nothing (2.68.0)."
        ),
        fix="drop the setting, or cache the instructions instead",
        bad=(
            _ex(
                model_settings={
                    "bedrock_cache_instructions": True,
                    "bedrock_cache_tool_definitions": True,
                }
            ),
        ),
        good=(_GOOD,),
        layer=LAYER,
        sources=(_DOCS,),
    ),
    Rule(
        code="BC227",
        name="pydantic-ai-cache-point-misplaced",
        severity=Severity.ERROR,
        outcome=Outcome.REJECTED,
        summary="a CachePoint() with no content before it in its user message: pydantic-ai raises",
        why=(
            "On Bedrock, pydantic-ai raises UserError for a CachePoint() that opens a user "
            'message ("CachePoint cannot be the first content in a user message"), follows '
            "another CachePoint, or follows only documents or videos (2.68.0): nothing is sent."
        ),
        fix=(
            "put CachePoint() after the content it should cache; use "
            "`bedrock_cache_instructions` / `bedrock_cache_tool_definitions` for the system "
            "prompt and tools"
        ),
        bad=(
            _ex(prompt=[CACHE_POINT, LONG]),
            _ex(prompt=[LONG, CACHE_POINT, CACHE_POINT]),
        ),
        good=(_ex(prompt=[LONG, CACHE_POINT]),),
        layer=LAYER,
        sources=(_DOCS,),
    ),
    Rule(
        code="BC228",
        name="pydantic-ai-dict-in-prompt",
        severity=Severity.ERROR,
        outcome=Outcome.REJECTED,
        summary="a dict (`cache_control`, Converse block) in the prompt: pydantic-ai raises",
        why=(
            "A user prompt holds strings, media objects and CachePoint() markers; a dict such as "
            '`{"type": "text", ..., "cache_control": {...}}` raises ValueError '
            '("UserPromptPart.content[0] must be a UserContent item, got dict", 2.68.0).'
        ),
        fix="write the text as a string and mark the cache point with CachePoint()",
        bad=(_ex(prompt=[{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}]),),
        good=(_ex(prompt=[LONG, CACHE_POINT]),),
        layer=LAYER,
        sources=(_DOCS,),
    ),
    Rule(
        code="BC229",
        name="pydantic-ai-cache-points-over-limit",
        severity=Severity.INFO,
        outcome=Outcome.DROPPED,
        summary="more than 4 cache points: pydantic-ai drops the oldest message points",
        why=(
            "Bedrock allows 4 cache points per request; pydantic-ai keeps the system and tools "
            "points and the newest message points within that budget and removes older ones "
            "silently (2.68.0). Caching still works from the newest points."
        ),
        fix="mark only the newest turn (e.g. `bedrock_cache_messages=True`) instead of every turn",
        bad=(
            _ex(
                message_history=[
                    turn
                    for i in range(4)
                    for turn in (
                        {"role": "user", "content": [f"question {i} " + LONG, CACHE_POINT]},
                        {"role": "assistant", "content": f"answer {i}"},
                    )
                ],
                prompt=["last question", CACHE_POINT],
            ),
        ),
        good=(_ex(prompt=[LONG, CACHE_POINT]),),
        layer=LAYER,
        sources=(_DOCS, _CACHING_PR),
    ),
)
