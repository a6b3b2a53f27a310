"""Hooks on the HTTP stacks that carry Bedrock requests: botocore, httpx and httpx2.

bedrock-runtime requests are told by their ``/model/{id}/{operation}`` path, bedrock-mantle's
Anthropic Messages API (over httpx only) by ``/anthropic/v1/messages`` and its host or signature.

Each hook sits on a class method (``Endpoint._send``, ``Client._send_single_request``), the last
step before bytes reach a socket, so it sees exactly what would be sent, after signing and every
framework's own rewriting, and clients created before the capture are covered too. A request that
is not a Bedrock runtime inference call goes through untouched, after one substring test.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import io
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import Any

from bedrockcache.capturing.record import bedrock_operation, is_mantle_request
from bedrockcache.capturing.responses import CannedResponse

__all__ = ["Intercept", "install"]

Intercept = Callable[[str, bytes, Mapping[str, str], str], "CannedResponse | None"]

_HTTPX_MODULES = ("httpx", "httpx2")


def install(intercept: Intercept, offline: Callable[[], bool]) -> ExitStack:
    """Patch every installed stack; closing the returned stack restores the originals."""
    stack = ExitStack()
    if importlib.util.find_spec("botocore") is not None:
        _patch_botocore(stack, intercept, offline)
    for name in _HTTPX_MODULES:
        if importlib.util.find_spec(name) is not None:
            _patch_httpx(stack, importlib.import_module(name), intercept)
    return stack


def _replace(stack: ExitStack, owner: type, name: str, value: Any) -> None:
    original = owner.__dict__[name]
    setattr(owner, name, value)
    stack.callback(setattr, owner, name, original)


# -- botocore -----------------------------------------------------------------------------------


def _patch_botocore(stack: ExitStack, intercept: Intercept, offline: Callable[[], bool]) -> None:
    from botocore.awsrequest import AWSResponse
    from botocore.endpoint import Endpoint
    from botocore.exceptions import NoCredentialsError
    from botocore.signers import RequestSigner
    from urllib3 import HTTPResponse

    original_send = Endpoint._send
    original_sign = RequestSigner.sign

    def _send(self: Any, request: Any) -> Any:
        if getattr(self, "_endpoint_prefix", None) != "bedrock-runtime":
            return original_send(self, request)
        url = request.url
        if "/model/" not in url or bedrock_operation(url) is None:
            return original_send(self, request)
        canned = intercept(url, _body_bytes(request.body), dict(request.headers), "botocore")
        if canned is None:
            return original_send(self, request)
        raw = HTTPResponse(
            body=io.BytesIO(canned.body),
            headers=canned.headers,
            status=canned.status,
            preload_content=False,
            decode_content=False,
        )
        return AWSResponse(url, canned.status, raw.headers, raw)

    def sign(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return original_sign(self, *args, **kwargs)
        except NoCredentialsError:
            # A client built before the capture, without credentials: unsigned is fine offline.
            service = getattr(getattr(self, "_service_id", None), "hyphenize", lambda: "")()
            if service == "bedrock-runtime" and offline():
                return None
            raise

    _replace(stack, Endpoint, "_send", _send)
    _replace(stack, RequestSigner, "sign", sign)


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if hasattr(body, "read"):
        position = body.tell() if hasattr(body, "tell") else None
        data = body.read()
        if position is not None:
            body.seek(position)
        return data if isinstance(data, bytes) else str(data).encode()
    return bytes(body)


# -- httpx and httpx2 (same API, different packages) -------------------------------------------


def _is_bedrock(request: Any, url: str) -> bool:
    if request.method != "POST":
        return False
    if "/model/" in url and bedrock_operation(url) is not None:
        return True
    return "/v1/messages" in url and is_mantle_request(url, request.headers)


def _patch_httpx(stack: ExitStack, module: Any, intercept: Intercept) -> None:
    client_name = module.__name__
    sync_original = module.Client._send_single_request
    async_original = module.AsyncClient._send_single_request

    def _send_single_request(self: Any, request: Any) -> Any:
        url = str(request.url)
        if not _is_bedrock(request, url):
            return sync_original(self, request)
        canned = intercept(url, request.read(), dict(request.headers), client_name)
        if canned is None:
            return sync_original(self, request)
        return _httpx_response(module, canned, request)

    async def _async_send_single_request(self: Any, request: Any) -> Any:
        url = str(request.url)
        if not _is_bedrock(request, url):
            return await async_original(self, request)
        canned = intercept(url, await request.aread(), dict(request.headers), client_name)
        if canned is None:
            return await async_original(self, request)
        return _httpx_response(module, canned, request)

    _replace(stack, module.Client, "_send_single_request", _send_single_request)
    _replace(stack, module.AsyncClient, "_send_single_request", _async_send_single_request)


def _httpx_response(module: Any, canned: CannedResponse, request: Any) -> Any:
    response = module.Response(
        canned.status, headers=list(canned.headers.items()), content=canned.body, request=request
    )
    response.elapsed = datetime.timedelta(0)
    return response
