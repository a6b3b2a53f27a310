"""LiteLLM ``completion`` / ``acompletion`` on ``bedrock/...``, as LiteLLM 1.110.2 sends it.

LiteLLM takes OpenAI-format arguments and builds one of two Bedrock requests, and the route
decides what happens to a cache directive:

- **Route.** ``bedrock/converse/<id>`` and ``bedrock/invoke/<id>`` force it. ``bedrock/<id>`` goes
  to Converse for ids LiteLLM's own model map lists for Converse (the installed LiteLLM's map, else
  the dated snapshot ``facts/litellm_map.toml``: ``backends/litellm_map.py``) and for an
  application inference profile ARN, to InvokeModel for any other id that names the
  ``anthropic`` provider (a bare ``claude-...`` id goes to Converse). For an id bedrockcache's
  facts lack, the same map says whether cachePoints are emitted and a ttl kept.
- **Converse.** Each mark becomes a separate ``{"cachePoint": {"type": "default"}}`` after the
  marked block. ``ttl`` survives only when it is 5m/1h and LiteLLM's model map prices a 1h write
  for the model (or its ``base_model``); other keys are dropped; a tool mark needs
  ``type == "ephemeral"``; a mark inside ``tool["function"]`` is dropped; for a model the map lists
  without prompt caching (or with ``model_info={"supports_prompt_caching": False}``) every
  cachePoint is dropped. A top-level ``cache_control=`` and an ``anthropic-beta`` header go to
  ``additionalModelRequestFields``.
- **InvokeModel.** Marks stay on their blocks verbatim, ``tool["function"]["cache_control"]`` is
  hoisted to the tool, ``anthropic_version: "bedrock-2023-05-31"`` is added, betas go to the body.
- **Every route.** A message-level ``cache_control`` is read only when ``content`` is a string (or
  on a ``role: "tool"`` message); only leading system messages become ``system``, later ones
  become user turns opened by an operator-note text block (a run right before a tool message
  moves behind it). ``cache_control_injection_points`` add marks first (at most 4, oldest
  messages first); ``drop_params=True`` then cuts the marks to 4, dropping the oldest.

Request shape: the keyword arguments of ``litellm.completion(...)``: ``model`` (``"bedrock/<id>"``,
``"bedrock/converse/<id>"``, ``"bedrock/invoke/<id>"``), ``messages`` (OpenAI format), ``tools``,
``cache_control_injection_points``, ``drop_params``, ``cache_control``, ``extra_headers``,
``anthropic_beta``, ``model_id``, ``base_model``, ``model_info``, ``max_tokens``, ``stream``.
Evidence: research/wire-a.md §3 (variant table, model dependence, silent-drop list).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bedrockcache.backends import Backend, litellm_map
from bedrockcache.backends.base import Translation
from bedrockcache.facts import Facts, ModelRef, layer_facts
from bedrockcache.findings import Finding, Outcome, Severity
from bedrockcache.objects import fields_of
from bedrockcache.rules import litellm as rules
from bedrockcache.rules.model import Rule
from bedrockcache.unknown import Unknown
from bedrockcache.wire import WireRequest, from_anthropic_body, from_converse

MISSING = rules.MISSING.code

Route = Literal["converse", "invoke"]

# ---- What LiteLLM itself knows (its bundled model map), by bedrockcache model key: data in -----
# facts/layers.toml, captured on the wire with the version named there.
_MAP = layer_facts("litellm")
_ONE_HOUR_PRICED = frozenset(_MAP["one_hour_priced"])
_NO_ONE_HOUR_PRICE = frozenset(_MAP["no_one_hour_price"])
_CACHING_OFF_IN_MAP = frozenset(_MAP["prompt_caching_off"])
_ABSENT_FROM_MAP = frozenset(_MAP["absent_from_map"])
_INVOKE_PROVIDERS = tuple(_MAP["invoke_providers"])  # in LiteLLM's order
# ``AmazonAnthropicClaudeConfig.anthropic_version`` (a class attribute, not configurable).
_INVOKE_ANTHROPIC_VERSION = "bedrock-2023-05-31"
# ``MAX_CACHE_CONTROL_BLOCKS`` in ``litellm/integrations/anthropic_cache_control_hook.py``.
_LITELLM_CAP = 4
_VALID_TTLS = ("5m", "1h")


@dataclass
class _Plan:
    """What LiteLLM decides from the model arguments before it looks at a single message."""

    route: Route | None  # None: the route cannot be told (Unknown model, or not a Claude id)
    model: object  # what goes in the URL
    emit: bool | None = True  # Converse: does the model gate let cachePoints through
    gate_reason: str = ""
    keep_ttl: bool | None = False  # Converse: is a 5m/1h ttl kept
    one_hour_ok: bool = False  # the model caches 1h on Bedrock (so an unknown ttl outcome caches)
    refusal: str | None = None  # LiteLLM raises before sending
    notes: list[str] = field(default_factory=list)
    rules_model: object = None  # the model behind ``model_id=`` / an ARN, as the call states it
    ref: ModelRef | None = None  # the model string, as bedrockcache's facts read it


class _Run:
    """Findings and notes of one translation, plus the model plan the builders consult."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.findings: list[Finding] = []
        self.notes: list[str] = list(plan.notes)
        self.gated: list[str] = []  # paths of directives the model gate removed
        self.system_holes: list[Unknown] = []

    def add(self, rule: Rule, message: str, path: str | None = None, **kw: Any) -> None:
        self.findings.append(rule.finding(message, path=path, **kw))


# ---- detection and entry point ----------------------------------------------------------------


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    """A ``completion()`` call: ``messages`` plus a ``bedrock/`` model or LiteLLM-only keys."""
    if "messages" not in request or "modelId" in request:
        return False
    model = request.get("model")
    if isinstance(model, str) and model.startswith("bedrock/"):
        return True
    return (
        request.get("custom_llm_provider") == "bedrock"
        or "cache_control_injection_points" in request
    )


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    """The request LiteLLM sends, built in its own order: model, injection, caps, route."""
    plan = _plan(request, facts)
    run = _Run(plan)
    if plan.refusal is not None:
        run.add(rules.REFUSED, plan.refusal, path="model")
        return Translation(None, MISSING, run.findings, run.notes)
    prepared = _prepare(request.get("messages"))
    external = _external_marks(request)
    points = _injection_points(request, prepared, external, run)
    tool_points = _inject(prepared, points, external, run)
    refusal = _prompt_cache_breakpoints(prepared, request.get("drop_params"), run)
    if refusal is not None:
        run.add(rules.REFUSED, refusal, path="messages")
        return Translation(None, MISSING, run.findings, run.notes)
    tools = request.get("tools")
    _cap(prepared, _tool_marks(tools, tool_points, plan), request.get("drop_params"), run)
    if plan.route == "invoke":
        wire = _invoke_wire(request, prepared, tools, tool_points, run)
    else:
        wire = _converse_wire(request, prepared, tools, tool_points, run)
    wire = _with_rules_model(wire, run)
    if run.gated:
        run.add(
            rules.MODEL_GATE,
            f"{plan.gate_reason}: LiteLLM drops all {len(run.gated)} cache directive(s) of this "
            "request on the Converse route",
            path=run.gated[0],
        )
    return Translation(wire, MISSING, run.findings, run.notes)


# ---- model, route, gates ----------------------------------------------------------------------


def _plan(request: Mapping[str, Any], facts: Facts) -> _Plan:
    raw = request.get("model")
    model_id = request.get("model_id")
    if not isinstance(raw, str):
        sent = model_id if model_id is not None else raw
        return _Plan(None, sent, emit=None, keep_ttl=None, notes=[_UNKNOWN_ROUTE_NOTE])
    name, forced = _strip_route(raw)
    ref = facts.resolve(name)
    sent = model_id if model_id is not None else name
    notes = _prefix_notes(raw, request)
    route = forced or _default_route(ref, notes)
    if route == "invoke" and ref.is_application_profile and model_id is None:
        refusal = (
            "`bedrock/invoke/<application inference profile ARN>`: LiteLLM raises "
            'NotFoundError ("Unknown provider") before sending'
        )
        return _Plan("invoke", sent, refusal=refusal)
    if route == "invoke" and not _claude_named(ref) and ref.model is None:
        route = None  # a non-Anthropic InvokeModel body: not audited
    if route is None:
        return _Plan(
            None, sent, emit=None, keep_ttl=None, notes=[*notes, _UNKNOWN_ROUTE_NOTE], ref=ref
        )
    emit, reason = _gate(ref, request.get("model_info"))
    base_model = request.get("base_model")
    refs = [ref, facts.resolve(base_model)] if isinstance(base_model, str) else [ref]
    keep_ttl = _keep_ttl(refs, base_model_unknown=isinstance(base_model, Unknown))
    decided = next((r.model for r in refs if r.model is not None), None)
    one_hour_ok = decided is not None and "1h" in decided.ttls
    plan = _Plan(route, sent, emit, reason, keep_ttl, one_hour_ok, notes=notes, ref=ref)
    if base_model is not None:
        plan.rules_model = base_model
    elif model_id is not None:
        plan.rules_model = name
    return plan


def _prefix_notes(raw: str, request: Mapping[str, Any]) -> list[str]:
    if raw.startswith("bedrock/") or request.get("custom_llm_provider") == "bedrock":
        return []
    return [
        "the model has no `bedrock/` prefix: LiteLLM picks the provider from the model string; "
        "audited as a Bedrock call"
    ]


def _default_route(ref: ModelRef, notes: list[str]) -> Route | None:
    """``BedrockModelInfo.get_bedrock_route`` for a model without ``converse/`` or ``invoke/``.

    Converse when LiteLLM's model map lists the id (or its base id) for Converse. Any other id
    goes to InvokeModel only when it names an InvokeModel provider (``_names_no_invoke_provider``
    in ``llms/bedrock/common_utils.py``), to Converse otherwise: ``anthropic.claude-x`` is
    InvokeModel, a bare ``claude-x`` is Converse.
    """
    if ref.is_application_profile:
        notes.append("LiteLLM route: Converse (`bedrock/<application inference profile ARN>`)")
        return "converse"
    listing = litellm_map.current()
    if listing.routes_to_converse(ref.raw):
        notes.append(
            "LiteLLM route: Converse (`bedrock/<id>` for an id its model map lists for Converse; "
            f"read from {listing.origin})"
        )
        return "converse"
    provider = _invoke_provider(ref.raw)
    if provider == "anthropic":
        notes.append(
            "LiteLLM route: InvokeModel (`bedrock/<id>` for a Claude id its model map does not "
            f"list for Converse; read from {listing.origin}); `bedrock/converse/<id>` forces "
            "Converse"
        )
        return "invoke"
    if provider is None and _claude_named(ref):
        notes.append(
            "LiteLLM route: Converse (`bedrock/<id>` for an id missing from its model list "
            "that names no InvokeModel provider such as `anthropic.`)"
        )
        return "converse"
    return None


def _invoke_provider(model: str) -> str | None:
    """``BaseAWSLLM.get_bedrock_invoke_provider``: the provider an id names, in LiteLLM's order."""
    if "nova" in model.lower():
        return "nova"
    head = model.split(".")[0]
    if head in _INVOKE_PROVIDERS:
        return head
    return next((p for p in _INVOKE_PROVIDERS if p in model), None)


def _with_rules_model(wire: WireRequest, run: _Run) -> WireRequest:
    """``model_id=<ARN>`` / ``base_model=``: the request targets the ARN, the model rules use the
    model the call names (as LiteLLM itself does for its own decisions)."""
    model = run.plan.rules_model
    if not isinstance(model, (str, Unknown)) or model == wire.model_id:
        return wire
    run.notes.append(
        f"the model rules use `{model}` (from model=/base_model=); the request is sent to "
        f"`{wire.model_id}`"
    )
    return dataclasses.replace(wire, model_id=model)


_UNKNOWN_ROUTE_NOTE = (
    "LiteLLM's route (Converse or InvokeModel) cannot be told from the model: "
    "its cache directives are not audited"
)


def _strip_route(model: str) -> tuple[str, Route | None]:
    name = model[len("bedrock/") :] if model.startswith("bedrock/") else model
    for prefix, route in (("converse/", "converse"), ("invoke/", "invoke")):
        if name.startswith(prefix):
            return name[len(prefix) :], route  # type: ignore[return-value]
    return name, None


def _claude_named(ref: ModelRef) -> bool:
    name = (ref.base_id or "").lower()
    return name.startswith("anthropic.") or "claude" in name


def _gate(ref: ModelRef, model_info: object) -> tuple[bool | None, str]:
    """Whether LiteLLM's Converse transform emits cachePoints for this model at all."""
    if isinstance(model_info, Unknown):
        return None, ""
    fields = fields_of(model_info)
    flag = fields.get("supports_prompt_caching") if fields else None
    if isinstance(flag, Unknown):
        return None, ""
    if flag is not None:
        reason = '`model_info={"supports_prompt_caching": False}`'
        return bool(flag), "" if flag else reason
    mapped = litellm_map.current().caches(ref.raw)  # LiteLLM's own map entry decides
    if mapped is not None:
        reason = f"LiteLLM's model map lists `{ref.raw}` without `supports_prompt_caching`"
        return mapped, "" if mapped else reason
    model = ref.model
    if model is None:
        return True, ""  # an id LiteLLM's map does not know emits
    if model.key in _CACHING_OFF_IN_MAP:
        return False, f"LiteLLM's model map lists {model.name} without `supports_prompt_caching`"
    if model.caching != "no" or model.key in _ABSENT_FROM_MAP:
        return True, ""
    return None, ""  # an old model whose map entry was not observed


def _keep_ttl(refs: Sequence[ModelRef], *, base_model_unknown: bool) -> bool | None:
    """Whether a 5m/1h ttl survives on Converse: a 1h price for the model or its base model."""
    verdicts: list[bool | None] = []
    for ref in refs:
        model = ref.model
        if model is not None and model.key in _ONE_HOUR_PRICED:
            return True
        listing = litellm_map.current()
        if listing.one_hour_priced(ref.raw):
            return True  # LiteLLM's own map prices a 1h write for it
        if listing.caches(ref.raw) is not None:
            verdicts.append(False)  # in LiteLLM's map without a 1h price
            continue
        if model is None or model.key in _NO_ONE_HOUR_PRICE or model.caching == "no":
            verdicts.append(False)  # unmapped ids and bare ARNs have no price at all
        else:
            verdicts.append(None)
    if base_model_unknown or None in verdicts:
        return None
    return False


# ---- messages, before either route sees them ---------------------------------------------------


Prepared = list[tuple[int, Any]]


def _prepare(messages: object) -> Prepared | Unknown:
    """Copies of the messages (index kept for paths) that the passes below may edit."""
    if isinstance(messages, Unknown):
        return messages
    if not isinstance(messages, (list, tuple)):
        return []
    out: Prepared = []
    for i, message in enumerate(messages):
        if isinstance(message, Unknown):
            out.append((i, message))
            continue
        fields = fields_of(message)
        if fields is None:
            continue
        copy = dict(fields)
        content = copy.get("content")
        if isinstance(content, (list, tuple)):
            copy["content"] = [_copy_block(b) for b in content]
        out.append((i, copy))
    return out


def _copy_block(block: object) -> object:
    if isinstance(block, Unknown):
        return block
    fields = fields_of(block)
    return dict(fields) if fields is not None else block


def _fully_known(prepared: Prepared | Unknown) -> bool:
    if isinstance(prepared, Unknown):
        return False
    for _, message in prepared:
        if isinstance(message, Unknown):
            return False
        if any(isinstance(message.get(k), Unknown) for k in ("role", "content", "cache_control")):
            return False
        content = message.get("content")
        for block in content if isinstance(content, list) else ():
            if isinstance(block, Unknown) or (
                isinstance(block, dict) and isinstance(block.get("cache_control"), Unknown)
            ):
                return False
    return True


def _marks_in(message: Mapping[str, Any]) -> int:
    """``AnthropicCacheControlHook._count_cache_control_blocks``: message plus block marks."""
    count = 1 if message.get("cache_control") is not None else 0
    content = message.get("content")
    for block in content if isinstance(content, list) else ():
        if isinstance(block, dict) and block.get("cache_control") is not None:
            count += 1
    return count


def _external_marks(request: Mapping[str, Any]) -> int | None:
    """Marks outside the messages that LiteLLM's cap counts (``count_external_cache_breakpoints``):
    each tool carrying one (on the tool or inside ``function``, kept on the wire or not) and a
    top-level ``cache_control``. None when they are not known."""
    tools, top = request.get("tools"), request.get("cache_control")
    if isinstance(tools, Unknown) or isinstance(top, Unknown):
        return None
    count = 1 if top is not None else 0
    for tool in tools if isinstance(tools, (list, tuple)) else ():
        fields = fields_of(tool) if not isinstance(tool, Unknown) else None
        if fields is None:
            return None
        function = fields_of(fields.get("function")) or {}
        marks = (fields.get("cache_control"), function.get("cache_control"))
        if any(isinstance(m, Unknown) for m in marks):
            return None
        count += any(m is not None for m in marks)
    return count


# ``get_default_injection_points``: the system prompt and the trailing turn, 5 minutes (unless the
# process sets ``litellm.anthropic_prompt_caching_ttl``, which a call does not show).
_AUTO_POINTS = (
    {"location": "message", "role": "system", "control": {"type": "ephemeral"}},
    {"location": "message", "index": -1, "control": {"type": "ephemeral"}},
)


def _injection_points(
    request: Mapping[str, Any], prepared: Prepared | Unknown, external: int | None, run: _Run
) -> object:
    """The caller's injection points, or LiteLLM's automatic ones.

    ``enable_prompt_caching=True`` (or the process-wide ``litellm.enable_anthropic_prompt_caching =
    True``, which lint maps to it when the file sets it) makes LiteLLM add a mark to the system
    prompt and the last message when the call has no injection points and no mark of its own and
    LiteLLM's map says the Claude model caches (``AnthropicCacheControlHook.
    get_default_injection_points`` in ``integrations/anthropic_cache_control_hook.py``).
    """
    points = request.get("cache_control_injection_points")
    flag = request.get("enable_prompt_caching")
    if points is not None or flag is None or flag is False:
        return points
    own = _client_marks(prepared, external)
    if own is not None and own > 0:
        return None  # the automatic marks stand down on the client's own
    applies = _auto_caching_model(request, run.plan)
    if own is None or applies is None or isinstance(flag, Unknown):
        if applies is not False:
            run.system_holes.append(Unknown("enable_prompt_caching (LiteLLM's automatic marks)"))
        return None
    if flag is not True or not applies:
        return None
    run.notes.append(
        "`enable_prompt_caching=True`: LiteLLM marks the system prompt and the last message"
    )
    return [dict(point) for point in _AUTO_POINTS]


def _client_marks(prepared: Prepared | Unknown, external: int | None) -> int | None:
    if external is None or not _fully_known(prepared):
        return None
    assert not isinstance(prepared, Unknown)
    own = external
    for _, message in prepared:
        own += _marks_in(message)
        content = message.get("content")
        for block in content if isinstance(content, list) else ():
            own += isinstance(block, dict) and block.get("prompt_cache_breakpoint") is not None
    return own


def _auto_caching_model(request: Mapping[str, Any], plan: _Plan) -> bool | None:
    """``supports_anthropic_cache_control``: a Claude model its map (or ``model_info``) says caches.

    LiteLLM's map marks caching exactly where bedrockcache's facts say "yes" or "preview"."""
    info = request.get("model_info")
    if isinstance(info, Unknown):
        return None
    declared = info.get("supports_prompt_caching") if isinstance(info, Mapping) else None
    if isinstance(declared, Unknown):
        return None
    if declared is not None:
        return bool(declared)
    model = plan.ref.model if plan.ref is not None else None
    if plan.ref is None or "claude" not in plan.ref.raw.lower():
        return False if plan.ref is not None else None
    if model is None:
        return None
    return model.caching != "no"


def _inject(
    prepared: Prepared | Unknown, points: object, external: int | None, run: _Run
) -> list[tuple[int, Any]]:
    """Apply ``cache_control_injection_points`` as LiteLLM's hook does; return tool_config ones.

    Message points stop at the cap of 4 less the marks outside the messages (tools, a top-level
    ``cache_control``) and one slot a tool_config point reserves; a tool_config point itself is
    dropped when the request already holds 4 marks (``_points_with_a_slot_left``).
    """
    if points is None:
        return []
    if isinstance(points, Unknown):
        run.system_holes.append(points)
        return []
    if not isinstance(points, (list, tuple)):
        return []
    message_points: list[tuple[int, Any]] = []
    tool_points: list[tuple[int, Any]] = []
    for k, point in enumerate(points):
        fields = fields_of(point) if not isinstance(point, Unknown) else None
        location = fields.get("location") if fields else None
        if isinstance(point, Unknown) or isinstance(location, Unknown):
            run.system_holes.append(Unknown(f"cache_control_injection_points[{k}]"))
        elif location == "message":
            message_points.append((k, fields))
        elif location == "tool_config":
            tool_points.append((k, fields))
    if not _fully_known(prepared) or external is None:
        for k, _ in message_points + tool_points:  # what it marks depends on the unknown parts
            run.system_holes.append(Unknown(f"cache_control_injection_points[{k}]"))
        return []
    assert not isinstance(prepared, Unknown)
    if message_points:
        limit = _LITELLM_CAP - external - (1 if tool_points else 0)
        _apply_message_points(prepared, message_points, limit, run)
    if tool_points and sum(_marks_in(m) for _, m in prepared) + external >= _LITELLM_CAP:
        for k, _ in tool_points:
            run.add(
                rules.BREAKPOINT_CAP,
                f"the request already holds {_LITELLM_CAP} cache_control marks: LiteLLM drops "
                "this tool_config injection point",
                path=f"cache_control_injection_points[{k}]",
            )
        return []
    return tool_points


def _apply_message_points(
    prepared: Prepared, points: list[tuple[int, Any]], limit: int, run: _Run
) -> None:
    messages = [m for _, m in prepared]
    used = sum(_marks_in(m) for m in messages)
    skipped: list[str] = []
    for k, point in points:
        control = point.get("control") or {"type": "ephemeral"}
        for target in _targets(point, messages, f"cache_control_injection_points[{k}]", run):
            if _marks_in(messages[target]) > 0:
                continue  # the client already marked it; LiteLLM leaves it alone
            if used >= limit:
                skipped.append(f"messages[{prepared[target][0]}]")
                continue
            _insert(messages[target], control)
            used += 1
        if skipped:
            run.add(
                rules.BREAKPOINT_CAP,
                f"injection stops at LiteLLM's cap of {_LITELLM_CAP} cache_control blocks "
                f"(tool_config points reserve one): {', '.join(skipped)} get no mark",
                path=f"cache_control_injection_points[{k}]",
                fix='target the newest turn with `"index": -1` instead of a role',
            )
            skipped = []


def _targets(point: Mapping[str, Any], messages: list[Any], where: str, run: _Run) -> list[int]:
    index = point.get("index")
    if isinstance(index, Unknown) or (index is None and isinstance(point.get("role"), Unknown)):
        run.system_holes.append(Unknown(where))
        return []
    if isinstance(index, str):
        try:
            index = int(index)
        except ValueError:
            index = None
    if isinstance(index, int) and not isinstance(index, bool):
        resolved = index + len(messages) if index < 0 else index
        return [resolved] if 0 <= resolved < len(messages) else []
    role = point.get("role")
    return [i for i, m in enumerate(messages) if role is not None and m.get("role") == role]


def _insert(message: dict[str, Any], control: object) -> None:
    content = message.get("content")
    if isinstance(content, str):
        message["cache_control"] = control
    elif isinstance(content, list) and content and isinstance(content[-1], dict):
        content[-1]["cache_control"] = control


def _prompt_cache_breakpoints(
    prepared: Prepared | Unknown, drop_params: object, run: _Run
) -> str | None:
    """OpenAI-style ``prompt_cache_breakpoint`` blocks become marks; more than 4 are refused."""
    if isinstance(prepared, Unknown):
        return None
    sites: list[tuple[dict[str, Any], str]] = []
    for i, message in prepared:
        content = message.get("content") if isinstance(message, dict) else None
        for j, block in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(block, dict) or "prompt_cache_breakpoint" not in block:
                continue
            value = block.pop("prompt_cache_breakpoint")
            if value is None or block.get("cache_control") is not None:
                continue
            where = f"messages[{i}].content[{j}].prompt_cache_breakpoint"
            if isinstance(value, Mapping) and value.get("mode") == "explicit":
                block["cache_control"] = {"type": "ephemeral"}
                sites.append((block, where))
            else:
                block["cache_control"] = Unknown(where)
    if len(sites) <= _LITELLM_CAP:
        return None
    middle = sites[2:-2]  # observed with 5 marks: the first two and the last two are kept
    if drop_params is True:
        for block, where in middle:
            block.pop("cache_control", None)
            run.add(
                rules.BREAKPOINT_CAP,
                f"drop_params=True: LiteLLM keeps {_LITELLM_CAP} of {len(sites)} "
                "prompt_cache_breakpoint marks (the first two and the last two)",
                path=where,
            )
        return None
    if isinstance(drop_params, Unknown):  # capped, or refused outright: no mark is certain
        for block, where in sites:
            block["cache_control"] = Unknown(f"{where} (drop_params unknown)")
        return None
    return (
        f"{len(sites)} prompt_cache_breakpoint marks without drop_params: LiteLLM raises "
        f'UnsupportedParamsError ("at most {_LITELLM_CAP} cache breakpoints") before sending'
    )


def _tool_marks(tools: object, tool_points: list[tuple[int, Any]], plan: _Plan) -> int | None:
    """Tool marks that take cap slots; None when the tools are not known."""
    if isinstance(tools, Unknown):
        return None
    count = 1 if tool_points else 0
    for tool in tools if isinstance(tools, (list, tuple)) else ():
        if isinstance(tool, Unknown):
            return None
        fields = fields_of(tool) or {}
        function = fields_of(fields.get("function")) or {}
        if fields.get("cache_control") is not None or (
            plan.route == "invoke" and function.get("cache_control") is not None
        ):
            count += 1
    return count


def _cap(
    prepared: Prepared | Unknown, tool_marks: int | None, drop_params: object, run: _Run
) -> None:
    """``drop_params=True``: at most 4 marks, the oldest message marks dropped first."""
    if not (drop_params is True or isinstance(drop_params, Unknown)):
        return
    if isinstance(prepared, Unknown):
        return
    sites = _cc_sites(prepared)
    open_ended = tool_marks is None or not _fully_known(prepared)
    excess = len(sites) + (tool_marks or 0) - _LITELLM_CAP
    if not open_ended and excess <= 0:
        return
    if drop_params is True and not open_ended:
        for holder, key, where in sites[:excess]:
            holder.pop(key, None)
            run.add(
                rules.BREAKPOINT_CAP,
                f"drop_params=True and {len(sites) + (tool_marks or 0)} marks: LiteLLM keeps "
                f"{_LITELLM_CAP} and drops this one (oldest first: the system prompt's go first)",
                path=where,
            )
        return
    # Which marks survive is not known (drop_params Unknown: all are sent and refused, or capped).
    for holder, key, where in sites:
        holder[key] = Unknown(f"{where} (LiteLLM's drop_params cap)")


def _cc_sites(prepared: Prepared) -> list[tuple[dict[str, Any], str, str]]:
    """Every known mark LiteLLM would read, oldest message first: (holder, key, path)."""
    sites: list[tuple[dict[str, Any], str, str]] = []
    for i, message in prepared:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        cc = message.get("cache_control")
        if cc is not None and not isinstance(cc, Unknown) and _reads_message_mark(message):
            sites.append((message, "cache_control", f"messages[{i}].cache_control"))
        for j, block in enumerate(content if isinstance(content, list) else ()):
            mark = block.get("cache_control") if isinstance(block, dict) else None
            if mark is not None and not isinstance(mark, Unknown):
                sites.append((block, "cache_control", f"messages[{i}].content[{j}].cache_control"))
    return sites


def _reads_message_mark(message: Mapping[str, Any]) -> bool:
    """LiteLLM reads a message-level mark only on string content, and on tool messages."""
    content = message.get("content")
    return message.get("role") == "tool" or (isinstance(content, str) and bool(content))


# ---- the two dialects -------------------------------------------------------------------------


class _Converse:
    """Blocks of a Converse request; each mark becomes a cachePoint block after its block."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.plan = run.plan

    def text(self, text: object) -> dict[str, Any]:
        return {"text": text}

    def image(self) -> dict[str, Any]:
        return {"image": {"format": "png", "source": {"bytes": "<image>"}}}

    def document(self) -> dict[str, Any]:
        return {"document": {"name": "file", "source": {"bytes": "<file>"}}}

    def reasoning(self, text: object) -> dict[str, Any]:
        return {"reasoningContent": {"reasoningText": {"text": text}}}

    def tool_use(self, call: Mapping[str, Any]) -> dict[str, Any]:
        function = fields_of(call.get("function")) or {}
        return {
            "toolUse": {
                "toolUseId": call.get("id"),
                "name": function.get("name"),
                "input": function.get("arguments"),
            }
        }

    def tool_result(self, message: Mapping[str, Any]) -> dict[str, Any]:
        content = message.get("content")
        if isinstance(content, list):
            inner: object = [
                {"text": b.get("text")} if isinstance(b, dict) else b
                for b in content
                if isinstance(b, (dict, Unknown))
            ]
        else:
            inner = [{"text": content}]
        return {"toolResult": {"toolUseId": message.get("tool_call_id"), "content": inner}}

    def marked(self, block: object, cc: object, where: str) -> list[object]:
        return [block, *self.cache_point(cc, where)]

    def cache_point(self, cc: object, where: str) -> list[object]:
        """``_build_cache_point_block``: type always default, ttl only when kept, gate applied."""
        if cc is None:
            return []
        if isinstance(cc, Unknown):
            return [cc]
        plan = self.plan
        if plan.route is None:
            return [Unknown(f"{where} (LiteLLM route unknown)")]
        if not isinstance(cc, Mapping):
            return [Unknown(f"{where} (not an object)")]
        if plan.emit is None:
            return [Unknown(f"{where} (whether LiteLLM's model gate lets it through)")]
        if plan.emit is False:
            self.run.gated.append(where)
            return []
        point: dict[str, Any] = {"type": "default"}
        ttl = self._ttl(cc.get("ttl"), where)
        if isinstance(ttl, _Hole):
            return [Unknown(f"{where} (whether LiteLLM keeps ttl 1h for this model)")]
        if ttl is not None:
            point["ttl"] = ttl
        self._rewrites(cc, where)
        return [{"cachePoint": point}]

    def _ttl(self, ttl: object, where: str) -> object:
        keep = self.plan.keep_ttl
        if ttl is None:
            return None
        if isinstance(ttl, Unknown):
            return None if keep is False else ttl
        if ttl not in _VALID_TTLS:
            self.run.add(
                rules.TTL_REMOVED,
                f'`ttl: {ttl!r}` is not "5m" or "1h": LiteLLM removes it on Converse and the '
                "entry lives 5 minutes (InvokeModel would send it and be refused)",
                path=f"{where}.ttl",
                severity=Severity.INFO,
                outcome=Outcome.ADVICE,
            )
            return None
        if keep is True:
            return ttl
        if ttl == "5m":
            return None  # removed or kept, the entry lives 5 minutes
        if keep is False:
            self.run.add(
                rules.TTL_REMOVED,
                'LiteLLM\'s model map has no 1h price for this model: it removes `ttl: "1h"` on '
                "Converse and the entry lives 5 minutes",
                path=f"{where}.ttl",
            )
            return None
        return Unknown(f"{where}.ttl") if self.plan.one_hour_ok else _HOLE

    def _rewrites(self, cc: Mapping[str, Any], where: str) -> None:
        kind = cc.get("type")
        extra = sorted(str(k) for k in cc if k not in ("type", "ttl"))
        changes = []
        if not isinstance(kind, Unknown) and kind != "ephemeral":
            changes.append(f'`type: {kind!r}` becomes "default"')
        if extra:
            changes.append(f"{', '.join(f'`{k}`' for k in extra)} dropped")
        if changes:
            self.run.add(
                rules.DIRECTIVE_REWRITTEN,
                f"LiteLLM rewrites this mark on Converse: {'; '.join(changes)}",
                path=where,
            )

    def tool(self, spec: Mapping[str, Any], cc: object, fn_cc: object, where: str) -> list[object]:
        block = {
            "toolSpec": {
                "name": spec.get("name"),
                "description": spec.get("description"),
                "inputSchema": {"json": spec.get("input_schema")},
            }
        }
        if cc is None:
            return [block, *self._function_mark(fn_cc, where)]
        if self.plan.route is not None and isinstance(cc, Mapping):
            kind = cc.get("type")
            if isinstance(kind, Unknown):
                return [block, Unknown(f"{where}.cache_control.type")]
            if kind != "ephemeral":
                self.run.add(
                    rules.TOOL_TYPE_NOT_EPHEMERAL,
                    f"tool `cache_control` with `type: {kind!r}`: LiteLLM emits a tool "
                    'cachePoint only for "ephemeral" and drops this one',
                    path=f"{where}.cache_control",
                )
                return [block]
        return self.marked(block, cc, f"{where}.cache_control")

    def _function_mark(self, fn_cc: object, where: str) -> list[object]:
        if fn_cc is None or (isinstance(fn_cc, Unknown) and self.plan.route is not None):
            return []  # dropped on Converse whatever it holds
        if self.plan.route is None:
            return [Unknown(f"{where}.function.cache_control (hoisted on InvokeModel only)")]
        self.run.add(
            rules.FUNCTION_CACHE_CONTROL,
            'LiteLLM\'s Converse route ignores `cache_control` inside `tool["function"]`',
            path=f"{where}.function.cache_control",
        )
        return []

    def tool_config_mark(self, elements: list[object], control: object, where: str) -> None:
        if elements:
            elements.extend(self.cache_point(control, where))


class _Invoke:
    """Blocks of an InvokeModel Anthropic body; marks stay on their blocks verbatim."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.plan = run.plan

    def text(self, text: object) -> dict[str, Any]:
        return {"type": "text", "text": text}

    def image(self) -> dict[str, Any]:
        return {"type": "image", "source": {"type": "base64", "media_type": "image/png"}}

    def document(self) -> dict[str, Any]:
        return {"type": "document", "source": {"type": "base64"}}

    def reasoning(self, text: object) -> dict[str, Any]:
        return {"type": "thinking", "thinking": text}

    def tool_use(self, call: Mapping[str, Any]) -> dict[str, Any]:
        function = fields_of(call.get("function")) or {}
        return {
            "type": "tool_use",
            "id": call.get("id"),
            "name": function.get("name"),
            "input": function.get("arguments"),
        }

    def tool_result(self, message: Mapping[str, Any]) -> dict[str, Any]:
        content = message.get("content")
        return {
            "type": "tool_result",
            "tool_use_id": message.get("tool_call_id"),
            "content": content,
        }

    def marked(self, block: object, cc: object, where: str) -> list[object]:
        if cc is None:
            return [block]
        if isinstance(cc, Unknown) or not isinstance(block, dict):
            return [block, cc] if isinstance(cc, Unknown) else [block]
        return [{**block, "cache_control": cc}]

    def tool(self, spec: Mapping[str, Any], cc: object, fn_cc: object, where: str) -> list[object]:
        block = {
            "name": spec.get("name"),
            "description": spec.get("description"),
            "input_schema": spec.get("input_schema"),
        }
        if cc is None and fn_cc is not None:
            if not isinstance(fn_cc, Unknown):
                self.run.add(
                    rules.FUNCTION_CACHE_CONTROL,
                    'LiteLLM hoists `cache_control` from `tool["function"]` on InvokeModel only; '
                    "the Converse route (any id in its model list) drops it",
                    path=f"{where}.function.cache_control",
                    severity=Severity.INFO,
                    outcome=Outcome.ADVICE,
                )
            cc = fn_cc
        return self.marked(block, cc, f"{where}.cache_control")

    def tool_config_mark(self, elements: list[object], control: object, where: str) -> None:
        last = elements[-1] if elements else None
        if isinstance(last, dict) and last.get("cache_control") is None:
            elements[-1] = {**last, "cache_control": control}


Dialect = _Converse | _Invoke


class _Hole:
    """The whole directive is in doubt (not just one of its values)."""


_HOLE = _Hole()


# ---- messages -> system + turns ----------------------------------------------------------------


def _translate_messages(
    prepared: Prepared | Unknown, d: Dialect, run: _Run
) -> tuple[list[object], object]:
    if isinstance(prepared, Unknown):
        return [*run.system_holes], prepared
    system: list[object] = []
    start = 0
    while start < len(prepared) and _is_system(prepared[start][1]):
        i, message = prepared[start]
        system += _content(i, message, d, run)
        start += 1
    system += run.system_holes
    turns: list[Any] = []
    for i, message in _placed(prepared[start:], invoke=isinstance(d, _Invoke)):
        role = message.get("role") if isinstance(message, dict) else None
        if isinstance(message, Unknown) or isinstance(role, Unknown):
            turns.append(
                message if isinstance(message, Unknown) else Unknown(f"messages[{i}].role")
            )
            continue
        if role == "assistant":
            blocks, turn_role = _assistant(i, message, d, run), "assistant"
        elif role == "tool":
            blocks, turn_role = _tool_message(i, message, d), "user"
        elif role == "system":
            blocks, turn_role = _system_as_user(i, message, d, run), "user"
        else:
            blocks, turn_role = _content(i, message, d, run), "user"
        if not blocks:
            continue
        last = turns[-1] if turns else None
        if isinstance(last, dict) and last["role"] == turn_role:
            last["content"].extend(blocks)
        else:
            turns.append({"role": turn_role, "content": list(blocks)})
    return system, turns


def _is_system(message: object) -> bool:
    return isinstance(message, dict) and message.get("role") == "system"


# ``CONVERTED_SYSTEM_NOTE`` in ``litellm_core_utils/prompt_templates/mid_conversation_system.py``.
_SYSTEM_NOTE = (
    "Operator note (not from the user): the following was originally a mid-conversation "
    "system-role reminder."
)


def _placed(messages: Prepared, *, invoke: bool) -> Prepared:
    """The order LiteLLM sends the messages after the leading system run in.

    A system run right before a tool message moves behind that tool run, so the tool results
    open the merged user turn (Converse: ``_reordered_around_tool_results``, only after an
    assistant turn with tool calls; InvokeModel: ``_converted_for_unflagged_model``, always).
    """
    out: Prepared = []
    pending: Prepared = []  # a system run waiting for the end of the tool run it precedes
    k = 0
    while k < len(messages):
        end = k
        while end < len(messages) and _is_system(messages[end][1]):
            end += 1
        if end == k:  # not a system message
            out.append(messages[k])
            if pending and not (k + 1 < len(messages) and _role(messages[k + 1][1]) == "tool"):
                out += pending
                pending = []
            k += 1
            continue
        follower = _role(messages[end][1]) if end < len(messages) else None
        before = messages[k - 1][1] if k > 0 else None
        after_tool_calls = _role(before) == "assistant" and bool(
            isinstance(before, dict) and before.get("tool_calls")
        )
        if follower == "tool" and (invoke or after_tool_calls):
            pending = messages[k:end]
        else:
            out += messages[k:end]
        k = end
    return out + pending


def _role(message: object) -> object:
    return message.get("role") if isinstance(message, dict) else None


def _system_as_user(i: int, message: dict[str, Any], d: Dialect, run: _Run) -> list[object]:
    """A system message after the first turn: a user turn opened by LiteLLM's operator note.

    Only its non-empty text parts are sent. InvokeModel (``_cache_control`` in
    ``mid_conversation_system.py``) rebuilds each mark as ``{"type": "ephemeral"}`` plus a
    5m/1h ttl, and drops a mark whose type is not "ephemeral"; Converse passes the mark on to
    its usual cachePoint translation.
    """
    if isinstance(d, _Invoke):
        message = dict(message)
        if "cache_control" in message:
            message["cache_control"] = _rebuilt_mark(message["cache_control"])
        content = message.get("content")
        if isinstance(content, list):
            message["content"] = [
                {**b, "cache_control": _rebuilt_mark(b["cache_control"])}
                if isinstance(b, dict) and b.get("cache_control") is not None
                else b
                for b in content
            ]
    blocks = _content(i, message, d, run)
    return [d.text(_SYSTEM_NOTE), *blocks] if blocks else []


def _rebuilt_mark(cc: object) -> object:
    if cc is None or isinstance(cc, Unknown) or not isinstance(cc, Mapping):
        return cc if isinstance(cc, Unknown) else None
    kind, ttl = cc.get("type"), cc.get("ttl")
    if isinstance(kind, Unknown):
        return kind
    if kind != "ephemeral":
        return None
    if isinstance(ttl, Unknown):
        return ttl
    return {"type": "ephemeral", "ttl": ttl} if ttl in _VALID_TTLS else {"type": "ephemeral"}


def _content(i: int, message: dict[str, Any], d: Dialect, run: _Run) -> list[object]:
    """A system or user message: string content reads the message mark, lists read block marks."""
    content = message.get("content")
    cc = message.get("cache_control")
    where = f"messages[{i}]"
    if isinstance(content, Unknown):
        return [content]
    if isinstance(content, str):
        if not content:
            _unread_message_mark(cc, where, "its content is empty", run)
            return []
        return d.marked(d.text(content), cc, f"{where}.cache_control")
    if isinstance(content, list):
        out: list[object] = []
        for j, block in enumerate(content):
            out += _block(block, d, f"{where}.content[{j}]", system=_is_system(message))
        if not _last_block_marked(content):
            _unread_message_mark(cc, where, "its content is a list", run)
        return out
    _unread_message_mark(cc, where, "its content is not a string", run)
    return []


def _block(block: object, d: Dialect, where: str, *, system: bool = False) -> list[object]:
    if isinstance(block, Unknown):
        return [block]
    if not isinstance(block, dict):
        return [d.text(block)] if isinstance(block, str) else []
    kind = block.get("type")
    cc = block.get("cache_control")
    if kind == "text":
        text = block.get("text")
        if system and isinstance(text, str) and not text:
            return []  # LiteLLM skips empty system text blocks
        converted: object = d.text(text)
    elif system:
        return []  # only text blocks become system blocks
    elif kind == "image_url":
        converted = d.image()
    elif kind in ("file", "document"):
        converted = d.document()
    elif kind in ("thinking", "redacted_thinking"):
        converted = d.reasoning(block.get("thinking"))
    else:
        return [Unknown(f"{where} (content block type {kind!r})")]
    return d.marked(converted, cc, f"{where}.cache_control")


def _assistant(i: int, message: dict[str, Any], d: Dialect, run: _Run) -> list[object]:
    blocks = _content(i, message, d, run)
    calls = message.get("tool_calls")
    if isinstance(calls, Unknown):
        return [*blocks, calls]
    for call in calls if isinstance(calls, (list, tuple)) else ():
        fields = fields_of(call) if not isinstance(call, Unknown) else None
        blocks.append(d.tool_use(fields) if fields is not None else call)
    return blocks


def _tool_message(i: int, message: dict[str, Any], d: Dialect) -> list[object]:
    content = message.get("content")
    blocks = d.marked(
        d.tool_result(message), message.get("cache_control"), f"messages[{i}].cache_control"
    )
    if isinstance(content, list) and any(
        isinstance(b, dict) and b.get("cache_control") is not None for b in content
    ):  # a mark inside a tool result's blocks: not observed on the wire
        blocks.append(Unknown(f"messages[{i}].content[].cache_control"))
    return blocks


def _last_block_marked(content: list[Any]) -> bool:
    last = content[-1] if content else None
    return isinstance(last, dict) and last.get("cache_control") is not None


def _unread_message_mark(cc: object, where: str, why: str, run: _Run) -> None:
    if cc is None or isinstance(cc, Unknown):
        return
    run.add(
        rules.MESSAGE_LEVEL_ON_LIST,
        f"`cache_control` on the message is dropped by LiteLLM because {why}",
        path=f"{where}.cache_control",
    )


# ---- tools ------------------------------------------------------------------------------------


def _translate_tools(
    tools: object, tool_points: list[tuple[int, Any]], d: Dialect
) -> list[object] | Unknown | None:
    if tools is None:
        return None
    if isinstance(tools, Unknown):
        return tools
    elements: list[object] = []
    for i, tool in enumerate(tools if isinstance(tools, (list, tuple)) else ()):
        if isinstance(tool, Unknown):
            elements.append(tool)
            continue
        fields = fields_of(tool) or {}
        function = fields_of(fields.get("function"))
        if function is not None:  # OpenAI format
            spec = {
                "name": function.get("name"),
                "description": function.get("description"),
                "input_schema": function.get("parameters"),
            }
            fn_cc = function.get("cache_control")
        else:  # Anthropic format
            spec, fn_cc = fields, None
        elements += d.tool(spec, fields.get("cache_control"), fn_cc, f"tools[{i}]")
    for k, point in tool_points:
        control = point.get("control") or {"type": "ephemeral"}
        d.tool_config_mark(elements, control, f"cache_control_injection_points[{k}]")
    return elements


# ---- the two requests -------------------------------------------------------------------------


def _converse_wire(
    request: Mapping[str, Any],
    prepared: Prepared | Unknown,
    tools: object,
    tool_points: list[tuple[int, Any]],
    run: _Run,
) -> WireRequest:
    d = _Converse(run)
    top = _top_level_cache_control(request, run)
    tool_elements = _translate_tools(tools, tool_points, d)
    system, turns = _translate_messages(prepared, d, run)
    kwargs: dict[str, Any] = {"modelId": run.plan.model, "messages": turns}
    if system:
        kwargs["system"] = system
    if tool_elements:
        kwargs["toolConfig"] = {"tools": tool_elements}
    extra: dict[str, Any] = {}
    if top is not None:
        extra["cache_control"] = top
    betas = _betas(request)
    if betas is not None:
        extra["anthropic_beta"] = betas
    if extra:
        kwargs["additionalModelRequestFields"] = extra
    operation = "ConverseStream" if request.get("stream") is True else "Converse"
    return from_converse(kwargs, operation=operation)


def _invoke_wire(
    request: Mapping[str, Any],
    prepared: Prepared | Unknown,
    tools: object,
    tool_points: list[tuple[int, Any]],
    run: _Run,
) -> WireRequest:
    d = _Invoke(run)
    top = _top_level_cache_control(request, run)
    tool_elements = _translate_tools(tools, tool_points, d)
    system, turns = _translate_messages(prepared, d, run)
    body: dict[str, Any] = {"anthropic_version": _INVOKE_ANTHROPIC_VERSION, "messages": turns}
    for key in ("max_tokens", "max_completion_tokens"):
        if key in request:
            body["max_tokens"] = request[key]
    if system:
        body["system"] = system
    if tool_elements:
        body["tools"] = tool_elements
    if top is not None:
        body["cache_control"] = top
    betas = _betas(request)
    if betas is not None:
        body["anthropic_beta"] = betas
    stream = request.get("stream") is True
    operation = "InvokeModelWithResponseStream" if stream else "InvokeModel"
    return from_anthropic_body(body, model_id=run.plan.model, operation=operation)


def _top_level_cache_control(request: Mapping[str, Any], run: _Run) -> object:
    value = request.get("cache_control")
    if isinstance(
        value, Unknown
    ):  # a real one is refused by Bedrock (BC314): the verdict hangs on it
        run.system_holes.append(value)
        return None
    return value


def _betas(request: Mapping[str, Any]) -> object:
    """``anthropic_beta=`` plus an ``anthropic-beta`` entry of ``extra_headers``, as one list."""
    found: list[str] = []
    sources: list[object] = [request.get("anthropic_beta")]
    headers = request.get("extra_headers")
    if isinstance(headers, Unknown):
        return headers
    if isinstance(headers, Mapping):
        sources += [
            v for k, v in headers.items() if isinstance(k, str) and k.lower() == "anthropic-beta"
        ]
    present = False
    for value in sources:
        if value is None:
            continue
        present = True
        if isinstance(value, Unknown):
            return value
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)):
            return Unknown("anthropic_beta")
        for item in items:
            if isinstance(item, Unknown):
                return item
            if isinstance(item, str) and item.strip() and item.strip() not in found:
                found.append(item.strip())
    return found if present else None
