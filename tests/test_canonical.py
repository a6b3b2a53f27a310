"""No false positive: each layer's documented way to cache gives will_cache and no error.

One request per correct setup in FACTS.md ("What each layer does"), written as a user of that
library would, independent of each backend's own test module.
"""

import pytest

from bedrockcache import Backend, Constructed, Severity, audit
from conftest import LONG, SONNET_45

CP = {"cachePoint": {"type": "default"}}
CC = {"type": "ephemeral"}
LITELLM_MODEL = "bedrock/" + SONNET_45
TOOL_OPENAI = {
    "type": "function",
    "function": {
        "name": "lookup",
        "description": "Find an order.",
        "parameters": {"type": "object"},
    },
}

CANONICAL = {
    "boto3 converse: system cachePoint": (
        Backend.BEDROCK_CONVERSE,
        {"modelId": SONNET_45, "system": [{"text": LONG}, CP], "messages": []},
    ),
    "boto3 invoke: system cache_control": (
        Backend.BEDROCK_INVOKE_ANTHROPIC,
        {
            "modelId": SONNET_45,
            "body": {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 100,
                "system": [{"type": "text", "text": LONG, "cache_control": CC}],
                "messages": [{"role": "user", "content": "hi"}],
            },
        },
    ),
    "AnthropicBedrock: cache_control with 1h ttl": (
        Backend.ANTHROPIC_BEDROCK,
        {
            "model": SONNET_45,
            "max_tokens": 100,
            "system": [{"type": "text", "text": LONG, "cache_control": {**CC, "ttl": "1h"}}],
            "messages": [{"role": "user", "content": "hi"}],
        },
    ),
    "litellm: cache_control on a content block": (
        Backend.LITELLM,
        {
            "model": LITELLM_MODEL,
            "messages": [
                {
                    "role": "system",
                    "content": [{"type": "text", "text": LONG, "cache_control": CC}],
                },
                {"role": "user", "content": "hi"},
            ],
        },
    ),
    "litellm: cache_control on a string-content message": (
        Backend.LITELLM,
        {
            "model": LITELLM_MODEL,
            "messages": [
                {"role": "system", "content": LONG, "cache_control": CC},
                {"role": "user", "content": "hi"},
            ],
        },
    ),
    "litellm: injection points": (
        Backend.LITELLM,
        {
            "model": LITELLM_MODEL,
            "messages": [{"role": "system", "content": LONG}, {"role": "user", "content": "hi"}],
            "cache_control_injection_points": [{"location": "message", "role": "system"}],
        },
    ),
    "litellm invoke route: block cache_control": (
        Backend.LITELLM,
        {
            "model": "bedrock/invoke/" + SONNET_45,
            "messages": [
                {
                    "role": "system",
                    "content": [{"type": "text", "text": LONG, "cache_control": CC}],
                },
                {"role": "user", "content": "hi"},
            ],
        },
    ),
    "strands: system_prompt blocks with cachePoint": (
        Backend.STRANDS,
        {"model": {"model_id": SONNET_45}, "system_prompt": [{"text": LONG}, CP], "prompt": "hi"},
    ),
    "strands: CacheConfig(strategy='auto')": (
        Backend.STRANDS,
        {
            "model": Constructed(
                "BedrockModel",
                {
                    "model_id": SONNET_45,
                    "cache_config": Constructed("CacheConfig", {"strategy": "auto"}),
                },
            ),
            "system_prompt": LONG,
            "prompt": "hi",
        },
    ),
    "pydantic-ai: bedrock_cache_instructions": (
        Backend.PYDANTIC_AI_BEDROCK,
        {
            "model": "bedrock:" + SONNET_45,
            "instructions": LONG,
            "model_settings": {"bedrock_cache_instructions": True},
            "prompt": "hi",
        },
    ),
    "pydantic-ai: CachePoint() in the prompt": (
        Backend.PYDANTIC_AI_BEDROCK,
        {"model": "bedrock:" + SONNET_45, "prompt": [LONG, Constructed("CachePoint")]},
    ),
    "pydantic-ai: unified cache=True": (
        Backend.PYDANTIC_AI_BEDROCK,
        {"model": "bedrock:" + SONNET_45, "instructions": LONG, "model_settings": {"cache": True}},
    ),
    "langchain converse: create_cache_point() in SystemMessage": (
        Backend.LANGCHAIN_BEDROCK_CONVERSE,
        {
            "model": SONNET_45,
            "messages": [
                {"type": "system", "content": [{"type": "text", "text": LONG}, CP]},
                {"type": "human", "content": "hi"},
            ],
        },
    ),
    "langchain converse: invoke(cache_control=...)": (
        Backend.LANGCHAIN_BEDROCK_CONVERSE,
        {
            "model": SONNET_45,
            "messages": [{"type": "system", "content": LONG}, {"type": "human", "content": "hi"}],
            "call": {"cache_control": CC},
        },
    ),
    "langchain ChatBedrock: block cache_control": (
        Backend.LANGCHAIN_BEDROCK,
        {
            "model_id": SONNET_45,
            "messages": [
                {
                    "type": "system",
                    "content": [{"type": "text", "text": LONG, "cache_control": CC}],
                },
                {"type": "human", "content": "hi"},
            ],
        },
    ),
    "llamaindex: system_prompt_caching": (
        Backend.LLAMAINDEX_BEDROCK_CONVERSE,
        {
            "model": SONNET_45,
            "system_prompt_caching": True,
            "messages": [{"role": "system", "content": LONG}, {"role": "user", "content": "hi"}],
        },
    ),
    "llamaindex: chat_with_tools(tool_caching=True)": (
        Backend.LLAMAINDEX_BEDROCK_CONVERSE,
        {
            "model": SONNET_45,
            "method": "chat_with_tools",
            "tools": [{"name": "lookup", "description": LONG, "parameters": {"type": "object"}}],
            "call_tool_caching": True,
            "messages": [{"role": "user", "content": "hi"}],
        },
    ),
}


@pytest.mark.parametrize("name", list(CANONICAL))
def test_canonical_setup_caches_without_error(name):
    backend, request = CANONICAL[name]
    report = audit(request, backend)
    errors = [f for f in report.findings if f.severity is Severity.ERROR]
    assert errors == [], report.reasons
    assert report.will_cache, report.reasons
    assert report.breakpoint_count >= 1


@pytest.mark.parametrize("name", list(CANONICAL))
def test_canonical_setup_is_detected_as_its_backend(name):
    backend, request = CANONICAL[name]
    assert audit(request).backend is backend
