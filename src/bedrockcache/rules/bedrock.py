"""BC3xx: Bedrock's own rules, over the normalized request view, for every layer alike."""

from __future__ import annotations

from bedrockcache.facts import Facts, ModelRef
from bedrockcache.findings import Finding, Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import CACHE_POINT, LONG, SONNET_45
from bedrockcache.unknown import Unknown
from bedrockcache.wire import MANTLE_OPERATION, Breakpoint, WireRequest

__all__ = ["EXPLAINS_MISSING", "RULES", "check_request", "honoured_breakpoints"]

_DOCS = "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html"
_S45 = SONNET_45
_HAIKU45 = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
_S37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
HUGE = LONG * 5
CP = CACHE_POINT
CP_1H = {"cachePoint": {"type": "default", "ttl": "1h"}}
USER = {"role": "user", "content": [{"text": "hi"}]}
TOOL = {
    "toolSpec": {"name": "lookup", "description": "Look up an order.", "inputSchema": {"json": {}}}
}


def _converse(model: str = _S45, **fields: object) -> Example:
    request = {"modelId": model, "system": [{"text": LONG}, CP], "messages": [USER]}
    request.update(fields)
    return Example("bedrock-converse", request)


def _invoke(**body: object) -> Example:
    request = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 512,
        "system": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "hi"}],
    }
    request.update(body)
    return Example("bedrock-invoke-anthropic", {"modelId": _S45, "body": request})


def _rule(code: str, name: str, severity: Severity, outcome: Outcome, **kw: object) -> Rule:
    kw.setdefault("sources", (_DOCS,))
    return Rule(code=code, name=name, severity=severity, outcome=outcome, **kw)  # type: ignore[arg-type]


UNSUPPORTED_MODEL = _rule(
    "BC301",
    "model-does-not-cache",
    Severity.ERROR,
    Outcome.REJECTED,
    summary="the model does not support prompt caching on Bedrock",
    why=(
        "Claude 3 Haiku / Sonnet / Opus, Claude 3.5 Sonnet v1, Claude 2.x and Instant cannot cache "
        'on Bedrock. A request that carries a cache directive to them fails with "You invoked an '
        'unsupported model or your request did not allow prompt caching". Without a directive '
        "nothing fails and nothing is lost: the same finding is advice (info), reported only "
        "when BC301 is selected by its full code."
    ),
    fix="switch to a model that caches on Bedrock (Claude 3.5 Haiku, 3.7 Sonnet, or any Claude 4+)",
    bad=(_converse("anthropic.claude-3-haiku-20240307-v1:0"),),
    good=(_converse("anthropic.claude-3-5-haiku-20241022-v1:0", system=[{"text": HUGE}, CP]),),
    sources=(_DOCS, "https://github.com/cline/cline/issues/2064"),
)
PREVIEW_MODEL = _rule(
    "BC302",
    "model-caching-preview-only",
    Severity.WARNING,
    Outcome.UNCACHED,
    summary="the model caches on Bedrock only for accounts admitted to the 2024 preview",
    why=(
        "Claude 3.5 Sonnet v2 prompt caching stayed in preview: accounts that had preview access "
        "keep it, no other account is granted access. Most accounts will not cache on this model."
    ),
    fix="move to a model where caching is generally available (Claude 3.7 Sonnet or Claude 4+)",
    bad=(_converse("anthropic.claude-3-5-sonnet-20241022-v2:0"),),
    good=(_converse("anthropic.claude-3-7-sonnet-20250219-v1:0"),),
)
INVALID_MODEL_ID = _rule(
    "BC303",
    "invalid-model-id",
    Severity.ERROR,
    Outcome.REJECTED,
    summary="the model id names a known Claude family but is not a valid Bedrock model id",
    why=(
        "Bedrock model ids are exact strings (`anthropic.claude-sonnet-4-5-20250929-v1:0`); a "
        "close spelling such as `anthropic.claude-sonnet-4-5-v1:0` is rejected before any caching "
        "can happen."
    ),
    fix="use the exact Bedrock model id (with a cross-region prefix such as `us.` where required)",
    bad=(_converse("anthropic.claude-sonnet-4-5-v1:0"),),
    good=(_converse("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),),
)
UNKNOWN_MODEL = _rule(
    "BC304",
    "model-not-in-facts",
    Severity.WARNING,
    Outcome.UNAUDITED,
    summary="the model is not in bedrockcache's model data, so its caching rules are unknown",
    why=(
        "Whether a model caches, and from how many tokens, differs per model. For an id the data "
        "does not know (a newer model, an application inference profile ARN) bedrockcache cannot "
        "promise caching, and says so instead of guessing."
    ),
    fix=(
        "add the model under [tool.bedrockcache.models] (ids, caching, min_tokens, ttls), or use "
        "a model id the data knows"
    ),
    bad=(_converse("anthropic.claude-imaginary-9-v1:0"),),
    good=(_converse(_S45),),
)
BELOW_MINIMUM = _rule(
    "BC305",
    "prefix-below-minimum",
    Severity.ERROR,
    Outcome.UNCACHED,
    summary="the prefix before the breakpoint is below the model's minimum cacheable length",
    why=(
        "Bedrock caches a prefix only from the model's minimum (1,024 tokens for Sonnet, 4,096 "
        "for Haiku 4.5 and Opus 4.5+), counted over tools, system and messages together. Below "
        "it the request succeeds and nothing is cached, with no error. An estimate that may fall "
        "either side is reported as a warning. A breakpoint below the minimum followed by one "
        "that caches loses nothing (the later one caches the same prefix): that is advice "
        "(info), reported only when BC305 is selected by its full code."
    ),
    fix="place the breakpoint after more stable content, or cache a longer shared prefix",
    bad=(_converse(_HAIKU45, system=[{"text": "You are a helpful assistant."}, CP]),),
    good=(_converse(_HAIKU45, system=[{"text": HUGE}, CP]),),
)
TOO_MANY = _rule(
    "BC306",
    "too-many-breakpoints",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        (
            "removes the breakpoints past 4 of a boto3 or AnthropicBedrock request (cachePoint "
            "blocks, `cache_control` keys), keeping the ones that cache the most: the last point "
            "over the model's minimum, and on a tie the tools and system points"
        ),
        safe=False,
        why_unsafe=(
            "which breakpoints to drop is a choice, and the request caches less than it asked for"
        ),
    ),
    summary="more than 4 cache breakpoints in one request",
    why=(
        "Bedrock allows at most 4 breakpoints per request, cachePoint blocks and cache_control "
        "marks counted together across tools, system and messages. A fifth is a "
        'ValidationException: "A maximum of 4 blocks with cache_control may be provided".'
    ),
    fix="keep the 4 breakpoints that cache the most: tools, system, and the newest turns",
    bad=(
        _converse(
            system=[
                {"text": LONG},
                CP,
                {"text": LONG},
                CP,
                {"text": LONG},
                CP,
                {"text": LONG},
                CP,
                {"text": LONG},
                CP,
            ]
        ),
    ),
    good=(_converse(system=[{"text": LONG}, CP, {"text": LONG}, CP]),),
    sources=(_DOCS, "https://github.com/Bike4Mind/bike4mind/issues/2208"),
)
TTL_ORDER = _rule(
    "BC307",
    "ttl-order",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        "removes the `ttl` of the later 1h breakpoint, so it caches for 5 minutes",
        safe=False,
        why_unsafe=(
            "which breakpoint should change its lifetime is a choice; the entry now expires after "
            "5 minutes"
        ),
    ),
    summary="a 1h breakpoint comes after a 5m one",
    why=(
        "Longer TTLs must come first in processing order (tools -> system -> messages); a `1h` "
        "breakpoint after a `5m` one is rejected. A breakpoint without `ttl` is 5m."
    ),
    fix="give the earlier breakpoints the longer TTL (1h on tools/system, 5m on messages)",
    bad=(
        _converse(
            system=[{"text": LONG}, CP],
            messages=[{"role": "user", "content": [{"text": LONG}, CP_1H]}],
        ),
    ),
    good=(
        _converse(
            system=[{"text": LONG}, CP_1H],
            messages=[{"role": "user", "content": [{"text": LONG}, CP]}],
        ),
    ),
    sources=(_DOCS, "https://github.com/strands-agents/sdk-python/issues/2121"),
)
TTL_UNSUPPORTED = _rule(
    "BC308",
    "ttl-not-supported-by-model",
    Severity.ERROR,
    Outcome.REJECTED,
    summary="the 1h TTL is not available for this model on Bedrock",
    why=(
        "On Bedrock the 1-hour TTL exists only for Claude 4.5 models and newer; Claude 3.5 "
        "Haiku, 3.7 Sonnet, Sonnet 4, Opus 4 and 4.1 cache for 5 minutes only, and a `ttl` "
        'they do not support is refused ("ttl: Extra inputs are not permitted").'
    ),
    fix="drop the ttl (5 minutes) or move to a Claude 4.5+ model",
    bad=(_converse(_S37, system=[{"text": LONG}, CP_1H]),),
    good=(_converse(_S45, system=[{"text": LONG}, CP_1H]),),
    sources=(_DOCS, "https://github.com/BerriAI/litellm/issues/34248"),
)
INVALID_TYPE = _rule(
    "BC309",
    "invalid-cache-type",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        'sets `type` to "default" in a cachePoint, "ephemeral" in a cache_control',
    ),
    summary="the cache directive's `type` is not one Bedrock accepts",
    why=(
        "A Converse cachePoint's `type` must be `default`; an Anthropic `cache_control` "
        "`type` must be `ephemeral`. botocore does not check the value, so the mistake is sent "
        "and Bedrock rejects it."
    ),
    fix='use `{"type": "default"}` in a cachePoint, `{"type": "ephemeral"}` in cache_control',
    bad=(_converse(system=[{"text": LONG}, {"cachePoint": {"type": "ephemeral"}}]),),
    good=(_converse(system=[{"text": LONG}, CP]),),
    sources=(
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CachePointBlock.html",
    ),
)
INVALID_TTL = _rule(
    "BC310",
    "invalid-ttl",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        "removes the invalid `ttl`, so the entry caches for the default 5 minutes",
        safe=False,
        why_unsafe="the intended lifetime is unknown; 5 minutes may be shorter than meant",
    ),
    summary='the `ttl` value is neither "5m" nor "1h"',
    why="Bedrock accepts exactly `5m` and `1h`; anything else is sent by botocore and rejected.",
    fix='use "5m" (the default, may be omitted) or "1h"',
    bad=(_converse(system=[{"text": LONG}, {"cachePoint": {"type": "default", "ttl": "2h"}}]),),
    good=(_converse(system=[{"text": LONG}, CP_1H]),),
    sources=(
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CachePointBlock.html",
    ),
)
EMPTY_MARKED = _rule(
    "BC311",
    "empty-text-block-marked",
    Severity.ERROR,
    Outcome.REJECTED,
    summary="the breakpoint marks an empty text block",
    why='"cache_control cannot be set for empty text blocks": the request is a 400.',
    fix="put the breakpoint on the last non-empty block, or drop the empty block",
    bad=(
        _invoke(
            system=[
                {"type": "text", "text": LONG},
                {"type": "text", "text": "", "cache_control": {"type": "ephemeral"}},
            ]
        ),
    ),
    good=(_invoke(),),
    sources=("https://github.com/anthropics/claude-code/issues/54013",),
)
ILLEGAL_PLACEMENT = _rule(
    "BC312",
    "illegal-cache-placement",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        (
            'replaces a Converse block\'s Anthropic `cache_control` with a `{"cachePoint": {"type":'
            ' "default"}}` block right after it (same ttl)'
        ),
    ),
    summary="a cache directive in a place Bedrock or botocore refuses",
    why=(
        "A Converse cachePoint must be its own block in `system`, `messages[].content` or "
        "`toolConfig.tools` (not merged into a text block, not inside a toolResult), may not "
        "follow a reasoning block or a non-PDF document, and thinking blocks cannot carry "
        "`cache_control`. Anthropic-style `cache_control` keys are not part of the Converse API "
        "at all: botocore raises ParamValidationError."
    ),
    fix="make the cachePoint a separate block right after the content it should cache",
    bad=(_converse(system=[{"text": LONG, "cachePoint": {"type": "default"}}]),),
    good=(_converse(system=[{"text": LONG}, CP]),),
    sources=(
        "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_SystemContentBlock.html",
        "https://github.com/0xPlaygrounds/rig/issues/1673",
        "https://github.com/strands-agents/harness-sdk/issues/1966",
    ),
)
REJECTED_BETA = _rule(
    "BC313",
    "beta-flag-rejected-by-bedrock",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        "removes the rejected flag (and the `betas` / `anthropic_beta` entry it leaves empty)"
    ),
    summary="an Anthropic-API caching beta flag that Bedrock rejects",
    why=(
        "Bedrock needs no beta flag for caching or for the 1h TTL, and answers Anthropic-API-only "
        "flags such as `extended-cache-ttl-2025-04-11` or `prompt-caching-2024-07-31` with "
        '"400 invalid beta flag".'
    ),
    fix="remove the caching beta flag; caching and the 1h TTL need none on Bedrock",
    bad=(_invoke(anthropic_beta=["extended-cache-ttl-2025-04-11"]),),
    good=(_invoke(),),
    sources=("https://github.com/anthropics/claude-code/issues/56595",),
)
TOP_LEVEL = _rule(
    "BC314",
    "top-level-cache-control",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        (
            "removes the request-level `cache_control` of a boto3, AnthropicBedrock or LiteLLM "
            "call (the argument, or the key of the body or of `additionalModelRequestFields`); a "
            "request left without any breakpoint then gets the BC101/BC102/BC103 fix where one "
            "is known to cache"
        ),
        safe=False,
        why_unsafe=(
            "Bedrock refuses the request while the field is there, so removing it lets a call "
            "that failed go through"
        ),
    ),
    summary="a request-level `cache_control` (automatic caching), which Bedrock does not offer",
    why=(
        "Automatic caching with one top-level `cache_control` exists on the Anthropic API only; "
        "on Bedrock the field is not part of the API (the request errors), and in Converse "
        "`additionalModelRequestFields` it is no cachePoint. Breakpoints must be explicit."
    ),
    fix="remove the top-level cache_control and mark the end of the stable prefix explicitly",
    bad=(_invoke(cache_control={"type": "ephemeral"}),),
    good=(_invoke(),),
    sources=(
        "https://github.com/anthropics/anthropic-sdk-python/issues/939",
        "https://github.com/BerriAI/litellm/issues/26320",
    ),
)
MESSAGE_LEVEL = _rule(
    "BC315",
    "message-level-cache-control",
    Severity.ERROR,
    Outcome.DROPPED,
    autofix=Autofix(
        (
            "moves the message's `cache_control` onto its last content block (string content "
            "becomes one text block)"
        ),
    ),
    summary="`cache_control` on a message object instead of on one of its content blocks",
    why=(
        "In an Anthropic body `cache_control` is a property of a content block, a system block or "
        "a tool. On the message itself it is no breakpoint: at best ignored, at worst refused."
    ),
    fix="move cache_control onto the message's last content block",
    bad=(
        _invoke(
            system=[{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": "hi", "cache_control": {"type": "ephemeral"}}],
        ),
    ),
    good=(_invoke(),),
    sources=("https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html",),
)
MISSING_VERSION = _rule(
    "BC316",
    "missing-anthropic-version",
    Severity.ERROR,
    Outcome.REJECTED,
    autofix=Autofix(
        'adds `"anthropic_version": "bedrock-2023-05-31"` to the body',
        safe=False,
        why_unsafe="it adds a request field beyond the cache directives",
    ),
    summary="the InvokeModel Anthropic body has no `anthropic_version`",
    why=(
        'InvokeModel requires `"anthropic_version": "bedrock-2023-05-31"` in a Claude body; '
        "without it the call is a ValidationException and nothing is cached."
    ),
    fix='add "anthropic_version": "bedrock-2023-05-31" to the body',
    bad=(
        Example(
            "bedrock-invoke-anthropic",
            {
                "modelId": _S45,
                "body": {
                    "max_tokens": 512,
                    "system": [
                        {"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}
                    ],
                    "messages": [{"role": "user", "content": "hi"}],
                },
            },
        ),
    ),
    good=(_invoke(),),
    sources=(
        "https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html",
    ),
)

RULES = (
    UNSUPPORTED_MODEL,
    PREVIEW_MODEL,
    INVALID_MODEL_ID,
    UNKNOWN_MODEL,
    BELOW_MINIMUM,
    TOO_MANY,
    TTL_ORDER,
    TTL_UNSUPPORTED,
    INVALID_TYPE,
    INVALID_TTL,
    EMPTY_MARKED,
    ILLEGAL_PLACEMENT,
    REJECTED_BETA,
    TOP_LEVEL,
    MESSAGE_LEVEL,
    MISSING_VERSION,
)

# A finding with one of these codes already says why nothing caches: no BC1xx beside it.
# BC237 (LangChain's caching middleware skips this turn, e.g. by min_messages_to_cache) is one:
# the directive is written and works on later turns, so "no directive" (BC106) is false there.
EXPLAINS_MISSING = frozenset(
    {UNSUPPORTED_MODEL.code, ILLEGAL_PLACEMENT.code, TOP_LEVEL.code, MESSAGE_LEVEL.code, "BC237"}
)

_PLACEMENT_MESSAGES = {
    "merged-cache-point": "cachePoint merged into another block; it must be a block of its own",
    "cache-point-in-tool-result": "cachePoint inside toolResult.content; put it after the result",
    "after-reasoning": "cachePoint right after a reasoning block is refused by Bedrock",
    "after-non-pdf-document": "cachePoint right after a non-PDF document block is refused",
    "thinking-marked": "thinking blocks cannot carry cache_control",
    "anthropic-shape-in-converse": (
        "Anthropic `cache_control` is not part of the Converse API (botocore raises "
        'ParamValidationError); use a separate {"cachePoint": {"type": "default"}} block'
    ),
    "directive-not-object": 'the cache directive must be an object such as {"type": "default"}',
}


def _model_findings(wire: WireRequest, model: ModelRef | None) -> list[Finding]:
    marked = bool(wire.breakpoints)
    if model is None:
        if wire.model_id is None:
            return [
                UNKNOWN_MODEL.finding(
                    "no model id in the request: model support and minimum cannot be checked",
                    severity=Severity.INFO,
                )
            ]
        return []  # Unknown: the linter counts it as unresolved
    if model.model is None:
        if model.near_misses:
            valid = " or ".join(f"`{m.ids[0]}`" for m in model.near_misses)
            prefix = f"{model.profile_prefix}." if model.profile_prefix else ""
            return [
                INVALID_MODEL_ID.finding(
                    f"`{model.raw}` is not a valid Bedrock model id; did you mean {prefix}{valid}?"
                )
            ]
        if model.is_application_profile:
            return [
                UNKNOWN_MODEL.finding(
                    f"`{model.raw}` is an application inference profile ARN: the model behind it "
                    "is not visible; add the ARN to a model's ids in [tool.bedrockcache.models]",
                    severity=Severity.INFO,
                )
            ]
        return [UNKNOWN_MODEL.finding(f"model `{model.raw}` is not in bedrockcache's model data")]
    facts = model.model
    if facts.caching == "no":
        if marked:
            return [
                UNSUPPORTED_MODEL.finding(
                    f"{facts.name} does not support prompt caching on Bedrock"
                )
            ]
        # Nothing is lost and nothing fails without a directive: advice, off by default.
        return [
            UNSUPPORTED_MODEL.finding(
                f"{facts.name} cannot cache on Bedrock; a cache directive would make the call fail",
                severity=Severity.INFO,
                outcome=Outcome.UNCACHED,
            )
        ]
    if facts.caching == "preview" and marked:
        return [PREVIEW_MODEL.finding(f"{facts.name}: {PREVIEW_MODEL.summary}")]
    return []


def _directive_findings(wire: WireRequest, bp: Breakpoint, facts: Facts) -> list[Finding]:
    found: list[Finding] = []
    expected = (
        facts.bedrock.converse_cache_type
        if wire.dialect == "converse"
        else facts.bedrock.anthropic_cache_type
    )
    if not isinstance(bp.type, Unknown) and bp.type != expected:
        got = "no `type`" if bp.type is None else f"`type: {bp.type!r}`"
        message = f"{got}; Bedrock expects `{expected}` here"
        found.append(INVALID_TYPE.finding(message, path=bp.path))
    ttl = bp.ttl
    if ttl is not None and not isinstance(ttl, Unknown) and ttl not in facts.bedrock.ttls:
        found.append(INVALID_TTL.finding(f'`ttl: {ttl!r}` is not "5m" or "1h"', path=bp.path))
    if bp.marks is not None and bp.marks.is_empty_text:
        found.append(EMPTY_MARKED.finding(path=bp.path))
    return found


def _ttl_findings(wire: WireRequest, model: ModelRef | None, facts: Facts) -> list[Finding]:
    found: list[Finding] = []
    seen_5m: Breakpoint | None = None
    for bp in wire.breakpoints:
        ttl = facts.bedrock.default_ttl if bp.ttl is None else bp.ttl
        if ttl == "5m" and seen_5m is None:
            seen_5m = bp
        elif ttl == "1h" and seen_5m is not None:
            found.append(
                TTL_ORDER.finding(
                    f"1h breakpoint after the 5m breakpoint at {seen_5m.path}", path=bp.path
                )
            )
        if ttl == "1h" and model is not None and model.model is not None:
            m = model.model
            if m.caching != "no" and "1h" not in m.ttls:
                found.append(
                    TTL_UNSUPPORTED.finding(
                        f'{m.name} caches for 5 minutes only on Bedrock; `ttl: "1h"` is refused',
                        path=bp.path,
                    )
                )
    return found


def _minimum_findings(wire: WireRequest, model: ModelRef | None) -> list[Finding]:
    if model is None or model.model is None or model.model.caching == "no":
        return []
    minimum = model.model.min_tokens or 0
    found = []
    for i, bp in enumerate(wire.breakpoints):
        # A later breakpoint that caches holds this one's prefix too: nothing is lost here, the
        # slot is only wasted (advice, off by default).
        covered = any(later.tokens.reaches(minimum) for later in wire.breakpoints[i + 1 :])
        if bp.tokens.below(minimum):
            found.append(
                BELOW_MINIMUM.finding(
                    f"{bp.tokens} tokens before this breakpoint, below {model.model.name}'s "
                    f"minimum of {minimum:,}: it caches nothing"
                    + ("; a later breakpoint caches this prefix" if covered else ""),
                    path=bp.path,
                    severity=Severity.INFO if covered else Severity.ERROR,
                )
            )
        elif not bp.tokens.reaches(minimum) and not covered:
            found.append(
                BELOW_MINIMUM.finding(
                    f"{bp.tokens} tokens (estimated) before this breakpoint; {model.model.name} "
                    f"caches from {minimum:,}: it may cache nothing",
                    path=bp.path,
                    severity=Severity.WARNING,
                    outcome=Outcome.UNAUDITED,
                )
            )
    return found


def check_request(wire: WireRequest, facts: Facts, model: ModelRef | None) -> list[Finding]:
    """Every Bedrock rule that the known parts of ``wire`` prove broken."""
    found = _model_findings(wire, model)
    for problem in wire.problems:
        if problem.kind == "message-level-cache-control":
            found.append(MESSAGE_LEVEL.finding(path=problem.path))
        else:
            message = _PLACEMENT_MESSAGES.get(problem.kind, ILLEGAL_PLACEMENT.summary)
            found.append(ILLEGAL_PLACEMENT.finding(message, path=problem.path))
    for bp in wire.breakpoints:
        found += _directive_findings(wire, bp, facts)
    limit = facts.bedrock.max_breakpoints
    if len(wire.breakpoints) > limit:
        found.append(
            TOO_MANY.finding(
                f"{len(wire.breakpoints)} breakpoints; Bedrock allows at most {limit}",
                path=wire.breakpoints[limit].path,
            )
        )
    found += _ttl_findings(wire, model, facts)
    rejected = sorted(set(wire.betas) & set(facts.bedrock.rejected_cache_betas))
    if rejected:
        found.append(
            REJECTED_BETA.finding(f"beta flag {', '.join(rejected)} is rejected by Bedrock")
        )
    if wire.top_level_cache_control:
        where = (
            "additionalModelRequestFields.cache_control"
            if wire.dialect == "converse"
            else "cache_control"
        )
        found.append(TOP_LEVEL.finding(path=where))
    if (
        wire.dialect == "anthropic"
        and wire.operation != MANTLE_OPERATION
        and wire.raw
        and "anthropic_version" not in wire.raw
    ):
        found.append(MISSING_VERSION.finding())
    found += _minimum_findings(wire, model)
    return found


def honoured_breakpoints(wire: WireRequest, model: ModelRef | None) -> list[Breakpoint]:
    """The breakpoints Bedrock is known to cache at: a caching model, over its minimum for sure."""
    if model is None or model.model is None or model.model.caching != "yes":
        return []
    minimum = model.model.min_tokens or 0
    return [bp for bp in wire.breakpoints if bp.tokens.reaches(minimum)]
