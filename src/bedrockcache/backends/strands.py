"""Strands Agents (``strands-agents``) through its ``BedrockModel``: Converse / ConverseStream.

What Strands does with a cache directive (strands-agents 1.62.0, captured on the wire; see the
project's research notes, wire-b section 1):

* ``system_prompt`` given as a list of SystemContentBlocks goes to botocore as written, so
  ``{"cachePoint": {...}}`` blocks (with ``ttl``) reach Bedrock; a string becomes ``[{"text": s}]``.
  An Anthropic ``cache_control`` there makes botocore raise ParamValidationError (BC204, rejected).
* Message content blocks are rebuilt from their Converse fields: ``cachePoint`` (type, ttl) passes,
  a text block keeps only ``text``, so Anthropic ``cache_control`` on a block or a message is
  silently dropped (BC204); a block that is only ``cache_control`` is a TypeError in a message
  and a ValueError in a prompt list (Agent's own input check).
* ``cache_prompt=<type>`` (deprecated since 1.15) appends ``{"cachePoint": {"type": <type>}}`` to
  the system blocks, even when there are none; ``cache_tools`` (deprecated since 1.55) appends one
  to the tools when there are tools.
* ``cache_config=CacheConfig(strategy, ttl, system_prompt_ttl=True, tools_ttl=None)``: ``"auto"``
  means ``"anthropic"`` only when "claude" or "anthropic" is part of the model id, otherwise every
  point below is skipped (BC211). ``"anthropic"`` adds a system point (when the system prompt has
  content and no cachePoint of its own and ``system_prompt_ttl`` is truthy), a tools point (when
  ``tools_ttl`` is set and there are tools; an explicit ``tools_ttl`` supersedes ``cache_tools``)
  and a point in the last user message; cachePoints in earlier messages are removed, and a
  cachePoint the caller placed in the last user message is honoured where it stands (1.52+) with
  the configured TTL. A system cachePoint without a TTL (hand-placed, cache_prompt's or its own)
  takes a ``system_prompt_ttl`` string, else ``CacheConfig.ttl`` unless the tools point carries a
  different TTL (then none).
* Unknown BedrockModel parameters (``cache_points``, ``cache_system_prompt``...) only warn (BC210).
* ``additional_request_fields`` becomes ``additionalModelRequestFields`` unchanged;
  ``additional_args`` is merged into the request last.

Request shape: ``Agent`` keyword arguments plus the conversation::

    {
      "model": "<model id>"                      # Agent(model="...") builds a BedrockModel
             | {"model_id": ..., "cache_config": ..., "cache_prompt": ..., "cache_tools": ...,
                "additional_request_fields": ..., "additional_args": ..., "streaming": ...}
                                                 # BedrockModel kwargs: a dict, Constructed or
                                                 # a real BedrockModel
             | absent                            # Strands' default model: id treated as unknown
      "system_prompt": str | [SystemContentBlock],
      "tools": [toolSpec dict | {"toolSpec": ...} | anything else (a tool whose spec is unseen)],
      "messages": [{"role": ..., "content": [content blocks]}],  # Agent(messages=...)
      "prompt": str | [content blocks] | [messages],             # agent(prompt)
    }

BedrockModel keyword arguments may also be written at the top level (``cache_config``, ...;
those under ``model`` win), which keeps bedrockcache 0.1.0 requests (``{"messages": [...],
"cache_points": [...]}``) auditable. ``cache_config`` (and ``cache_tools``'s CacheToolsConfig)
may be a ``CacheConfig`` object, ``Constructed("CacheConfig", ...)`` or a plain mapping of its
fields: a JSON request can only write a mapping, so a mapping is read as the CacheConfig fields
(in Python code a dict raises AttributeError in Strands; pass ``CacheConfig(...)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Translation
from bedrockcache.facts import Facts
from bedrockcache.findings import Finding, Outcome
from bedrockcache.objects import class_name, fields_of
from bedrockcache.rules import strands as rules
from bedrockcache.unknown import Unknown
from bedrockcache.wire import from_converse

__all__ = ["MISSING", "looks_like", "translate"]

MISSING = "BC104"

_R = {rule.code: rule for rule in rules.RULES}
_AGENT_KEYS = frozenset({"model", "system_prompt", "tools", "messages", "prompt"})
# BedrockModel(**model_config) keys of strands-agents 1.62.0 (BedrockConfig plus the constructor's
# own arguments); research wire-b section 1, models/bedrock.py BedrockConfig.
_MODEL_KEYS = frozenset(
    {
        "model_id",
        "cache_config",
        "cache_prompt",
        "cache_tools",
        "additional_args",
        "additional_request_fields",
        "additional_response_field_paths",
        "guardrail_id",
        "guardrail_trace",
        "guardrail_version",
        "guardrail_stream_processing_mode",
        "guardrail_redact_input",
        "guardrail_redact_input_message",
        "guardrail_redact_output",
        "guardrail_redact_output_message",
        "guardrail_latest_message",
        "include_tool_result_status",
        "max_tokens",
        "service_tier",
        "stop_sequences",
        "streaming",
        "strict_tools",
        "temperature",
        "top_p",
        "use_native_token_count",
        "boto_session",
        "boto_client_config",
        "region_name",
        "endpoint_url",
    }
)
_CACHE_KEYS = ("cache_config", "cache_prompt", "cache_tools")
# Keys other layers' request shapes use and Strands' does not (detection must stay specific).
_FOREIGN_KEYS = frozenset(
    {
        "modelId",
        "body",
        "anthropic_version",
        "max_tokens",
        "system",
        "model_settings",
        "run_model_settings",
        "instructions",
        "dynamic_instructions",
        "message_history",
        "system_prompt_caching",
        "tool_caching",
        "application_inference_profile_arn",
        "cache_control_injection_points",
        "model_kwargs",
        "additional_model_request_fields",
        "provider",
        "base_model_id",
        "chat_history",
        "llm",
        "invoke_kwargs",
        "middleware",
        "beta_use_converse_api",
        "base_model",
        "call_tool_caching",
        "aioboto3",
    }
)
# The order in which Strands' _format_request_message_content looks at a content block.
_BLOCKS_BEFORE_TEXT = ("document", "guardContent", "image", "reasoningContent")
_BLOCKS_AFTER_TEXT = ("toolResult", "toolUse", "video", "citationsContent")


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    """A Strands shape: BedrockModel settings, or ``system_prompt`` with a Strands conversation."""
    keys = set(request)
    if keys & _FOREIGN_KEYS:
        return False
    model = request.get("model")
    if class_name(model) == "BedrockModel":
        return True
    if isinstance(model, Mapping) and "model_id" in model:
        return True
    if keys & {"cache_points", *_CACHE_KEYS}:
        return True
    if isinstance(model, str) and model.startswith(("bedrock:", "bedrock/")):
        return False
    if "system_prompt" in request and "prompt" in request:
        return True
    return "system_prompt" in request and _converse_shaped(request.get("messages"))


def _converse_shaped(messages: object) -> bool:
    if not isinstance(messages, list) or not messages:
        return False
    for message in messages:
        content = message.get("content") if isinstance(message, Mapping) else None
        if not isinstance(content, list):
            return False
        if any(isinstance(b, Mapping) and "type" in b for b in content):
            return False
    return True


# ---- the model's configuration -----------------------------------------------------------------


@dataclass
class _Model:
    """BedrockModel's configuration as Strands holds it, or why it cannot be read."""

    config: dict[str, Any] = field(default_factory=dict)
    unknown: Unknown | None = None  # the whole model (and so its cache settings) is Unknown
    foreign: str | None = None  # a Strands model class that does not talk to Bedrock


def _read_model(request: Mapping[str, Any]) -> _Model:
    top = {
        k: v
        for k, v in request.items()
        if isinstance(k, str) and k not in _AGENT_KEYS and (k in _MODEL_KEYS or _is_cache_name(k))
    }
    model = request.get("model")
    if model is None:
        return _Model(top)
    if isinstance(model, str):
        return _Model({**top, "model_id": model})
    if isinstance(model, Unknown):
        return _Model(top, unknown=model)
    name = class_name(model)
    fields = fields_of(model)
    if fields is None:
        return _Model(top, unknown=Unknown(f"model {model!r}"))
    if name not in (None, "BedrockModel"):
        return _Model(top, foreign=name)
    inner = fields.get("config")  # a real BedrockModel keeps its settings in .config
    if "model_id" not in fields and isinstance(inner, Mapping):
        fields = inner
    return _Model({**top, **fields})


def _is_cache_name(key: str) -> bool:
    return "cache" in key.lower()


def _falsy(value: object) -> bool:
    return not isinstance(value, Unknown) and not value


# ---- translate ---------------------------------------------------------------------------------


@dataclass
class _State:
    """What one translation has found so far."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, code: str, message: str, path: str | None = None, **kw: Any) -> None:
        self.findings.append(_R[code].finding(message, path=path, **kw))


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    """The ConverseStream request Strands builds from ``request``, and what it dropped."""
    state = _State()
    model = _read_model(request)
    if model.foreign is not None:
        state.notes.append(
            f"model is a Strands {model.foreign}, which does not call Bedrock Converse: not audited"
        )
        return Translation(None, MISSING, state.findings, state.notes)
    config = model.config
    _report_unknown_parameters(config, state)
    system = _system(request.get("system_prompt"), state)
    messages = _messages(request, state)
    tools = _tools(request.get("tools"), messages)

    if model.unknown is not None:
        _mark_unknown_model(model.unknown, system, messages, tools)
        tools_point: list[object] = []
    else:
        system = _cache_prompt(config, system, state)
        strategy = _strategy(config, state)
        cache = _cache_fields(config)
        tools_point = _tools_point(config, cache, strategy, tools, state)
        if strategy == "anthropic":
            system = _system_cache(system, cache, tools_point)
            _inject_message_point(messages, cache.get("ttl"), state)
        elif isinstance(strategy, Unknown):
            _mark_possible_points(strategy, cache, system, messages)
        elif strategy == "skipped":
            _report_skipped(config, system, messages, tools, cache, state)

    converse: dict[str, Any] = {
        "modelId": config.get("model_id") if model.unknown is None else model.unknown,
        "messages": messages,
        "system": system,
    }
    if isinstance(tools, Unknown):
        converse["toolConfig"] = tools
    elif tools:
        converse["toolConfig"] = {"tools": [*tools, *tools_point], "toolChoice": {"auto": {}}}
    extra = config.get("additional_request_fields")
    if not _falsy(extra):
        converse["additionalModelRequestFields"] = extra
    additional_args = config.get("additional_args")
    if isinstance(additional_args, Mapping):
        converse.update(additional_args)
    operation = "Converse" if config.get("streaming") is False else "ConverseStream"
    wire = from_converse(converse, operation=operation)
    return Translation(wire, MISSING, state.findings, state.notes)


def _report_unknown_parameters(config: Mapping[str, Any], state: _State) -> None:
    for key, value in config.items():
        if not isinstance(key, str) or key in _CACHE_KEYS or not _is_cache_name(key):
            continue
        if _falsy(value):
            continue
        state.add(
            "BC210",
            f'`{key}` is not a Strands parameter: BedrockModel warns "Invalid configuration '
            f"parameters: ['{key}']\" and caches nothing for it (Agent({key}=...) is a TypeError)",
            path=key,
        )


# ---- system prompt -----------------------------------------------------------------------------


def _system(value: object, state: _State) -> list[Any] | Unknown:
    """Strands' system blocks: a string becomes one text block, a list goes out as written."""
    if isinstance(value, Unknown):
        return value
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [{"text": value}]
    if not isinstance(value, (list, tuple)):
        return [Unknown(f"system_prompt {class_name(value) or type(value).__name__}")]
    blocks: list[Any] = []
    for i, block in enumerate(value):
        path = f"system_prompt[{i}]"
        if isinstance(block, str):
            blocks.append({"text": block})
        elif isinstance(block, Mapping) and "cache_control" in block:
            state.add(
                "BC204",
                "Anthropic `cache_control` in a system_prompt block: Strands passes the block to "
                'botocore, which raises ParamValidationError ("Unknown parameter in system: '
                'cache_control"); nothing is sent',
                path=f"{path}.cache_control",
                outcome=Outcome.REJECTED,
            )
            kept = {k: v for k, v in block.items() if k in ("text", "guardContent", "cachePoint")}
            if kept:
                blocks.append(kept)
        elif isinstance(block, (Mapping, Unknown)):
            blocks.append(block)
        else:
            blocks.append(Unknown(path))
    return blocks


def _cache_prompt(config: Mapping[str, Any], system: list[Any] | Unknown, state: _State) -> Any:
    value = config.get("cache_prompt")
    if _falsy(value):
        return system
    if isinstance(value, Unknown):
        point: object = Unknown("cache_prompt")
    else:
        point = {"cachePoint": {"type": value}}
        state.add(
            "BC214",
            "`cache_prompt` is deprecated since Strands 1.15 (a UserWarning); it still appends "
            f'{{"cachePoint": {{"type": {value!r}}}}} to the system prompt',
            path="cache_prompt",
        )
    base = [system] if isinstance(system, Unknown) else list(system)
    return [*base, point]


# ---- messages ----------------------------------------------------------------------------------


def _messages(request: Mapping[str, Any], state: _State) -> list[Any]:
    """The conversation as Strands formats it: earlier turns, then the prompt as a user turn."""
    out: list[Any] = []
    history = request.get("messages")
    if isinstance(history, Unknown):
        out.append(history)
    elif isinstance(history, (list, tuple)):
        for i, message in enumerate(history):
            _append_message(out, message, f"messages[{i}]", state)
    prompt = request.get("prompt")
    if prompt is None:
        return out
    if isinstance(prompt, Unknown):
        out.append({"role": "user", "content": [prompt]})
    elif (
        isinstance(prompt, (list, tuple))
        and prompt
        and all(isinstance(p, Mapping) and "role" in p for p in prompt)
    ):
        for i, message in enumerate(prompt):
            _append_message(out, message, f"prompt[{i}]", state)
    else:
        _append_message(out, {"role": "user", "content": prompt}, "prompt", state, bare=True)
    return out


def _append_message(
    out: list[Any], message: object, path: str, state: _State, *, bare: bool = False
) -> None:
    if isinstance(message, Unknown):
        out.append(message)
        return
    if not isinstance(message, Mapping):
        return
    if "cache_control" in message and not bare:
        state.add(
            "BC204",
            "Anthropic `cache_control` on a message: Strands rebuilds the message from its role "
            "and content only, so it is dropped silently",
            path=f"{path}.cache_control",
        )
    content = message.get("content")
    where = path if bare else f"{path}.content"
    if isinstance(content, str):
        blocks: list[Any] = [{"text": content}]
    elif isinstance(content, Unknown):
        blocks = [content]
    elif isinstance(content, (list, tuple)):
        blocks = []
        for c, block in enumerate(content):
            formatted = _content_block(block, f"{where}[{c}]", state)
            if formatted is not None:
                blocks.append(formatted)
    else:
        blocks = []
    if blocks:
        out.append({"role": message.get("role"), "content": blocks})


def _content_block(block: object, path: str, state: _State) -> object | None:
    """One block as Strands' _format_request_message_content returns it (None: left out)."""
    if isinstance(block, Unknown):
        return block
    if isinstance(block, str):
        return {"text": block}
    if not isinstance(block, Mapping):
        return Unknown(path)
    if "SDK_UNKNOWN_MEMBER" in block:
        return None
    if "cachePoint" in block:
        point = block["cachePoint"]
        if not isinstance(point, Mapping):
            return {"cachePoint": point}
        kept = {"type": point.get("type")}
        if "ttl" in point:
            kept["ttl"] = point["ttl"]
        if len(block) > 1:
            state.notes.append(f"{path}: Strands keeps only the cachePoint of a merged block")
        return {"cachePoint": kept}
    for kind in (*_BLOCKS_BEFORE_TEXT, "text", *_BLOCKS_AFTER_TEXT):
        if kind in block:
            if "cache_control" in block:
                state.add(
                    "BC204",
                    f"Anthropic `cache_control` on a {kind} block: Strands keeps only the "
                    f"block's Converse fields, so it is dropped silently (no warning)",
                    path=f"{path}.cache_control",
                )
            return {kind: block[kind]}
    if "cache_control" in block:
        state.add(
            "BC204",
            "a content block holding only Anthropic `cache_control`: Strands raises before "
            'sending (ValueError "Input prompt must be of type" for a prompt list, TypeError '
            '"content_type=<cache_control> | unsupported type" in a message); nothing is sent',
            path=f"{path}.cache_control",
            outcome=Outcome.REJECTED,
        )
    return None


def _tools(value: object, messages: Sequence[Any]) -> list[Any] | Unknown:
    if isinstance(value, Unknown):
        return value
    tools: list[Any] = []
    if isinstance(value, (list, tuple)):
        for i, tool in enumerate(value):
            tools.append(_tool_spec(tool, i))
    if not tools and any(_has_tool_blocks(m) for m in messages):
        # Strands adds its no-op tool when the history holds toolUse/toolResult blocks.
        tools.append({"toolSpec": Unknown("Strands' noop tool")})
    return tools


def _tool_spec(tool: object, index: int) -> object:
    if isinstance(tool, Mapping) and "toolSpec" in tool:
        return {"toolSpec": tool["toolSpec"]}
    if isinstance(tool, Mapping) and "name" in tool and "inputSchema" in tool:
        spec = {k: tool[k] for k in ("name", "description", "inputSchema") if k in tool}
        return {"toolSpec": spec}
    # A decorated function or tool object: it exists, its spec's size is not seen.
    return {"toolSpec": Unknown(f"tools[{index}]")}


def _has_tool_blocks(message: object) -> bool:
    content = message.get("content") if isinstance(message, Mapping) else None
    return isinstance(content, list) and any(
        isinstance(b, Mapping) and ("toolUse" in b or "toolResult" in b) for b in content
    )


# ---- cache_config ------------------------------------------------------------------------------


def _cache_fields(config: Mapping[str, Any]) -> Mapping[str, Any]:
    value = config.get("cache_config")
    fields = None if isinstance(value, Unknown) else fields_of(value)
    return fields if fields is not None else {}


def _strategy(config: Mapping[str, Any], state: _State) -> object:
    """``"anthropic"``, ``"skipped"`` (auto on another model), None (off), or Unknown."""
    value = config.get("cache_config")
    if _falsy(value):
        return None
    if isinstance(value, Unknown):
        return value
    fields = fields_of(value)
    if fields is None or class_name(value) == "dict":  # the linter marks a dict literal so
        state.add(
            "BC213",
            f"cache_config={value!r} is not a CacheConfig: Strands raises AttributeError "
            "(\"has no attribute 'strategy'\") before sending",
            path="cache_config",
        )
        return None
    strategy = fields.get("strategy", "auto")
    if isinstance(strategy, Unknown):
        return strategy
    if strategy == "anthropic":
        return "anthropic"
    if strategy != "auto":
        state.add(
            "BC212",
            f'CacheConfig(strategy={strategy!r}): Strands knows only "auto" and "anthropic" '
            "and adds no cache point",
            path="cache_config.strategy",
        )
        return None
    model_id = config.get("model_id")
    if isinstance(model_id, str):
        lowered = model_id.lower()
        return "anthropic" if "claude" in lowered or "anthropic" in lowered else "skipped"
    if model_id is None:
        state.notes.append(
            'no model id: Strands\' default model decides whether strategy="auto" caches; '
            "the cache points it would add are left unaudited"
        )
        return Unknown("CacheConfig(strategy='auto') with Strands' default model")
    return Unknown("CacheConfig(strategy='auto') with an unknown model id")


def _point(ttl: object) -> dict[str, Any]:
    directive: dict[str, Any] = {"type": "default"}
    if not _falsy(ttl):
        directive["ttl"] = ttl
    return {"cachePoint": directive}


def _tools_point(
    config: Mapping[str, Any],
    cache: Mapping[str, Any],
    strategy: object,
    tools: list[Any] | Unknown,
    state: _State,
) -> list[object]:
    """The cachePoint appended to the tools: CacheConfig.tools_ttl, else deprecated cache_tools."""
    tools_ttl = cache.get("tools_ttl")
    cache_tools = config.get("cache_tools")
    if not _falsy(cache_tools):
        state.add(
            "BC215",
            "`cache_tools` is deprecated since Strands 1.55 (a DeprecationWarning)"
            + (" and is superseded here by CacheConfig.tools_ttl" if tools_ttl is not None else ""),
            path="cache_tools",
        )
    if tools_ttl is not None and strategy is not None:
        wanted = _managed_tools_point(tools_ttl, cache, strategy)
    elif tools_ttl is None and not _falsy(cache_tools):
        wanted = [_deprecated_tools_point(cache_tools)]
    else:
        wanted = []
    if wanted and isinstance(tools, list) and not tools:
        setting = "cache_tools" if tools_ttl is None else "CacheConfig.tools_ttl"
        state.add("BC216", f"{setting} is set but the agent has no tools", path=setting)
        return []
    return wanted


def _managed_tools_point(tools_ttl: object, cache: Mapping[str, Any], strategy: object) -> list:
    if isinstance(tools_ttl, Unknown) or isinstance(strategy, Unknown):
        return [Unknown("CacheConfig.tools_ttl")]
    if strategy != "anthropic" or not tools_ttl:
        return []
    ttl = tools_ttl if isinstance(tools_ttl, str) else cache.get("ttl")
    return [_point(ttl)]


def _deprecated_tools_point(cache_tools: object) -> object:
    if isinstance(cache_tools, Unknown):
        return Unknown("cache_tools")
    fields = fields_of(cache_tools)
    if fields is None:  # a plain string: the cachePoint type
        return {"cachePoint": {"type": cache_tools}}
    directive: dict[str, Any] = {"type": fields.get("type", "default")}
    if not _falsy(fields.get("ttl")):
        directive["ttl"] = fields.get("ttl")
    return {"cachePoint": directive}


def _system_cache(
    system: list[Any] | Unknown, cache: Mapping[str, Any], tools_point: list[object]
) -> list[Any] | Unknown:
    """The anthropic strategy's system point, then the TTL Strands gives every system point
    without one (its own, a hand-placed one, cache_prompt's): _apply_system_cache_ttl."""
    if isinstance(system, Unknown) or not system:
        return system
    wanted = cache.get("system_prompt_ttl", True)
    if not any(_is_point(b) for b in system):  # a hand-placed point is honoured, not doubled
        if isinstance(wanted, Unknown):
            return [*system, Unknown("CacheConfig.system_prompt_ttl")]
        if not wanted:
            return system
        system = [*system, _point(None)]
    return _fill_system_ttl(system, _system_ttl(cache, tools_point))


def _system_ttl(cache: Mapping[str, Any], tools_point: list[object]) -> object:
    """A ``system_prompt_ttl`` string as written; else ``CacheConfig.ttl``, unless the tools
    point carries a different TTL (then Strands leaves the caller to reconcile them: none)."""
    wanted = cache.get("system_prompt_ttl", True)
    if isinstance(wanted, (str, Unknown)):
        return wanted
    ttl = cache.get("ttl")
    if _falsy(ttl) or not tools_point:
        return ttl
    if isinstance(tools_point[0], Unknown) or isinstance(ttl, Unknown):
        return Unknown("the system cache point's ttl (CacheConfig.tools_ttl)")
    return ttl if _ttl_of(tools_point[0]) == ttl else None


def _fill_system_ttl(system: list[Any], ttl: object) -> list[Any]:
    """Each system cachePoint without a TTL of its own takes ``ttl`` (a written one stays)."""
    if _falsy(ttl):
        return system
    filled: list[Any] = []
    for block in system:
        if _is_point(block) and isinstance(block["cachePoint"], Mapping):
            directive = block["cachePoint"]
            if _falsy(directive.get("ttl")):
                block = {**block, "cachePoint": {**directive, "ttl": ttl}}
        filled.append(block)
    return filled


def _ttl_of(element: object) -> object:
    if isinstance(element, Mapping) and isinstance(element.get("cachePoint"), Mapping):
        return element["cachePoint"].get("ttl")
    return None


def _is_point(block: object) -> bool:
    return isinstance(block, Mapping) and "cachePoint" in block


def _is_non_pdf_document(block: object) -> bool:
    if not isinstance(block, Mapping) or not isinstance(block.get("document"), Mapping):
        return False
    return block["document"].get("format", "") != "pdf"


def _inject_message_point(messages: list[Any], ttl: object, state: _State) -> None:
    """Strands' _inject_cache_point: one point, in the last user message (1.52+ behaviour)."""
    last_user = None
    for i, message in enumerate(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            last_user = i
    if any(isinstance(m, Unknown) for m in messages[(last_user or 0) :]):
        return  # the last user message may be hidden in an Unknown: the hole covers it
    stripped = 0
    for i, message in enumerate(messages):
        if i != last_user and isinstance(message, Mapping):
            kept = [b for b in message["content"] if not _is_point(b)]
            stripped += len(message["content"]) - len(kept)
            message["content"] = kept
    if last_user is not None:
        stripped += _place_in_last_user(messages[last_user]["content"], ttl)
    if stripped:
        state.add(
            "BC217",
            f"{stripped} cachePoint(s) outside the last user message removed by Strands "
            "(auto mode keeps one moving message point)",
            path="messages",
        )


def _place_in_last_user(content: list[Any], ttl: object) -> int:
    """Honour the caller's point (with the configured TTL) or append one; the number removed."""
    removed = 0
    placed = [j for j, block in enumerate(content) if _is_point(block)]
    if placed:
        for j in reversed(placed[1:]):
            del content[j]
            removed += 1
        first = placed[0]
        if first > 0:
            return removed + _honour(content, first, ttl)
        del content[0]  # nothing ahead of it to cache: removed, then placed automatically
        removed += 1
        if not content:
            return removed
    first_doc = next((j for j, b in enumerate(content) if _is_non_pdf_document(b)), None)
    if first_doc is None:
        content.append(_point(ttl))
    elif first_doc > 0:
        content.insert(first_doc, _point(ttl))
    return removed


def _honour(content: list[Any], index: int, ttl: object) -> int:
    directive = content[index]["cachePoint"]
    if isinstance(directive, Mapping):
        directive = {k: v for k, v in directive.items() if k != "ttl"}
        if not _falsy(ttl):
            directive["ttl"] = ttl
    point = {"cachePoint": directive}
    target = index
    while target > 0 and _is_non_pdf_document(content[target - 1]):
        target -= 1
    del content[index]
    if target == 0:
        return 1  # only documents before it: Strands drops the point
    content.insert(target, point)
    return 0


# ---- what cannot be decided --------------------------------------------------------------------


def _mark_unknown_model(
    hole: Unknown, system: list[Any] | Unknown, messages: list[Any], tools: list[Any] | Unknown
) -> None:
    """The model (and its cache settings) is Unknown: a point could go at each of these ends."""
    if isinstance(system, list) and system:
        system.append(Unknown(f"{hole.source} (cache settings)"))
    _mark_last_user(messages, hole)
    if isinstance(tools, list) and tools:
        tools.append(Unknown(f"{hole.source} (cache settings)"))


def _mark_possible_points(
    hole: Unknown, cache: Mapping[str, Any], system: list[Any] | Unknown, messages: list[Any]
) -> None:
    wanted = cache.get("system_prompt_ttl", True) is not False
    if isinstance(system, list) and system and wanted and not any(_is_point(b) for b in system):
        system.append(Unknown(hole.source))
    _mark_last_user(messages, hole)


def _mark_last_user(messages: list[Any], hole: Unknown) -> None:
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            message["content"].append(Unknown(hole.source))
            return


def _report_skipped(
    config: Mapping[str, Any],
    system: list[Any] | Unknown,
    messages: list[Any],
    tools: list[Any] | Unknown,
    cache: Mapping[str, Any],
    state: _State,
) -> None:
    lost = []
    if cache.get("system_prompt_ttl", True) is not False and system:
        lost.append("system prompt")
    if any(isinstance(m, Mapping) and m.get("role") == "user" for m in messages):
        lost.append("last user message")
    if not _falsy(cache.get("tools_ttl")) and tools:
        lost.append("tools")
    if not lost:
        return
    model_id = config.get("model_id")
    kind = (
        "an application inference profile ARN"
        if isinstance(model_id, str) and ":application-inference-profile/" in model_id
        else f"`{model_id}`"
    )
    state.add(
        "BC211",
        f'CacheConfig(strategy="auto") with {kind}: neither "claude" nor "anthropic" is in '
        f"the model id, so Strands adds no cache point ({', '.join(lost)} left uncached)",
        path="cache_config.strategy",
    )
