"""Shared request builders, and the guard that keeps every test off the network."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator

import pytest

SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU_45 = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
# ~9,000 characters of policy text: at least 1,800 tokens by the low estimate.
LONG = "You are a support agent for Example Corp. Follow the policy below exactly. " * 120
CP = {"cachePoint": {"type": "default"}}


@pytest.fixture
def converse_request() -> dict:
    return {
        "modelId": SONNET_45,
        "system": [{"text": LONG}, dict(CP)],
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    }


@pytest.fixture
def invoke_body() -> dict:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 256,
        "system": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "hi"}],
    }


# -- network guard -------------------------------------------------------------------------------
# Nothing in the tests may reach AWS or any other host. A library that tries gets an OSError
# (so it fails fast instead of retrying for a minute), and the test fails even if the library
# swallows that error. Loopback and Unix sockets stay allowed (fake servers, event loops).

# botocore's credential chain ends at the EC2 metadata service; with no credentials in the
# environment, merely creating a client would try it.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
# LiteLLM downloads its model map at import time unless told to use the bundled copy.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

pytest_plugins = ["pytester"]  # tests of our pytest plugin run pytest in-process

_attempts: list[str] = []
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _refuse_remote(sock: socket.socket, address: object) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return
    host = str(address[0])
    try:
        loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        _attempts.append(f"{host}:{address[1]}")
        raise OSError(f"network guard: the tests may not connect to {host}:{address[1]}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _refuse_remote(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _refuse_remote(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    _attempts.clear()
    yield
    if _attempts:
        pytest.fail(f"the test tried to open a network connection to {', '.join(_attempts)}")
