"""Shared request builders: realistic sizes so the token band is decisive either way."""

from __future__ import annotations

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
