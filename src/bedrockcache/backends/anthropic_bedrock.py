"""anthropic SDK ``AnthropicBedrock`` / ``AsyncAnthropicBedrock`` ``messages.create`` (and
``stream``, ``beta.messages.create``): an InvokeModel call whose body is the keyword arguments,
unchanged.

The SDK pops ``model`` (it goes in the URL) and ``stream``, sets ``anthropic_version`` when absent,
and copies per-request betas into the body's ``anthropic_beta`` list: ``betas=[...]`` is joined with
"," into the ``anthropic-beta`` header (an ``extra_headers`` entry replaces it), and the header is
split on ","; anthropic >= 2.17.0 also strips each value, older releases keep the spaces (which
release: ``facts/layers.toml`` [anthropic], judged against the installed SDK). ``extra_body`` is
merged into the body. It never drops or moves a ``cache_control``.

Request shape: the keyword arguments of ``client.messages.create(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Translation
from bedrockcache.backends.installed import at_least
from bedrockcache.facts import Facts, layer_facts
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
    """The body's ``anthropic_beta`` as the installed SDK builds it from the request's header."""
    header: object = None
    headers = request.get("extra_headers")
    if isinstance(headers, Mapping):
        header = next(
            (v for k, v in headers.items() if isinstance(k, str) and k.lower() == "anthropic-beta"),
            None,
        )
    if header is None:
        betas = request.get("betas")
        if isinstance(betas, (list, tuple)) and all(isinstance(b, str) for b in betas):
            header = ",".join(betas)
        elif isinstance(betas, (list, tuple, Unknown)):
            return betas  # an element is not known: kept, so its holes stay visible
    if isinstance(header, str):
        return split_betas(header) if header else None
    return header


def split_betas(header: str) -> list[str]:
    """``anthropic-beta: a, b`` as the body list: split on ",", stripped from anthropic 2.17.0."""
    values = header.split(",")
    if at_least("anthropic", layer_facts("anthropic")["strips_betas_from"]):
        return [value.strip() for value in values]
    return values
