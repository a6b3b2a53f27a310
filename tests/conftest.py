"""Shared request builders, and the guard that keeps every test off the network."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
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


# -- permissions ---------------------------------------------------------------------------------
# A file with mode 000 is unreadable only to a process without CAP_DAC_OVERRIDE: root reads it
# anyway, and these tests run as root in CI containers. So a command that must meet a permission
# error runs in a child process that drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its
# capability bounding set before exec (prctl(PR_CAPBSET_DROP), Linux): the kernel then refuses it
# what the permission bits refuse, as for any other user. Other users need nothing dropped.

_PR_CAPBSET_DROP = 24
_DAC_CAPABILITIES = (1, 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH


def _drop_dac_capabilities() -> None:  # runs in the child, between fork and exec
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in _DAC_CAPABILITIES:
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_bedrockcache(
    args: list[str], cwd: os.PathLike[str] | str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m bedrockcache *args`` in ``cwd`` as a process of its own (a hang is a timeout,
    not a stuck suite), bound by file permissions even as root."""
    if os.name != "posix":
        pytest.skip("POSIX permission bits")
    preexec = None
    if os.geteuid() == 0:
        if not sys.platform.startswith("linux"):
            pytest.skip("running as root: permission bits cannot be enforced on this platform")
        preexec = _drop_dac_capabilities
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCKCACHE_")}
    return subprocess.run(
        [sys.executable, "-m", "bedrockcache", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
        check=False,
    )
