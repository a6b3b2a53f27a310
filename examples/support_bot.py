"""A support bot on Claude via Bedrock: it looks cached, and most of it is not."""

import boto3
import litellm

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120

bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")


def answer(question: str) -> dict:
    # No cachePoint: every call pays full price for the 9,000-character policy.
    return bedrock.converse(
        modelId=MODEL,
        system=[{"text": POLICY}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )


def answer_via_gateway(question: str) -> dict:
    # LiteLLM drops a message-level cache_control when the content is a list of blocks.
    return litellm.completion(
        model=f"bedrock/{MODEL}",
        messages=[
            {
                "role": "system",
                "content": [{"type": "text", "text": POLICY}],
                "cache_control": {"type": "ephemeral"},
            },
            {"role": "user", "content": question},
        ],
    )


def answer_cached(question: str) -> dict:
    # This one caches: a cachePoint after the policy, on a model that caches, above its minimum.
    return bedrock.converse(
        modelId=MODEL,
        system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
