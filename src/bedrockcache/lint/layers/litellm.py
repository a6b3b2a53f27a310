"""LiteLLM ``completion`` / ``acompletion`` with a Bedrock model (any import style).

A call counts when its model is known to route to Bedrock (``bedrock/...`` or
``custom_llm_provider="bedrock"``); a model only known at run time might go anywhere, so the call
is not a Bedrock call site as far as the source shows.

``litellm.enable_anthropic_prompt_caching = True`` at module level turns LiteLLM's automatic marks
on for every call in the process; a file that sets it passes it to its calls as the per-call
``enable_prompt_caching=True``. (Set in another module, it is not seen.)
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

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
    "enable_prompt_caching",
)
_AUTO_CACHING_FLAG = "litellm.enable_anthropic_prompt_caching"


def find(ctx: FileContext) -> Iterator[CallSite]:
    auto = _auto_caching_flag(ctx)
    for call in ctx.calls_to("litellm", *FUNCTIONS_NAMES):
        at = ctx.statement(call)
        request, hidden = ctx.evaluator.arguments(call, at, _POSITIONAL)
        if auto is True or (auto is not None and request.get("enable_prompt_caching") is not True):
            request["enable_prompt_caching"] = auto
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


def _auto_caching_flag(ctx: FileContext) -> object:
    """What this file sets ``litellm.enable_anthropic_prompt_caching`` to at module level."""
    found: object = None
    for statement in ctx.index.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and any(
                ctx.index.qualified(t.target) == _AUTO_CACHING_FLAG for t in small.targets
            ):
                found = ctx.value(small.value, statement)
    return found
