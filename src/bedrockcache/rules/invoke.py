"""BC1xx for an Anthropic Messages body: InvokeModel (boto3 and the anthropic SDK's
AnthropicBedrock) and bedrock-mantle's Messages API (AnthropicBedrockMantle)."""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import LONG, SONNET_45

_MODEL = SONNET_45

RULES = (
    Rule(
        code="BC102",
        name="invoke-missing-cache-control",
        severity=Severity.ERROR,
        outcome=Outcome.UNCACHED,
        autofix=Autofix(
            (
                'adds `"cache_control": {"type": "ephemeral"}` to the blocks `bedrockcache '
                "suggest` picks (a plain-string system prompt becomes one text block), when each "
                "is a literal and the model's minimum is known to be met"
            ),
        ),
        summary="no cache_control on any block of the InvokeModel Anthropic body",
        why=(
            'InvokeModel caches only up to a block carrying `cache_control: {"type": '
            '"ephemeral"}` (a tool, a system block or a content block). A system prompt given '
            "as a plain string cannot carry one. Without any, every call pays for the whole "
            "prompt. The same holds for the Anthropic Messages API on the `bedrock-mantle` "
            "endpoint (the anthropic SDK's `AnthropicBedrockMantle`, backend "
            "`anthropic-bedrock-mantle`). Requests to bedrock-mantle are not recorded by Bedrock "
            "model invocation logging, so `bedrockcache report` cannot see them: lint, `audit()` "
            "and `capture()` are the only checks on that traffic."
        ),
        fix=(
            'give the system prompt as a list of blocks and add `"cache_control": {"type": '
            '"ephemeral"}` to the last stable block (system, tools, or long static context)'
        ),
        bad=(
            Example(
                "bedrock-invoke-anthropic",
                {
                    "modelId": _MODEL,
                    "body": {
                        "anthropic_version": "bedrock-2023-05-31",
                        "max_tokens": 512,
                        "system": LONG,
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                },
            ),
            Example(
                "anthropic-bedrock",
                {
                    "model": _MODEL,
                    "max_tokens": 512,
                    "system": LONG,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            ),
            Example(
                "anthropic-bedrock-mantle",
                {
                    "model": "anthropic.claude-sonnet-4-6",
                    "max_tokens": 512,
                    "system": LONG,
                    "messages": [{"role": "user", "content": "hi"}],
                },
            ),
        ),
        good=(
            Example(
                "bedrock-invoke-anthropic",
                {
                    "modelId": _MODEL,
                    "body": {
                        "anthropic_version": "bedrock-2023-05-31",
                        "max_tokens": 512,
                        "system": [
                            {"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}
                        ],
                        "messages": [{"role": "user", "content": "hi"}],
                    },
                },
            ),
            Example(
                "anthropic-bedrock",
                {
                    "model": _MODEL,
                    "max_tokens": 512,
                    "system": [
                        {"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}
                    ],
                    "messages": [{"role": "user", "content": "hi"}],
                },
            ),
            Example(
                "anthropic-bedrock-mantle",
                {
                    "model": "anthropic.claude-sonnet-4-6",
                    "max_tokens": 512,
                    "system": [
                        {"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}
                    ],
                    "messages": [{"role": "user", "content": "hi"}],
                },
            ),
        ),
        layer="bedrock-invoke-anthropic",
        sources=(
            "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html",
            "https://docs.aws.amazon.com/bedrock/latest/userguide/inference-messages-api.html",
            "https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html",
        ),
    ),
)
