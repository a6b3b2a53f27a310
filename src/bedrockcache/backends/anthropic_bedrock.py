"""anthropic SDK ``AnthropicBedrock`` / ``AsyncAnthropicBedrock`` ``messages.create`` (and
``stream``, ``beta.messages.create``): an InvokeModel call whose body is the keyword arguments,
unchanged.

The SDK pops ``model`` (it goes in the URL) and ``stream``, sets ``anthropic_version`` when absent,
and copies per-request betas (``betas=[...]`` or an ``anthropic-beta`` entry in ``extra_headers``)
into the body's ``anthropic_beta`` list. ``extra_body`` is merged into the body. It never drops or
moves a ``cache_control``.

Request shape: the keyword arguments of ``client.messages.create(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Translation
from bedrockcache.facts import Facts
from bedrockcache.unknown import Unknown
from bedrockcache.wire import from_anthropic_body

MISSING = "BC102"
_CLIENT_ONLY = {"model", "stream", "betas", "extra_headers", "extra_body", "extra_query", "timeout"}


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    return "model" in request and "max_tokens" in request and "messages" in request


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    body: dict[str, Any] = {k: v for k, v in request.items() if k not in _CLIENT_ONLY}
    extra_body = request.get("extra_body")
    if isinstance(extra_body, Mapping):
        body.update(extra_body)
    body.setdefault("anthropic_version", facts.bedrock.anthropic_version)
    betas = _request_betas(request)
    if betas is not None:
        body.setdefault("anthropic_beta", betas)
    wire = from_anthropic_body(body, model_id=request.get("model"), operation="InvokeModel")
    return Translation(wire, MISSING)


def _request_betas(request: Mapping[str, Any]) -> object:
    betas = request.get("betas")
    if isinstance(betas, (list, tuple, Unknown)):
        return betas
    headers = request.get("extra_headers")
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            if isinstance(name, str) and name.lower() == "anthropic-beta":
                return value.split(",") if isinstance(value, str) else value
    return None
