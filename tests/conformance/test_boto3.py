"""boto3 ``bedrock-runtime`` through the real botocore: what you write is what is sent.

Each variant is the FACTS.md claim for boto3 ("what you write is what is sent", the Converse and
InvokeModel paragraphs) or a row of research/wire-a.md §1 run through botocore 1.44.8 inside
``capture()``. botocore validates the Converse *shape* before sending (unknown keys, merged union
members, a cachePoint inside a toolResult) but no enum value and no count: those variants are the
explicit tests at the end, because nothing reaches the wire for the harness to compare.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest

pytest.importorskip("boto3")

from bedrockcache import audit
from bedrockcache.backends import Backend
from bedrockcache.capturing import capture
from conformance.harness import Variant, check, lint_codes, reported, run

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "policy text " * 800  # over every model's minimum, so no BC305 muddies a verdict
CP = {"cachePoint": {"type": "default"}}
CP_1H = {"cachePoint": {"type": "default", "ttl": "1h"}}
TOOL_SPEC = {
    "toolSpec": {
        "name": "lookup",
        "description": POLICY,
        "inputSchema": {"json": {"type": "object", "properties": {}}},
    }
}
ANTHROPIC_VERSION = "bedrock-2023-05-31"

_HEADER = """\
import json

import boto3

client = boto3.client("bedrock-runtime", region_name="us-east-1")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "policy text " * 800
TOOL_SPEC = {
    "toolSpec": {
        "name": "lookup",
        "description": POLICY,
        "inputSchema": {"json": {"type": "object", "properties": {}}},
    }
}
"""


def program(body: str) -> str:
    return _HEADER + textwrap.dedent(body)


def converse(**kwargs: Any) -> dict[str, Any]:
    return {"modelId": MODEL, **kwargs}


def invoke(body: dict[str, Any]) -> dict[str, Any]:
    return {"modelId": MODEL, "body": {"anthropic_version": ANTHROPIC_VERSION, **body}}


def user(text: str = "hi") -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text}]}


def system_text(**cc: Any) -> dict[str, Any]:
    mark = {"type": "ephemeral", **cc}
    return {"type": "text", "text": POLICY, "cache_control": mark}


CONVERSE = Backend.BEDROCK_CONVERSE
INVOKE = Backend.BEDROCK_INVOKE_ANTHROPIC

VARIANTS = [
    # ---- Converse: a cachePoint is its own element; what you write is what is sent ------------
    Variant(
        "converse-system-cache-point",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
            )
        """),
        CONVERSE,
        converse(system=[{"text": POLICY}, CP], messages=[user()]),
        (("system[1].cachePoint", None),),
    ),
    Variant(
        # botocore 1.44.8 knows CachePointBlock.ttl (added in 1.42.31), so it is sent.
        "converse-system-ttl-1h",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "1h"}}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
            )
        """),
        CONVERSE,
        converse(system=[{"text": POLICY}, CP_1H], messages=[user()]),
        (("system[1].cachePoint", "1h"),),
    ),
    Variant(
        "converse-user-and-assistant-cache-points",
        program("""
            client.converse(
                modelId=MODEL,
                messages=[
                    {"role": "user", "content": [
                        {"text": POLICY}, {"cachePoint": {"type": "default"}},
                    ]},
                    {"role": "assistant", "content": [
                        {"text": "ok"}, {"cachePoint": {"type": "default"}},
                    ]},
                    {"role": "user", "content": [{"text": "next"}]},
                ],
            )
        """),
        CONVERSE,
        converse(
            messages=[
                {"role": "user", "content": [{"text": POLICY}, CP]},
                {"role": "assistant", "content": [{"text": "ok"}, CP]},
                user("next"),
            ]
        ),
        (("messages[0].content[1].cachePoint", None), ("messages[1].content[1].cachePoint", None)),
    ),
    Variant(
        "converse-tools-cache-point-ttl-1h",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
                toolConfig={"tools": [TOOL_SPEC, {"cachePoint": {"type": "default", "ttl": "1h"}}]},
            )
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}],
            messages=[user()],
            toolConfig={"tools": [TOOL_SPEC, CP_1H]},
        ),
        (("toolConfig.tools[1].cachePoint", "1h"),),
    ),
    Variant(
        # A cachePoint may follow a toolResult in the same user turn (not inside it).
        "converse-cache-point-after-tool-result",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}],
                messages=[
                    {"role": "user", "content": [{"text": "order 1?"}]},
                    {"role": "assistant", "content": [
                        {"toolUse": {"toolUseId": "t1", "name": "lookup", "input": {}}},
                    ]},
                    {"role": "user", "content": [
                        {"toolResult": {"toolUseId": "t1", "content": [{"text": POLICY}]}},
                        {"cachePoint": {"type": "default"}},
                    ]},
                ],
                toolConfig={"tools": [TOOL_SPEC]},
            )
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}],
            messages=[
                user("order 1?"),
                {
                    "role": "assistant",
                    "content": [{"toolUse": {"toolUseId": "t1", "name": "lookup", "input": {}}}],
                },
                {
                    "role": "user",
                    "content": [
                        {"toolResult": {"toolUseId": "t1", "content": [{"text": POLICY}]}},
                        CP,
                    ],
                },
            ],
            toolConfig={"tools": [TOOL_SPEC]},
        ),
        (("messages[2].content[1].cachePoint", None),),
    ),
    Variant(
        # Enum values are not validated client-side: Bedrock refuses it (BC309).
        "converse-type-ephemeral-sent",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}, {"cachePoint": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
            )
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}, {"cachePoint": {"type": "ephemeral"}}], messages=[user()]
        ),
        (("system[1].cachePoint", None),),
        frozenset({"BC309"}),
    ),
    Variant(
        "converse-ttl-2h-sent",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "2h"}}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
            )
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "2h"}}],
            messages=[user()],
        ),
        (("system[1].cachePoint", "2h"),),
        frozenset({"BC310"}),
    ),
    Variant(
        # No count check in botocore: all five go out (Bedrock's limit is 4).
        "converse-five-cache-points-sent",
        program("""
            client.converse(
                modelId=MODEL,
                system=[
                    {"text": POLICY}, {"cachePoint": {"type": "default"}},
                    {"text": POLICY}, {"cachePoint": {"type": "default"}},
                ],
                messages=[{"role": "user", "content": [
                    {"text": POLICY}, {"cachePoint": {"type": "default"}},
                    {"text": POLICY}, {"cachePoint": {"type": "default"}},
                ]}],
                toolConfig={"tools": [TOOL_SPEC, {"cachePoint": {"type": "default"}}]},
            )
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}, CP, {"text": POLICY}, CP],
            messages=[{"role": "user", "content": [{"text": POLICY}, CP, {"text": POLICY}, CP]}],
            toolConfig={"tools": [TOOL_SPEC, CP]},
        ),
        (
            ("toolConfig.tools[1].cachePoint", None),
            ("system[1].cachePoint", None),
            ("system[3].cachePoint", None),
            ("messages[0].content[1].cachePoint", None),
            ("messages[0].content[3].cachePoint", None),
        ),
        frozenset({"BC306"}),
    ),
    Variant(
        # A 1h breakpoint after a 5m one: sent, refused by Bedrock.
        "converse-ttl-order-sent",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                messages=[{"role": "user", "content": [
                    {"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "1h"}},
                ]}],
            )
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}, CP],
            messages=[{"role": "user", "content": [{"text": POLICY}, CP_1H]}],
        ),
        (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", "1h")),
        frozenset({"BC307"}),
    ),
    Variant(
        "converse-beta-in-additional-fields-sent",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "1h"}}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
                additionalModelRequestFields={"anthropic_beta": ["extended-cache-ttl-2025-04-11"]},
            )
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}, CP_1H],
            messages=[user()],
            additionalModelRequestFields={"anthropic_beta": ["extended-cache-ttl-2025-04-11"]},
        ),
        (("system[1].cachePoint", "1h"),),
        frozenset({"BC313"}),
    ),
    Variant(
        "converse-no-cache-point",
        program("""
            client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}],
                messages=[{"role": "user", "content": [{"text": "hi"}]}],
            )
        """),
        CONVERSE,
        converse(system=[{"text": POLICY}], messages=[user()]),
        (),
        frozenset({"BC101"}),
    ),
    Variant(
        "converse-stream-system-1h-and-message",
        program("""
            response = client.converse_stream(
                modelId=MODEL,
                system=[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "1h"}}],
                messages=[{"role": "user", "content": [
                    {"text": POLICY}, {"cachePoint": {"type": "default"}},
                ]}],
            )
            for event in response["stream"]:
                pass
        """),
        CONVERSE,
        converse(
            system=[{"text": POLICY}, CP_1H],
            messages=[{"role": "user", "content": [{"text": POLICY}, CP]}],
        ),
        (("system[1].cachePoint", "1h"), ("messages[0].content[1].cachePoint", None)),
    ),
    # ---- InvokeModel: the body is a blob, sent byte for byte --------------------------------
    Variant(
        "invoke-system-cache-control",
        program("""
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 256,
                "system": [{"type": "text", "text": POLICY,
                            "cache_control": {"type": "ephemeral"}}],
                "messages": [{"role": "user", "content": "hi"}],
            }
            client.invoke_model(modelId=MODEL, body=json.dumps(body))
        """),
        INVOKE,
        invoke(
            {
                "max_tokens": 256,
                "system": [system_text()],
                "messages": [{"role": "user", "content": "hi"}],
            }
        ),
        (("system[0].cache_control", None),),
    ),
    Variant(
        "invoke-tool-and-message-ttl-1h",
        program("""
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 256,
                "tools": [{
                    "name": "lookup",
                    "description": POLICY,
                    "input_schema": {"type": "object", "properties": {}},
                    "cache_control": {"type": "ephemeral", "ttl": "1h"},
                }],
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}},
                ]}],
            }
            client.invoke_model(modelId=MODEL, body=json.dumps(body))
        """),
        INVOKE,
        invoke(
            {
                "max_tokens": 256,
                "tools": [
                    {
                        "name": "lookup",
                        "description": POLICY,
                        "input_schema": {"type": "object", "properties": {}},
                        "cache_control": {"type": "ephemeral", "ttl": "1h"},
                    }
                ],
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}
                        ],
                    }
                ],
            }
        ),
        (("tools[0].cache_control", "1h"), ("messages[0].content[0].cache_control", None)),
    ),
    Variant(
        "invoke-ttl-2h-sent",
        program("""
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 256,
                "system": [{"type": "text", "text": POLICY,
                            "cache_control": {"type": "ephemeral", "ttl": "2h"}}],
                "messages": [{"role": "user", "content": "hi"}],
            }
            client.invoke_model(modelId=MODEL, body=json.dumps(body))
        """),
        INVOKE,
        invoke(
            {
                "max_tokens": 256,
                "system": [system_text(ttl="2h")],
                "messages": [{"role": "user", "content": "hi"}],
            }
        ),
        (("system[0].cache_control", "2h"),),
        frozenset({"BC310"}),
    ),
    Variant(
        "invoke-beta-in-body-sent",
        program("""
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "anthropic_beta": ["extended-cache-ttl-2025-04-11"],
                "max_tokens": 256,
                "system": [{"type": "text", "text": POLICY,
                            "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                "messages": [{"role": "user", "content": "hi"}],
            }
            client.invoke_model(modelId=MODEL, body=json.dumps(body))
        """),
        INVOKE,
        invoke(
            {
                "anthropic_beta": ["extended-cache-ttl-2025-04-11"],
                "max_tokens": 256,
                "system": [system_text(ttl="1h")],
                "messages": [{"role": "user", "content": "hi"}],
            }
        ),
        (("system[0].cache_control", "1h"),),
        frozenset({"BC313"}),
    ),
    Variant(
        # Not validated: a mark on the message object goes out where it was written.
        "invoke-message-level-cache-control-sent",
        program("""
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 256,
                "messages": [{"role": "user", "content": POLICY,
                              "cache_control": {"type": "ephemeral"}}],
            }
            client.invoke_model(modelId=MODEL, body=json.dumps(body))
        """),
        INVOKE,
        invoke(
            {
                "max_tokens": 256,
                "messages": [
                    {"role": "user", "content": POLICY, "cache_control": {"type": "ephemeral"}}
                ],
            }
        ),
        (),
        frozenset({"BC315"}),  # the misplaced mark, not "no mark at all",
    ),
    Variant(
        "invoke-top-level-cache-control-sent",
        program("""
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 256,
                "cache_control": {"type": "ephemeral"},
                "system": [{"type": "text", "text": POLICY}],
                "messages": [{"role": "user", "content": "hi"}],
            }
            client.invoke_model(modelId=MODEL, body=json.dumps(body))
        """),
        INVOKE,
        invoke(
            {
                "max_tokens": 256,
                "cache_control": {"type": "ephemeral"},
                "system": [{"type": "text", "text": POLICY}],
                "messages": [{"role": "user", "content": "hi"}],
            }
        ),
        (),
        frozenset({"BC314"}),
    ),
    Variant(
        "invoke-five-cache-controls-sent",
        program("""
            mark = {"type": "ephemeral"}
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 256,
                "system": [
                    {"type": "text", "text": POLICY, "cache_control": mark},
                    {"type": "text", "text": POLICY, "cache_control": mark},
                ],
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": POLICY, "cache_control": mark},
                    {"type": "text", "text": POLICY, "cache_control": mark},
                    {"type": "text", "text": POLICY, "cache_control": mark},
                ]}],
            }
            client.invoke_model(modelId=MODEL, body=json.dumps(body))
        """),
        INVOKE,
        invoke(
            {
                "max_tokens": 256,
                "system": [system_text(), system_text()],
                "messages": [{"role": "user", "content": [system_text() for _ in range(3)]}],
            }
        ),
        (
            ("system[0].cache_control", None),
            ("system[1].cache_control", None),
            ("messages[0].content[0].cache_control", None),
            ("messages[0].content[1].cache_control", None),
            ("messages[0].content[2].cache_control", None),
        ),
        frozenset({"BC306"}),
    ),
    Variant(
        "invoke-stream-system-1h",
        program("""
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 256,
                "system": [{"type": "text", "text": POLICY,
                            "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
                "messages": [{"role": "user", "content": "hi"}],
            }
            response = client.invoke_model_with_response_stream(
                modelId=MODEL, body=json.dumps(body)
            )
            for event in response["body"]:
                pass
        """),
        INVOKE,
        invoke(
            {
                "max_tokens": 256,
                "system": [system_text(ttl="1h")],
                "messages": [{"role": "user", "content": "hi"}],
            }
        ),
        (("system[0].cache_control", "1h"),),
    ),
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.id)
def test_variant(variant: Variant) -> None:
    sent, _ = check(variant)
    assert sent.client == "botocore"


def test_streaming_variants_use_the_streaming_operations() -> None:
    operations = {}
    for variant in VARIANTS:
        if "stream" in variant.id:
            operations[variant.id] = run(variant.source).requests[-1].operation
    assert operations == {
        "converse-stream-system-1h-and-message": "ConverseStream",
        "invoke-stream-system-1h": "InvokeModelWithResponseStream",
    }


def test_invoke_body_goes_out_byte_for_byte() -> None:
    """Key order and unusual keys survive: the body is an opaque blob (wire-a.md §1)."""
    source = program("""
        RAW = b'{"messages": [{"content": "hi", "role": "user"}], "zeta": 1, "max_tokens": 9, '\\
              b'"anthropic_version": "bedrock-2023-05-31"}'
        client.invoke_model(modelId=MODEL, body=RAW)
    """)
    sent = run(source).requests[-1]
    assert list(sent.body) == ["messages", "zeta", "max_tokens", "anthropic_version"]
    assert sent.body["messages"] == [{"content": "hi", "role": "user"}]


# ---- botocore refuses before sending: nothing on the wire, so no harness comparison ----------
# Each case: botocore raises ParamValidationError and no request is captured; audit() on the
# same kwargs and lint on the same program both report BC312 (a placement botocore refuses), so
# the user learns before running it.

REFUSED = [
    pytest.param(
        "system=[{'text': POLICY, 'cache_control': {'type': 'ephemeral'}}]",
        {"system": [{"text": POLICY, "cache_control": {"type": "ephemeral"}}]},
        'Unknown parameter in system[0]: "cache_control"',
        id="cache-control-in-converse-system-block",
    ),
    pytest.param(
        "messages=[{'role': 'user', 'content': [{'text': POLICY, "
        "'cache_control': {'type': 'ephemeral'}}]}]",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"text": POLICY, "cache_control": {"type": "ephemeral"}}],
                }
            ]
        },
        'Unknown parameter in messages[0].content[0]: "cache_control"',
        id="cache-control-in-converse-content-block",
    ),
    pytest.param(
        "messages=[{'role': 'user', 'content': [{'text': POLICY}], "
        "'cache_control': {'type': 'ephemeral'}}]",
        {
            "messages": [
                {
                    "role": "user",
                    "content": [{"text": POLICY}],
                    "cache_control": {"type": "ephemeral"},
                }
            ]
        },
        'Unknown parameter in messages[0]: "cache_control"',
        id="cache-control-on-converse-message",
    ),
    pytest.param(
        "system=[{'text': POLICY, 'cachePoint': {'type': 'default'}}]",
        {"system": [{"text": POLICY, "cachePoint": {"type": "default"}}]},
        "Invalid number of parameters set for tagged union structure",
        id="cache-point-merged-into-text-block",
    ),
]


@pytest.mark.parametrize(("written", "kwargs", "error"), REFUSED)
def test_botocore_refuses_before_sending(written: str, kwargs: dict[str, Any], error: str) -> None:
    kwargs = {"messages": [user()], **kwargs}
    call = f"client.converse(modelId=MODEL, {written}"
    if "messages=" not in written:
        call += ", messages=[{'role': 'user', 'content': [{'text': 'hi'}]}]"
    source = program(call + ")\n")
    assert refused(source, error) == [], "botocore refused it, so nothing may reach the wire"
    layer = audit(converse(**kwargs), CONVERSE)
    assert "BC312" in reported(layer), sorted(reported(layer))
    assert lint_codes(source) == reported(layer)


def refused(source: str, error: str = "") -> list[object]:
    """Run a program botocore must refuse; the requests it sent before raising (none, we claim)."""
    from botocore.exceptions import ParamValidationError

    with capture() as captured, pytest.raises(ParamValidationError, match=re.escape(error)):
        exec(compile(source, "<refused>", "exec"), {"__name__": "refused"})
    return list(captured.requests)


def test_botocore_refuses_cache_point_inside_tool_result() -> None:
    source = program("""
        client.converse(
            modelId=MODEL,
            messages=[
                {"role": "user", "content": [{"text": "order 1?"}]},
                {"role": "assistant", "content": [
                    {"toolUse": {"toolUseId": "t1", "name": "lookup", "input": {}}},
                ]},
                {"role": "user", "content": [
                    {"toolResult": {"toolUseId": "t1", "content": [
                        {"text": POLICY}, {"cachePoint": {"type": "default"}},
                    ]}},
                ]},
            ],
            toolConfig={"tools": [TOOL_SPEC]},
        )
    """)
    assert refused(source) == []
    kwargs = converse(
        messages=[
            user("order 1?"),
            {
                "role": "assistant",
                "content": [{"toolUse": {"toolUseId": "t1", "name": "lookup", "input": {}}}],
            },
            {
                "role": "user",
                "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": POLICY}, CP]}}],
            },
        ],
        toolConfig={"tools": [TOOL_SPEC]},
    )
    layer = audit(kwargs, CONVERSE)
    assert "BC312" in reported(layer), sorted(reported(layer))
    assert lint_codes(source) == reported(layer)


def test_botocore_knows_cache_point_ttl() -> None:
    """FACTS: botocore >= 1.42.31 models ``CachePointBlock.ttl`` (5m | 1h); the pin has it."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("bedrock-runtime")
    shape = model.shape_for("CachePointBlock")
    assert set(shape.members) == {"type", "ttl"}
    assert shape.members["type"].enum == ["default"]
    assert shape.members["ttl"].enum == ["5m", "1h"]
    # ...and does not validate enums: see converse-ttl-2h-sent / converse-type-ephemeral-sent.
