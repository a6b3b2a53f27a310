"""The anthropic SDK's ``AnthropicBedrockMantle`` through the real SDK: bedrock-mantle's Messages
API.

The client posts to ``https://bedrock-mantle.{region}.api.aws/anthropic/v1/messages`` with ``model``
in the body, ``anthropic-version`` as a header and betas only as a header (research/wire-a.md §2,
"The Mantle client"). Each variant runs through the installed SDK (anthropic 2.13.0 at the pin, over
httpx2) inside ``capture()``, which answers in-process: nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

pytest.importorskip("anthropic")

from bedrockcache import audit
from bedrockcache.backends import Backend
from bedrockcache.capturing import capture
from conformance.harness import Variant, breakpoints, check, lint_codes, reported, run

MODEL = "anthropic.claude-sonnet-4-6"
HAIKU = "anthropic.claude-haiku-4-5"  # mantle's spelling: no date, no version suffix
POLICY = "policy text " * 800
LONG_POLICY = "policy text " * 3000
TTL_BETA = "extended-cache-ttl-2025-04-11"
EPH = {"type": "ephemeral"}
TOOL = {
    "name": "lookup",
    "description": "Look up an order. " + POLICY,
    "input_schema": {"type": "object", "properties": {}},
}
HI = [{"role": "user", "content": "hi"}]
BACKEND = Backend.ANTHROPIC_BEDROCK_MANTLE

_HEADER = """\
from anthropic import AnthropicBedrockMantle

client = AnthropicBedrockMantle(aws_region="us-east-1", max_retries=0)
MODEL = "anthropic.claude-sonnet-4-6"
POLICY = "policy text " * 800
LONG_POLICY = "policy text " * 3000
TOOL = {
    "name": "lookup",
    "description": "Look up an order. " + POLICY,
    "input_schema": {"type": "object", "properties": {}},
}
"""


def program(body: str) -> str:
    return _HEADER + textwrap.dedent(body)


def create(model: str = MODEL, **kwargs: Any) -> dict[str, Any]:
    return {"model": model, "max_tokens": 256, **kwargs}


def system(text: str = POLICY, **mark: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": text, "cache_control": {"type": "ephemeral", **mark}}]


VARIANTS = [
    Variant(
        # No anthropic_version in the body (a header on mantle), and no BC316 for it.
        "system-block-ttl-1h",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY,
                         "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                messages=[{"role": "user", "content": "hi"}],
            )
        """),
        BACKEND,
        create(system=system(ttl="1h"), messages=HI),
        (("system[0].cache_control", "1h"),),
    ),
    Variant(
        "unsuffixed-id-tool-and-content-block",
        program("""
            client.messages.create(
                model="anthropic.claude-haiku-4-5",
                max_tokens=256,
                tools=[{**TOOL, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": [
                    {"type": "text", "text": LONG_POLICY, "cache_control": {"type": "ephemeral"}},
                ]}],
            )
        """),
        BACKEND,
        create(
            HAIKU,
            tools=[{**TOOL, "cache_control": EPH}],
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "text", "text": LONG_POLICY, "cache_control": EPH}],
                }
            ],
        ),
        (("tools[0].cache_control", None), ("messages[0].content[0].cache_control", None)),
    ),
    Variant(
        "no-cache-control",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=POLICY,
                messages=[{"role": "user", "content": "hi"}],
            )
        """),
        BACKEND,
        create(system=POLICY, messages=HI),
        (),
        frozenset({"BC102"}),
    ),
    Variant(
        # AnthropicBedrock copies this header into the body's anthropic_beta (BC313); mantle
        # sends it only as a header, so the body Bedrock judges holds no beta.
        "extra-headers-beta-stays-a-header",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": "hi"}],
                extra_headers={"anthropic-beta": "extended-cache-ttl-2025-04-11"},
            )
        """),
        BACKEND,
        create(system=system(), messages=HI, extra_headers={"anthropic-beta": TTL_BETA}),
        (("system[0].cache_control", None),),
    ),
    Variant(
        "beta-messages-betas-stay-a-header",
        program("""
            client.beta.messages.create(
                model=MODEL,
                max_tokens=256,
                betas=["extended-cache-ttl-2025-04-11"],
                system=[{"type": "text", "text": POLICY,
                         "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                messages=[{"role": "user", "content": "hi"}],
            )
        """),
        BACKEND,
        create(system=system(ttl="1h"), messages=HI, betas=[TTL_BETA]),
        (("system[0].cache_control", "1h"),),
    ),
    Variant(
        "stream-true",
        program("""
            stream = client.messages.create(
                model=MODEL,
                max_tokens=256,
                stream=True,
                system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": "hi"}],
            )
            for event in stream:
                pass
        """),
        BACKEND,
        create(stream=True, system=system(), messages=HI),
        (("system[0].cache_control", None),),
    ),
    Variant(
        "messages-stream-helper",
        program("""
            with client.messages.stream(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": "hi"}],
            ) as stream:
                stream.get_final_message()
        """),
        BACKEND,
        create(system=system(), messages=HI),
        (("system[0].cache_control", None),),
    ),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_variant(variant: Variant) -> None:
    sent, _ = check(variant)
    assert sent.operation == "Messages" and sent.client.startswith("httpx")
    assert sent.backend is BACKEND


def _sent(variant_id: str) -> Any:
    variant = next(v for v in VARIANTS if v.id == variant_id)
    return run(variant.source).requests[-1]


def test_the_body_is_the_messages_request_with_model_and_no_version() -> None:
    sent = _sent("system-block-ttl-1h")
    assert sent.url == "https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages"
    assert sent.body == create(system=system(ttl="1h"), messages=HI)
    assert sent.headers["anthropic-version"]  # the API version travels as a header
    assert sent.model_id == MODEL


def test_betas_go_out_only_as_a_header() -> None:
    for variant_id in ("extra-headers-beta-stays-a-header", "beta-messages-betas-stay-a-header"):
        sent = _sent(variant_id)
        assert sent.headers["anthropic-beta"] == TTL_BETA
        assert "anthropic_beta" not in sent.body


def test_streaming_is_read_from_the_body() -> None:
    assert _sent("stream-true").streaming and _sent("messages-stream-helper").streaming
    assert not _sent("system-block-ttl-1h").streaming


def test_an_unsuffixed_id_is_read_as_its_model_and_the_report_says_so() -> None:
    variant = next(v for v in VARIANTS if v.id == "unsuffixed-id-tool-and-content-block")
    report = audit(variant.request, BACKEND)
    assert report.will_cache and report.model is not None and report.model.model is not None
    assert report.model.model.key == "claude-haiku-4-5"
    assert any("names Claude Haiku 4.5 on bedrock-mantle" in n for n in report.notes)


def test_reports_say_invocation_logs_do_not_cover_mantle() -> None:
    report = _sent("system-block-ttl-1h").report
    assert any("not appear in Bedrock model invocation logs" in n for n in report.notes)


def test_a_base_url_override_is_captured_by_its_signature() -> None:
    """A VPC endpoint or proxy as ``base_url``: the SigV4 scope still names bedrock-mantle."""
    source = _HEADER.replace(
        'aws_region="us-east-1",',
        'aws_region="us-east-1", base_url="http://127.0.0.1:9/anthropic",',
    ) + textwrap.dedent("""
        client.messages.create(
            model=MODEL,
            max_tokens=256,
            system=POLICY,
            messages=[{"role": "user", "content": "hi"}],
        )
    """)
    sent = run(source).requests[-1]
    assert sent.url == "http://127.0.0.1:9/anthropic/v1/messages"
    assert reported(sent.report) == {"BC102"}


# ---- AsyncAnthropicBedrockMantle ---------------------------------------------------------------

ASYNC_SOURCE = """\
from anthropic import AsyncAnthropicBedrockMantle

client = AsyncAnthropicBedrockMantle(aws_region="us-east-1", max_retries=0)
POLICY = "policy text " * 800


async def ask() -> None:
    await client.beta.messages.create(
        model="anthropic.claude-sonnet-4-6",
        max_tokens=256,
        betas=["extended-cache-ttl-2025-04-11"],
        system=[{"type": "text", "text": POLICY,
                 "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
        messages=[{"role": "user", "content": "hi"}],
    )
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_client_sends_the_same_body() -> None:
    namespace: dict[str, Any] = {"__name__": "async_mantle_variant"}
    exec(compile(ASYNC_SOURCE, "<async_mantle_variant>", "exec"), namespace)
    async with capture() as captured:
        await namespace["ask"]()
    assert len(captured.requests) == 1
    sent = captured.requests[0]
    assert sent.operation == "Messages" and sent.client.startswith("httpx")
    assert sent.headers["anthropic-beta"] == TTL_BETA and "anthropic_beta" not in sent.body
    on_wire = breakpoints(sent.report.wire)
    assert on_wire == (("system[0].cache_control", "1h"),)
    layer = audit(create(system=system(ttl="1h"), messages=HI, betas=[TTL_BETA]), BACKEND)
    assert breakpoints(layer.wire) == on_wire
    assert reported(layer) == lint_codes(ASYNC_SOURCE) == reported(sent.report) == frozenset()
