"""LangChain AWS: ``ChatBedrockConverse`` / ``ChatBedrock`` and what is invoked on them.

A request is the constructor's keyword arguments plus what one visible invocation adds: the input
messages, the call's keyword arguments (``invoke(..., cache_control=...)``) and what ``.bind``
and ``.bind_tools`` put in between, followed through names, chains (``llm.bind_tools(t).invoke(m)``)
and ``self.llm`` attributes. ``create_agent(model=llm, ...)`` (langchain v1) is a call site of its
own that absorbs the model's constructor; with a caching middleware and tools, the turns its loop
adds are a hole, since their count decides what the middleware does. A constructor with no visible
invocation is audited alone, its messages, call arguments and tools ``Unknown``: only what its own
arguments prove is reported. A model id that cannot be Claude is no call site (as for boto3).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.lint.classes import self_assignments
from bedrockcache.lint.evaluate import ConstructorSpec, is_text
from bedrockcache.lint.sites import CallSite, FileContext, known_model
from bedrockcache.lint.sites import may_be_claude as _claude_id
from bedrockcache.objects import Constructed
from bedrockcache.unknown import Unknown

__all__ = [
    "CONSTRUCTORS",
    "FUNCTIONS",
    "argument_expr",
    "arguments_into",
    "copy_element",
    "find",
    "may_be_claude",
    "method_uses",
    "tool_objects",
]

PACKAGE = "langchain_aws"
CLASSES = {
    "ChatBedrockConverse": Backend.LANGCHAIN_BEDROCK_CONVERSE,
    "ChatBedrock": Backend.LANGCHAIN_BEDROCK,
}
INVOKE_METHODS = frozenset({"invoke", "ainvoke", "stream", "astream"})
# init_chat_model's provider names (also create_agent's "provider:model" strings).
_PROVIDERS = {
    "bedrock_converse": ("ChatBedrockConverse", "model"),
    "bedrock": ("ChatBedrock", "model_id"),
}
# Constructor keywords a ``**spread`` may hide. Never ``cache_control``: its mere presence is a
# finding (BC232), so an Unknown stand-in would report what the source does not show.
_HIDDEN_KEYS = {
    "ChatBedrockConverse": ("model", "provider", "base_model", "system", "model_kwargs",
                            "additional_model_request_fields"),
    "ChatBedrock": ("model_id", "provider", "base_model", "model_kwargs", "beta_use_converse_api"),
}  # fmt: skip
_MESSAGES = ("SystemMessage", "HumanMessage", "AIMessage", "ToolMessage")

CONSTRUCTORS = {
    **{
        (package, name): ConstructorSpec(name, ("content",))
        for package in ("langchain_core", "langchain")
        for name in _MESSAGES
    },
    (PACKAGE, "BedrockPromptCachingMiddleware"): ConstructorSpec(
        "BedrockPromptCachingMiddleware",
        ("type", "ttl", "min_messages_to_cache", "unsupported_model_behavior"),
    ),
}


def _create_cache_point(kwargs: dict[str, Any], args: list[Any]) -> Any:
    """``ChatBedrockConverse.create_cache_point(cache_type="default")`` (langchain-aws 1.9.1)."""
    cache_type = kwargs.get("cache_type", args[0] if args else "default")
    return {"cachePoint": {"type": cache_type}}


FUNCTIONS = {(PACKAGE, "create_cache_point"): _create_cache_point}


@dataclass(frozen=True)
class _Chain:
    """What ``.bind`` / ``.bind_tools`` calls put between the constructor and an invocation."""

    binds: tuple[cst.Call, ...] = ()
    tools: cst.Call | None = None
    lost: bool = False  # a bind_tools after another binding: what survives was not captured


def find(ctx: FileContext) -> Iterator[CallSite]:
    yield from _agents(ctx)
    for call in ctx.calls_to(PACKAGE, *CLASSES):
        found = list(_invocations(ctx, call, _Chain(), depth=0))
        sites = [_invoke_site(ctx, call, invocation, chain) for invocation, chain in found]
        if not found and id(call) not in ctx.consumed:
            sites = [_alone(ctx, call)]
        ctx.consumed.add(id(call))
        yield from (site for site in sites if may_be_claude(site.request))


def may_be_claude(request: Mapping[str, Any]) -> bool:
    """Anthropic caching rules apply: the model (or the one behind an ARN) may be Claude."""
    for key in ("base_model", "base_model_id", "model", "model_id"):
        if request.get(key) is not None:
            return _claude_id(request[key])
    return True


# ---- following the model object -----------------------------------------------------------------


def method_uses(ctx: FileContext, call: cst.Call) -> Iterator[tuple[cst.Call, str]]:
    """Method calls on what ``call`` returns: through a name, a chain, or a ``self`` attribute."""
    yield from ctx.uses_of(call)
    for other in ctx.index.calls:
        func = other.func
        if isinstance(func, cst.Attribute) and func.value is call:
            yield other, func.attr.value
    yield from _self_uses(ctx, call)


def _self_uses(ctx: FileContext, call: cst.Call) -> Iterator[tuple[cst.Call, str]]:
    """``self.llm = Cls(...)`` (the class's only assignment to it), then ``self.llm.m(...)``."""
    statement = ctx.statement(call)
    attr = _self_target(statement, call)
    cls = ctx.enclosing_class(statement) if attr else None
    if cls is None or attr is None:
        return
    assigned = [value for _s, value in self_assignments(cls, attr)]
    if len(assigned) != 1 or assigned[0] is not call:
        return
    for other in ctx.index.calls:
        func = other.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
            continue
        owner = func.value
        if (
            isinstance(owner.value, cst.Name)
            and owner.value.value == "self"
            and owner.attr.value == attr
            and ctx.enclosing_class(ctx.statement(other)) is cls
        ):
            yield other, func.attr.value


def _self_target(statement: cst.CSTNode, call: cst.Call) -> str | None:
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        if isinstance(small, cst.Assign | cst.AnnAssign) and small.value is call:
            targets = (
                [t.target for t in small.targets]
                if isinstance(small, cst.Assign)
                else [small.target]
            )
            if len(targets) == 1 and isinstance(targets[0], cst.Attribute):
                owner = targets[0].value
                if isinstance(owner, cst.Name) and owner.value == "self":
                    return targets[0].attr.value
    return None


def _invocations(
    ctx: FileContext, call: cst.Call, chain: _Chain, depth: int
) -> Iterator[tuple[cst.Call, _Chain]]:
    if depth > 6:
        return
    for use, method in method_uses(ctx, call):
        if method in INVOKE_METHODS:
            yield use, chain
        elif method == "bind_tools":
            lost = chain.lost or bool(chain.binds) or chain.tools is not None
            yield from _invocations(ctx, use, _Chain(chain.binds, use, lost), depth + 1)
        elif method == "bind":
            yield from _invocations(
                ctx, use, _Chain((*chain.binds, use), chain.tools, chain.lost), depth + 1
            )
        elif method == "with_config":
            yield from _invocations(ctx, use, chain, depth + 1)


# ---- requests -----------------------------------------------------------------------------------


def _class_of(ctx: FileContext, call: cst.Call) -> str:
    callee = ctx.callee(call)
    assert callee is not None
    return callee[1]


def _constructor_request(
    ctx: FileContext, call: cst.Call, cls: str, hidden_out: list[str]
) -> dict[str, Any]:
    """The constructor's keyword arguments, freshly evaluated: each site owns its request."""
    request, hidden = ctx.evaluator.arguments(call, ctx.statement(call))
    for key in ("model", "model_id"):
        if key in request:
            request[key] = known_model(request[key])
    if hidden is not None:
        hidden_out.append(hidden.source)
        if "model" not in request and "model_id" not in request:
            request["model" if cls == "ChatBedrockConverse" else "model_id"] = hidden
        for key in _HIDDEN_KEYS[cls]:
            request.setdefault(key, hidden)
    request["class"] = cls
    return request


def _alone(ctx: FileContext, call: cst.Call) -> CallSite:
    cls = _class_of(ctx, call)
    hidden: list[str] = []
    request = _constructor_request(ctx, call, cls, hidden)
    request["messages"] = Unknown(f"messages (no invoke of this {cls} is visible)")
    request["call"] = Unknown("invoke arguments (not visible)")
    request["tools"] = Unknown("bound tools (not visible)")
    return CallSite(f"langchain {cls}", CLASSES[cls], call, request, hidden)


def _invoke_site(ctx: FileContext, ctor: cst.Call, invocation: cst.Call, chain: _Chain) -> CallSite:
    cls = _class_of(ctx, ctor)
    hidden: list[str] = []
    request = _constructor_request(ctx, ctor, cls, hidden)
    origins = ctx.evaluator.origins
    call: dict[str, Any] = {}
    for bind in chain.binds:
        bound, bind_hidden = ctx.evaluator.arguments(bind, ctx.statement(bind))
        if bind_hidden is not None:
            hidden.append(bind_hidden.source)
            call["cache_control"] = bind_hidden
        arguments_into(ctx, call, bound)
    at = ctx.statement(invocation)
    kwargs, call_hidden = ctx.evaluator.arguments(invocation, at, ("input",))
    messages = _input_messages(ctx, kwargs)
    if call_hidden is not None:
        hidden.append(call_hidden.source)
        call["cache_control"] = call_hidden
        if "input" not in kwargs:
            messages = call_hidden
    arguments_into(
        ctx, call, {k: v for k, v in kwargs.items() if k not in ("input", "config")}, kwargs
    )
    request["messages"] = messages
    copy_element(ctx, kwargs, "input", request, "messages")
    if chain.lost:
        request["call"] = Unknown("call arguments after a second binding")
        request["tools"] = Unknown("tools after a second binding")
    else:
        request["call"] = call
        origins.element(request, "call", invocation)
        if chain.tools is not None:
            request["tools"] = _bound_tools(ctx, chain.tools)
            origins.element(request, "tools", chain.tools)
    method = invocation.func.attr.value if isinstance(invocation.func, cst.Attribute) else "invoke"
    return CallSite(f"langchain {cls}.{method}", CLASSES[cls], invocation, request, hidden)


def _input_messages(ctx: FileContext, kwargs: dict[str, Any]) -> Any:
    """A chat model's input: a message list, or a string (one human message)."""
    if "input" not in kwargs:
        return Unknown("invoke input")
    value = kwargs["input"]
    if isinstance(value, list | Unknown):
        return value
    if is_text(value):
        messages = [value]
        node = ctx.evaluator.origins.elements.get((id(kwargs), "input"))
        if node is not None:
            ctx.evaluator.origins.element(messages, 0, node)
        return messages
    return Unknown("invoke input (not a message list)")


def _bound_tools(ctx: FileContext, call: cst.Call) -> Any:
    kwargs, hidden = ctx.evaluator.arguments(call, ctx.statement(call), ("tools",))
    if "tools" in kwargs:
        return tool_objects(ctx, kwargs["tools"])
    return hidden if hidden is not None else Unknown("bind_tools tools")


def tool_objects(ctx: FileContext, tools: Any) -> Any:
    """Tools named by a function or class this module defines (``@tool`` functions, pydantic
    schemas) are tool objects: their schema is unknown, but they are certainly not a cachePoint."""
    if not isinstance(tools, list):
        return tools
    defined = _module_definitions(ctx)
    for i, tool in enumerate(tools):
        node = ctx.evaluator.origins.elements.get((id(tools), i))
        if isinstance(tool, Unknown) and isinstance(node, cst.Name) and node.value in defined:
            tools[i] = Constructed("BaseTool", {"name": node.value})
    return tools


def _module_definitions(ctx: FileContext) -> frozenset[str]:
    """Names bound exactly once at module level, by a ``def`` or ``class``."""
    counts: dict[str, int] = {}
    defined: set[str] = set()
    for statement in ctx.index.module.body:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            defined.add(statement.name.value)
            counts[statement.name.value] = counts.get(statement.name.value, 0) + 1
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                for target in _assigned_names(small):
                    counts[target] = counts.get(target, 0) + 1
    return frozenset(name for name in defined if counts[name] == 1)


def _assigned_names(small: cst.BaseSmallStatement) -> Iterator[str]:
    targets: list[cst.BaseExpression] = []
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
    elif isinstance(small, cst.AnnAssign | cst.AugAssign):
        targets = [small.target]
    for target in targets:
        if isinstance(target, cst.Name):
            yield target.value


def arguments_into(
    ctx: FileContext, target: dict[str, Any], values: Mapping[str, Any], source: object = None
) -> None:
    """``target.update(values)`` keeping where each value was written (``source``'s origins)."""
    origin_of = values if source is None else source
    for key, value in values.items():
        target[key] = value
        copy_element(ctx, origin_of, key, target, key)


def copy_element(
    ctx: FileContext, source: object, key: object, target: object, new: object
) -> None:
    """The source node of ``source[key]`` becomes that of ``target[new]``."""
    origins = ctx.evaluator.origins
    node = origins.elements.get((id(source), key))
    if node is not None:
        origins.element(target, new, node)


# ---- create_agent -------------------------------------------------------------------------------


def _agents(ctx: FileContext) -> Iterator[CallSite]:
    for call in ctx.calls_to("langchain", "create_agent"):
        at = ctx.statement(call)
        kwargs, hidden = ctx.evaluator.arguments(call, at, ("model", "tools"))
        model = _agent_model(ctx, call, at)
        if model is None:
            continue
        request, cls, ctor, hidden_sources = model
        if ctor is not None:
            ctx.consumed.add(id(ctor))
        if hidden is not None:
            hidden_sources.append(hidden.source)
        for key in ("tools", "system_prompt", "middleware"):
            if key in kwargs:
                request[key] = tool_objects(ctx, kwargs[key]) if key == "tools" else kwargs[key]
                copy_element(ctx, kwargs, key, request, key)
            elif hidden is not None:
                request[key] = hidden
        if not may_be_claude(request):
            continue
        invocations = [(use, m) for use, m in method_uses(ctx, call) if m in INVOKE_METHODS]
        if not invocations:
            request["messages"] = Unknown("messages (no invoke of this agent is visible)")
            yield CallSite(f"langchain create_agent ({cls})", CLASSES[cls], call, request,
                           hidden_sources)  # fmt: skip
            continue
        for i, (use, method) in enumerate(invocations):
            site_request = request if i == 0 else _agent_copy(ctx, request)
            site_request["messages"] = messages = _agent_messages(ctx, use, site_request)
            if isinstance(messages, list) and _loops(site_request):
                # later turns add the model's tool calls and their results: their count decides
                # what the middleware does, so the first turn alone proves nothing about it
                messages.append(Unknown("messages the agent loop adds"))
            yield CallSite(f"langchain agent.{method} ({cls})", CLASSES[cls], use, site_request,
                           hidden_sources)  # fmt: skip


def _loops(request: Mapping[str, Any]) -> bool:
    """A caching middleware on an agent with tools: each turn of the loop is a new request."""
    middleware, tools = request.get("middleware"), request.get("tools")
    if middleware is None or (isinstance(middleware, list) and not middleware):
        return False
    return tools is not None and not (isinstance(tools, list) and not tools)


def _agent_model(
    ctx: FileContext, call: cst.Call, at: cst.CSTNode
) -> tuple[dict[str, Any], str, cst.Call | None, list[str]] | None:
    """The request the agent's model contributes, its class and constructor; None if not Bedrock."""
    expr = argument_expr(call, 0, "model")
    if expr is None:
        return None
    bound = ctx.bound_call(expr, at)
    if bound is not None:
        ctor = bound[0]
        callee = ctx.callee(ctor)
        if callee is None or callee[0] != PACKAGE or callee[1] not in CLASSES:
            return None
        hidden: list[str] = []
        return _constructor_request(ctx, ctor, callee[1], hidden), callee[1], ctor, hidden
    value = ctx.value(expr, at)
    if not isinstance(value, str):
        return None
    provider, _, model = value.partition(":")
    if provider not in _PROVIDERS or not model:
        return None
    cls, key = _PROVIDERS[provider]
    request: dict[str, Any] = {"class": cls, key: known_model(model)}
    ctx.evaluator.origins.element(request, key, expr)
    return request, cls, None, []


def _agent_copy(ctx: FileContext, request: dict[str, Any]) -> dict[str, Any]:
    copy: dict[str, Any] = {}
    arguments_into(ctx, copy, request)
    return copy


def _agent_messages(ctx: FileContext, use: cst.Call, request: dict[str, Any]) -> Any:
    """``agent.invoke({"messages": [...]})``: the state's message list."""
    expr = argument_expr(use, 0, "input")
    if expr is None:
        return Unknown("agent input")
    state = ctx.value(expr, ctx.statement(use))
    if not isinstance(state, dict) or "messages" not in state:
        return Unknown("agent input (not a visible {'messages': [...]} state)")
    messages = state["messages"]
    copy_element(ctx, state, "messages", request, "messages")
    if is_text(messages):
        return Unknown("agent input messages given as text")
    return messages if isinstance(messages, list | Unknown) else Unknown("agent messages")


def argument_expr(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The expression passed as ``keyword`` or at ``position``; None if absent or spread."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    index = 0
    for arg in call.args:
        if arg.star:
            return None  # a spread shifts the positions that follow it
        if arg.keyword is None:
            if index == position:
                return arg.value
            index += 1
    return None
