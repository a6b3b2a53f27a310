"""LlamaIndex ``BedrockConverse`` and the chat / completion / tool-calling methods called on it.

A request is the constructor's keyword arguments plus one visible method call: its name
(``method``, which decides whether the constructor's ``system_prompt`` and ``tool_caching`` count),
its messages, and for the ``*_with_tools`` family the tools and the per-call ``tool_caching``.
The model object is followed through names, chains and ``self.llm`` attributes. A constructor with
no visible call is audited alone, with the method, messages and tools ``Unknown``. How the model
is followed, and the non-Claude filter, are shared with the LangChain finder.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.backends.llamaindex import TOOL_METHODS
from bedrockcache.lint.evaluate import ConstructorSpec, is_text, text_unknown
from bedrockcache.lint.layers.langchain import (
    argument_expr,
    copy_element,
    may_be_claude,
    method_uses,
)
from bedrockcache.lint.sites import CallSite, FileContext, known_model
from bedrockcache.objects import Constructed
from bedrockcache.unknown import Unknown

__all__ = ["CONSTANTS", "CONSTRUCTORS", "FUNCTIONS", "find"]

PACKAGE = "llama_index"
CLASS = "BedrockConverse"
_CHAT = frozenset({"chat", "achat", "stream_chat", "astream_chat"})
_COMPLETE = frozenset({"complete", "acomplete", "stream_complete", "astream_complete"})
_TOOLS = TOOL_METHODS  # the *_with_tools methods: the backend's own list
_PROMPT = frozenset({"predict", "apredict", "stream", "astream"})
_STRUCTURED = frozenset({"structured_predict", "astructured_predict"})
METHODS = _CHAT | _COMPLETE | _TOOLS | _PROMPT | _STRUCTURED
_TOOLS_POSITIONAL = ("tools", "user_msg", "chat_history")
# Constructor keywords a ``**spread`` may hide. Never ``cache_control`` (its presence is BC248).
_HIDDEN_KEYS = (
    "system_prompt",
    "system_prompt_caching",
    "tool_caching",
    "application_inference_profile_arn",
    "additional_kwargs",
)
_ROLES = {
    "SYSTEM": "system",
    "USER": "user",
    "ASSISTANT": "assistant",
    "TOOL": "tool",
    "FUNCTION": "function",
}

CONSTRUCTORS = {
    (PACKAGE, "ChatMessage"): ConstructorSpec("ChatMessage", ("content",)),
    **{
        (PACKAGE, name): ConstructorSpec(name)
        for name in ("TextBlock", "CachePoint", "CacheControl", "ImageBlock", "DocumentBlock",
                     "AudioBlock")
    },
}  # fmt: skip
CONSTANTS = {(PACKAGE, f"MessageRole.{member}"): role for member, role in _ROLES.items()}


def _from_str(kwargs: dict[str, Any], args: list[Any]) -> Any:
    """``ChatMessage.from_str(content, role=MessageRole.USER)``."""
    content = kwargs.get("content", args[0] if args else Unknown("from_str content"))
    role = kwargs.get("role", args[1] if len(args) > 1 else "user")
    return Constructed("ChatMessage", {"role": role, "content": content})


def _from_defaults(kwargs: dict[str, Any], args: list[Any]) -> Any:
    """``FunctionTool.from_defaults(fn=...)``: a tool whose schema is not known, but certainly
    a tool and not a cachePoint (the tools point after it is then certain). Other classes'
    ``from_defaults`` stay Unknown."""
    if not any(key in kwargs for key in ("fn", "async_fn")):
        return Unknown("from_defaults()")
    fields = {key: kwargs[key] for key in ("name", "description") if key in kwargs}
    return Constructed("FunctionTool", fields)


FUNCTIONS = {(PACKAGE, "from_str"): _from_str, (PACKAGE, "from_defaults"): _from_defaults}


def find(ctx: FileContext) -> Iterator[CallSite]:
    for call in ctx.calls_to(PACKAGE, CLASS):
        uses = [(use, m) for use, m in method_uses(ctx, call) if m in METHODS]
        sites = [_method_site(ctx, call, use, method) for use, method in uses]
        if not uses and id(call) not in ctx.consumed:
            sites = [_alone(ctx, call)]
        ctx.consumed.add(id(call))
        yield from (site for site in sites if may_be_claude(site.request))


def _constructor_request(
    ctx: FileContext, call: cst.Call, hidden_out: list[str], method: str | None
) -> dict[str, Any]:
    request, hidden = ctx.evaluator.arguments(call, ctx.statement(call))
    if "model" in request:
        request["model"] = known_model(request["model"])
    if hidden is not None:
        hidden_out.append(hidden.source)
        # chat() and its kin never send the constructor's system_prompt, so a hidden one
        # changes nothing there, unless the flag is hidden too: then it stands for "maybe
        # system content", so that a hidden flag is not reported as adding nothing (BC246)
        unsent = method in _CHAT | _COMPLETE | _TOOLS and "system_prompt_caching" in request
        request.setdefault("model", hidden)
        for key in _HIDDEN_KEYS:
            if not (key == "system_prompt" and unsent):
                request.setdefault(key, hidden)
    request["class"] = CLASS
    return request


def _alone(ctx: FileContext, call: cst.Call) -> CallSite:
    hidden: list[str] = []
    request = _constructor_request(ctx, call, hidden, None)
    request["method"] = Unknown(f"method (no call on this {CLASS} is visible)")
    request["messages"] = Unknown(f"messages (no call on this {CLASS} is visible)")
    request["tools"] = Unknown("tools (not visible)")
    return CallSite(
        f"llamaindex {CLASS}", Backend.LLAMAINDEX_BEDROCK_CONVERSE, call, request, hidden
    )


def _method_site(ctx: FileContext, ctor: cst.Call, use: cst.Call, method: str) -> CallSite:
    hidden: list[str] = []
    request = _constructor_request(ctx, ctor, hidden, method)
    request["method"] = method
    at = ctx.statement(use)
    if method in _TOOLS:
        positional: tuple[str, ...] = _TOOLS_POSITIONAL
    elif method in _STRUCTURED:
        positional = ("output_cls", "prompt")
    elif method in _CHAT:
        positional = ("messages",)
    else:
        positional = ("prompt",)
    kwargs, call_hidden = ctx.evaluator.arguments(use, at, positional)
    if call_hidden is not None:
        hidden.append(call_hidden.source)
    if method in _CHAT:
        request["messages"] = _chat_messages(kwargs, call_hidden)
        copy_element(ctx, kwargs, "messages", request, "messages")
    elif method in _COMPLETE:
        request["messages"] = _prompt_message(ctx, kwargs, call_hidden)
    elif method in _TOOLS:
        request["messages"] = _tool_messages(ctx, kwargs, call_hidden)
        request["tools"] = kwargs.get("tools", call_hidden or Unknown("tools"))
        copy_element(ctx, kwargs, "tools", request, "tools")
        per_call = kwargs.get("tool_caching", call_hidden)
        if per_call is not None:
            request["call_tool_caching"] = per_call
            copy_element(ctx, kwargs, "tool_caching", request, "call_tool_caching")
    else:
        request["messages"] = _template_messages(ctx, use, method, at)
    return CallSite(
        f"llamaindex {CLASS}.{method}", Backend.LLAMAINDEX_BEDROCK_CONVERSE, use, request, hidden
    )


def _chat_messages(kwargs: dict[str, Any], hidden: Unknown | None) -> Any:
    if "messages" not in kwargs:
        return hidden or Unknown("chat messages")
    value = kwargs["messages"]
    return value if isinstance(value, list | Unknown) else Unknown("chat messages (not a list)")


def _prompt_message(ctx: FileContext, kwargs: dict[str, Any], hidden: Unknown | None) -> Any:
    """``complete(prompt)`` sends the prompt as one user message."""
    if "prompt" not in kwargs:
        return hidden or Unknown("completion prompt")
    message = {"role": "user", "content": kwargs["prompt"]}
    copy_element(ctx, kwargs, "prompt", message, "content")
    messages = [message]
    copy_element(ctx, kwargs, "prompt", messages, 0)
    return messages


def _tool_messages(ctx: FileContext, kwargs: dict[str, Any], hidden: Unknown | None) -> Any:
    """``chat_with_tools``: ``chat_history`` then ``user_msg`` (a string is a user message)."""
    messages: list[Any] = []
    if hidden is not None and ("chat_history" not in kwargs or "user_msg" not in kwargs):
        kwargs.setdefault("chat_history", hidden)  # one hole stands for what the spread adds
    history = kwargs.get("chat_history")
    if isinstance(history, list):
        for i, item in enumerate(history):
            copy_element(ctx, history, i, messages, len(messages))
            messages.append(item)
    elif history is not None:
        copy_element(ctx, kwargs, "chat_history", messages, 0)
        messages.append(Unknown("chat_history") if not isinstance(history, Unknown) else history)
    user = kwargs.get("user_msg")
    if user is not None:
        if is_text(user):
            user = {"role": "user", "content": user}
        copy_element(ctx, kwargs, "user_msg", messages, len(messages))
        messages.append(user)
    return messages


def _template_messages(ctx: FileContext, use: cst.Call, method: str, at: cst.CSTNode) -> Any:
    """``predict(PromptTemplate(...))``: a plain template becomes one user message of text."""
    expr = argument_expr(use, 1 if method in _STRUCTURED else 0, "prompt")
    bound = ctx.bound_call(expr, at) if expr is not None else None
    callee = ctx.callee(bound[0]) if bound is not None else None
    if callee != (PACKAGE, "PromptTemplate"):
        return Unknown(f"messages of {method}() (from a prompt template not followed)")
    return [{"role": "user", "content": text_unknown("PromptTemplate text")}]
