"""BC1xx for boto3 Converse: no cachePoint reaches Bedrock."""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Autofix, Example, Rule
from bedrockcache.rules.samples import LONG, SONNET_45

_MODEL = SONNET_45

RULES = (
    Rule(
        code="BC101",
        name="converse-missing-cache-point",
        severity=Severity.ERROR,
        outcome=Outcome.UNCACHED,
        autofix=Autofix(
            (
                'adds `{"cachePoint": {"type": "default"}}` where `bedrockcache suggest` places '
                "the breakpoints, when each lands on a literal block and the model and its minimum"
                " are known to be met"
            ),
        ),
        summary="no cachePoint block anywhere in the Converse request",
        why=(
            'Converse caches only up to an explicit `{"cachePoint": {...}}` block in `system`, '
            "`messages[].content` or `toolConfig.tools`. Without one every call pays full price "
            "for the whole prompt, and nothing errors."
        ),
        fix=(
            'add `{"cachePoint": {"type": "default"}}` after the stable prefix: at the end '
            "of `system`, after the tool definitions, or after long static context in a message"
        ),
        bad=(
            Example(
                "bedrock-converse",
                {
                    "modelId": _MODEL,
                    "system": [{"text": LONG}],
                    "messages": [{"role": "user", "content": [{"text": "hi"}]}],
                },
            ),
        ),
        good=(
            Example(
                "bedrock-converse",
                {
                    "modelId": _MODEL,
                    "system": [{"text": LONG}, {"cachePoint": {"type": "default"}}],
                    "messages": [{"role": "user", "content": [{"text": "hi"}]}],
                },
            ),
        ),
        layer="bedrock-converse",
        sources=("https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html",),
    ),
)
