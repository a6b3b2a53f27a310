"""BC103 and BC2xx for LiteLLM (``litellm.completion`` with a ``bedrock/...`` model).

Every entry is what LiteLLM 1.110.2 was seen doing on the wire (research/wire-a.md §3): what it
drops, rewrites or refuses between the OpenAI-format call and the Bedrock request.
"""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import LONG

__all__ = [
    "BREAKPOINT_CAP",
    "DIRECTIVE_REWRITTEN",
    "FUNCTION_CACHE_CONTROL",
    "MESSAGE_LEVEL_ON_LIST",
    "MISSING",
    "MODEL_GATE",
    "REFUSED",
    "RULES",
    "TOOL_TYPE_NOT_EPHEMERAL",
    "TTL_REMOVED",
]

_LAYER = "litellm"
_S45 = "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
EPH = {"type": "ephemeral"}
EPH_1H = {"type": "ephemeral", "ttl": "1h"}
USER = {"role": "user", "content": "hi"}
SYSTEM_CACHED = {"role": "system", "content": LONG, "cache_control": EPH}
PARAMS = {"type": "object", "properties": {"order_id": {"type": "string"}}}

_WIRE = "https://github.com/BerriAI/litellm/issues/9969"
_TUTORIAL = "https://docs.litellm.ai/docs/tutorials/prompt_caching"


def _call(model: str = _S45, **kwargs: object) -> Example:
    request: dict[str, object] = {"model": model, "messages": [SYSTEM_CACHED, USER]}
    request.update(kwargs)
    return Example(_LAYER, request)


def _system_block(cache_control: object) -> dict[str, object]:
    return {
        "role": "system",
        "content": [{"type": "text", "text": LONG, "cache_control": cache_control}],
    }


def _tool(cache_control: object | None = None, *, in_function: bool = False) -> dict[str, object]:
    function: dict[str, object] = {"name": "lookup", "description": LONG, "parameters": PARAMS}
    tool: dict[str, object] = {"type": "function", "function": function}
    if cache_control is not None:
        (function if in_function else tool)["cache_control"] = cache_control
    return tool


MISSING = Rule(
    code="BC103",
    name="litellm-missing-cache-control",
    severity=Severity.ERROR,
    outcome=Outcome.UNCACHED,
    autofix=Autofix(
        (
            'adds `"cache_control": {"type": "ephemeral"}` where `bedrockcache suggest` places '
            "the breakpoints (a string message content becomes one text block carrying it; a "
            "tool gets it at its top level), when each lands on a literal the route reads, "
            "nothing is unaudited and the model's minimum is known to be met"
        ),
    ),
    summary="no cache_control reaches Bedrock from this LiteLLM call",
    why=(
        "LiteLLM adds no breakpoint by itself on Bedrock: it translates the `cache_control` marks "
        "you write (a cachePoint on the Converse route, the mark itself on InvokeModel) and the "
        "`cache_control_injection_points` you configure. Without either, every call pays for the "
        "whole prompt and nothing errors (LiteLLM 1.110.2)."
    ),
    fix=(
        'add `"cache_control": {"type": "ephemeral"}` to the system message (string content) '
        "or to its last content block, or pass "
        '`cache_control_injection_points=[{"location": "message", "role": "system"}]`'
    ),
    bad=(_call(messages=[{"role": "system", "content": LONG}, USER]),),
    good=(
        _call(),
        _call(
            messages=[{"role": "system", "content": LONG}, USER],
            cache_control_injection_points=[{"location": "message", "role": "system"}],
        ),
    ),
    layer=_LAYER,
    sources=(_TUTORIAL, "https://github.com/BerriAI/litellm/issues/26168"),
)

MESSAGE_LEVEL_ON_LIST = Rule(
    code="BC201",
    name="litellm-message-cache-control-on-list-content",
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    autofix=Autofix(
        "moves the message's `cache_control` onto its last content block",
    ),
    summary="`cache_control` on a message whose content is a list is silently dropped by LiteLLM",
    why=(
        "LiteLLM reads a message-level `cache_control` only when the message's `content` is a "
        'string (and on `role: "tool"` messages). When the content is a list of blocks it reads '
        "the blocks only, so the mark on the message is lost on every route, Converse and "
        "InvokeModel alike, with no warning (LiteLLM 1.110.2)."
    ),
    fix="move `cache_control` onto the last content block of that message",
    bad=(
        _call(
            messages=[
                {
                    "role": "system",
                    "content": [{"type": "text", "text": LONG}],
                    "cache_control": EPH,
                },
                USER,
            ]
        ),
    ),
    good=(_call(messages=[_system_block(EPH), USER]),),
    layer=_LAYER,
    sources=(_WIRE, "https://github.com/BerriAI/litellm/issues/12695"),
)

FUNCTION_CACHE_CONTROL = Rule(
    code="BC202",
    name="litellm-cache-control-inside-tool-function",
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    autofix=Autofix(
        'moves `cache_control` from `tool["function"]` to the top level of the tool',
    ),
    summary='`cache_control` inside `tool["function"]` is dropped on LiteLLM\'s Converse route',
    why=(
        "On the Converse route LiteLLM reads a tool's `cache_control` from the top level of the "
        'OpenAI tool dict only; one nested in `tool["function"]` is silently dropped. The '
        "InvokeModel route hoists it to the tool instead, so the same code caches or not "
        "depending on the model id (LiteLLM 1.110.2)."
    ),
    fix='put `cache_control` at the top level of the tool: `{"type": "function", "function": '
    '{...}, "cache_control": {"type": "ephemeral"}}`',
    bad=(_call(messages=[USER], tools=[_tool(EPH, in_function=True)]),),
    good=(_call(messages=[USER], tools=[_tool(EPH)]),),
    layer=_LAYER,
    sources=(_WIRE,),
)

MODEL_GATE = Rule(
    code="BC203",
    name="litellm-model-gate-drops-cache-points",
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    summary="LiteLLM drops every cachePoint for this model on the Converse route",
    why=(
        "On Converse LiteLLM emits a cachePoint only when its model map (or the deployment's "
        "`model_info`) says the model supports prompt caching. A map entry without "
        '`supports_prompt_caching` (Claude 3.5 Sonnet v1) or `model_info={"supports_prompt_'
        'caching": False}` silently removes every cache directive of the request '
        "(LiteLLM 1.110.2, since PR #39210)."
    ),
    fix=(
        "use a model that caches on Bedrock (Claude 3.7 Sonnet or Claude 4+), and drop "
        "`supports_prompt_caching: False` from `model_info` for a model that caches"
    ),
    bad=(
        _call("bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0"),
        _call(model_info={"supports_prompt_caching": False}),
    ),
    good=(_call(), _call(model_info={"supports_prompt_caching": True})),
    layer=_LAYER,
    sources=("https://github.com/BerriAI/litellm/pull/39210",),
)

TTL_REMOVED = Rule(
    code="BC205",
    name="litellm-ttl-removed",
    severity=Severity.WARNING,
    outcome=Outcome.DEGRADED,
    summary="LiteLLM removes the `ttl` of this cache directive on the Converse route",
    why=(
        'On Converse LiteLLM keeps a `ttl` only when it is "5m" or "1h" and its model map '
        "prices a 1-hour cache write for the model (Sonnet 4.5 / 4.6, Haiku 4.5, Opus 4.5 / 4.6). "
        "For an application inference profile ARN, an id missing from the map, Claude 3.7 "
        'Sonnet, Sonnet 4 or Opus 4 / 4.1 a `ttl: "1h"` is silently removed and the entry '
        "lives 5 minutes; other values are removed always (LiteLLM 1.110.2)."
    ),
    fix=(
        "for an application inference profile ARN pass the model it runs as "
        '`model="bedrock/converse/<model id>", model_id="<ARN>"` (or `base_model=`); '
        "otherwise use a model that offers the 1h TTL, or drop the ttl"
    ),
    bad=(_call("bedrock/" + _ARN, messages=[_system_block(EPH_1H), USER]),),
    good=(
        _call(messages=[_system_block(EPH_1H), USER]),
        _call(
            "bedrock/" + _ARN,
            messages=[_system_block(EPH_1H), USER],
            base_model="anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
        _call(
            "bedrock/converse/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            messages=[_system_block(EPH_1H), USER],
            model_id=_ARN,
        ),
    ),
    layer=_LAYER,
    sources=(
        "https://github.com/BerriAI/litellm/issues/34248",
        "https://github.com/BerriAI/litellm/issues/32154",
    ),
)

TOOL_TYPE_NOT_EPHEMERAL = Rule(
    code="BC206",
    name="litellm-tool-cache-type-not-ephemeral",
    severity=Severity.ERROR,
    outcome=Outcome.DROPPED,
    autofix=Autofix(
        'sets the tool\'s `cache_control` `type` to "ephemeral"',
    ),
    summary='a tool `cache_control` whose `type` is not "ephemeral" is dropped on Converse',
    why=(
        "On the Converse route LiteLLM turns a tool's `cache_control` into a cachePoint only "
        'when its `type` is exactly "ephemeral"; any other value (such as Converse\'s own '
        '"default") silently drops the directive (LiteLLM 1.110.2).'
    ),
    fix='write the tool\'s mark as `"cache_control": {"type": "ephemeral"}`',
    bad=(_call(messages=[USER], tools=[_tool({"type": "default"})]),),
    good=(_call(messages=[USER], tools=[_tool(EPH)]),),
    layer=_LAYER,
    sources=(_WIRE,),
)

DIRECTIVE_REWRITTEN = Rule(
    code="BC207",
    name="litellm-cache-control-rewritten",
    severity=Severity.INFO,
    outcome=Outcome.ADVICE,
    summary="LiteLLM rewrites this `cache_control` on the Converse route; it works here only",
    why=(
        'On Converse LiteLLM writes every message mark as `{"cachePoint": {"type": '
        '"default"}}`, whatever `type` you gave, and drops keys it does not know (such as '
        "`scope`). The InvokeModel route sends the mark verbatim, where a wrong `type` is "
        "refused by Bedrock (LiteLLM 1.110.2)."
    ),
    fix='write marks as `{"type": "ephemeral"}` with an optional `"ttl": "5m" | "1h"`',
    bad=(_call(messages=[_system_block({"type": "ephemeral", "scope": "global"}), USER]),),
    good=(_call(messages=[_system_block(EPH), USER]),),
    layer=_LAYER,
    sources=(_WIRE,),
)

BREAKPOINT_CAP = Rule(
    code="BC208",
    name="litellm-breakpoint-cap",
    severity=Severity.WARNING,
    outcome=Outcome.DROPPED,
    summary="LiteLLM's own 4-breakpoint cap removes this cache directive",
    why=(
        "With `drop_params=True` LiteLLM keeps at most 4 marks and drops the oldest first, so the "
        "stable system-prompt marks go before the newest turns. Its "
        "`cache_control_injection_points` stop at 4 too, in message order, so a `role` point "
        "marks the oldest matching messages and never the newest (LiteLLM 1.110.2)."
    ),
    fix=(
        "keep at most 4 marks yourself (tools, system, the newest turn); for a moving "
        'conversation breakpoint use an injection point with `"index": -1`'
    ),
    bad=(
        _call(
            messages=[
                {
                    "role": "system",
                    "content": [
                        {"type": "text", "text": LONG, "cache_control": EPH},
                        {"type": "text", "text": LONG, "cache_control": EPH},
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": t, "cache_control": EPH} for t in ("a", "b", "c")
                    ],
                },
            ],
            tools=[_tool(EPH)],
            drop_params=True,
        ),
    ),
    good=(
        _call(
            messages=[
                _system_block(EPH),
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": t, "cache_control": EPH} for t in ("a", "b")
                    ],
                },
            ],
            tools=[_tool(EPH)],
            drop_params=True,
        ),
    ),
    layer=_LAYER,
    sources=(_TUTORIAL, _WIRE),
)

REFUSED = Rule(
    code="BC209",
    name="litellm-refuses-request",
    severity=Severity.ERROR,
    outcome=Outcome.REJECTED,
    summary="LiteLLM raises before sending this request to Bedrock",
    why=(
        "Some combinations never leave LiteLLM: `bedrock/invoke/<application inference profile "
        'ARN>` raises NotFoundError ("Unknown provider"), and more than 4 '
        "`prompt_cache_breakpoint` marks without `drop_params` raise UnsupportedParamsError "
        "(LiteLLM 1.110.2)."
    ),
    fix=(
        'for an ARN use `model="bedrock/invoke/<model id>", model_id="<ARN>"` or the '
        "Converse route; keep at most 4 breakpoints"
    ),
    bad=(
        _call("bedrock/invoke/" + _ARN),
        _call(
            messages=[
                SYSTEM_CACHED,
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": t, "prompt_cache_breakpoint": {"mode": "explicit"}}
                        for t in "abcde"
                    ],
                },
            ]
        ),
    ),
    good=(_call("bedrock/invoke/us.anthropic.claude-sonnet-4-5-20250929-v1:0"),),
    layer=_LAYER,
    sources=(_WIRE,),
)

RULES = (
    MISSING,
    MESSAGE_LEVEL_ON_LIST,
    FUNCTION_CACHE_CONTROL,
    MODEL_GATE,
    TTL_REMOVED,
    TOOL_TYPE_NOT_EPHEMERAL,
    DIRECTIVE_REWRITTEN,
    BREAKPOINT_CAP,
    REFUSED,
)
