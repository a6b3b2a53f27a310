"""pydantic-ai: ``Agent("bedrock:...")`` or ``Agent(BedrockConverseModel(...))`` and its runs.

An Agent is a Bedrock call site when its model is a ``bedrock:`` string or a BedrockConverseModel;
a model string of another provider (``"openai:gpt-4o"``) or another imported model class is not,
and a model the file does not show counts only when a ``BedrockModelSettings`` proves Bedrock.
Each visible run (``agent.run_sync(prompt, model_settings=...)``, ``run``, ``run_stream``...) is
one request: the Agent's configuration plus that run's prompt and settings. Without a visible
run the prompt is text of unknown content. Tools and instructions registered with decorators on
the agent in this file (``@agent.tool``, ``@agent.instructions``, ``@agent.system_prompt``) are
part of the request; toolsets, and the tools of an agent the file lets escape, are Unknown.
A BedrockConverseModel or BedrockModelSettings linked to no Agent is audited alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.lint.evaluate import ConstructorSpec, text_unknown
from bedrockcache.lint.layers.strands import (
    argument,
    assigned_name,
    consume,
    copy_list,
    copy_request,
    other_provider,
)
from bedrockcache.lint.sites import CallSite, FileContext, known_model
from bedrockcache.objects import Constructed, class_name
from bedrockcache.unknown import PartialText, Unknown

__all__ = ["CONSTRUCTORS", "RUNS", "find"]

PACKAGE = "pydantic_ai"
MODEL_CLASS = "BedrockConverseModel"
SETTINGS_CLASS = "BedrockModelSettings"
_MEDIA = ("ImageUrl", "AudioUrl", "VideoUrl", "DocumentUrl")
CONSTRUCTORS = {
    (PACKAGE, MODEL_CLASS): ConstructorSpec(MODEL_CLASS, ("model_name",)),
    (PACKAGE, SETTINGS_CLASS): ConstructorSpec(SETTINGS_CLASS),
    (PACKAGE, "BedrockModelProfile"): ConstructorSpec("BedrockModelProfile"),
    (PACKAGE, "ModelSettings"): ConstructorSpec("ModelSettings"),
    (PACKAGE, "CachePoint"): ConstructorSpec("CachePoint"),
    (PACKAGE, "BinaryContent"): ConstructorSpec("BinaryContent", ("data", "media_type")),
    **{(PACKAGE, name): ConstructorSpec(name, ("url",)) for name in _MEDIA},
}
# Agent keywords the backend reads; the model is Agent's only positional parameter.
_AGENT_KEYS = ("model", "system_prompt", "instructions", "tools", "model_settings")
# Agent methods that send a request, with the position of the prompt (``user_prompt``).
RUNS = frozenset({"run", "run_sync", "run_stream", "run_stream_events", "iter"})
# Output specs that add no output tool; any other ``output_type`` but ``str`` registers one.
_TOOLLESS_OUTPUTS = frozenset({"NativeOutput", "PromptedOutput", "TextOutput"})
_UNSEEN_PROMPT = "the run's prompt is not visible here"
# Run keywords that change nothing the cache points depend on but the conversation.
_PLAIN_RUN_KEYWORDS = frozenset({"user_prompt", "message_history", "deps", "usage_limits", "usage"})
_SETTINGS_KEYS = (
    "bedrock_cache_instructions",
    "bedrock_cache_tool_definitions",
    "bedrock_cache_messages",
    "bedrock_inference_profile",
)
_HIDDEN_KEYS = {
    MODEL_CLASS: ("model_name", "profile", "settings"),
    SETTINGS_CLASS: _SETTINGS_KEYS,
    "ModelSettings": _SETTINGS_KEYS,
    "BedrockModelProfile": ("bedrock_supports_prompt_caching", "bedrock_supports_tool_caching"),
}


def find(ctx: FileContext) -> Iterator[CallSite]:
    for call in ctx.calls_to(PACKAGE, "Agent"):
        yield from _agent_sites(ctx, call)
    for cls in (MODEL_CLASS, SETTINGS_CLASS):  # a model consumes the settings it is given
        for call in ctx.calls_to(PACKAGE, cls):
            if id(call) not in ctx.consumed:
                yield _alone(ctx, call)


# ---- Agent --------------------------------------------------------------------------------------


@dataclass
class _Registered:
    """What decorators and registration calls on the agent add, as far as this file shows."""

    tools: int = 0
    system_prompts: int = 0
    instructions: bool = False
    toolset: bool = False  # @agent.toolset: tools built at run time
    escaped: bool = False  # the agent is not bound to a name: anything may be registered elsewhere


def _agent_sites(ctx: FileContext, call: cst.Call) -> Iterator[CallSite]:
    at = ctx.statement(call)
    model_arg = argument(call, "model", 0)
    if model_arg is not None and other_provider(ctx, model_arg, at, PACKAGE, MODEL_CLASS):
        return
    base, hidden = ctx.evaluator.arguments(call, at, ("model",))
    options = {key: base.pop(key) for key in list(base) if key not in _AGENT_KEYS}
    if hidden is not None:
        for key in _AGENT_KEYS:
            base.setdefault(key, hidden)
    name = assigned_name(ctx, call)
    registered = _registered(ctx, call, name)
    _agent_tools(ctx, call, base, options, registered)
    _agent_prompts(ctx, base, registered)
    if "history_processors" in options:
        base["message_history"] = Unknown("history_processors may rewrite the messages")
    runs = [(use, method) for use, method in ctx.uses_of(call) if method in RUNS]
    spread = [hidden.source] if hidden is not None else []
    if not runs:
        request = copy_request(ctx, base)
        request["prompt"] = text_unknown(_UNSEEN_PROMPT)
        site = _site(ctx, call, request, "pydantic-ai Agent", spread)
        if site is not None:
            yield site
        return
    for use, method in _distinct(ctx, runs):
        request = _run_request(ctx, base, use)
        if request is None:
            continue
        site = _site(ctx, call, request, f"pydantic-ai Agent.{method}", spread)
        if site is not None:
            yield site


def _distinct(ctx: FileContext, runs: list[tuple[cst.Call, str]]) -> list[tuple[cst.Call, str]]:
    """The runs that send different requests. Runs that pass only a text prompt (and a history)
    send what the agent's configuration decides, so one of them (without a history, if any)
    stands for all: the agent's findings are reported once, not once per run."""
    plain = [(use, method) for use, method in runs if _plain_run(ctx, use)]
    if len(plain) < 2:
        return runs
    keep = min(plain, key=lambda run: argument(run[0], "message_history") is not None)
    return [run for run in runs if run not in plain or run == keep]


def _plain_run(ctx: FileContext, use: cst.Call) -> bool:
    prompt = argument(use, "user_prompt", 0)
    if prompt is not None and not isinstance(ctx.value(prompt, ctx.statement(use)), str):
        return False
    return all(
        not arg.star and (arg.keyword is None or arg.keyword.value in _PLAIN_RUN_KEYWORDS)
        for arg in use.args
    )


def _site(
    ctx: FileContext, call: cst.Call, request: dict[str, Any], kind: str, hidden: list[str]
) -> CallSite | None:
    """The call site, when the request is provably sent to Bedrock."""
    verdict = _bedrock_model(request.get("model"))
    if verdict is False:
        return None
    if verdict is None:
        if not any(
            class_name(request.get(key)) == SETTINGS_CLASS
            for key in ("model_settings", "run_model_settings")
        ):
            return None
        if not isinstance(request.get("model"), Unknown):
            request["model"] = Unknown("the model is chosen where the file does not show")
    model = request.get("model")
    if isinstance(model, str | Unknown):
        request["model"] = known_model(model)
    consume(ctx, request, (MODEL_CLASS, SETTINGS_CLASS))
    _normalise(request)
    _partial_instructions(request)
    return CallSite(kind, Backend.PYDANTIC_AI_BEDROCK, call, request, hidden)


def _partial_instructions(request: dict[str, Any]) -> None:
    """Instructions only partly known are Unknown: the backend joins instruction texts into one
    block, which keeps the known characters and drops the unknown rest (a size it would then
    treat as exact), so a cache point after them would look below the model's minimum."""
    for key in ("instructions", "system_prompt"):
        value = request.get(key)
        if _partial(value):
            request[key] = Unknown(f"{key} built at run time")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if _partial(item):
                    value[i] = Unknown(f"{key}[{i}] built at run time")


def _partial(value: object) -> bool:
    return isinstance(value, PartialText) and bool(value.unknown_parts)


def _bedrock_model(model: object) -> bool | None:
    """True for a Bedrock model, False for another provider's, None when the file does not say."""
    if isinstance(model, PartialText) and model.unknown_parts:
        head = model.parts[0] if isinstance(model.parts[0], str) else ""
        if head.startswith("bedrock:"):
            return True
        return False if ":" in head else None
    if isinstance(model, str):
        return model.startswith("bedrock:")
    if isinstance(model, Constructed):
        return True if model.name == MODEL_CLASS else None
    return None


def _run_request(ctx: FileContext, base: dict[str, Any], use: cst.Call) -> dict[str, Any] | None:
    at = ctx.statement(use)
    model_arg = argument(use, "model")
    if model_arg is not None and other_provider(ctx, model_arg, at, PACKAGE, MODEL_CLASS):
        return None
    kwargs, hidden = ctx.evaluator.arguments(use, at, ("user_prompt",))
    origins = ctx.evaluator.origins
    request = copy_request(ctx, base)
    for source, target in (
        ("user_prompt", "prompt"),
        ("model_settings", "run_model_settings"),
        ("message_history", "message_history"),
        ("model", "model"),
    ):
        if source in kwargs and kwargs[source] is not None:
            request[target] = kwargs[source]
            node = origins.elements.get((id(kwargs), source))
            if node is not None:
                origins.element(request, target, node)
    if "instructions" in kwargs:
        request["instructions"] = Unknown("the run adds instructions")
    if not _empty(kwargs.get("toolsets")):
        request["tools"] = Unknown("the run's toolsets")
    output = argument(use, "output_type")
    if output is not None and _adds_output_tool(ctx, output):
        request["tools"] = _with_unknown_tool(ctx, request.get("tools"), "the run's output tool")
    if hidden is not None:
        for key in ("prompt", "run_model_settings", "message_history", "model"):
            if key not in kwargs:
                request[key] = hidden
    return request


# ---- tools and prompts registered on the agent ------------------------------------------------


def _registered(ctx: FileContext, call: cst.Call, name: str | None) -> _Registered:
    found = _Registered()
    if name is None:
        found.escaped = True
        return found
    for function in ctx.index.functions:
        for decorator in function.decorators:
            expr = decorator.decorator
            if isinstance(expr, cst.Call):
                expr = expr.func
            if (
                isinstance(expr, cst.Attribute)
                and isinstance(expr.value, cst.Name)
                and expr.value.value == name
            ):
                _register(found, expr.attr.value)
    for _, method in ctx.uses_of(call):  # agent.tool_plain(fn) and the like, without @
        _register(found, method)
    return found


def _register(found: _Registered, method: str) -> None:
    if method in ("tool", "tool_plain"):
        found.tools += 1
    elif method == "instructions":
        found.instructions = True
    elif method == "system_prompt":
        found.system_prompts += 1
    elif method == "toolset":
        found.toolset = True


def _agent_tools(
    ctx: FileContext,
    call: cst.Call,
    base: dict[str, Any],
    options: dict[str, Any],
    registered: _Registered,
) -> None:
    if registered.escaped:
        base["tools"] = Unknown("the agent is not bound to a name: tools may be added elsewhere")
        return
    if registered.toolset or not _empty(options.get("toolsets")):
        base["tools"] = Unknown("toolsets")
        return
    if options.get("prepare_tools") is not None:
        base["tools"] = Unknown("prepare_tools may change the tools")
        return
    tools = base.get("tools")
    extra = [f"a function registered with @agent.tool ({i + 1})" for i in range(registered.tools)]
    output = argument(call, "output_type")
    if output is not None and _adds_output_tool(ctx, output):
        extra.append("the output tool of output_type")
    for reason in extra:
        tools = _with_unknown_tool(ctx, tools, reason)
    if tools is not None:
        base["tools"] = tools


def _with_unknown_tool(ctx: FileContext, tools: Any, reason: str) -> Any:
    """The tools plus one whose definition is not seen (a function: it exists, its size unseen)."""
    if isinstance(tools, Unknown):
        return tools
    if tools is None:
        return [Unknown(reason)]
    if not isinstance(tools, list):
        return Unknown("tools")
    return [*copy_list(ctx, tools), Unknown(reason)]


def _agent_prompts(ctx: FileContext, base: dict[str, Any], registered: _Registered) -> None:
    if registered.instructions:
        base["dynamic_instructions"] = True
    if registered.escaped:
        base["dynamic_instructions"] = Unknown("instruction functions registered elsewhere")
        registered.system_prompts += 1
    if not registered.system_prompts:
        return
    functions = [Unknown("an @agent.system_prompt function")] * registered.system_prompts
    prompt = base.get("system_prompt")
    if isinstance(prompt, Unknown):
        return
    if prompt is None:
        base["system_prompt"] = functions
    elif isinstance(prompt, list):
        base["system_prompt"] = [*copy_list(ctx, prompt), *functions]
    else:
        base["system_prompt"] = [prompt, *functions]


def _adds_output_tool(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name) and expr.value == "str":
        return False
    if isinstance(expr, cst.Call):
        callee = ctx.callee(expr)
        if callee is not None and callee[0] == PACKAGE and callee[1] in _TOOLLESS_OUTPUTS:
            return False
    return True


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, list) and not value)


# ---- a model or settings on their own ---------------------------------------------------------


def _alone(ctx: FileContext, call: cst.Call) -> CallSite:
    """Only what the object's own arguments prove: every part it cannot see is Unknown, and
    the settings of the agent and run it will meet are left out (an Unknown there would hide
    the object's own settings, which a later layer can add to but never take back)."""
    at = ctx.statement(call)
    value = ctx.value(call, at)
    consume(ctx, value, (MODEL_CLASS, SETTINGS_CLASS))
    unseen = "not visible where it is built"
    request: dict[str, Any] = {
        "system_prompt": Unknown(f"the agent's system prompt ({unseen})"),
        "instructions": Unknown(f"the agent's instructions ({unseen})"),
        "dynamic_instructions": Unknown(f"the agent's instruction functions ({unseen})"),
        "tools": Unknown(f"the agent's tools ({unseen})"),
        "message_history": Unknown(f"the conversation ({unseen})"),
    }
    name = class_name(value)
    if name == MODEL_CLASS:
        request["model"] = value
        kind = f"pydantic-ai {MODEL_CLASS}"
    else:
        request["model"] = Unknown(f"the model these settings are used with ({unseen})")
        request["run_model_settings"] = value
        kind = f"pydantic-ai {SETTINGS_CLASS}"
    hidden = []
    if isinstance(value, Constructed) and isinstance(value.kwargs.get("__hidden__"), Unknown):
        hidden.append(value.kwargs["__hidden__"].source)
    _normalise(request)
    return CallSite(kind, Backend.PYDANTIC_AI_BEDROCK, call, request, hidden)


def _normalise(request: dict[str, Any]) -> None:
    """Model names as the backend reads them, and what a ``**spread`` into a model or settings
    class may hide as Unknown (the keys that decide the cache points; never a key whose mere
    presence is a finding)."""
    stack: list[Any] = list(request.values())
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        if not isinstance(item, Constructed) or not isinstance(item.kwargs, dict):
            continue
        stack.extend(item.kwargs.values())
        if item.name == MODEL_CLASS and "model_name" in item.kwargs:
            item.kwargs["model_name"] = known_model(item.kwargs["model_name"])
        hidden = item.kwargs.pop("__hidden__", None)
        if not isinstance(hidden, Unknown):
            continue
        keys = _HIDDEN_KEYS.get(item.name, ())
        for key in keys:
            item.kwargs.setdefault(key, hidden)
