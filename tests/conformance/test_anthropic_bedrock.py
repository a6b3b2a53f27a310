"""The anthropic SDK's ``AnthropicBedrock`` through the real SDK: the body passes through unchanged.

Each variant is the FACTS.md claim for AnthropicBedrock ("body passes through unchanged; per-request
betas go out as header and body `anthropic_beta`") or a row of research/wire-a.md §2, run through
anthropic 2.13.0 (over httpx2) inside ``capture()``. The async client is the explicit async test at
the end.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

pytest.importorskip("anthropic")

from bedrockcache import audit
from bedrockcache.backends import Backend
from bedrockcache.capturing import capture
from bedrockcache.findings import Severity
from bedrockcache.lint.checker import check_source
from conformance.harness import (
    Variant,
    breakpoints,
    check,
    lint_codes,
    reported,
    run,
)

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
POLICY = "policy text " * 800
EPH = {"type": "ephemeral"}
EPH_1H = {"type": "ephemeral", "ttl": "1h"}
TTL_BETA = "extended-cache-ttl-2025-04-11"
# anthropic >= 2.0 sets ANTHROPIC_API_VERSION, not the "bedrock-2023-05-31" AWS documents.
SDK_ANTHROPIC_VERSION = "2026-10-21"
TOOL = {
    "name": "lookup",
    "description": "Look up an order. " + POLICY,
    "input_schema": {"type": "object", "properties": {}},
}
HI = [{"role": "user", "content": "hi"}]
BACKEND = Backend.ANTHROPIC_BEDROCK

_HEADER = """\
from anthropic import AnthropicBedrock

client = AnthropicBedrock(aws_region="us-east-1", max_retries=0)
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "policy text " * 800
TOOL = {
    "name": "lookup",
    "description": "Look up an order. " + POLICY,
    "input_schema": {"type": "object", "properties": {}},
}
"""


def program(body: str, header: str = _HEADER) -> str:
    return header + textwrap.dedent(body)


def create(**kwargs: Any) -> dict[str, Any]:
    return {"model": MODEL, "max_tokens": 256, **kwargs}


def system(**mark: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral", **mark}}]


VARIANTS = [
    Variant(
        "system-block-cache-control",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": "hi"}],
            )
        """),
        BACKEND,
        create(system=system(), messages=HI),
        (("system[0].cache_control", None),),
    ),
    Variant(
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
        "tool-and-content-block-cache-control",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                tools=[{**TOOL, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": [
                    {"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}},
                ]}],
            )
        """),
        BACKEND,
        create(
            tools=[{**TOOL, "cache_control": EPH}],
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "text", "text": POLICY, "cache_control": EPH}],
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
        # Not dropped, not moved: it reaches Bedrock on the message object.
        "message-level-cache-control-sent-verbatim",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                messages=[{"role": "user", "content": POLICY,
                           "cache_control": {"type": "ephemeral"}}],
            )
        """),
        BACKEND,
        create(messages=[{"role": "user", "content": POLICY, "cache_control": EPH}]),
        (),
        frozenset({"BC315"}),
    ),
    Variant(
        "top-level-cache-control-sent",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                cache_control={"type": "ephemeral"},
                system=POLICY,
                messages=[{"role": "user", "content": "hi"}],
            )
        """),
        BACKEND,
        create(cache_control=EPH, system=POLICY, messages=HI),
        (),
        frozenset({"BC314"}),
    ),
    Variant(
        # No client-side validation or limit: a bad ttl and six marks all go out.
        "ttl-2h-and-six-marks-sent",
        program("""
            mark = {"type": "ephemeral", "ttl": "2h"}
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY, "cache_control": mark}] * 3,
                messages=[{"role": "user", "content": [
                    {"type": "text", "text": POLICY, "cache_control": mark},
                ] * 3}],
            )
        """),
        BACKEND,
        create(
            system=system(ttl="2h") * 3,
            messages=[{"role": "user", "content": system(ttl="2h") * 3}],
        ),
        (
            ("system[0].cache_control", "2h"),
            ("system[1].cache_control", "2h"),
            ("system[2].cache_control", "2h"),
            ("messages[0].content[0].cache_control", "2h"),
            ("messages[0].content[1].cache_control", "2h"),
            ("messages[0].content[2].cache_control", "2h"),
        ),
        frozenset({"BC306", "BC310"}),
    ),
    Variant(
        "extra-headers-beta-copied-to-body",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY,
                         "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                messages=[{"role": "user", "content": "hi"}],
                extra_headers={"anthropic-beta": "extended-cache-ttl-2025-04-11"},
            )
        """),
        BACKEND,
        create(
            system=system(ttl="1h"),
            messages=HI,
            extra_headers={"anthropic-beta": TTL_BETA},
        ),
        (("system[0].cache_control", "1h"),),
        frozenset({"BC313"}),
    ),
    Variant(
        "beta-messages-betas-copied-to-body",
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
        frozenset({"BC313"}),
    ),
    Variant(
        "extra-body-beta-body-only",
        program("""
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": "hi"}],
                extra_body={"anthropic_beta": ["extended-cache-ttl-2025-04-11"]},
            )
        """),
        BACKEND,
        create(system=system(), messages=HI, extra_body={"anthropic_beta": [TTL_BETA]}),
        (("system[0].cache_control", None),),
        frozenset({"BC313"}),
    ),
    Variant(
        # The header reaches Bedrock, the body does not get `anthropic_beta` (only per-request
        # headers are copied), and the body's beta list is what FACTS say Bedrock refuses.
        "client-default-headers-beta-header-only",
        program(
            """
            client.messages.create(
                model=MODEL,
                max_tokens=256,
                system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": "hi"}],
            )
            """,
            _HEADER.replace(
                "max_retries=0)",
                'max_retries=0, default_headers={"anthropic-beta": "extended-cache-ttl-2025-04-11"}'
                ")",
            ),
        ),
        BACKEND,
        create(system=system(), messages=HI),
        (("system[0].cache_control", None),),
    ),
    Variant(
        "stream-true-system-1h",
        program("""
            stream = client.messages.create(
                model=MODEL,
                max_tokens=256,
                stream=True,
                system=[{"type": "text", "text": POLICY,
                         "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                messages=[{"role": "user", "content": "hi"}],
            )
            for event in stream:
                pass
        """),
        BACKEND,
        create(stream=True, system=system(ttl="1h"), messages=HI),
        (("system[0].cache_control", "1h"),),
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
    assert sent.client.startswith("httpx")


def _sent(variant_id: str) -> Any:
    variant = next(v for v in VARIANTS if v.id == variant_id)
    return run(variant.source).requests[-1]


def test_body_passes_through_unchanged() -> None:
    """Everything but ``model`` (in the URL) and ``stream`` is the caller's, key for key."""
    sent = _sent("tool-and-content-block-cache-control")
    assert sent.body == {
        "max_tokens": 256,
        "tools": [{**TOOL, "cache_control": EPH}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": POLICY, "cache_control": EPH}]}
        ],
        "anthropic_version": SDK_ANTHROPIC_VERSION,
    }
    assert sent.url.endswith(f"/model/{MODEL}/invoke")  # ':' is not percent-encoded


@pytest.mark.parametrize(
    "variant_id",
    ["extra-headers-beta-copied-to-body", "beta-messages-betas-copied-to-body"],
)
def test_per_request_betas_go_out_as_header_and_body(variant_id: str) -> None:
    sent = _sent(variant_id)
    assert sent.headers["anthropic-beta"] == TTL_BETA
    assert sent.body["anthropic_beta"] == [TTL_BETA]


def test_extra_body_beta_is_body_only() -> None:
    sent = _sent("extra-body-beta-body-only")
    assert "anthropic-beta" not in sent.headers
    assert sent.body["anthropic_beta"] == [TTL_BETA]


def test_client_default_headers_beta_is_header_only() -> None:
    sent = _sent("client-default-headers-beta-header-only")
    assert sent.headers["anthropic-beta"] == TTL_BETA
    assert "anthropic_beta" not in sent.body


def test_comma_separated_betas_are_split_in_the_body() -> None:
    source = program("""
        client.messages.create(
            model=MODEL,
            max_tokens=256,
            system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": "hi"}],
            extra_headers={
                "anthropic-beta": "extended-cache-ttl-2025-04-11,prompt-caching-2024-07-31"
            },
        )
    """)
    sent = run(source).requests[-1]
    assert sent.body["anthropic_beta"] == [TTL_BETA, "prompt-caching-2024-07-31"]
    request = create(
        system=system(),
        messages=HI,
        extra_headers={"anthropic-beta": f"{TTL_BETA},prompt-caching-2024-07-31"},
    )
    layer = audit(request, BACKEND)
    assert (
        layer.wire is not None and layer.wire.raw["anthropic_beta"] == sent.body["anthropic_beta"]
    )
    assert reported(layer) == lint_codes(source) == {"BC313"}


def test_sdk_sends_its_own_anthropic_version_unless_overridden() -> None:
    """anthropic 2.x sends "2026-10-21" (AWS documents "bedrock-2023-05-31"; wire-a.md §7.1,
    unverified against real Bedrock); ``extra_body`` overrides it (``setdefault``)."""
    assert _sent("system-block-cache-control").body["anthropic_version"] == SDK_ANTHROPIC_VERSION
    source = program("""
        client.messages.create(
            model=MODEL,
            max_tokens=256,
            system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": "hi"}],
            extra_body={"anthropic_version": "bedrock-2023-05-31"},
        )
    """)
    assert run(source).requests[-1].body["anthropic_version"] == "bedrock-2023-05-31"


def test_streaming_uses_the_streaming_operation() -> None:
    operations = {_sent(v).operation for v in ("stream-true-system-1h", "messages-stream-helper")}
    assert operations == {"InvokeModelWithResponseStream"}
    assert "stream" not in _sent("stream-true-system-1h").body


ARN_SOURCE = program("""
    client.messages.create(
        model="arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
        max_tokens=256,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "hi"}],
    )
""")


def test_application_profile_arn_model() -> None:
    """Not a harness variant: lint cannot name the model behind an application-profile ARN, so
    it reports the call site as unresolved (BC304) where audit() says BC304 at info level. Both
    say less rather than guess; the wire shows the mark passes through."""
    sent = run(ARN_SOURCE).requests[-1]
    assert sent.url.endswith(
        "/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fabc123/invoke"
    )
    assert sent.model_id == ARN
    on_wire = breakpoints(sent.report.wire)
    assert on_wire == (("system[0].cache_control", None),)
    layer = audit({"model": ARN, "max_tokens": 256, "system": system(), "messages": HI}, BACKEND)
    assert breakpoints(layer.wire) == on_wire
    assert reported(layer) == frozenset()
    assert [f.code for f in layer.findings] == ["BC304"]
    result = check_source(ARN_SOURCE, "variant.py")
    assert [d.code for d in result.diagnostics if d.severity is not Severity.INFO] == []
    assert [u.reasons[0][:5] for u in result.unresolved] == ["BC304"]


# ---- AsyncAnthropicBedrock ---------------------------------------------------------------------

ASYNC_SOURCE = """\
from anthropic import AsyncAnthropicBedrock

client = AsyncAnthropicBedrock(aws_region="us-east-1", max_retries=0)
POLICY = "policy text " * 800


async def ask() -> None:
    await client.beta.messages.create(
        model="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
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
    namespace: dict[str, Any] = {"__name__": "async_variant"}
    exec(compile(ASYNC_SOURCE, "<async_variant>", "exec"), namespace)
    async with capture() as captured:
        await namespace["ask"]()
    assert len(captured.requests) == 1
    sent = captured.requests[0]
    assert sent.operation == "InvokeModel" and sent.client.startswith("httpx")
    assert sent.headers["anthropic-beta"] == TTL_BETA
    assert sent.body["anthropic_beta"] == [TTL_BETA]
    on_wire = breakpoints(sent.report.wire)
    assert on_wire == (("system[0].cache_control", "1h"),)
    layer = audit(create(system=system(ttl="1h"), messages=HI, betas=[TTL_BETA]), BACKEND)
    assert breakpoints(layer.wire) == on_wire
    assert reported(layer) == lint_codes(ASYNC_SOURCE) == {"BC313"}


# ---- comma-split betas: anthropic >= 2.17.0 strips each value ---------------------------------

CONTEXT_BETA = "context-1m-2025-08-07"  # a beta Bedrock accepts (not a caching one)
SPACED_SOURCE = program("""
    client.messages.create(
        model=MODEL,
        max_tokens=256,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "hi"}],
        extra_headers={"anthropic-beta": "context-1m-2025-08-07, extended-cache-ttl-2025-04-11"},
    )
""")
SPACED_BETAS_SOURCE = program("""
    client.beta.messages.create(
        model=MODEL,
        max_tokens=256,
        betas=["context-1m-2025-08-07", " extended-cache-ttl-2025-04-11"],
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "hi"}],
    )
""")


def _installed_anthropic() -> tuple[int, ...]:
    import anthropic

    return tuple(int(part) for part in anthropic.__version__.split(".")[:2])


@pytest.mark.parametrize(
    ("source", "request_betas"),
    [
        (SPACED_SOURCE, {"extra_headers": {"anthropic-beta": f"{CONTEXT_BETA}, {TTL_BETA}"}}),
        (SPACED_BETAS_SOURCE, {"betas": [CONTEXT_BETA, f" {TTL_BETA}"]}),
    ],
    ids=["extra-headers", "betas-list"],
)
def test_a_space_after_the_comma_is_sent_as_the_installed_sdk_does(
    source: str, request_betas: dict[str, Any]
) -> None:
    """anthropic 2.17.0 strips each comma-split value (`_prepare_options`), so the 1h beta goes out
    cleanly and Bedrock refuses it (BC313); 2.13-2.16 keep the space. audit() and lint predict
    what the installed SDK sends (`nox -s latest` runs this against the newest release)."""
    sent = run(source).requests[-1]
    strips = _installed_anthropic() >= (2, 17)
    second = TTL_BETA if strips else f" {TTL_BETA}"
    assert sent.body["anthropic_beta"] == [CONTEXT_BETA, second]
    assert reported(sent.report) == ({"BC313"} if strips else frozenset())
    layer = audit(create(system=system(), messages=HI, **request_betas), BACKEND)
    assert layer.wire is not None
    assert layer.wire.raw["anthropic_beta"] == sent.body["anthropic_beta"]
    assert reported(layer) == lint_codes(source) == reported(sent.report)
