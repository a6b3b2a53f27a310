"""boto3 ``invoke_model`` / ``invoke_model_with_response_stream`` with an Anthropic Messages body.

The body is an opaque blob: botocore sends it byte for byte with no validation, so whatever
``cache_control``, ``ttl`` or ``anthropic_beta`` it holds reaches Bedrock unchanged.

Request shape: the keyword arguments of ``client.invoke_model(...)``: ``modelId`` and ``body``
(a dict, JSON text or bytes). A bare Anthropic body (with ``anthropic_version``, ``messages``...)
is accepted too, as bedrockcache 0.1.0 did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Translation
from bedrockcache.facts import Facts
from bedrockcache.wire import from_anthropic_body

MISSING = "BC102"


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    return "body" in request or "anthropic_version" in request


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    if "body" in request:
        wire = from_anthropic_body(
            request["body"], model_id=request.get("modelId"), operation="InvokeModel"
        )
    else:
        wire = from_anthropic_body(
            request, model_id=request.get("modelId"), operation="InvokeModel"
        )
    return Translation(wire, MISSING)
