"""LlamaIndex ``BedrockConverse`` (``llama-index-llms-bedrock-converse``): the Converse API.

What it does with a cache directive was captured on the wire with 0.15.5 (research report
wire-b.md section 4):

* ``system_prompt_caching=True`` appends ``{"cachePoint": {"type": "default"}}`` to the system
  blocks unless the last one already is a cachePoint; with no system content it adds nothing
  (BC246), and ``chat()`` does not send the constructor's ``system_prompt`` at all (BC245).
* A ``CachePoint`` block becomes ``{"cachePoint": {"type": "default"}}``: a type other than
  ``default`` is forced to it with a warning (BC242) and ``ttl`` is never sent (BC241). In a SYSTEM
  message the text before it becomes one ``{"text"}`` block, and the point is dropped with a
  warning when the model is not in the library's BEDROCK_PROMPT_CACHING_SUPPORTED_MODELS (BC243;
  bedrockcache uses the models its data marks as caching for that list, and keeps the point for
  a model its data does not know). USER CachePoints are never checked.
* Tools get a cachePoint only from the per-call ``chat_with_tools(..., tool_caching=True)``; the
  constructor's ``tool_caching=True`` is ignored except on the native async path with aioboto3
  installed (BC240).
* ``additional_kwargs={"cache_control": ...}`` on a ChatMessage is ignored (BC244); on the
  constructor it makes botocore raise (BC249); ``cache_control=`` is not a constructor argument
  (BC248); an application inference profile ARN as ``model`` raises (BC247).

Request shape (constructor keyword arguments plus the call; every key optional but the model):

* ``"class"``: ``"BedrockConverse"`` (optional).
* ``"model"``, ``"application_inference_profile_arn"`` (sent as ``modelId``; the model rules use
  ``model``), ``"system_prompt"``, ``"system_prompt_caching"``, ``"tool_caching"``,
  ``"additional_kwargs"``, ``"cache_control"`` (all constructor arguments).
* ``"messages"``: ChatMessages as ``{"role": "system"|"user"|"assistant"|"tool", "content": str}``,
  ``{"role": ..., "blocks": [...], "additional_kwargs": {...}}`` or ``Constructed("ChatMessage",
  ...)`` / real objects. Blocks: ``{"block_type": "text", "text": ...}``, ``{"block_type":
  "cache", "cache_control": {"type": ..., "ttl": ...}}`` (CachePoint's block_type; the older
  spelling ``"cache_point"`` is read too), or ``Constructed("TextBlock" |
  "CachePoint" | "CacheControl", ...)``.
* ``"method"``: ``"chat"`` (default, or ``"chat_with_tools"`` when ``tools`` are given),
  ``"stream_chat"``, ``"achat"``, ``"chat_with_tools"``, ``"achat_with_tools"``,
  ``"stream_chat_with_tools"``, ``"astream_chat_with_tools"`` (FunctionAgent), ``"predict"``,
  ``"stream"`` ... ; ``"tools"``: the tools list; ``"call_tool_caching"``: the per-call
  ``tool_caching=``; ``"aioboto3"``: whether aioboto3 is installed (async paths only).

Findings point into this request (``messages[1].blocks[0]``), not into the wire request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Context, Translation
from bedrockcache.facts import Facts
from bedrockcache.objects import class_name, fields_of
from bedrockcache.rules import llamaindex as rules
from bedrockcache.unknown import Unknown
from bedrockcache.wire import WireRequest, from_converse

__all__ = ["MISSING", "looks_like", "translate"]

MISSING = rules.MISSING.code

# Keys only a LlamaIndex BedrockConverse request has.
_MARKER_KEYS = frozenset(
    {
        "system_prompt_caching",
        "tool_caching",
        "call_tool_caching",
        "application_inference_profile_arn",
        "aioboto3",
    }
)
# Methods that put the constructor's system_prompt in front of the messages (LLM._extend_messages).
_PROMPT_METHODS = frozenset(
    {"predict", "apredict", "stream", "astream", "structured_predict", "astructured_predict"}
)
_CHAT_METHODS = frozenset({"chat", "achat", "stream_chat", "astream_chat", "complete", "acomplete"})
TOOL_METHODS = frozenset(
    {
        "chat_with_tools",
        "achat_with_tools",
        "stream_chat_with_tools",
        "astream_chat_with_tools",
        "predict_and_call",
        "apredict_and_call",
    }
)
# What BedrockConverse itself builds; additional_kwargs do not replace them here.
_CALL_KEYS = frozenset({"modelId", "messages", "system", "toolConfig"})
_KNOWN_METHODS = _PROMPT_METHODS | _CHAT_METHODS | TOOL_METHODS
_BLOCK_CLASSES = {
    "TextBlock": "text",
    "CachePoint": "cache_point",
    "ImageBlock": "image",
    "DocumentBlock": "document",
    "AudioBlock": "audio",
    "ThinkingBlock": "thinking",
    "ToolCallBlock": "tool_call",
}


# ---- detection --------------------------------------------------------------------------------


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    """A BedrockConverse request: a LlamaIndex-only key, or LlamaIndex ChatMessages."""
    if "modelId" in request or "body" in request or "anthropic_version" in request:
        return False
    for key in ("class", "__class__"):
        declared = request.get(key)
        if isinstance(declared, str):
            return declared == "BedrockConverse"
    if any(key in request for key in _MARKER_KEYS):
        return True
    messages = request.get("messages")
    if not isinstance(messages, (list, tuple)):
        return False
    return any(_is_chat_message(m) for m in messages)


def _is_chat_message(message: object) -> bool:
    if class_name(message) == "ChatMessage":
        return True
    return isinstance(message, Mapping) and "blocks" in message and "role" in message


# ---- shared state ------------------------------------------------------------------------------


@dataclass
class _Msg:
    role: str
    blocks: list[tuple[object, str]]  # (block, input path)
    path: str
    fields: Mapping[str, Any]


_Message = _Msg | Unknown


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    """The Converse request BedrockConverse sends, and what it drops or refuses on the way."""
    ctx = Context(request, facts)
    if _refused_by_constructor(ctx):
        return Translation(None, MISSING, ctx.findings, ctx.notes)
    method = _method(ctx)
    messages = _messages(ctx, method)
    converse: dict[str, Any] = {"modelId": _model_id(ctx)}
    if isinstance(messages, Unknown):
        converse["messages"] = messages
        system: list[object] = []
    else:
        system, converse["messages"] = _to_converse(ctx, messages)
    system = _system_prompt_caching(ctx, system, messages)
    if system:
        converse["system"] = system
    tools = _tools(ctx, method)
    if tools is not None:
        converse["toolConfig"] = {"tools": tools}
    converse.update(_additional_kwargs(ctx))
    wire = from_converse(converse, operation="Converse")
    return Translation(_with_rules_model(ctx, wire), MISSING, ctx.findings, ctx.notes)


# ---- constructor -------------------------------------------------------------------------------


def _refused_by_constructor(ctx: Context) -> bool:
    """TypeError for ``cache_control=``, ValueError for an application profile ARN as model."""
    if "cache_control" in ctx.request:
        ctx.report(
            rules.CTOR_CACHE_CONTROL,
            "BedrockConverse() has no `cache_control` argument: TypeError before any request",
            path="cache_control",
        )
        return True
    model = ctx.request.get("model")
    if isinstance(model, str) and ctx.facts.resolve(model).is_application_profile:
        ctx.report(
            rules.MODEL_ARN,
            f'`{model}` is not in BedrockConverse\'s model table: ValueError ("Unknown model") '
            "before any request",
            path="model",
        )
        return True
    return False


def _model_id(ctx: Context) -> object:
    arn = ctx.request.get("application_inference_profile_arn")
    return arn if arn is not None else ctx.request.get("model")


def _with_rules_model(ctx: Context, wire: WireRequest) -> WireRequest:
    """The profile ARN goes out as modelId; ``model`` says which model stands behind it."""
    model = ctx.request.get("model")
    if "application_inference_profile_arn" not in ctx.request or model == wire.model_id:
        return wire
    if isinstance(model, (str, Unknown)):
        ctx.note("modelId is the application inference profile ARN; the model rules use `model`")
        return dataclasses.replace(wire, model_id=model)
    return wire


def _additional_kwargs(ctx: Context) -> dict[str, Any]:
    """Constructor ``additional_kwargs`` are merged into the Converse call's keyword arguments."""
    extra = ctx.request.get("additional_kwargs")
    if not isinstance(extra, Mapping):
        return {}
    if "cache_control" in extra:
        ctx.report(
            rules.ADDITIONAL_KWARGS_CACHE_CONTROL,
            "`cache_control` becomes a top-level Converse parameter: botocore raises "
            "ParamValidationError before sending",
            path="additional_kwargs.cache_control",
        )
    return {k: v for k, v in extra.items() if k != "cache_control" and k not in _CALL_KEYS}


# ---- method and messages -----------------------------------------------------------------------


def _method(ctx: Context) -> object:
    method = ctx.request.get("method")
    if method is None:
        return "chat_with_tools" if ctx.request.get("tools") else "chat"
    if isinstance(method, Unknown):
        return method
    if not isinstance(method, str) or method not in _KNOWN_METHODS:
        ctx.note(f"method {method!r} is not one bedrockcache knows; what it sends is not audited")
        return Unknown(f"method {method!r}")
    return method


def _messages(ctx: Context, method: object) -> list[_Message] | Unknown:
    raw = ctx.request.get("messages")
    if isinstance(raw, Unknown):
        return raw
    messages: list[_Message] = []
    if isinstance(raw, (list, tuple)):
        messages = [_parse_message(value, f"messages[{i}]") for i, value in enumerate(raw)]
    prompt = ctx.request.get("system_prompt")
    if prompt is None:
        return messages
    if method in _PROMPT_METHODS:  # LLM._extend_messages puts it first, always
        return [_Msg("system", [(prompt, "system_prompt")], "system_prompt", {}), *messages]
    if isinstance(method, Unknown):
        hole = Unknown("constructor system_prompt (sent only by the prompt helpers)")
        return [_Msg("system", [(hole, "system_prompt")], "system_prompt", {}), *messages]
    flag = ctx.request.get("system_prompt_caching")
    if flag and not isinstance(flag, Unknown) and not _has_system(messages):
        ctx.report(
            rules.CTOR_SYSTEM_PROMPT_NOT_SENT,
            f"{method}() sends only the system ChatMessages it is given: the constructor's "
            "system_prompt and its system_prompt_caching point are not sent",
            path="system_prompt",
        )
    return messages


def _has_system(messages: Sequence[_Message]) -> bool:
    return any(isinstance(m, _Msg) and m.role == "system" for m in messages)


def _parse_message(value: object, path: str) -> _Message:
    if isinstance(value, Unknown):
        return value
    data = fields_of(value)
    if data is None:
        return Unknown(f"unrecognised ChatMessage at {path}")
    role = data.get("role", "user")
    if isinstance(role, Enum):
        role = role.value
    if isinstance(role, Unknown):
        return role
    if not isinstance(role, str):
        return Unknown(f"role of the ChatMessage at {path}")
    if "blocks" in data:
        blocks = _block_list(data["blocks"], f"{path}.blocks")
    else:
        blocks = _block_list(data.get("content"), f"{path}.content")
    return _Msg(role.lower(), blocks, path, data)


def _block_list(value: object, path: str) -> list[tuple[object, str]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [({"block_type": "text", "text": value}, path)]
    if isinstance(value, (list, tuple)):
        return [(block, f"{path}[{i}]") for i, block in enumerate(value)]
    return [(value if isinstance(value, Unknown) else Unknown(path), path)]


def _block_kind(block: object) -> str | None:
    if isinstance(block, str):
        return "text"
    kind = _BLOCK_CLASSES.get(class_name(block) or "")
    if kind is not None:
        return kind
    data = fields_of(block)
    block_type = data.get("block_type") if data else None
    if block_type == "cache":  # CachePoint's own block_type: pydantic reads such a dict as one
        return "cache_point"
    return block_type if isinstance(block_type, str) else None


# ---- messages_to_converse_messages --------------------------------------------------------------


def _to_converse(ctx: Context, messages: Sequence[_Message]) -> tuple[list[object], list[object]]:
    system = _SystemBuilder(ctx)
    out: list[object] = []
    for msg in messages:
        if isinstance(msg, Unknown):
            out.append(msg)
            continue
        _check_message_kwargs(ctx, msg)
        if msg.role == "system":
            for block, path in msg.blocks:
                system.add(block, path)
        elif msg.role in ("tool", "function"):
            out.append({"role": "user", "content": [_tool_result(msg)]})
        else:
            content = [c for b, p in msg.blocks for c in _content_block(ctx, b, p, msg.role)]
            if content:
                out.append({"role": msg.role, "content": content})
    return system.finish(), _merge_roles(out)


def _check_message_kwargs(ctx: Context, msg: _Msg) -> None:
    extra = msg.fields.get("additional_kwargs")
    if isinstance(extra, Mapping) and "cache_control" in extra:
        ctx.report(
            rules.MESSAGE_CACHE_CONTROL_DROPPED,
            "BedrockConverse ignores `additional_kwargs` cache_control: no cachePoint is sent "
            "for this message",
            path=f"{msg.path}.additional_kwargs.cache_control",
        )


class _SystemBuilder:
    """SYSTEM blocks: text runs joined by newlines, split by (allowed) CachePoints."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.out: list[object] = []
        self.text = ""

    def add(self, block: object, path: str) -> None:
        if isinstance(block, Unknown):
            self._flush()
            self.out.append(block)
            return
        kind = _block_kind(block)
        if kind == "text":
            text = block if isinstance(block, str) else (fields_of(block) or {}).get("text")
            if isinstance(text, Unknown):
                self._flush()
                self.out.append({"text": text})
            elif isinstance(text, str) and text:
                self.text += text + "\n"
        elif kind == "cache_point":
            self._flush()
            self._cache_point(block, path)

    def _flush(self) -> None:
        if self.text != "":
            self.out.append({"text": self.text.strip()})
            self.text = ""

    def _cache_point(self, block: object, path: str) -> None:
        allowed = _model_caches(self.ctx)
        if allowed is False:
            self.ctx.report(
                rules.SYSTEM_POINT_MODEL_GATED,
                f"model `{self.ctx.request.get('model')}` is not in LlamaIndex's prompt-caching "
                "list: this system CachePoint is dropped (a warning is logged)",
                path=path,
            )
            return
        if isinstance(allowed, Unknown):
            self.out.append(allowed)
        else:
            self.out.append(_cache_point(self.ctx, block, path))

    def finish(self) -> list[object]:
        self._flush()
        return self.out


def _model_caches(ctx: Context) -> bool | Unknown:
    """Whether ``model`` is on the library's caching list, read from our model data."""
    model = ctx.request.get("model")
    if isinstance(model, Unknown):
        return Unknown("model (LlamaIndex drops system CachePoints for some models)")
    if not isinstance(model, str):
        return True
    known = ctx.facts.resolve(model).model
    if known is None:
        ctx.note(
            f"model `{model}` is not in bedrockcache's data: whether LlamaIndex keeps a system "
            "CachePoint for it is not checked"
        )
        return True
    return known.caching != "no"


def _cache_point(ctx: Context, block: object, path: str) -> dict[str, Any]:
    """``{"cachePoint": {"type": "default"}}``, whatever type and ttl were asked."""
    control = (fields_of(block) or {}).get("cache_control")
    settings = fields_of(control) or {}
    kind, ttl = settings.get("type"), settings.get("ttl")
    if isinstance(kind, str) and kind != "default":
        ctx.report(
            rules.TYPE_FORCED,
            f'`type: {kind!r}` is sent as "default" (LlamaIndex logs a warning)',
            path=f"{path}.cache_control.type",
        )
    if isinstance(ttl, str) and ttl != "5m":
        ctx.report(
            rules.TTL_DROPPED,
            f"`ttl: {ttl!r}` is not sent: this cachePoint caches for 5 minutes",
            path=f"{path}.cache_control.ttl",
        )
    return {"cachePoint": {"type": "default"}}


def _content_block(ctx: Context, block: object, path: str, role: str) -> list[object]:
    if isinstance(block, Unknown):
        return [block]
    kind = _block_kind(block)
    data = fields_of(block) or {}
    if kind == "text":
        text = block if isinstance(block, str) else data.get("text")
        return [{"text": text}] if text else []
    if kind == "cache_point":
        return [_cache_point(ctx, block, path)]
    if kind == "image":
        return [{"image": Unknown(f"image at {path}")}] if role == "user" else []
    if kind == "document":
        return [{"document": Unknown(f"document at {path}")}]
    if kind == "thinking":
        if role != "assistant":
            return [{"text": data.get("content", Unknown(path))}]
        return [{"reasoningContent": Unknown(f"thinking at {path}")}] if data.get("content") else []
    if kind == "tool_call":
        return [
            {
                "toolUse": {
                    "toolUseId": data.get("tool_call_id"),
                    "name": data.get("tool_name"),
                    "input": data.get("tool_kwargs"),
                }
            }
        ]
    return []  # audio and unknown block types: "Unsupported block type", not sent


def _tool_result(msg: _Msg) -> dict[str, Any]:
    texts = [
        (fields_of(b) or {}).get("text") if not isinstance(b, str) else b
        for b, _p in msg.blocks
        if _block_kind(b) == "text"
    ]
    content = "".join(t for t in texts if isinstance(t, str))
    extra = msg.fields.get("additional_kwargs")
    tool_call_id = extra.get("tool_call_id") if isinstance(extra, Mapping) else None
    return {
        "toolResult": {"toolUseId": tool_call_id, "content": [{"text": content}] if content else []}
    }


def _merge_roles(messages: list[object]) -> list[object]:
    """``__merge_common_role_msgs``: consecutive messages of one role become one."""
    merged: list[object] = []
    for msg in messages:
        last = merged[-1] if merged else None
        if isinstance(msg, dict) and isinstance(last, dict) and last["role"] == msg["role"]:
            last["content"] = last["content"] + msg["content"]
        else:
            merged.append(msg)
    return merged


# ---- system_prompt_caching and tools -----------------------------------------------------------


def _system_prompt_caching(
    ctx: Context, system: list[object], messages: list[_Message] | Unknown
) -> list[object]:
    flag = ctx.request.get("system_prompt_caching")
    if not flag:
        return system
    if not system:
        unknown = isinstance(messages, Unknown) or any(isinstance(m, Unknown) for m in messages)
        unknown = unknown or isinstance(flag, Unknown)  # it may be off: nothing to report
        if not unknown and "system_prompt" not in ctx.request:  # else BC245 says it
            ctx.report(
                rules.SYSTEM_CACHING_WITHOUT_SYSTEM,
                "no system content is sent, so system_prompt_caching adds no cachePoint",
                path="system_prompt_caching",
            )
        return system
    last = system[-1]
    if isinstance(last, Mapping) and "cachePoint" in last:
        return system
    if isinstance(flag, Unknown) or isinstance(last, Unknown):
        return [*system, Unknown("system_prompt_caching point")]
    return [*system, {"cachePoint": {"type": "default"}}]


def _tools(ctx: Context, method: object) -> list[object] | Unknown | None:
    tools = ctx.request.get("tools")
    if tools is None or (isinstance(tools, (list, tuple)) and not tools):
        return None
    if isinstance(method, str) and method not in TOOL_METHODS:
        ctx.note(f"{method}() sends no tools; `tools` is not audited for it")
        return None
    if isinstance(tools, Unknown):
        return tools
    if not isinstance(tools, (list, tuple)):
        return Unknown("tools (not a list)")
    out: list[object] = [_tool_spec(t) for t in tools]
    per_call = ctx.request.get("call_tool_caching")
    if isinstance(per_call, Unknown) or isinstance(method, Unknown):
        out.append(Unknown("tool_caching of the call"))
    elif per_call:
        out.append({"cachePoint": {"type": "default"}})
    _constructor_tool_caching(ctx, method, out)
    return out


def _constructor_tool_caching(ctx: Context, method: object, tools: list[object]) -> None:
    """The constructor's flag counts only on the native async path (aioboto3 installed)."""
    flag = ctx.request.get("tool_caching")
    if not flag:
        return
    if isinstance(flag, Unknown) or isinstance(method, Unknown):
        tools.append(Unknown("constructor tool_caching"))
        return
    if isinstance(method, str) and method.startswith("a"):
        aioboto3 = ctx.request.get("aioboto3")
        if aioboto3 is None or isinstance(aioboto3, Unknown):
            ctx.note("whether aioboto3 is installed decides if the constructor tool_caching counts")
            tools.append(Unknown("constructor tool_caching (honoured only with aioboto3)"))
            return
        if aioboto3:
            tools.append({"cachePoint": {"type": "default"}})
            return
    ctx.report(
        rules.CTOR_TOOL_CACHING_IGNORED,
        f"{method}() ignores the constructor's tool_caching=True: the tools are sent without "
        "a cachePoint",
        path="tool_caching",
    )


def _tool_spec(tool: object) -> object:
    if isinstance(tool, Unknown):
        return tool
    data = fields_of(tool) if not isinstance(tool, Mapping) else tool
    data = data or {}
    metadata = fields_of(data.get("metadata")) if "metadata" in data else None
    source = metadata or data
    schema = source.get("parameters", source.get("input_schema"))
    return {
        "toolSpec": {
            "name": source.get("name", Unknown("tool name")),
            "description": source.get("description", Unknown("tool description")),
            "inputSchema": {"json": schema if schema is not None else Unknown("tool schema")},
        }
    }
