"""pydantic-ai with ``BedrockConverseModel`` (``Agent("bedrock:<id>")``): Converse / ConverseStream.

What pydantic-ai does with a cache directive (pydantic-ai-slim 2.68.0, captured on the wire; see
the project's research notes, wire-b section 2):

* ``bedrock_cache_instructions`` / ``bedrock_cache_tool_definitions`` / ``bedrock_cache_messages``
  (``True`` -> a cachePoint without ``ttl``; ``"5m"`` / ``"1h"`` -> that ``ttl``) add a point after
  the static instructions (before the ``@agent.instructions`` part; none when there are only dynamic
  ones), after the tool definitions (none without tools) and at the end of the last user message.
* ``CachePoint()`` in a user prompt becomes ``{"cachePoint": {"type": "default", "ttl": "5m"}}``
  (the explicit marker always carries its ``ttl``); one that opens a user message, follows another
  or follows only documents/videos is a UserError, and a dict in the prompt a ValueError.
* The unified ``cache`` setting (``True``, a retention, or a CacheConfig ``{"retention": ...,
  "messages": bool}``; other keys are a UserError) is used only when no ``bedrock_cache_*`` key is
  present and the profile has ``supports_cache``; its retention snaps to the profile's tiers
  (``"1h"`` becomes ``"5m"`` except on the Claude models pydantic-ai lists with 1h, ``"30m"``
  becomes ``"5m"``; with no tiers a retention becomes a plain point). Explicit values are sent as
  written.
* Caching needs the model profile, chosen from the ``<vendor>.`` part of the model name (an
  inference-profile or foundation-model ARN names it too): ``anthropic.`` caches prompts and
  tools, ``amazon.`` Nova prompts only, other vendors, unknown prefixes and application inference
  profile ARNs nothing (every directive is skipped silently). ``profile=`` is merged over that
  profile key by key. ``bedrock_inference_profile`` sends that id as ``modelId`` while the profile
  comes from the name.
* More than 4 points: the newest message points within the budget are kept, older ones removed;
  then every point is raised to the longest TTL after it (a 5m or default point before a 1h one
  becomes 1h), since Bedrock rejects a longer TTL after a shorter one.
* ``extra_body`` is ignored (UnsupportedSettingWarning in 2.68.0, silent before); other providers'
  keys (``anthropic_cache_*``) and made-up ones (``bedrock_cache_prompt``) are not read.

Request shape: ``Agent`` keyword arguments plus one run::

    {
      "model": "bedrock:<id>" | "<id>"
             | {"model_name": ..., "profile": {...}, "settings": {...}}  # BedrockConverseModel
                                  # kwargs: a dict, Constructed or a real BedrockConverseModel
      "system_prompt": str | [str],
      "instructions": str | [str],                 # static instructions
      "dynamic_instructions": bool | str | [str],  # what @agent.instructions functions return
      "tools": [{"name", "description", "parameters_json_schema"} | toolSpec | anything else],
      "model_settings": {...},       # Agent(model_settings=...): BedrockModelSettings or a dict
      "run_model_settings": {...},   # agent.run(..., model_settings=...)
      "prompt": str | [str | CachePoint | media object],
      "message_history": [{"role": "user" | "assistant", "content": str | [items]}],
    }

Settings merge as pydantic-ai merges them: the model's ``settings``, then ``model_settings``, then
``run_model_settings``, a later key replacing an earlier one. A ``CachePoint`` is
``Constructed("CachePoint", {"ttl": ...})``, ``{"__class__": "CachePoint"}`` or a real CachePoint.
History user content may also hold Converse blocks as pydantic-ai sends them; the system prompt is
sent as in the run's first request. ``messages`` is read as ``message_history`` when that is absent
(bedrockcache 0.1.0 requests: ``{"model_settings": {"extra_body": ...}}``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Translation
from bedrockcache.facts import Facts, layer_facts
from bedrockcache.findings import Finding, Severity
from bedrockcache.objects import Constructed, class_name, fields_of
from bedrockcache.rules import pydantic_ai as rules
from bedrockcache.unknown import Unknown
from bedrockcache.wire import from_converse

__all__ = ["MISSING", "looks_like", "translate"]

MISSING = "BC105"

_R = {rule.code: rule for rule in rules.RULES}
_KINDS = ("instructions", "tool_definitions", "messages")
_SETTING = {kind: f"bedrock_cache_{kind}" for kind in _KINDS}
# pydantic-ai providers/bedrock.py (BedrockProvider.model_profile): the profile comes from the
# vendor part of the model name (after an inference-profile / foundation-model ARN prefix and a geo
# prefix). Only the anthropic. profile (prompts, tools) and the amazon. profile for Nova (prompts)
# cache; every other vendor, an unknown prefix and an application inference profile ARN get no
# caching. Research wire-b section 2 (Nova: tools point absent; Llama 3.3: all absent; ARN: all
# absent) and the conformance variants; the tables below are facts/layers.toml [pydantic_ai].
_LAYER = layer_facts("pydantic_ai")
_GEO_PREFIXES = tuple(_LAYER["geo_prefixes"])
_ONE_HOUR_PREFIXES = tuple(_LAYER["one_hour_cache_prefixes"])
_RETENTION_ORDER = tuple(_LAYER["retention_order"])
_CACHE_CONFIG_KEYS = frozenset({"retention", "messages"})  # settings.CacheConfig
_MODEL_ARN = re.compile(
    r"^arn:[^:]+:bedrock:[^:]*:[^:]*:(?:inference-profile|foundation-model)/(.+)$"
)
_VERSION_SUFFIX = re.compile(r"(.+)-v\d+(?::\d+)?$")
_STRONG_KEYS = frozenset(
    {
        "model_settings",
        "run_model_settings",
        "instructions",
        "dynamic_instructions",
        "message_history",
    }
)
_FOREIGN_KEYS = frozenset(
    {
        "modelId",
        "body",
        "anthropic_version",
        "system_prompt_caching",
        "tool_caching",
        "cache_config",
        "cache_prompt",
        "cache_tools",
        "cache_points",
        "cache_control_injection_points",
    }
)
_EXTRA_BODY_KEYS = ("extra_body", "bedrock_extra")


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    """A pydantic-ai shape: a ``bedrock:`` model, a BedrockConverseModel, or its run keywords."""
    keys = set(request)
    if keys & _FOREIGN_KEYS:
        return False
    model = request.get("model")
    if isinstance(model, str) and model.startswith("bedrock:"):
        return True
    if class_name(model) == "BedrockConverseModel":
        return True
    if isinstance(model, Mapping) and "model_name" in model:
        return True
    return bool(keys & _STRONG_KEYS)


# ---- state -------------------------------------------------------------------------------------


@dataclass
class _State:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    explicit: set[str] = field(default_factory=set)  # kinds a bedrock_cache_* key turns on
    unified_ignored: bool = False  # a unified `cache` the profile (no supports_cache) ignores

    def add(self, code: str, message: str, path: str | None = None, **kw: Any) -> None:
        self.findings.append(_R[code].finding(message, path=path, **kw))


@dataclass
class _Support:
    """What the model profile lets through: True, False or Unknown for prompts and tools, whether
    the unified ``cache`` setting applies (``supports_cache``), and its retention tiers."""

    prompt: object
    tools: object
    why_not: str = ""
    cache: object = False
    retentions: object = ()  # tuple of tiers, or Unknown

    @classmethod
    def unknown(cls, hole: Unknown) -> _Support:
        return cls(hole, hole, cache=hole, retentions=hole)


def _falsy(value: object) -> bool:
    return not isinstance(value, Unknown) and not value


def _on(value: object) -> bool:
    """A setting value that asks for a cache point (Unknown counts: it may)."""
    return isinstance(value, Unknown) or bool(value)


def _point(value: object) -> object:
    """The cachePoint a ``bedrock_cache_*`` value adds: True -> no ttl, a string -> that ttl."""
    if isinstance(value, Unknown):
        return Unknown("a bedrock_cache_* setting")
    directive: dict[str, Any] = {"type": "default"}
    if isinstance(value, str):
        directive["ttl"] = value
    return {"cachePoint": directive}


# ---- the model ---------------------------------------------------------------------------------


@dataclass
class _Model:
    name: object  # str, Unknown, or None (not given)
    profile: object = None  # the profile= override: None when absent
    settings: object = None  # BedrockConverseModel(settings=...)
    foreign: str | None = None


def _read_model(model: object) -> _Model:
    if isinstance(model, str):
        return _Model(model.removeprefix("bedrock:"))
    if model is None or isinstance(model, Unknown):
        return _Model(model)
    name = class_name(model)
    fields = fields_of(model)
    if fields is None:
        return _Model(Unknown(f"model {model!r}"))
    if name not in (None, "BedrockConverseModel"):
        return _Model(None, foreign=name)
    model_name = fields.get("model_name")
    if model_name is None and isinstance(model, Constructed) and model.args:
        model_name = model.args[0]
    if model_name is None and not isinstance(model, (Mapping, Constructed)):
        model_name = getattr(model, "model_name", None)  # a real model: a property
    profile = fields.get("profile")
    settings = fields.get("settings")
    if not isinstance(model, (Mapping, Constructed)):
        profile = getattr(model, "profile", profile)
        settings = getattr(model, "settings", settings)
    if isinstance(model_name, str):
        model_name = model_name.removeprefix("bedrock:")
    return _Model(model_name, profile, settings)


def _support(model: _Model) -> _Support:
    """The model's profile: the provider's, from the name, with ``profile=`` merged over it (a
    partial profile overrides only the keys it sets, as pydantic-ai's Model.profile merges it)."""
    base = _provider_support(model.name)
    profile = model.profile
    if profile is None:
        return base
    if isinstance(profile, Unknown):
        return _Support.unknown(profile)
    fields = fields_of(profile) if isinstance(profile, (Mapping, Constructed)) else None
    if fields is None and not callable(profile):
        fields = fields_of(profile)
    if fields is None:  # a callable profile, or one that cannot be read
        return _Support.unknown(Unknown("profile="))
    prompt = fields.get("bedrock_supports_prompt_caching", base.prompt)
    retentions = fields.get("supported_cache_retentions", base.retentions)
    if isinstance(retentions, (list, tuple)):
        retentions = tuple(retentions)
    elif not isinstance(retentions, Unknown):
        retentions = Unknown("profile= supported_cache_retentions")
    overridden = "bedrock_supports_prompt_caching" in fields
    return _Support(
        prompt,
        fields.get("bedrock_supports_tool_caching", base.tools),
        "the profile= given has bedrock_supports_prompt_caching off"
        if overridden
        else base.why_not,
        fields.get("supports_cache", base.cache),
        retentions,
    )


def _provider_support(name: object) -> _Support:
    """BedrockProvider.model_profile: what the model name alone gives."""
    if not isinstance(name, str):
        return _Support.unknown(name if isinstance(name, Unknown) else Unknown("model name"))
    if name.startswith("arn:") and ":application-inference-profile/" in name:
        return _Support(False, False, "an application inference profile ARN gets no model profile")
    match = _MODEL_ARN.match(name)
    bare = match.group(1) if match else name
    for prefix in _GEO_PREFIXES:
        if bare.startswith(f"{prefix}."):
            bare = bare.removeprefix(f"{prefix}.")
            break
    vendor, _, bare = bare.partition(".")
    if not bare:
        return _Support(False, False, f"`{name}` has no `<vendor>.` prefix, so no model profile")
    version = _VERSION_SUFFIX.match(bare)
    if version:
        bare = version.group(1)
    if vendor == "anthropic":
        one_hour = bare.startswith(_ONE_HOUR_PREFIXES)
        return _Support(True, True, cache=True, retentions=("5m", "1h") if one_hour else ("5m",))
    if vendor == "amazon":
        nova = "nova" in bare
        why = "the amazon profile caches Nova models only"
        return _Support(nova, False, why, cache=nova, retentions=("5m",) if nova else ())
    return _Support(False, False, f"the `{vendor}.` profile has no prompt caching")


# ---- settings ----------------------------------------------------------------------------------


def _merged_settings(model: _Model, request: Mapping[str, Any]) -> Mapping[str, Any] | Unknown:
    merged: dict[str, Any] = {}
    for _, source in _setting_sources(model, request):
        if source is None:
            continue
        if isinstance(source, Unknown):
            return source
        fields = fields_of(source)
        if fields is None:
            return Unknown(f"model settings {source!r}")
        merged.update(fields)
    return merged


def _setting_sources(model: _Model, request: Mapping[str, Any]) -> list[tuple[str, object]]:
    """Where settings come from, in pydantic-ai's merge order, each with its request path."""
    return [
        ("model.settings", model.settings),
        ("model_settings", request.get("model_settings")),
        ("run_model_settings", request.get("run_model_settings")),
    ]


def _setting_paths(model: _Model, request: Mapping[str, Any]) -> dict[str, str]:
    """Each merged key's path in the request: the source whose value wins, so a finding on a key
    points at the setting to change, not at a merged dict the source never shows."""
    paths: dict[str, str] = {}
    for where, source in _setting_sources(model, request):
        fields = fields_of(source) if source is not None else None
        for key in fields or ():
            if isinstance(key, str):
                paths[key] = f"{where}.{key}"
    return paths


def _unified(value: object, support: _Support, state: _State) -> dict[str, object]:
    """The ``bedrock_cache_*`` values pydantic-ai derives from the unified ``cache`` setting
    (Model._resolved_cache_setting, then BedrockConverseModel._translate_cache): nothing unless
    the profile has ``supports_cache``; a retention snapped to the profile's tiers."""
    off = dict.fromkeys(_KINDS, False)
    if _falsy(value):
        return off
    if isinstance(support.cache, Unknown):
        return dict.fromkeys(_KINDS, support.cache)
    if not support.cache:
        state.unified_ignored = True
        return off
    if isinstance(value, Unknown):
        return dict.fromkeys(_KINDS, value)
    if isinstance(value, str) or value is True:
        retention: object = value
        messages: object = True
    else:
        fields = fields_of(value)
        if fields is None:
            return dict.fromkeys(_KINDS, Unknown("the unified cache setting"))
        unknown = set(fields) - _CACHE_CONFIG_KEYS
        if unknown:
            state.notes.append(
                f"cache={value!r}: pydantic-ai raises UserError (unknown `cache` option(s) "
                f"{', '.join(sorted(map(str, unknown)))}; use 'retention' and 'messages')"
            )
            return dict.fromkeys(_KINDS, Unknown("the unified cache setting"))
        retention = fields.get("retention", True)
        messages = fields.get("messages", True)
    value = _snap(retention, support.retentions)
    if isinstance(value, str) and value not in ("5m", "1h"):
        value = True
    wanted: dict[str, object] = dict.fromkeys(_KINDS, value)
    wanted["messages"] = (
        value if messages is True else messages if isinstance(messages, Unknown) else False
    )
    return wanted


def _snap(retention: object, tiers: object) -> object:
    """snap_cache_retention: an unsupported tier snaps down to the nearest shorter one, else up."""
    if retention is True or isinstance(retention, Unknown):
        return retention
    if not isinstance(retention, str) or retention not in _RETENTION_ORDER:
        return Unknown(f"cache retention {retention!r} (pydantic-ai raises UserError)")
    if isinstance(tiers, Unknown):
        return Unknown("the retention the model profile allows")
    if not tiers:
        return True
    if retention in tiers:
        return retention
    rank = _RETENTION_ORDER.index(retention)
    ranks = sorted(_RETENTION_ORDER.index(t) for t in tiers if t in _RETENTION_ORDER)
    shorter = [r for r in ranks if r < rank]
    if not ranks:
        return Unknown("the retention the model profile allows")
    return _RETENTION_ORDER[shorter[-1] if shorter else ranks[0]]


def _wanted(settings: Mapping[str, Any], support: _Support, state: _State) -> dict[str, object]:
    explicit = [_SETTING[k] for k in _KINDS if _SETTING[k] in settings]
    if explicit:  # the unified setting is not even read: only what it would have asked for
        unified = _unified(settings.get("cache"), _Support(True, True, cache=True), _State())
        return _explicit(settings, explicit, unified, state)
    return _unified(settings.get("cache"), support, state)


def _explicit(
    settings: Mapping[str, Any], explicit: list[str], unified: dict[str, object], state: _State
) -> dict[str, object]:
    wanted = {k: settings.get(_SETTING[k], False) for k in _KINDS}
    state.explicit = {k for k in _KINDS if not isinstance(wanted[k], Unknown) and wanted[k]}
    lost = [k for k in _KINDS if _on(unified[k]) and _falsy(wanted[k])]
    if lost:
        state.add(
            "BC223",
            f"the unified `cache` setting is ignored because {', '.join(explicit)} is set: "
            f"{', '.join(lost)} caching it asked for is not applied",
            path="cache",
        )
    return wanted


def _report_ignored_keys(
    settings: Mapping[str, Any], state: _State, paths: Mapping[str, str]
) -> None:
    for key, value in settings.items():
        if not isinstance(key, str) or _falsy(value):
            continue
        if key in _EXTRA_BODY_KEYS:
            if isinstance(value, Unknown) or not _holds_cache_directive(value):
                continue
            state.add(
                "BC220",
                f"`{key}` never reaches Bedrock Converse (pydantic-ai ignores it), so the cache "
                "directives in it are dropped",
                path=paths.get(key, key),
            )
        elif "cache" in key.lower() and key != "cache" and key not in _SETTING.values():
            state.add(
                "BC224",
                f"`{key}` is not a BedrockConverseModel setting: pydantic-ai ignores it silently",
                path=paths.get(key, key),
            )


def _holds_cache_directive(value: object) -> bool:
    if isinstance(value, Mapping):
        if "cache_control" in value or "cachePoint" in value:
            return True
        return any(_holds_cache_directive(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_cache_directive(v) for v in value)
    return False


# ---- translate ---------------------------------------------------------------------------------


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    """The Converse request BedrockConverseModel builds for one run, and what it dropped."""
    state = _State()
    model = _read_model(request.get("model"))
    if model.foreign is not None:
        state.notes.append(
            f"model is a pydantic-ai {model.foreign}, not BedrockConverseModel: not audited"
        )
        return Translation(None, MISSING, state.findings, state.notes)
    support = _support(model)
    settings = _merged_settings(model, request)
    if isinstance(settings, Unknown):
        wanted: dict[str, object] = dict.fromkeys(_KINDS, settings)
        profile_id: object = None
    else:
        _report_ignored_keys(settings, state, _setting_paths(model, request))
        wanted = _wanted(settings, support, state)
        profile_id = settings.get("bedrock_inference_profile")
    lost: list[str] = []

    system = _system(request, wanted["instructions"], support, state, lost)
    tools = _tools(request.get("tools"), wanted["tool_definitions"], support, state, lost)
    messages = _messages(request, support, state, lost)
    _cache_last_user_message(messages, wanted["messages"], support, lost)
    _limit_cache_points(system, tools, messages, state)
    _raise_earlier_ttls(tools, system, messages)
    if state.unified_ignored:
        lost.append("the unified `cache` setting (the profile has no supports_cache)")
        if support.prompt is not False:
            support.why_not = "the model profile has no supports_cache"
    if lost and (support.prompt is False or state.unified_ignored):
        state.add(
            "BC221",
            f"{support.why_not}: pydantic-ai skips {', '.join(lost)} without a warning",
            path="model",
        )

    converse: dict[str, Any] = {
        "modelId": profile_id if profile_id is not None else model.name,
        "messages": messages,
        "system": system,
    }
    if isinstance(tools, Unknown) or tools:
        converse["toolConfig"] = tools if isinstance(tools, Unknown) else {"tools": tools}
    if isinstance(settings, Mapping):
        extra = settings.get("bedrock_additional_model_requests_fields")
        if not _falsy(extra):
            converse["additionalModelRequestFields"] = extra
    wire = from_converse(converse, operation="Converse")
    return Translation(wire, MISSING, state.findings, state.notes)


# ---- system prompt and instructions ------------------------------------------------------------


@dataclass
class _Parts:
    """A str-or-list instructions field: known texts, parts of unknown kind, functions."""

    texts: list[str] = field(default_factory=list)
    unknown: list[Unknown] = field(default_factory=list)  # a string or a function: not known
    functions: int = 0  # instruction functions: dynamic, evaluated on every run

    @property
    def present(self) -> bool:
        return bool(self.texts or self.unknown or self.functions)


def _parts(value: object) -> _Parts:
    if isinstance(value, Unknown):
        return _Parts(unknown=[value])
    if value is None or value is False or value == "":
        return _Parts()
    if value is True:  # dynamic_instructions=True: present, content unknown
        return _Parts(functions=1)
    if isinstance(value, str):
        return _Parts(texts=[value])
    parts = _Parts()
    for item in value if isinstance(value, (list, tuple)) else [value]:
        if isinstance(item, str):
            parts.texts += [item] if item else []
        elif isinstance(item, Unknown):
            parts.unknown.append(item)
        elif item is not None:
            parts.functions += 1
    return parts


def _text_block(texts: list[str], sized: bool) -> dict[str, object]:
    """One system text block; its size is unknown when some part of it is."""
    if sized:
        return {"text": "\n\n".join(texts)}
    return {"text": Unknown("instructions with an unknown part")}


def _system(
    request: Mapping[str, Any], want: object, support: _Support, state: _State, lost: list[str]
) -> list[Any] | Unknown:
    prompts = _parts(request.get("system_prompt"))
    static = _parts(request.get("instructions"))
    dynamic = _parts(request.get("dynamic_instructions"))
    dynamic.functions += static.functions
    head: list[Any] = [{"text": p} for p in prompts.texts]
    head += [{"text": u} for u in prompts.unknown]
    if static.texts or static.unknown:
        head.append(_text_block(static.texts, not static.unknown))
    tail: list[Any] = []
    if dynamic.present:
        tail.append(_text_block(dynamic.texts, not (dynamic.unknown or dynamic.functions)))
    if not _on(want):
        return [*head, *tail]
    if static.texts or (prompts.texts and not dynamic.present):
        has_static: object = True
    elif static.unknown or prompts.unknown or prompts.texts:
        has_static = Unknown("where the instructions cache point goes")
    else:
        if "instructions" in state.explicit:  # the unified setting asks for nothing in particular
            _report_no_static_instructions(dynamic.present, state)
        return [*head, *tail]
    point = _gated(_point(want), support.prompt, "instructions cache point", lost)
    if isinstance(has_static, Unknown) and point is not None:
        point = has_static
    return [*head, *([point] if point is not None else []), *tail]


def _report_no_static_instructions(dynamic: bool, state: _State) -> None:
    if dynamic:
        state.add(
            "BC225",
            "bedrock_cache_instructions with only dynamic (@agent.instructions) instructions: "
            "pydantic-ai adds no system cache point",
            path=_SETTING["instructions"],
        )
    else:
        state.add(
            "BC225",
            "bedrock_cache_instructions is set but there are no instructions to cache",
            path=_SETTING["instructions"],
            severity=Severity.INFO,
        )


def _gated(point: object, allowed: object, what: str, lost: list[str]) -> object | None:
    """The point if the profile allows it, Unknown if the profile is unknown, else None."""
    if isinstance(allowed, Unknown):
        return Unknown(f"{what} (model profile unknown)")
    if not allowed:
        lost.append(what)
        return None
    return point


# ---- tools -------------------------------------------------------------------------------------


def _tools(
    value: object, want: object, support: _Support, state: _State, lost: list[str]
) -> list[Any] | Unknown:
    if isinstance(value, Unknown):
        return value
    tools = [_tool_spec(t, i) for i, t in enumerate(value)] if isinstance(value, list) else []
    if not _on(want):
        return tools
    if not tools:
        if "tool_definitions" not in state.explicit:
            return tools
        state.add(
            "BC226",
            "bedrock_cache_tool_definitions is set but the agent has no tools",
            path=_SETTING["tool_definitions"],
        )
        return tools
    if support.prompt is True and support.tools is False:
        state.add(
            "BC222",
            "the model's profile caches prompts but not tool definitions: "
            "bedrock_cache_tool_definitions adds no cache point",
            path=_SETTING["tool_definitions"],
        )
        return tools
    point = _gated(_point(want), support.tools, "tools cache point", lost)
    return [*tools, point] if point is not None else tools


def _tool_spec(tool: object, index: int) -> object:
    if isinstance(tool, Mapping) and "toolSpec" in tool:
        return {"toolSpec": tool["toolSpec"]}
    if isinstance(tool, Mapping) and "name" in tool:
        schema = tool.get("parameters_json_schema")
        spec: dict[str, Any] = {"name": tool["name"]}
        if tool.get("description"):
            spec["description"] = tool["description"]
        spec["inputSchema"] = tool.get("inputSchema", {"json": schema if schema else {}})
        return {"toolSpec": spec}
    return {"toolSpec": Unknown(f"tools[{index}]")}  # a function: it exists, its size is unseen


# ---- messages ----------------------------------------------------------------------------------


def _messages(
    request: Mapping[str, Any], support: _Support, state: _State, lost: list[str]
) -> list[Any]:
    raw: list[Any] = []
    history = request.get("message_history", request.get("messages"))
    if isinstance(history, Unknown):
        raw.append(history)
    elif isinstance(history, (list, tuple)):
        for i, message in enumerate(history):
            raw.append(_history_message(message, f"message_history[{i}]", support, state, lost))
    prompt = request.get("prompt")
    if prompt is not None:
        items = prompt if isinstance(prompt, (list, tuple)) else [prompt]
        content = _user_content(items, "prompt", support, state, lost, blocks_allowed=False)
        raw.append({"role": "user", "content": content})
    return _merge_user_turns([m for m in raw if m is not None])


def _history_message(
    message: object, path: str, support: _Support, state: _State, lost: list[str]
) -> object | None:
    if isinstance(message, Unknown):
        return message
    if not isinstance(message, Mapping):
        return Unknown(path)
    role = message.get("role")
    content = message.get("content")
    if isinstance(content, Unknown):
        return {"role": role, "content": [content]}
    items = content if isinstance(content, (list, tuple)) else [content]
    if role == "user":
        blocks = _user_content(items, f"{path}.content", support, state, lost, blocks_allowed=True)
    else:
        blocks = [
            {"text": item} if isinstance(item, str) else item
            for item in items
            if isinstance(item, (str, Mapping, Unknown))
        ]
    return {"role": role, "content": blocks} if blocks else None


def _merge_user_turns(messages: list[Any]) -> list[Any]:
    merged: list[Any] = []
    for message in messages:
        previous = merged[-1] if merged else None
        if (
            isinstance(message, Mapping)
            and isinstance(previous, Mapping)
            and message.get("role") == "user" == previous.get("role")
        ):
            merged[-1] = {"role": "user", "content": [*previous["content"], *message["content"]]}
        else:
            merged.append(message)
    return merged


def _is_point(block: object) -> bool:
    return isinstance(block, Mapping) and "cachePoint" in block


def _is_marker(item: object) -> bool:
    if class_name(item) == "CachePoint":
        return True
    return isinstance(item, Mapping) and item.get("kind") == "cache-point"


def _user_content(
    items: list[Any] | tuple[Any, ...],
    path: str,
    support: _Support,
    state: _State,
    lost: list[str],
    *,
    blocks_allowed: bool,
) -> list[Any]:
    """A UserPromptPart's content as pydantic-ai's _map_user_prompt builds it."""
    content: list[Any] = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]" if len(items) > 1 or path != "prompt" else path
        if isinstance(item, str):
            content.append({"text": item})
        elif isinstance(item, Unknown):
            content.append(item)
        elif _is_marker(item):
            _add_marker(content, item, where, support, state, lost)
        elif isinstance(item, Mapping) and "__class__" not in item:
            if blocks_allowed and "cache_control" not in item and "type" not in item:
                content.append(item)  # a Converse block, as pydantic-ai sends it
                continue
            kind = "Anthropic `cache_control` block" if "cache_control" in item else "dict"
            state.add(
                "BC228",
                f'a {kind} in the prompt: pydantic-ai raises ValueError ("must be a UserContent '
                'item, got dict"); nothing is sent',
                path=where,
            )
        elif item is not None:
            content.append(_media_block(item))
    return content


def _add_marker(
    content: list[Any], item: object, where: str, support: _Support, state: _State, lost: list[str]
) -> None:
    if support.prompt is False:  # "Silently skip CachePoint for models that don't support..."
        lost.append("CachePoint() markers")
        return
    if isinstance(support.prompt, Unknown):
        content.append(Unknown("CachePoint() (model profile unknown)"))
        return
    if not content or _is_point(content[-1]):
        state.add(
            "BC227",
            "CachePoint() "
            + ("opens the user message" if not content else "right after another CachePoint()")
            + ": pydantic-ai raises UserError before sending",
            path=where,
        )
        return
    fields = fields_of(item) or {}
    ttl = fields.get("ttl", "5m")
    if not _insert_before_trailing_media({"type": "default", "ttl": ttl}, content):
        state.add(
            "BC227",
            "CachePoint() after only documents or videos: pydantic-ai raises UserError",
            path=where,
        )


def _insert_before_trailing_media(directive: Mapping[str, Any], content: list[Any]) -> bool:
    """pydantic-ai puts a point before trailing documents/videos (Bedrock refuses it after them)."""
    start = len(content)
    while start > 0 and _is_document_or_video(content[start - 1]):
        start -= 1
    if start == 0 and content:
        return False
    if start < len(content) and _is_point(content[start - 1]):
        return True  # a point already stands there
    content.insert(start, {"cachePoint": dict(directive)})
    return True


def _is_document_or_video(block: object) -> bool:
    return isinstance(block, Mapping) and ("document" in block or "video" in block)


def _media_block(item: object) -> dict[str, Any]:
    """A media object's block: only its kind matters here (its bytes are not sized)."""
    name = class_name(item) or ""
    fields = fields_of(item) or {}
    media_type = fields.get("media_type")
    media = media_type if isinstance(media_type, str) else ""
    if "Image" in name or media.startswith("image/"):
        return {"image": Unknown(name)}
    if "Video" in name or media.startswith("video/"):
        return {"video": Unknown(name)}
    if "Audio" in name or media.startswith("audio/"):
        return {"audio": Unknown(name)}
    if "Document" in name or name == "BinaryContent":
        return {"document": {"name": name}}
    return {"text": Unknown(name or "prompt item")}


def _cache_last_user_message(
    messages: list[Any], want: object, support: _Support, lost: list[str]
) -> None:
    if not _on(want):
        return
    last = next(
        (m for m in reversed(messages) if isinstance(m, Mapping) and m.get("role") == "user"), None
    )
    if last is None:
        return
    content = last["content"]
    if not content or _is_point(content[-1]):
        return
    point = _gated(_point(want), support.prompt, "last-user-message cache point", lost)
    if point is None:
        return
    if isinstance(point, Unknown):
        content.append(point)
        return
    _insert_before_trailing_media(point["cachePoint"], content)  # type: ignore[index]


def _limit_cache_points(
    system: list[Any] | Unknown, tools: list[Any] | Unknown, messages: list[Any], state: _State
) -> None:
    """pydantic-ai's _limit_cache_points: the newest message points within the 4-point budget."""
    used = sum(1 for b in system if _is_point(b)) if isinstance(system, list) else 0
    used += sum(1 for t in tools if _is_point(t)) if isinstance(tools, list) else 0
    budget = 4 - used
    removed = 0
    for message in reversed(messages):
        if not isinstance(message, Mapping):
            continue
        kept: list[Any] = []
        for block in reversed(message["content"]):
            if _is_point(block):
                if budget > 0:
                    budget -= 1
                else:
                    removed += 1
                    continue
            kept.append(block)
        message["content"] = list(reversed(kept))
    if removed:
        state.add(
            "BC229",
            f"{removed} older message cache point(s) removed: pydantic-ai keeps at most 4 per "
            "request, newest first",
            path="message_history",
        )


def _raise_earlier_ttls(tools: object, system: object, messages: list[Any]) -> None:
    """pydantic-ai's _raise_earlier_cache_ttls: Bedrock rejects a longer TTL after a shorter one,
    so every point (tools, system, messages order) is raised to the longest TTL after it; a point
    without a TTL counts as 5m. A TTL that is Unknown leaves the earlier ones Unknown."""
    carriers: list[Mapping[str, Any]] = []
    for part in (tools, system):
        if isinstance(part, list):
            carriers += [b for b in part if _is_point(b)]
    for message in messages:
        if isinstance(message, Mapping) and isinstance(message.get("content"), list):
            carriers += [b for b in message["content"] if _is_point(b)]
    longest: object = "5m"
    for carrier in reversed(carriers):
        directive = carrier["cachePoint"]
        if not isinstance(directive, dict):
            continue
        ttl = directive.get("ttl", "5m")
        if isinstance(ttl, Unknown):
            if longest != "1h":
                longest = ttl
            continue
        if ttl == "1h":
            longest = "1h"
        elif longest != "5m" and longest != ttl:
            directive["ttl"] = longest
