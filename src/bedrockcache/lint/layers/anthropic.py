"""The anthropic SDK's ``AnthropicBedrock`` / ``AsyncAnthropicBedrock``: ``messages.create``,
``messages.stream`` and ``beta.messages.create`` (InvokeModel with the call's keywords as the body).

Only clients provably built from those classes count: the SDK's ``Anthropic`` client talks to the
Anthropic API, where other caching rules apply.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from bedrockcache.backends import Backend
from bedrockcache.lint.classes import self_assignments
from bedrockcache.lint.sites import CallSite, FileContext, known_model

__all__ = ["find"]

CLIENTS = frozenset({"AnthropicBedrock", "AsyncAnthropicBedrock"})
METHODS = frozenset({"create", "stream"})
_KEYS = ("model", "system", "messages", "tools", "betas", "extra_headers", "extra_body")


def find(ctx: FileContext) -> Iterator[CallSite]:
    for call in ctx.calls:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value in METHODS):
            continue
        messages = func.value
        if not (isinstance(messages, cst.Attribute) and messages.attr.value == "messages"):
            continue
        client = messages.value
        if isinstance(client, cst.Attribute) and client.attr.value == "beta":
            client = client.value
        at = ctx.statement(call)
        if not _is_bedrock_client(ctx, client, at):
            continue
        request, hidden = ctx.evaluator.arguments(call, at)
        if "model" in request:
            request["model"] = known_model(request["model"])
        if hidden is not None:
            for key in _KEYS:
                request.setdefault(key, hidden)
        yield CallSite(
            f"anthropic {func.attr.value}",
            Backend.ANTHROPIC_BEDROCK,
            call,
            request,
            [hidden.source] if hidden is not None else [],
        )


def _is_bedrock_client(ctx: FileContext, client: cst.BaseExpression, at: cst.CSTNode) -> bool:
    if (
        isinstance(client, cst.Attribute)
        and isinstance(client.value, cst.Name)
        and client.value.value == "self"
    ):
        cls = ctx.enclosing_class(at)
        found = [
            _is_bedrock_client(ctx, value, statement)
            for statement, value in (self_assignments(cls, client.attr.value) if cls else ())
        ]
        return bool(found) and all(found)
    if isinstance(client, cst.Name):
        annotation = ctx.parameter_annotation(client.value, at)
        if annotation is not None and any(name in annotation for name in CLIENTS):
            return True
    bound = ctx.bound_call(client, at)
    if bound is None:
        return False
    callee = ctx.callee(bound[0])
    return callee is not None and callee[0] == "anthropic" and callee[1] in CLIENTS
