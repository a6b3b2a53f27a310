"""The anthropic SDK's Bedrock clients: ``messages.create``, ``messages.stream`` and
``beta.messages.create`` of ``AnthropicBedrock`` / ``AsyncAnthropicBedrock`` (InvokeModel with the
call's keywords as the body) and of ``AnthropicBedrockMantle`` / ``AsyncAnthropicBedrockMantle``
(the same keywords as a bedrock-mantle Messages body).

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

# Each client class and the backend its requests go through; longest names first, so that an
# annotation naming a Mantle client is not read as the InvokeModel one it contains.
BACKENDS = {
    "AsyncAnthropicBedrockMantle": Backend.ANTHROPIC_BEDROCK_MANTLE,
    "AnthropicBedrockMantle": Backend.ANTHROPIC_BEDROCK_MANTLE,
    "AsyncAnthropicBedrock": Backend.ANTHROPIC_BEDROCK,
    "AnthropicBedrock": Backend.ANTHROPIC_BEDROCK,
}
CLIENTS = frozenset(BACKENDS)
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
        backend = _client_backend(ctx, client, at)
        if backend is None:
            continue
        request, hidden = ctx.evaluator.arguments(call, at)
        if "model" in request:
            request["model"] = known_model(request["model"])
        if hidden is not None:
            for key in _KEYS:
                request.setdefault(key, hidden)
        yield CallSite(
            f"anthropic {func.attr.value}",
            backend,
            call,
            request,
            [hidden.source] if hidden is not None else [],
        )


def _client_backend(
    ctx: FileContext, client: cst.BaseExpression, at: cst.CSTNode
) -> Backend | None:
    """The backend of a client provably built from one of the Bedrock classes, else None."""
    if (
        isinstance(client, cst.Attribute)
        and isinstance(client.value, cst.Name)
        and client.value.value == "self"
    ):
        cls = ctx.enclosing_class(at)
        found = {
            _client_backend(ctx, value, statement)
            for statement, value in (self_assignments(cls, client.attr.value) if cls else ())
        }
        return found.pop() if len(found) == 1 else None
    if isinstance(client, cst.Name):
        annotation = ctx.parameter_annotation(client.value, at)
        if annotation is not None:
            named = next((name for name in BACKENDS if name in annotation), None)
            if named is not None:
                return BACKENDS[named]
    bound = ctx.bound_call(client, at)
    if bound is None:
        return None
    callee = ctx.callee(bound[0])
    if callee is None or callee[0] != "anthropic":
        return None
    return BACKENDS.get(callee[1])
