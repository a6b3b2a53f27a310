"""LiteLLM ``completion`` / ``acompletion`` with a Bedrock model (any import style).

A call counts when its model is known to route to Bedrock (``bedrock/...`` or
``custom_llm_provider="bedrock"``); a model only known at run time might go anywhere, so the call
is not a Bedrock call site as far as the source shows.
"""

from __future__ import annotations

from collections.abc import Iterator

from bedrockcache.backends import Backend
from bedrockcache.lint.sites import CallSite, FileContext
from bedrockcache.unknown import PartialText, Unknown

__all__ = ["find"]

FUNCTIONS_NAMES = ("completion", "acompletion")
_POSITIONAL = ("model", "messages")
_KEYS = (
    "messages",
    "tools",
    "cache_control_injection_points",
    "model_id",
    "base_model",
    "model_info",
    "cache_control",
    "extra_headers",
    "anthropic_beta",
    "drop_params",
)


def find(ctx: FileContext) -> Iterator[CallSite]:
    for call in ctx.calls_to("litellm", *FUNCTIONS_NAMES):
        at = ctx.statement(call)
        request, hidden = ctx.evaluator.arguments(call, at, _POSITIONAL)
        model = request.get("model")
        provider = request.get("custom_llm_provider")
        if isinstance(model, PartialText) and model.startswith("bedrock/"):
            request["model"] = model = Unknown(f"model {model!s}…")
            request["custom_llm_provider"] = "bedrock"
        elif (
            not (isinstance(model, str) and model.startswith("bedrock/")) and provider != "bedrock"
        ):
            continue
        if hidden is not None:
            for key in _KEYS:
                request.setdefault(key, hidden)
        callee = ctx.callee(call)
        yield CallSite(
            f"litellm {callee[1] if callee else 'completion'}",
            Backend.LITELLM,
            call,
            request,
            [hidden.source] if hidden is not None else [],
        )
