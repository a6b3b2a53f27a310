"""boto3 ``bedrock-runtime`` clients: Converse, ConverseStream, InvokeModel(+WithResponseStream).

A call counts when its receiver is provably a Bedrock runtime client
(``boto3.client("bedrock-runtime")``, a session's ``.client(...)``, the same stored on ``self``, or
a parameter annotated with ``BedrockRuntimeClient``), or when the receiver's type is unknown and the
keywords are Bedrock's own (``modelId=`` with ``messages=`` or ``body=``). A receiver that is
provably something else (another service's client, an instance of a class in this file with its
own method of that name) never counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.lint.classes import self_assignments
from bedrockcache.lint.evaluate import Dumped
from bedrockcache.lint.sites import CallSite, FileContext, known_model, may_be_claude
from bedrockcache.unknown import PartialText, Unknown

__all__ = ["find"]

OPERATIONS = {
    "converse": Backend.BEDROCK_CONVERSE,
    "converse_stream": Backend.BEDROCK_CONVERSE,
    "invoke_model": Backend.BEDROCK_INVOKE_ANTHROPIC,
    "invoke_model_with_response_stream": Backend.BEDROCK_INVOKE_ANTHROPIC,
}
_CONVERSE_KEYS = ("modelId", "system", "messages", "toolConfig", "additionalModelRequestFields")
_SERVICE = "bedrock-runtime"
_CLIENT_TYPE = "BedrockRuntimeClient"


def find(ctx: FileContext) -> Iterator[CallSite]:
    for call in ctx.calls:
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in OPERATIONS:
            continue
        at = ctx.statement(call)
        kind = receiver_kind(ctx, func.value, at, func.attr.value)
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        if kind == "other":
            continue
        if kind is None and not ("modelId" in keywords and keywords & {"messages", "body"}):
            continue
        operation = func.attr.value
        kwargs, hidden = ctx.evaluator.arguments(call, at)
        site = _site(operation, call, kwargs, hidden)
        if site is not None:
            yield site


def _site(
    operation: str, call: cst.Call, kwargs: dict[str, Any], hidden: Unknown | None
) -> CallSite | None:
    backend = OPERATIONS[operation]
    request = kwargs
    if "modelId" in request:
        request["modelId"] = known_model(request["modelId"])
    elif hidden is not None:
        request["modelId"] = hidden
    if not may_be_claude(request.get("modelId")):
        return None  # Anthropic caching rules do not apply to other models
    if backend is Backend.BEDROCK_CONVERSE:
        if hidden is not None:
            for key in _CONVERSE_KEYS:
                request.setdefault(key, hidden)
    else:
        body = request.get("body", hidden if hidden is not None else None)
        if isinstance(body, Dumped):
            body = body.value
        elif isinstance(body, PartialText) and body.unknown_parts:
            body = Unknown("body text built at run time")
        if body is None or not _anthropic_shaped(body):
            return None
        request["body"] = body
    return CallSite(
        f"boto3 {operation}",
        backend,
        call,
        request,
        [str(hidden.source)] if hidden is not None else [],
    )


def _anthropic_shaped(body: object) -> bool:
    """A known body without Anthropic Messages keys is another model's (Titan ``inputText``,
    Llama or Mistral ``prompt``, Cohere ``texts``): Claude's caching rules do not apply to it."""
    if isinstance(body, str) and not isinstance(body, PartialText):
        try:
            body = json.loads(body)
        except ValueError:
            return True  # the auditor reports a body that is not JSON
    if not isinstance(body, dict):
        return True  # unknown: may be
    return "messages" in body or "anthropic_version" in body


def receiver_kind(
    ctx: FileContext, receiver: cst.BaseExpression, at: cst.CSTNode, method: str
) -> str | None:
    """Whether the receiver is provably a bedrock-runtime client ("bedrock"), provably something
    else ("other"), or of unknown type (None)."""
    if (
        isinstance(receiver, cst.Attribute)
        and isinstance(receiver.value, cst.Name)
        and receiver.value.value == "self"
    ):
        return _self_attribute(ctx, receiver.attr.value, at, method)
    if isinstance(receiver, cst.Name):
        if receiver.value == "self":
            cls = ctx.enclosing_class(at)
            return "other" if cls is not None and _defines(cls, method) else None
        annotation = ctx.parameter_annotation(receiver.value, at)
        if annotation is not None and _CLIENT_TYPE in annotation:
            return "bedrock"
    bound = ctx.bound_call(receiver, at)
    if bound is None:
        return None
    return _made_by(ctx, *bound, method)


def _made_by(ctx: FileContext, call: cst.Call, at: cst.CSTNode, method: str) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value == "client":
        service = _service_name(ctx, call, at)
        if isinstance(service, str):
            return "bedrock" if service == _SERVICE else "other"
        return None
    if isinstance(func, cst.Name):
        cls = next((c for c in ctx.index.classes if c.name.value == func.value), None)
        if cls is not None and func.value not in ctx.index.imports:
            return "other" if _defines(cls, method) else None
    return None


def _service_name(ctx: FileContext, call: cst.Call, at: cst.CSTNode) -> object:
    for i, arg in enumerate(call.args):
        if (arg.keyword is None and not arg.star and i == 0) or (
            arg.keyword is not None and arg.keyword.value == "service_name"
        ):
            return ctx.value(arg.value, at)
    return Unknown("service name")


def _self_attribute(ctx: FileContext, attr: str, at: cst.CSTNode, method: str) -> str | None:
    cls = ctx.enclosing_class(at)
    if cls is None:
        return None
    kinds = set()
    for statement, value in self_assignments(cls, attr):
        bound = ctx.bound_call(value, statement)
        kinds.add(_made_by(ctx, *bound, method) if bound is not None else None)
        if isinstance(value, cst.Name):
            annotation = ctx.parameter_annotation(value.value, statement)
            if annotation is not None and _CLIENT_TYPE in annotation:
                kinds.add("bedrock")
                kinds.discard(None)
    if len(kinds) == 1:
        return kinds.pop()
    return None


def _defines(cls: cst.ClassDef, method: str) -> bool:
    return any(isinstance(s, cst.FunctionDef) and s.name.value == method for s in cls.body.body)
