"""anthropic SDK ``AnthropicBedrockMantle`` / ``AsyncAnthropicBedrockMantle``: the Anthropic
Messages API on Bedrock's second endpoint, ``https://bedrock-mantle.{region}.api.aws/anthropic/v1/messages``.

Unlike ``AnthropicBedrock`` (InvokeModel on ``bedrock-runtime``) the client posts first-party style:
``model`` and ``stream`` stay in the JSON body, ``anthropic-version`` is a header (no
``anthropic_version`` in the body), and per-request betas (``betas=[...]``, an ``anthropic-beta``
entry in ``extra_headers``) go out **only as a header**: the body gets no ``anthropic_beta``.
``extra_body`` is merged into the body. The SDK never drops or moves a ``cache_control``
(conformance: tests/conformance/test_anthropic_mantle.py, anthropic 2.13.0 and 2.17.0).

Mantle names models without a version suffix (``anthropic.claude-haiku-4-5``); such an id is read
as the one model of that family the facts know, and the report says so. Requests to this endpoint
are not recorded by Bedrock model invocation logging.

Request shape: the keyword arguments of ``client.messages.create(...)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Translation
from bedrockcache.facts import Facts, family_of
from bedrockcache.wire import MANTLE_OPERATION, from_anthropic_body

__all__ = ["MANTLE_OPERATION", "looks_like", "translate"]

MISSING = "BC102"
_CLIENT_ONLY = {"betas", "extra_headers", "extra_body", "extra_query", "timeout"}


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    # The same keyword arguments as AnthropicBedrock's: never detected, always named.
    return False


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    body: dict[str, Any] = {k: v for k, v in request.items() if k not in _CLIENT_ONLY}
    extra_body = request.get("extra_body")
    if isinstance(extra_body, Mapping):
        body.update(extra_body)
    wire = from_anthropic_body(body, model_id=request.get("model"), operation=MANTLE_OPERATION)
    notes = ["bedrock-mantle: these requests do not appear in Bedrock model invocation logs"]
    named = _unsuffixed_model(wire.model_id, facts)
    if named is not None:
        notes.append(
            f"`{wire.model_id}` names {named.name} on bedrock-mantle (its ids carry no version "
            f"suffix); the model rules use `{named.ids[0]}`"
        )
        wire = dataclasses.replace(wire, model_id=named.ids[0])
    return Translation(wire, MISSING, notes=notes)


def _unsuffixed_model(model_id: object, facts: Facts) -> Any:
    """The model a mantle id without version suffix names, when the facts know exactly one."""
    if not isinstance(model_id, str):
        return None
    ref = facts.resolve(model_id)
    if ref.model is not None or ref.base_id is None or ref.profile_prefix is not None:
        return None
    if family_of(ref.base_id) != ref.base_id.removeprefix("anthropic."):
        return None  # the id has a date or version of its own: not mantle's spelling
    models = {m.key: m for m in ref.near_misses}
    return next(iter(models.values())) if len(models) == 1 else None
