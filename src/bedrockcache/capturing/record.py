"""One request as it left the process for the Bedrock runtime, and its audit.

The audit runs on what was really sent (the URL's model id and the body bytes), through the
Bedrock backends only: whichever framework built the request, by now it is plain Converse, an
InvokeModel body or a bedrock-mantle Messages body, so the verdict is about the wire and not about
our model of the framework.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote, urlsplit

from bedrockcache.audit import AuditReport, audit
from bedrockcache.backends import Backend
from bedrockcache.wire import MANTLE_OPERATION

__all__ = ["OPERATIONS", "CapturedRequest", "bedrock_operation", "is_mantle_request"]

OPERATIONS = {
    "converse": "Converse",
    "converse-stream": "ConverseStream",
    "invoke": "InvokeModel",
    "invoke-with-response-stream": "InvokeModelWithResponseStream",
}
_PATH = re.compile(r"^/model/(?P<model>[^/]+)/(?P<op>[a-z-]+)$")
_STREAMING = {"ConverseStream", "InvokeModelWithResponseStream"}


def bedrock_operation(url: str) -> tuple[str, str] | None:
    """(operation, model id) when ``url`` is a Bedrock runtime inference call, else None.

    Matched on the path, which is fixed by the Bedrock runtime API, not on the host: VPC endpoints,
    proxies and ``endpoint_url=`` overrides all keep it.
    """
    match = _PATH.match(urlsplit(url).path)
    if match is None or match["op"] not in OPERATIONS:
        return None
    return OPERATIONS[match["op"]], unquote(match["model"])


def is_mantle_request(url: str, headers: Mapping[str, object]) -> bool:
    """Whether ``url`` is bedrock-mantle's Anthropic Messages API (``/anthropic/v1/messages``).

    The path alone is not enough (an Anthropic-compatible proxy may serve the same path), so the
    host must be a ``bedrock-mantle.`` one or the request be SigV4-signed for the
    ``bedrock-mantle`` service (a ``base_url=`` override keeps the signature's scope).
    """
    parts = urlsplit(url)
    if not parts.path.endswith("/anthropic/v1/messages"):
        return False
    if (parts.hostname or "").startswith("bedrock-mantle."):
        return True
    auth = next((v for k, v in headers.items() if str(k).lower() == "authorization"), "")
    if isinstance(auth, bytes):
        auth = auth.decode("latin-1")
    return "/bedrock-mantle/aws4_request" in str(auth)


@dataclass
class CapturedRequest:
    """What one call sent: the operation, the model id from the URL, and the parsed JSON body."""

    index: int  # 0-based, in the order requests were sent
    # Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream, or Messages (mantle)
    operation: str
    model_id: str
    body: Any = field(repr=False)  # the JSON body as parsed; the raw text when it was not JSON
    url: str
    client: str  # the HTTP stack that sent it: botocore, httpx or httpx2
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    call_site: str | None = None  # "file:line" of the user code that sent it, when on the stack

    @classmethod
    def from_wire(
        cls,
        index: int,
        url: str,
        body: bytes,
        headers: Mapping[str, object],
        client: str,
        call_site: str | None = None,
    ) -> CapturedRequest:
        try:
            parsed: Any = json.loads(body) if body else {}
        except (UnicodeDecodeError, json.JSONDecodeError):
            parsed = body.decode("utf-8", "replace")
        found = bedrock_operation(url)
        if found is not None:
            operation, model_id = found
        elif is_mantle_request(url, headers):
            model = parsed.get("model") if isinstance(parsed, dict) else None
            operation, model_id = MANTLE_OPERATION, model if isinstance(model, str) else ""
        else:
            raise ValueError(f"not a Bedrock runtime inference URL: {url}")
        kept = {
            str(k).lower(): v.decode("latin-1") if isinstance(v, bytes) else str(v)
            for k, v in headers.items()
            if str(k).lower() not in _SECRET_HEADERS
        }
        return cls(index, operation, model_id, parsed, url, client, kept, call_site)

    @property
    def streaming(self) -> bool:
        if self.operation == MANTLE_OPERATION:  # one path; the body says whether it streams
            return isinstance(self.body, dict) and self.body.get("stream") is True
        return self.operation in _STREAMING

    @property
    def backend(self) -> Backend:
        if self.operation.startswith("Converse"):
            return Backend.BEDROCK_CONVERSE
        if self.operation == MANTLE_OPERATION:
            return Backend.ANTHROPIC_BEDROCK_MANTLE
        return Backend.BEDROCK_INVOKE_ANTHROPIC

    @property
    def request(self) -> dict[str, Any]:
        """The request in ``audit()``'s shape for its backend: boto3's keyword arguments, or the
        Messages body itself for bedrock-mantle (the SDK's keywords are that body)."""
        if self.backend is Backend.ANTHROPIC_BEDROCK_MANTLE:
            return dict(self.body) if isinstance(self.body, dict) else {"model": self.model_id}
        if self.backend is Backend.BEDROCK_CONVERSE:
            body = self.body if isinstance(self.body, dict) else {}
            return {"modelId": self.model_id, **body}
        return {"modelId": self.model_id, "body": self.body}

    @cached_property
    def report(self) -> AuditReport:
        return audit(self.request, self.backend)

    def describe(self) -> str:
        return f"request {self.index} ({self.operation} {self.model_id} via {self.client})"

    def assert_caches(self) -> None:
        try:
            self.report.assert_caches()
        except AssertionError as exc:
            raise AssertionError(f"{self.describe()}: {exc}") from None


# Credentials never belong in a capture that users print, log or attach to a bug report.
_SECRET_HEADERS = {"authorization", "x-amz-security-token", "x-api-key"}
