"""Strands Agents: ``Agent(...)`` on Bedrock, and the ``BedrockModel(...)`` built for one.

An Agent is a Bedrock call site when its model is a ``BedrockModel`` (inline, or a name bound to
one), a model id string (Strands builds a BedrockModel from it) or absent (Strands' default
BedrockModel). An Agent whose model is provably another provider (an imported ``OpenAIModel(...)``
and the like) is not. The request is the Agent's configuration, the model linked to it, and the
prompt of its visible invocations (``agent("...")``, ``invoke_async``, ``stream_async``); a prompt
the file does not show is text of unknown content, since Strands prompts are text in practice and
the agent's own configuration is what is linted. A BedrockModel linked to no Agent in the file is
audited alone, with everything it cannot see Unknown.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.lint.bindings import loop_turns as _turns
from bedrockcache.lint.evaluate import ConstructorSpec, text_unknown
from bedrockcache.lint.sites import CallSite, FileContext, assigned_name, known_model
from bedrockcache.objects import Constructed
from bedrockcache.unknown import Unknown

__all__ = [
    "CONSTRUCTORS",
    "INVOCATIONS",
    "argument",
    "assigned_name",
    "consume",
    "copy_list",
    "copy_request",
    "find",
    "other_provider",
    "reassigned_attributes",
]

PACKAGE = "strands"
CONSTRUCTORS = {
    (PACKAGE, "BedrockModel"): ConstructorSpec("BedrockModel"),
    (PACKAGE, "CacheConfig"): ConstructorSpec("CacheConfig"),
    (PACKAGE, "CacheToolsConfig"): ConstructorSpec("CacheToolsConfig"),
}
# Agent's positional parameters (strands-agents 1.x); its other options carry no cache setting.
_AGENT_KEYS = ("model", "messages", "tools", "system_prompt")
# BedrockModel settings, real ones: on an Agent they are a TypeError, not a model setting.
_MODEL_ONLY_KEYS = frozenset({"cache_config", "cache_prompt", "cache_tools"})
# BedrockModel settings a ``**spread`` may hide. Never ``cache_tools``: its mere presence is a
# finding (BC215), so an Unknown stand-in would report what the source does not show.
_HIDDEN_MODEL_KEYS = ("model_id", "cache_config", "cache_prompt", "additional_request_fields")
# Agent methods that send the conversation to the model, and the position of their prompt.
INVOCATIONS = {
    "": 0,
    "invoke_async": 0,
    "stream_async": 0,
    "structured_output": 1,
    "structured_output_async": 1,
}
# Agent attributes whose reassignment changes the request (the system_prompt setter replaces
# SystemContentBlocks with plain text, for one).
_REASSIGNED = ("model", "messages", "system_prompt")
_UNSEEN_PROMPT = "the agent's prompt is not visible here"


def find(ctx: FileContext) -> Iterator[CallSite]:
    for call in ctx.calls_to(PACKAGE, "Agent"):
        site = _agent_site(ctx, call)
        if site is not None:
            yield site
    for call in ctx.calls_to(PACKAGE, "BedrockModel"):
        if id(call) not in ctx.consumed:
            yield _model_site(ctx, call)


# ---- Agent --------------------------------------------------------------------------------------


def _agent_site(ctx: FileContext, call: cst.Call) -> CallSite | None:
    at = ctx.statement(call)
    model_arg = argument(call, "model", 0)
    if model_arg is not None and other_provider(ctx, model_arg, at, PACKAGE, "BedrockModel"):
        return None
    request, hidden = ctx.evaluator.arguments(call, at, _AGENT_KEYS)
    for key in list(request):
        if key not in _AGENT_KEYS and ("cache" not in key.lower() or key in _MODEL_ONLY_KEYS):
            del request[key]
    if hidden is not None:
        for key in _AGENT_KEYS:
            request.setdefault(key, hidden)
    _read_agent_model(ctx, request)
    name = assigned_name(ctx, call)
    if name is not None:
        ctx.index.reader_names.add(name)  # agent(prompt) reads the prompt's blocks
        for attr in reassigned_attributes(ctx, call, name):
            if attr in _REASSIGNED:
                request[attr] = Unknown(f"{name}.{attr} is reassigned")
        if _model_updated(ctx, call, name, request.get("model")):
            request["model"] = Unknown(f"{name}.model.update_config(...)")
    _add_prompt(ctx, call, request)
    model = request.get("model")
    if isinstance(model, Constructed):
        _mirror_model_settings(ctx, request, model)
    return CallSite(
        "strands Agent",
        Backend.STRANDS,
        call,
        request,
        [hidden.source] if hidden is not None else [],
    )


def _read_agent_model(ctx: FileContext, request: dict[str, Any]) -> None:
    """``model=`` as the backend reads it: a BedrockModel (consumed), an id, or absent."""
    if "model" not in request:
        return
    model = request["model"]
    if model is None or (type(model) is str and not model):
        del request["model"]  # Strands builds its default BedrockModel
    elif isinstance(model, Constructed):
        if model.name == "BedrockModel":
            _prepare_model(model)
            consume(ctx, model, ("BedrockModel",))
    elif isinstance(model, str | Unknown):
        request["model"] = known_model(model)
    else:
        request["model"] = Unknown("model")


def _prepare_model(model: Constructed) -> None:
    """The model id as the backend reads it; what a ``**spread`` may hide becomes Unknown."""
    kwargs = model.kwargs
    if not isinstance(kwargs, dict):
        return
    if "model_id" in kwargs:
        kwargs["model_id"] = known_model(kwargs["model_id"])
    config = kwargs.get("cache_config")
    if isinstance(config, dict):  # a dict literal in source, not a CacheConfig: Strands raises
        config["__class__"] = "dict"
    hidden = kwargs.pop("__hidden__", None)
    if isinstance(hidden, Unknown):
        for key in _HIDDEN_MODEL_KEYS:
            kwargs.setdefault(key, hidden)


def _mirror_model_settings(ctx: FileContext, request: dict[str, Any], model: Constructed) -> None:
    """BedrockModel's cache settings also at the top level, where the backend's finding paths
    (``cache_config.strategy``, ``cache_points``) name them; those under ``model`` still win."""
    origins = ctx.evaluator.origins
    for key, value in model.kwargs.items():
        if isinstance(key, str) and "cache" in key.lower() and key not in request:
            request[key] = value
            node = origins.elements.get((id(model), key))
            if node is not None:
                origins.element(request, key, node)


def _model_updated(ctx: FileContext, call: cst.Call, name: str, model: object) -> bool:
    """``agent.model.update_config(...)`` or ``model.update_config(...)``: settings change later."""
    for other in ctx.index.calls:
        func = other.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "update_config"):
            continue
        receiver = func.value
        if (
            isinstance(receiver, cst.Attribute)
            and receiver.attr.value == "model"
            and isinstance(receiver.value, cst.Name)
            and receiver.value.value == name
        ):
            bound = ctx.bound_call(receiver.value, ctx.statement(other))
            if bound is None or bound[0] is call:
                return True
    if isinstance(model, Constructed):
        node = ctx.evaluator.origins.nodes.get(id(model))
        if isinstance(node, cst.Call):
            return any(method == "update_config" for _, method in ctx.uses_of(node))
    return False


# ---- the prompt -------------------------------------------------------------------------------


def _add_prompt(ctx: FileContext, call: cst.Call, request: dict[str, Any]) -> None:
    """The prompt of the visible invocation; several in one block are one conversation."""
    turns = []
    for use, method in ctx.uses_of(call):
        if method in INVOCATIONS:
            turns.append(_prompt_of(ctx, use, INVOCATIONS[method]))
    origins = ctx.evaluator.origins
    if not turns:
        request["prompt"] = text_unknown(_UNSEEN_PROMPT)
        return
    if len(turns) > 1 and len({id(_block_of(ctx, use)) for use, _, _ in turns}) > 1:
        request["prompt"] = text_unknown("the agent is invoked in several places")
        return
    if len(turns) > 1:
        _conversation(ctx, request, turns[:-1])
    elif (loop := _loop_around(ctx, turns[0][0], call)) is not None:
        # The agent keeps its history: each turn of the loop sends the earlier prompts again.
        _conversation(ctx, request, turns * (_turns(loop) - 1))
        history = request.get("messages")
        if isinstance(history, list):
            ctx.evaluator.origins.note(history, turns[0][0])
            ctx.evaluator.origins.turns[id(history)] = _turns(loop)
    _, value, node = turns[-1]
    if value is not None:
        request["prompt"] = value
        origins.element(request, "prompt", node)


def _prompt_of(ctx: FileContext, use: cst.Call, position: int) -> tuple[cst.Call, Any, cst.CSTNode]:
    arg = argument(use, "prompt", position)
    if arg is not None:
        return use, ctx.value(arg, ctx.statement(use)), arg
    if any(a.star for a in use.args):
        return use, Unknown("the prompt is in a * or ** spread"), use
    return use, None, use  # agent(): the conversation so far, no new user message


def _loop_around(ctx: FileContext, use: cst.Call, made: cst.Call) -> cst.For | cst.While | None:
    """The innermost loop around an invocation that does not also make the agent."""
    made_in = ctx.index.ancestors(ctx.statement(made))
    for node in reversed(ctx.index.ancestors(ctx.statement(use))):
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            return None
        if isinstance(node, cst.For | cst.While):
            return None if node in made_in else node
    return None


def _block_of(ctx: FileContext, use: cst.Call) -> cst.CSTNode:
    chain = ctx.index.ancestors(ctx.statement(use))
    return chain[-2] if len(chain) > 1 else chain[-1]


def _conversation(
    ctx: FileContext, request: dict[str, Any], earlier: list[tuple[cst.Call, Any, cst.CSTNode]]
) -> None:
    """Earlier invocations in the same block stay in the history the last one sends."""
    history = request.get("messages")
    if isinstance(history, Unknown):
        return
    origins = ctx.evaluator.origins
    messages: list[Any] = []
    if isinstance(history, list):
        messages = copy_list(ctx, history)
    elif history is not None:
        return
    for _, value, node in earlier:
        if value is None:
            continue
        if (
            isinstance(value, list)
            and value
            and all(isinstance(m, dict) and "role" in m for m in value)
        ):
            for i, message in enumerate(value):
                origins.element(messages, len(messages), origins.elements.get((id(value), i), node))
                messages.append(message)
        elif isinstance(value, Unknown):
            origins.element(messages, len(messages), node)
            messages.append(value)
        else:
            turn = {"role": "user", "content": value}
            origins.element(turn, "content", node)
            origins.element(messages, len(messages), node)
            messages.append(turn)
        reply = {"role": "assistant", "content": [{"text": text_unknown("the model's reply")}]}
        messages.append(reply)
    request["messages"] = messages


# ---- BedrockModel alone -----------------------------------------------------------------------


def _model_site(ctx: FileContext, call: cst.Call) -> CallSite:
    at = ctx.statement(call)
    model = ctx.value(call, at)
    request: dict[str, Any] = {"model": model}
    hidden: list[str] = []
    if isinstance(model, Constructed):
        spread = model.kwargs.get("__hidden__")
        if isinstance(spread, Unknown):
            hidden.append(spread.source)
        _prepare_model(model)
        _mirror_model_settings(ctx, request, model)
    unseen = "not visible where the BedrockModel is built"
    request["system_prompt"] = Unknown(f"the agent's system prompt ({unseen})")
    request["tools"] = Unknown(f"the agent's tools ({unseen})")
    request["messages"] = Unknown(f"the conversation ({unseen})")
    return CallSite("strands BedrockModel", Backend.STRANDS, call, request, hidden)


# ---- helpers shared with the pydantic-ai layer ------------------------------------------------


def argument(
    call: cst.Call, keyword: str, position: int | None = None
) -> cst.BaseExpression | None:
    """The expression given for a parameter, by keyword or (plain, unstarred) position."""
    index = 0
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value == keyword:
                return arg.value
        elif not arg.star:
            if index == position:
                return arg.value
            index += 1
    return None


def other_provider(
    ctx: FileContext, expr: cst.BaseExpression, at: cst.CSTNode, package: str, ours: str
) -> bool:
    """The model is provably built by another provider's class (``OpenAIModel(...)``): an imported
    callee of the same framework other than ``ours``, or any imported ``...Model`` class."""
    bound = ctx.bound_call(expr, at)
    if bound is None:
        return False
    callee = ctx.callee(bound[0])
    if callee is None or callee[1] == ours:
        return False
    return callee[0] == package or (callee[1].endswith("Model") and "Bedrock" not in callee[1])


def reassigned_attributes(ctx: FileContext, call: cst.Call, name: str) -> Iterator[str]:
    """``name.attr = ...`` (or ``+=``) anywhere ``name`` may be the object ``call`` built."""
    for statement in ctx.index.chain:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, cst.AnnAssign | cst.AugAssign):
                targets = [small.target]
            for target in targets:
                if (
                    isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value == name
                ):
                    bound = ctx.bound_call(target.value, statement)
                    if bound is None or bound[0] is call:
                        yield target.attr.value


def consume(ctx: FileContext, value: object, names: tuple[str, ...]) -> None:
    """Mark the constructor calls behind ``value`` (and inside it) as audited with this site."""
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Constructed):
            if item.name in names:
                node = ctx.evaluator.origins.nodes.get(id(item))
                if node is not None:
                    ctx.consumed.add(id(node))
            stack.extend(item.kwargs.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def copy_request(ctx: FileContext, request: dict[str, Any]) -> dict[str, Any]:
    """A shallow copy that keeps where each key's value came from."""
    origins = ctx.evaluator.origins
    copied = dict(request)
    for key in request:
        node = origins.elements.get((id(request), key))
        if node is not None:
            origins.element(copied, key, node)
    return copied


def copy_list(ctx: FileContext, items: list[Any]) -> list[Any]:
    origins = ctx.evaluator.origins
    copied = list(items)
    for i in range(len(items)):
        node = origins.elements.get((id(items), i))
        if node is not None:
            origins.element(copied, i, node)
    return copied
