"""boto3 ``bedrock-runtime`` ``converse`` / ``converse_stream``: what you write is what is sent.

botocore validates the shape before sending (unknown keys, merged union members, a cachePoint inside
a toolResult raise ParamValidationError) but not enum values or the number of breakpoints; those
reach Bedrock as written. The shape problems are reported by the Bedrock rules over the view.

Request shape: the keyword arguments of ``client.converse(...)``: ``modelId``, ``system``,
``messages``, ``toolConfig``, ``additionalModelRequestFields``, ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bedrockcache.backends import Backend
from bedrockcache.backends.base import Translation
from bedrockcache.facts import Facts
from bedrockcache.wire import from_converse

MISSING = "BC101"


def looks_like(request: Mapping[str, Any], backend: Backend) -> bool:
    return "modelId" in request and "body" not in request


def translate(request: Mapping[str, Any], facts: Facts, backend: Backend) -> Translation:
    return Translation(from_converse(request, operation="Converse"), MISSING)
