"""LangChain AWS: ``ChatBedrockConverse`` (Converse API) and ``ChatBedrock`` (InvokeModel).

One module serves both classes because ChatBedrock hands its request to ChatBedrockConverse when
``beta_use_converse_api=True`` (or for Nova). What each class does with a cache directive was
captured on the wire with langchain-aws 1.9.1 (research report wire-b.md section 3):

* ChatBedrockConverse keeps ``{"cachePoint": ...}`` dicts (content elements without ``type``,
  ``create_cache_point()``, ``non_standard``-wrapped ones, the ``system=`` list, ``bind_tools``);
  rebuilds ``{"type": "text", ...}`` as ``{"text": ...}`` (block ``cache_control`` lost, BC230);
  camelCases other typeless dicts, so ``{"cache_control": ...}`` makes botocore raise (BC231);
  moves ``cache_control`` / ``model_kwargs`` / ``additional_model_request_fields`` into
  ``additionalModelRequestFields`` (BC232, and Bedrock's BC314); refuses a model ARN without
  ``provider`` (BC233). The per-call ``cache_control`` (``invoke(..., cache_control=)``,
  ``.bind(cache_control=)``, ``BedrockPromptCachingMiddleware``) adds a cachePoint at the end of
  the system prompt, the last message and the tools (not Nova), plus the penultimate message for
  Anthropic with 2+ messages, within a budget of 4 that counts manual points (BC236 when full);
  ``ttl`` is copied unless ``"5m"`` or Nova.
* ChatBedrock keeps text-block ``cache_control`` but rewrites it to exactly
  ``{"type": "ephemeral"}`` (ttl lost, BC234); refuses typeless dicts such as cachePoints
  (BC235); the per-call ``cache_control`` marks the last block of the last message verbatim; the
  middleware marks the last message only; ``model_kwargs`` go to the top of the body.

Request shape (constructor keyword arguments plus the call; every key optional but the model):

* ``"class"``: ``"ChatBedrockConverse"`` or ``"ChatBedrock"``; without it ``model`` means
  ChatBedrockConverse and ``model_id`` (or ``beta_use_converse_api``) means ChatBedrock.
* ``"model"`` / ``"model_id"``, ``"provider"``, ``"base_model"`` / ``"base_model_id"`` (the model
  behind an ARN; the model rules use it), ``"system"`` (ChatBedrockConverse ``system=`` list),
  ``"model_kwargs"``, ``"additional_model_request_fields"``, ``"cache_control"`` (constructor
  kwarg), ``"beta_use_converse_api"``.
* ``"tools"``: the ``bind_tools`` list (tool dicts, a cachePoint dict, or tool objects).
* ``"system_prompt"``: ``create_agent(system_prompt=)``, sent as a leading SystemMessage.
* ``"messages"``: LangChain messages as ``{"type": "system"|"human"|"ai"|"tool", "content": ...}``,
  ``{"role": "system"|"user"|"assistant"|"tool", ...}``, ``("human", "...")`` pairs, plain strings
  (human), ``Constructed("SystemMessage", ...)`` or real message objects.
* ``"call"`` / ``"invoke_kwargs"``: the call's keyword arguments, e.g. ``{"cache_control": {...}}``.
* ``"middleware"``: ``create_agent`` middleware, e.g.
  ``[Constructed("BedrockPromptCachingMiddleware", {"ttl": "1h"})]``.

Findings point into this request (``messages[1].content[0]``), not into the wire request.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Context, Translation
from bedrockcache.facts import Facts
from bedrockcache.objects import Constructed, class_name, fields_of
from bedrockcache.rules import langchain as rules
from bedrockcache.unknown import Unknown
from bedrockcache.wire import WireRequest, from_anthropic_body, from_converse

__all__ = ["MISSING", "looks_like", "translate"]

MISSING = rules.MISSING.code

_CLASSES = {
    "ChatBedrockConverse": Backend.LANGCHAIN_BEDROCK_CONVERSE,
    "ChatBedrock": Backend.LANGCHAIN_BEDROCK,
}
# Keys no other layer's request uses: any one of them says "LangChain".
_MARKER_KEYS = frozenset(
    {
        "invoke_kwargs",
        "call",
        "middleware",
        "beta_use_converse_api",
        "model_kwargs",
        "additional_model_request_fields",
        "base_model",
        "base_model_id",
    }
)
_ROLE_KINDS = {
    "system": "system",
    "human": "human",
    "user": "human",
    "ai": "ai",
    "assistant": "ai",
    "tool": "tool",
}
_MESSAGE_CLASSES = {
    f"{name}{suffix}": kind
    for name, kind in (
        ("SystemMessage", "system"),
        ("HumanMessage", "human"),
        ("AIMessage", "ai"),
        ("ToolMessage", "tool"),
    )
    for suffix in ("", "Chunk")
}
_LC_MESSAGE_TYPES = frozenset({"system", "human", "ai", "tool"})
_MIDDLEWARE = "BedrockPromptCachingMiddleware"
# Region prefixes langchain-aws strips besides Bedrock's own (ChatBedrockConverse._get_base_model).
_EXTRA_REGION_PREFIXES = ("us-gov", "sa", "amer")
_MAX_POINTS = 4  # langchain-aws's own budget constant (it mirrors Bedrock's limit)
_CONVERSE_KINDS = {  # LangChain block type -> Converse union member (size not known here)
    "image": "image",
    "image_url": "image",
    "document": "document",
    "file": "document",
    "video": "video",
    "audio": "audio",
    "reasoning_content": "reasoningContent",
    "reasoning": "reasoningContent",
    "thinking": "reasoningContent",
}


# ---- detection --------------------------------------------------------------------------------


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    """A LangChain request whose class is ``backend``'s; never a boto3 or other layer's shape."""
    if "modelId" in request or "body" in request or "anthropic_version" in request:
        return False
    declared = _declared_class(request)
    if declared is not None:
        return _CLASSES.get(declared) is backend
    if not _is_langchain(request):
        return False
    return _implied_class(request) is backend


def _declared_class(request: Mapping[str, Any]) -> str | None:
    for key in ("class", "__class__"):
        value = request.get(key)
        if isinstance(value, str):
            return value
    return None


def _is_langchain(request: Mapping[str, Any]) -> bool:
    if any(key in request for key in _MARKER_KEYS):
        return True
    messages = request.get("messages")
    if not isinstance(messages, (list, tuple)):
        return False
    return any(_is_langchain_message(m) for m in messages)


def _is_langchain_message(message: object) -> bool:
    if class_name(message) in _MESSAGE_CLASSES:
        return True
    if isinstance(message, Mapping):
        kind = message.get("type")
        return isinstance(kind, str) and kind in _LC_MESSAGE_TYPES and "role" not in message
    return False


def _implied_class(request: Mapping[str, Any]) -> Backend:
    if "beta_use_converse_api" in request:
        return Backend.LANGCHAIN_BEDROCK
    if "model_id" in request and "model" not in request:
        return Backend.LANGCHAIN_BEDROCK
    return Backend.LANGCHAIN_BEDROCK_CONVERSE


# ---- shared state ------------------------------------------------------------------------------


@dataclass
class _Item:
    """One content element with the place the user wrote it."""

    value: object
    path: str


@dataclass
class _Msg:
    kind: str  # system | human | ai | tool
    items: list[_Item]
    text_only: bool  # the content was one plain string
    path: str
    fields: Mapping[str, Any]


_Message = _Msg | Unknown


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    """The request ChatBedrockConverse / ChatBedrock sends, and what they drop on the way."""
    ctx = Context(request, facts)
    model = _model_id(request)
    provider = _provider(request, model, facts)
    if backend is Backend.LANGCHAIN_BEDROCK_CONVERSE and _needs_provider(ctx, model):
        return Translation(None, MISSING, ctx.findings, ctx.notes)
    messages = _parse_messages(ctx)
    if backend is Backend.LANGCHAIN_BEDROCK:
        route = _chat_bedrock_route(ctx, model, provider)
        if route == "invoke":
            wire = _invoke_wire(ctx, model, messages)
            return Translation(wire, MISSING, ctx.findings, ctx.notes)
        if route is None:
            hole = Unknown("ChatBedrock request format (provider or converse route not known)")
            wire = from_anthropic_body(hole, model_id=_rules_model(ctx, model))
            return Translation(wire, MISSING, ctx.findings, ctx.notes)
    wire = _converse_wire(ctx, model, provider, messages)
    return Translation(wire, MISSING, ctx.findings, ctx.notes)


# ---- model, provider, route --------------------------------------------------------------------


def _model_id(request: Mapping[str, Any]) -> object:
    for key in ("model", "model_id"):
        if key in request:
            return request[key]
    return None


def _base_model(request: Mapping[str, Any]) -> object:
    for key in ("base_model", "base_model_id"):
        if key in request:
            return request[key]
    return None


def _strip_region(model_id: str, facts: Facts) -> str:
    head, dot, tail = model_id.partition(".")
    if dot and (head in facts.bedrock.profile_prefixes or head in _EXTRA_REGION_PREFIXES):
        return tail
    return model_id


def _provider(request: Mapping[str, Any], model: object, facts: Facts) -> object:
    """``anthropic``, ``amazon``, ...; Unknown when LangChain would learn it only at run time."""
    explicit = request.get("provider")
    if explicit:
        return explicit
    base = _base_model(request)
    candidate = base if isinstance(base, str) else model
    if isinstance(candidate, Unknown):
        return candidate
    if not isinstance(candidate, str) or candidate.startswith("arn:"):
        return Unknown("model provider (no model id, or an ARN without provider=)")
    return _strip_region(candidate, facts).partition(".")[0]


def _family(request: Mapping[str, Any], model: object, provider: object) -> object:
    """``anthropic`` | ``nova`` | ``other``: decides the end-of-history and the tools points."""
    if isinstance(provider, Unknown):
        return provider
    if provider == "anthropic":
        return "anthropic"
    if provider != "amazon":
        return "other"
    base = _base_model(request)
    name = base if isinstance(base, str) else model
    if isinstance(name, str) and not name.startswith("arn:"):
        return "nova" if "nova" in name.lower() else "other"
    return Unknown("model family behind the ARN")


def _needs_provider(ctx: Context, model: object) -> bool:
    """ChatBedrockConverse refuses an application inference profile ARN without ``provider``."""
    if not isinstance(model, str) or ctx.request.get("provider"):
        return False
    if not ctx.facts.resolve(model).is_application_profile:
        return False
    ctx.report(
        rules.ARN_WITHOUT_PROVIDER,
        f"`{model}` is an application inference profile ARN and no `provider=` is given: "
        "ChatBedrockConverse raises ValidationError before any request",
        path="model",
    )
    return True


def _chat_bedrock_route(ctx: Context, model: object, provider: object) -> str | None:
    """``invoke`` (Anthropic body), ``converse`` (beta flag or Nova), None when not knowable."""
    flag = ctx.request.get("beta_use_converse_api")
    if isinstance(flag, Unknown):
        ctx.note("ChatBedrock: beta_use_converse_api is not known, so the request format is not")
        return None
    if flag:
        ctx.note("ChatBedrock(beta_use_converse_api=True) sends through the Converse API")
        return "converse"
    family = _family(ctx.request, model, provider)
    if family == "nova":
        ctx.note("ChatBedrock sends Nova models through the Converse API")
        return "converse"
    if family == "anthropic":
        return "invoke"
    if isinstance(family, Unknown):
        ctx.note("ChatBedrock: the model's provider is not known, so the request format is not")
        return None
    ctx.note("ChatBedrock: not an Anthropic model; its InvokeModel format is not audited")
    return None


def _rules_model(ctx: Context, model: object) -> object:
    base = _base_model(ctx.request)
    if base is not None and base != model:
        ctx.note(
            "the model rules use base_model; the request itself names the model id / ARN given"
        )
        return base
    return model


def _with_model(wire: WireRequest, model: object) -> WireRequest:
    if isinstance(model, (str, Unknown)) and model != wire.model_id:
        return dataclasses.replace(wire, model_id=model)
    return wire


# ---- messages ----------------------------------------------------------------------------------


def _parse_messages(ctx: Context) -> list[_Message] | Unknown:
    raw = ctx.request.get("messages")
    if isinstance(raw, Unknown):
        return raw
    messages: list[_Message] = []
    prompt = ctx.request.get("system_prompt")
    if prompt is not None:
        messages.append(
            _Msg("system", *_content_items(prompt, "system_prompt"), "system_prompt", {})
        )
    if isinstance(raw, (list, tuple)):
        for i, value in enumerate(raw):
            messages.append(_parse_message(value, f"messages[{i}]"))
    return _merge_runs(messages)


def _parse_message(value: object, path: str) -> _Message:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, str):
        return _Msg("human", *_content_items(value, path), path, {})
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str):
        kind = _ROLE_KINDS.get(value[0])
        if kind is not None:
            return _Msg(kind, *_content_items(value[1], f"{path}[1]"), path, {})
    data = fields_of(value)
    if data is None:
        return Unknown(f"unrecognised LangChain message at {path}")
    kind = _MESSAGE_CLASSES.get(class_name(value) or "")
    if kind is None:
        label = data.get("type", data.get("role"))
        kind = _ROLE_KINDS.get(label) if isinstance(label, str) else None
    if kind is None:
        return Unknown(f"unrecognised LangChain message at {path}")
    if "content" in data:
        content = data["content"]
    elif isinstance(value, Constructed) and value.args:
        content = value.args[0]
    else:
        content = ""
    return _Msg(kind, *_content_items(content, f"{path}.content"), path, data)


def _content_items(content: object, path: str) -> tuple[list[_Item], bool]:
    if isinstance(content, str):
        return [_Item(content, path)], True
    if isinstance(content, (list, tuple)):
        return [_Item(v, f"{path}[{i}]") for i, v in enumerate(content)], False
    if content is None:
        return [], False
    return [_Item(content if isinstance(content, Unknown) else Unknown(path), path)], False


def _merge_runs(messages: list[_Message]) -> list[_Message]:
    """``merge_message_runs``: consecutive messages of one type (not tool) become one."""
    merged: list[_Message] = []
    for msg in messages:
        last = merged[-1] if merged else None
        if (
            isinstance(msg, _Msg)
            and isinstance(last, _Msg)
            and msg.kind == last.kind
            and msg.kind != "tool"
        ):
            if last.text_only and msg.text_only and last.items and msg.items:
                joined = f"{last.items[0].value}\n{msg.items[0].value}"
                items = [_Item(joined, last.items[0].path)]
                merged[-1] = _Msg(last.kind, items, True, last.path, last.fields)
            else:
                items = last.items + msg.items
                merged[-1] = _Msg(last.kind, items, False, last.path, last.fields)
            continue
        merged.append(msg)
    return merged


# ---- the call-level cache_control and the middleware -------------------------------------------


def _call_cache_control(ctx: Context) -> object:
    """The ``cache_control`` the model sees per call (None when absent), Unknown when not known."""
    value: object = None
    for key in ("invoke_kwargs", "call"):
        kwargs = ctx.request.get(key)
        if isinstance(kwargs, Unknown):
            return Unknown(f"{key}")
        if isinstance(kwargs, Mapping) and "cache_control" in kwargs:
            value = kwargs["cache_control"]
    from_middleware = _middleware_cache_control(ctx)
    if from_middleware is not None:
        if value is not None:
            ctx.note("both middleware and a call cache_control: the middleware's value is used")
        return from_middleware
    if isinstance(value, Unknown):
        return value
    return value or None  # an empty or false cache_control adds nothing


def _middleware_cache_control(ctx: Context) -> object:
    middleware = ctx.request.get("middleware")
    if middleware is None:
        return None
    if isinstance(middleware, Unknown):
        return Unknown("middleware")
    if not isinstance(middleware, (list, tuple)):
        return None
    for i, entry in enumerate(middleware):
        if isinstance(entry, Unknown):
            return Unknown(f"middleware[{i}]")
        if class_name(entry) == _MIDDLEWARE:
            return _caching_middleware(ctx, fields_of(entry) or {}, f"middleware[{i}]")
    return None


def _caching_middleware(ctx: Context, settings: Mapping[str, Any], path: str) -> object:
    supported = _middleware_supports(ctx)
    if isinstance(supported, Unknown):
        return supported
    if not supported:
        ctx.report(
            rules.MIDDLEWARE_SKIPPED,
            "the model id names neither an Anthropic nor a Nova model: "
            "BedrockPromptCachingMiddleware skips the request",
            path=path,
        )
        return None
    minimum = settings.get("min_messages_to_cache", 0)
    if isinstance(minimum, Unknown):
        return minimum
    count = _conversation_length(ctx)
    if isinstance(count, Unknown):
        return count
    if isinstance(minimum, int) and count < minimum:
        ctx.report(
            rules.MIDDLEWARE_SKIPPED,
            f"{count} message(s) and min_messages_to_cache={minimum}: no breakpoint on this turn",
            path=f"{path}.min_messages_to_cache",
        )
        return None
    return {"type": settings.get("type", "ephemeral"), "ttl": settings.get("ttl", "5m")}


def _middleware_supports(ctx: Context) -> object:
    base = _base_model(ctx.request)
    name = base if base is not None else _model_id(ctx.request)
    if isinstance(name, Unknown):
        return name
    if not isinstance(name, str):
        return False
    if ctx.facts.resolve(name).is_application_profile:
        # LangChain resolves the base model with GetInferenceProfile at construction
        return Unknown("model behind the application inference profile")
    return "anthropic" in name or "amazon.nova" in name


def _conversation_length(ctx: Context) -> int | Unknown:
    """What the middleware compares with ``min_messages_to_cache``: every message in the
    state, plus one for the agent's ``system_prompt`` (langchain-aws 1.9.1,
    ``BedrockPromptCachingMiddleware._should_apply_caching``)."""
    raw = ctx.request.get("messages")
    if isinstance(raw, Unknown):
        return raw
    count = len(raw) if isinstance(raw, (list, tuple)) else 0
    if isinstance(raw, (list, tuple)) and any(isinstance(m, Unknown) for m in raw):
        return Unknown("how many messages the agent sends")
    prompt = ctx.request.get("system_prompt")
    if isinstance(prompt, Unknown):
        return prompt
    return count + (1 if prompt else 0)


# ---- ChatBedrockConverse: Converse -------------------------------------------------------------


def _converse_wire(
    ctx: Context, model: object, provider: object, messages: list[_Message] | Unknown
) -> WireRequest:
    system: list[object] = []
    ctor_system = ctx.request.get("system")
    if isinstance(ctor_system, Unknown):
        system.append(ctor_system)
    elif isinstance(ctor_system, (list, tuple)):
        items = [_Item(v, f"system[{i}]") for i, v in enumerate(ctor_system)]
        system += _converse_content(ctx, items)
    bedrock_messages: list[object] | Unknown
    if isinstance(messages, Unknown):
        bedrock_messages = messages
    else:
        msg_system, bedrock_messages = _converse_messages(ctx, messages)
        system += msg_system
    tools = _converse_tools(ctx)
    family = _family(ctx.request, model, provider)
    cache_control = _call_cache_control(ctx)
    if cache_control is not None:
        _apply_cache_points(ctx, system, bedrock_messages, tools, cache_control, family)
    request: dict[str, Any] = {"modelId": model, "messages": bedrock_messages}
    if system:
        request["system"] = system
    if tools is not None:
        request["toolConfig"] = {"tools": tools}
    extra = _converse_request_fields(ctx)
    if extra:
        request["additionalModelRequestFields"] = extra
    wire = from_converse(request, operation="Converse")
    return _with_model(wire, _rules_model(ctx, model))


def _converse_messages(ctx: Context, messages: list[_Message]) -> tuple[list[object], list[object]]:
    system: list[object] = []
    out: list[object] = []
    for msg in messages:
        if isinstance(msg, Unknown):
            out.append(msg)
            continue
        content = _converse_content(ctx, msg.items)
        if msg.kind == "system":
            system += content
        elif msg.kind == "ai":
            out.append({"role": "assistant", "content": content + _tool_uses(msg, content)})
        else:
            if msg.kind == "tool":
                content = [
                    {
                        "toolResult": {
                            "toolUseId": msg.fields.get("tool_call_id", ""),
                            "content": content,
                        }
                    }
                ]
            last = out[-1] if out else None
            if isinstance(last, dict) and last.get("role") == "user":
                last["content"] = list(last["content"]) + content
            else:
                out.append({"role": "user", "content": content})
    return system, out


def _tool_uses(msg: _Msg, content: list[object]) -> list[object]:
    calls = msg.fields.get("tool_calls")
    if not isinstance(calls, (list, tuple)):
        return []
    seen = {
        block["toolUse"].get("toolUseId")
        for block in content
        if isinstance(block, Mapping) and isinstance(block.get("toolUse"), Mapping)
    }
    uses: list[object] = []
    for call in calls:
        data = fields_of(call) or {}
        if data.get("id") in seen:
            continue
        uses.append(
            {
                "toolUse": {
                    "toolUseId": data.get("id"),
                    "name": data.get("name"),
                    "input": data.get("args", {}),
                }
            }
        )
    return uses


def _converse_content(ctx: Context, items: Sequence[_Item]) -> list[object]:
    out: list[object] = []
    for item in items:
        out += _converse_block(ctx, item)
    return out


def _converse_block(ctx: Context, item: _Item) -> list[object]:
    value, path = item.value, item.path
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, str):
        return [{"text": value}] if value else []
    if not isinstance(value, Mapping):
        return [{"text": Unknown(f"content element at {path}")}]
    if "type" not in value:
        return _typeless_block(ctx, value, path)
    kind = value.get("type")
    if isinstance(kind, Unknown):
        return [kind]
    if kind == "non_standard":
        inner = value.get("value")
        if isinstance(inner, Mapping):
            return _typeless_block(ctx, inner, f"{path}.value")
        return [inner if isinstance(inner, Unknown) else Unknown(f"{path}.value")]
    if kind == "text":
        if "cache_control" in value:
            ctx.report(
                rules.BLOCK_CACHE_CONTROL_DROPPED,
                'ChatBedrockConverse sends this block as {"text": ...}: its `cache_control` '
                "never reaches Bedrock",
                path=f"{path}.cache_control",
            )
        text = value.get("text")
        return [{"text": text}] if text != "" else []
    block = _typed_converse_block(value, kind)
    if "cache_control" in value:
        # not captured for non-text blocks: a directive may or may not survive here
        ctx.note(f"{path}: cache_control on a {kind!r} block is not audited for Converse")
        return [block, Unknown(f"{path}.cache_control on a {kind} block")]
    return [block]


def _typeless_block(ctx: Context, value: Mapping[str, Any], path: str) -> list[object]:
    """Passed through as written, keys camelCased (how cachePoint dicts reach Bedrock)."""
    block = {_camel(k): v for k, v in value.items() if k != "cache_control"}
    if "cache_control" in value:
        ctx.report(
            rules.STANDALONE_CACHE_CONTROL,
            "this dict has no `type`, so ChatBedrockConverse sends it as written with "
            "`cacheControl`, and botocore raises ParamValidationError",
            path=f"{path}.cache_control",
        )
    return [block] if block else []


def _camel(key: object) -> object:
    if not isinstance(key, str):  # LangChain fails on it; the view keeps it for the rules
        return key
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _typed_converse_block(value: Mapping[str, Any], kind: object) -> Mapping[str, Any]:
    if kind == "tool_use":
        return {
            "toolUse": {
                "toolUseId": value.get("id"),
                "name": value.get("name"),
                "input": value.get("input", {}),
            }
        }
    if kind == "tool_result":
        return {
            "toolResult": {"toolUseId": value.get("tool_use_id"), "content": value.get("content")}
        }
    member = _CONVERSE_KINDS.get(kind) if isinstance(kind, str) else None
    return {member or "text": Unknown(f"a {kind!r} block")}


def _converse_tools(ctx: Context) -> list[object] | Unknown | None:
    tools = ctx.request.get("tools")
    if tools is None:
        return None
    if isinstance(tools, Unknown):
        return tools
    if not isinstance(tools, (list, tuple)) or not tools:
        return None
    out: list[object] = []
    for i, tool in enumerate(tools):
        if isinstance(tool, Unknown):
            out.append(tool)
        elif isinstance(tool, Mapping) and ("cachePoint" in tool or "toolSpec" in tool):
            out.append(dict(tool))
        elif isinstance(tool, Mapping) and "cache_control" in tool:
            ctx.note(f"tools[{i}]: cache_control on a tool is not audited for ChatBedrockConverse")
            out.append(Unknown(f"tools[{i}] with cache_control"))
        else:
            out.append({"toolSpec": _tool_spec(tool)})
    return out


def _tool_spec(tool: object) -> Mapping[str, Any]:
    data = tool if isinstance(tool, Mapping) else {}
    function = data.get("function") if isinstance(data.get("function"), Mapping) else data
    schema = function.get("parameters", function.get("input_schema"))
    return {
        "name": function.get("name", Unknown("tool name")),
        "description": function.get("description", ""),
        "inputSchema": {"json": schema if schema is not None else Unknown("tool schema")},
    }


def _converse_request_fields(ctx: Context) -> dict[str, Any]:
    """``additionalModelRequestFields``: where the constructor's cache settings end up."""
    fields: dict[str, Any] = {}
    for key in ("additional_model_request_fields", "model_kwargs"):
        value = ctx.request.get(key)
        if isinstance(value, Mapping):
            fields.update(value)
            if "cache_control" in value:
                _report_model_field(ctx, f"{key}.cache_control", "additionalModelRequestFields")
    if "cache_control" in ctx.request:
        fields["cache_control"] = ctx.request["cache_control"]
        _report_model_field(ctx, "cache_control", "additionalModelRequestFields")
    return fields


def _report_model_field(ctx: Context, path: str, target: str) -> None:
    ctx.report(
        rules.MODEL_FIELD_CACHE_CONTROL,
        f"`{path}` is sent as `{target}.cache_control`: no breakpoint is created from it",
        path=path,
    )


def _count_points(elements: object) -> tuple[int, int]:
    """(cachePoints, Unknown elements that could hold one) in a list of Converse elements."""
    if isinstance(elements, Unknown):
        return 0, _MAX_POINTS
    if not isinstance(elements, list):
        return 0, 0
    known = sum(1 for e in elements if isinstance(e, Mapping) and "cachePoint" in e)
    unknown = sum(1 for e in elements if isinstance(e, Unknown))
    return known, unknown


def _apply_cache_points(
    ctx: Context,
    system: list[object],
    messages: list[object] | Unknown,
    tools: list[object] | Unknown | None,
    cache_control: object,
    family: object,
) -> None:
    """``ChatBedrockConverse._apply_cache_points``: where the per-call ``cache_control`` goes.

    In order, each within the budget of 4 that the cachePoints already written use up: the end
    of the system list unless it holds a cachePoint, the last message unless it holds one (Nova:
    nor a tool block), the tools unless they hold one (not Nova), and, for Claude with 2+
    messages and no cachePoint written anywhere, the penultimate message (langchain-aws 1.9.1,
    bedrock_converse.py l.763-858). What is not known is tried both ways: a place whose outcome
    differs gets a hole, never a guess.
    """
    targets = _point_targets(system, messages, tools)
    if isinstance(cache_control, Unknown):
        for target in targets.values():
            target.append(Unknown("cache_control argument"))
        return
    if not cache_control:
        return
    known, unknown = _manual_points(system, messages, tools)
    if known >= _MAX_POINTS:
        ctx.report(
            rules.BUDGET_FULL,
            f"{known} cachePoints are already in the request: the cache_control argument adds none",
            path="call.cache_control",
        )
    chosen = _chosen_points(targets, known, unknown, family)
    point = _auto_point(cache_control, family)
    for label, target in targets.items():
        state = chosen.get(label)
        if state is True:
            target.append({"cachePoint": dict(point)})
        elif state is None:
            target.append(Unknown(f"cache_control point at the {label} (budget or model)"))


def _point_targets(
    system: list[object], messages: object, tools: object
) -> dict[str, list[object]]:
    """The lists a point may be appended to, in the library's order."""
    targets: dict[str, list[object]] = {}
    if system:
        targets["system"] = system
    last, previous = _content_at(messages, -1), _content_at(messages, -2)
    if last is not None:
        targets["last message"] = last
    if isinstance(tools, list) and tools:
        targets["tools"] = tools
    if previous is not None:
        targets["history"] = previous
    return targets


def _content_at(messages: object, index: int) -> list[object] | None:
    """A known message's content list (an Unknown message's hole already stands for it)."""
    if not isinstance(messages, list) or len(messages) < -index:
        return None
    message = messages[index]
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, list) else None


def _manual_points(system: object, messages: object, tools: object) -> tuple[int, int]:
    known = unknown = 0
    lists = [system, tools]
    if isinstance(messages, Unknown):
        unknown += _MAX_POINTS
    elif isinstance(messages, list):
        for msg in messages:
            lists.append(msg.get("content") if isinstance(msg, dict) else msg)
    for elements in lists:
        k, u = _count_points(elements)
        known, unknown = known + k, unknown + u
    return known, unknown


def _has_point(elements: list[object]) -> tuple[bool, ...]:
    """Whether a list holds a cachePoint: (True,), (False,), or both when a hole may be one."""
    known, unknown = _count_points(elements)
    if known:
        return (True,)
    return (False, True) if unknown else (False,)


def _blocks_history(elements: list[object]) -> tuple[bool, ...]:
    """The library adds no end-of-history point after a reasoning block."""
    if not elements:
        return (False,)
    last = elements[-1]
    if isinstance(last, Unknown):
        return (False, True)
    return (isinstance(last, Mapping) and "reasoningContent" in last,)


def _has_tool_block(elements: list[object]) -> tuple[bool, ...]:
    """Nova: no point on a last message that carries a toolUse or toolResult."""
    if any(isinstance(e, Mapping) and ("toolResult" in e or "toolUse" in e) for e in elements):
        return (True,)
    return (False, True) if any(isinstance(e, Unknown) for e in elements) else (False,)


def _chosen_points(
    targets: Mapping[str, list[object]], known: int, unknown: int, family: object
) -> dict[str, bool | None]:
    """True: added; False: not added; None: depends on what is not known."""
    families = ("anthropic", "nova", "other") if isinstance(family, Unknown) else (family,)
    manuals = range(known, max(known, min(known + unknown, _MAX_POINTS)) + 1)
    present = {label: _has_point(target) for label, target in targets.items()}
    tool_blocks = _has_tool_block(targets["last message"]) if "last message" in targets else ()
    reasoning = _blocks_history(targets["history"]) if "history" in targets else ()
    outcomes: set[frozenset[str]] = set()
    for fam, manual in itertools.product(families, manuals):
        for has in itertools.product(*present.values()):
            for tool_block, ends_reasoning in itertools.product(
                tool_blocks or (False,), reasoning or (False,)
            ):
                state = dict(zip(present, has, strict=True))
                outcomes.add(_placement(state, fam, manual, tool_block, ends_reasoning))
    chosen: dict[str, bool | None] = {}
    for label in targets:
        picks = {label in outcome for outcome in outcomes}
        chosen[label] = picks.pop() if len(picks) == 1 else None
    return chosen


def _placement(
    has_point: Mapping[str, bool], family: object, manual: int, tool_block: bool, reasoning: bool
) -> frozenset[str]:
    """The library's choice for one fully known state."""
    budget = _MAX_POINTS - manual
    added: list[str] = []
    nova = family == "nova"
    order = (
        ("system", True),
        ("last message", not (nova and tool_block)),
        ("tools", not nova),
        ("history", family == "anthropic" and manual == 0 and not reasoning),
    )
    for label, allowed in order:
        if budget <= 0:
            break
        if label in has_point and allowed and not has_point[label]:
            added.append(label)
            budget -= 1
    return frozenset(added)


def _auto_point(cache_control: object, family: object) -> dict[str, Any]:
    point: dict[str, Any] = {"type": "default"}
    ttl = cache_control.get("ttl") if isinstance(cache_control, Mapping) else None
    if ttl is None or ttl == "5m" or family == "nova":
        return point
    point["ttl"] = Unknown("ttl (Nova drops it)") if isinstance(family, Unknown) else ttl
    return point


# ---- ChatBedrock: InvokeModel ------------------------------------------------------------------


def _invoke_wire(ctx: Context, model: object, messages: list[_Message] | Unknown) -> WireRequest:
    body: dict[str, Any] = {"anthropic_version": ctx.facts.bedrock.anthropic_version}
    if isinstance(messages, Unknown):
        body["messages"] = messages
    else:
        system, body["messages"] = _anthropic_messages(ctx, messages)
        if system is not None:
            body["system"] = system
    tools = _anthropic_tools(ctx)
    if tools is not None:
        body["tools"] = tools
    body.update(_invoke_model_kwargs(ctx))
    cache_control = _call_cache_control(ctx)
    if cache_control is not None:
        _mark_last_block(body["messages"], cache_control)
    return from_anthropic_body(body, model_id=_rules_model(ctx, model), operation="InvokeModel")


def _anthropic_messages(ctx: Context, messages: list[_Message]) -> tuple[object, list[object]]:
    system: object = None
    out: list[object] = []
    for msg in messages:
        if isinstance(msg, Unknown):
            out.append(msg)
            continue
        if msg.kind == "system":
            system = _anthropic_system(ctx, msg, system)
            continue
        content: object = (
            msg.items[0].value if msg.text_only else _anthropic_content(ctx, msg.items)
        )
        if msg.kind == "ai":
            out.append({"role": "assistant", "content": _with_tool_use(msg, content)})
            continue
        if msg.kind == "tool":
            content = [
                {
                    "type": "tool_result",
                    "tool_use_id": msg.fields.get("tool_call_id"),
                    "content": content,
                }
            ]
        last = out[-1] if out else None
        if isinstance(last, dict) and last.get("role") == "user":
            last["content"] = _as_blocks(last["content"]) + _as_blocks(content)
        else:
            out.append({"role": "user", "content": content})
    return system, out


def _anthropic_system(ctx: Context, msg: _Msg, system: object) -> object:
    if msg.text_only and system is None:
        return msg.items[0].value
    blocks = _as_blocks(system) if system is not None else []
    for item in msg.items:
        blocks += _anthropic_block(ctx, item, system=True)
    return blocks


def _as_blocks(content: object) -> list[object]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if isinstance(content, list):
        return list(content)
    return [content]


def _with_tool_use(msg: _Msg, content: object) -> object:
    calls = msg.fields.get("tool_calls")
    if not isinstance(calls, (list, tuple)) or not calls:
        return content
    blocks = _as_blocks(content)
    for call in calls:
        data = fields_of(call) or {}
        blocks.append(
            {
                "type": "tool_use",
                "id": data.get("id"),
                "name": data.get("name"),
                "input": data.get("args", {}),
            }
        )
    return blocks


def _anthropic_content(ctx: Context, items: Sequence[_Item]) -> list[object]:
    out: list[object] = []
    for item in items:
        out += _anthropic_block(ctx, item, system=False)
    return out


def _anthropic_block(ctx: Context, item: _Item, *, system: bool) -> list[object]:
    value, path = item.value, item.path
    if isinstance(value, Unknown):
        return [value]
    if isinstance(value, str):
        return [{"type": "text", "text": value}]
    if not isinstance(value, Mapping):
        return [Unknown(f"content element at {path}")]
    kind = value.get("type")
    if isinstance(kind, Unknown):
        return [kind]
    if kind is None or (system and kind != "text"):
        _report_typeless(ctx, value, path, system=system)
        return []
    if kind == "text":
        return [_rewritten_text(ctx, value, path)]
    block = {k: v for k, v in value.items() if k != "cache_control"}
    if "cache_control" in value:
        ctx.note(f"{path}: cache_control on a {kind!r} block is not audited for ChatBedrock")
        return [block, Unknown(f"{path}.cache_control on a {kind} block")]
    return [block]


def _report_typeless(ctx: Context, value: Mapping[str, Any], path: str, *, system: bool) -> None:
    what = "a Converse `cachePoint` dict" if "cachePoint" in value else "a block"
    error = (
        "System message content item must be type 'text'"
        if system
        else "Dict content item must have a type key"
    )
    ctx.report(
        rules.TYPELESS_BLOCK,
        f'{what} without `type: text` in ChatBedrock content: ValueError ("{error}") before '
        "any request",
        path=path,
    )


def _rewritten_text(ctx: Context, value: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    block = {k: v for k, v in value.items() if k != "cache_control"}
    if "cache_control" not in value:
        return block
    directive = value["cache_control"]
    ttl = directive.get("ttl") if isinstance(directive, Mapping) else None
    if isinstance(ttl, str) and ttl != "5m":
        ctx.report(
            rules.TTL_STRIPPED,
            f'ChatBedrock sends this block\'s cache_control as {{"type": "ephemeral"}}: '
            f"`ttl: {ttl!r}` is dropped and the entry lives 5 minutes",
            path=f"{path}.cache_control.ttl",
        )
    block["cache_control"] = {"type": "ephemeral"}
    return block


def _anthropic_tools(ctx: Context) -> list[object] | Unknown | None:
    tools = ctx.request.get("tools")
    if isinstance(tools, Unknown):
        return tools
    if not isinstance(tools, (list, tuple)) or not tools:
        return None
    out: list[object] = []
    for i, tool in enumerate(tools):
        if isinstance(tool, Unknown):
            out.append(tool)
        elif isinstance(tool, Mapping) and "input_schema" in tool:
            out.append(dict(tool))  # Anthropic format: kept as written, cache_control included
        elif isinstance(tool, Mapping) and ("cache_control" in tool or "cachePoint" in tool):
            ctx.note(f"tools[{i}]: this tool's cache directive is not audited for ChatBedrock")
            out.append(Unknown(f"tools[{i}] with a cache directive"))
        else:
            spec = _tool_spec(tool)
            out.append(
                {
                    "name": spec["name"],
                    "description": spec["description"],
                    "input_schema": spec["inputSchema"]["json"],
                }
            )
    return out


def _invoke_model_kwargs(ctx: Context) -> dict[str, Any]:
    """``model_kwargs`` (and unknown constructor kwargs) go to the top of the InvokeModel body."""
    fields: dict[str, Any] = {}
    kwargs = ctx.request.get("model_kwargs")
    if isinstance(kwargs, Mapping):
        fields.update(kwargs)
        if "cache_control" in kwargs:
            _report_model_field(ctx, "model_kwargs.cache_control", "body")
    if "cache_control" in ctx.request:
        fields["cache_control"] = ctx.request["cache_control"]
        _report_model_field(ctx, "cache_control", "body")
    return fields


def _mark_last_block(messages: object, cache_control: object) -> None:
    """``_apply_cache_control_to_messages``: the dict, verbatim, on the last message's end."""
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
        return
    last = messages[-1]
    blocks = _as_blocks(last.get("content"))
    if isinstance(cache_control, Unknown):
        blocks.append(Unknown("cache_control argument"))
    elif cache_control and blocks and isinstance(blocks[-1], Mapping):
        blocks[-1] = {**blocks[-1], "cache_control": cache_control}
    last["content"] = blocks
