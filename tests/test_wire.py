import json

import pytest

from bedrockcache.unknown import Unknown
from bedrockcache.wire import RequestError, from_anthropic_body, from_converse
from conftest import CP, LONG, SONNET_45

TOOL = {"toolSpec": {"name": "lookup", "inputSchema": {"json": {"type": "object"}}}}


def test_converse_prefix_order_is_tools_system_messages():
    wire = from_converse(
        {
            "modelId": SONNET_45,
            "messages": [{"role": "user", "content": [{"text": "question " * 50}, CP]}],
            "system": [{"text": LONG}, CP],
            "toolConfig": {"tools": [TOOL, CP]},
        }
    )
    assert [b.section for b in wire.blocks] == ["tools", "system", "messages"]
    assert [bp.path for bp in wire.breakpoints] == [
        "toolConfig.tools[1].cachePoint",
        "system[1].cachePoint",
        "messages[0].content[1].cachePoint",
    ]
    tools_bp, system_bp, message_bp = wire.breakpoints
    assert tools_bp.tokens.low < system_bp.tokens.low < message_bp.tokens.low
    assert message_bp.marks.text == "question " * 50


def test_converse_ttl_is_kept_as_written():
    wire = from_converse(
        {
            "modelId": SONNET_45,
            "system": [{"text": "x"}, {"cachePoint": {"type": "default", "ttl": "1h"}}],
        }
    )
    assert wire.breakpoints[0].ttl == "1h"


@pytest.mark.parametrize(
    ("block", "kind"),
    [
        ({"text": "x", "cachePoint": {"type": "default"}}, "merged-cache-point"),
        ({"text": "x", "cache_control": {"type": "ephemeral"}}, "anthropic-shape-in-converse"),
    ],
)
def test_converse_shapes_botocore_refuses(block, kind):
    wire = from_converse({"modelId": SONNET_45, "system": [block]})
    assert [p.kind for p in wire.problems] == [kind]


def test_converse_cache_point_after_reasoning_and_inside_tool_result():
    wire = from_converse(
        {
            "modelId": SONNET_45,
            "messages": [
                {
                    "role": "assistant",
                    "content": [{"reasoningContent": {"reasoningText": {"text": "t"}}}, CP],
                },
                {
                    "role": "user",
                    "content": [{"toolResult": {"toolUseId": "1", "content": [{"text": "r"}, CP]}}],
                },
                {
                    "role": "user",
                    "content": [{"document": {"format": "md", "name": "d", "source": {}}}, CP],
                },
                {
                    "role": "user",
                    "content": [{"document": {"format": "pdf", "name": "d", "source": {}}}, CP],
                },
            ],
        }
    )
    assert [p.kind for p in wire.problems] == [
        "after-reasoning",
        "cache-point-in-tool-result",
        "after-non-pdf-document",
    ]


def test_unknown_parts_become_holes_not_guesses():
    wire = from_converse(
        {"modelId": Unknown("model"), "system": Unknown("build_system()"), "messages": []}
    )
    assert [h.path for h in wire.holes] == ["system"]
    assert wire.breakpoints == ()
    assert wire.prefix_tokens.high is None


@pytest.mark.parametrize("encode", [lambda b: b, json.dumps, lambda b: json.dumps(b).encode()])
def test_anthropic_body_as_dict_text_or_bytes(invoke_body, encode):
    wire = from_anthropic_body(encode(invoke_body), model_id=SONNET_45)
    assert wire.dialect == "anthropic"
    assert [bp.path for bp in wire.breakpoints] == ["system[0].cache_control"]
    assert wire.breakpoints[0].marks.text == LONG


def test_anthropic_body_places_and_problems():
    wire = from_anthropic_body(
        {
            "anthropic_version": "bedrock-2023-05-31",
            "tools": [
                {
                    "name": "t",
                    "input_schema": {},
                    "cache_control": {"type": "ephemeral", "ttl": "1h"},
                }
            ],
            "system": "plain string system prompt",
            "messages": [
                {"role": "user", "content": "hi", "cache_control": {"type": "ephemeral"}},
                {
                    "role": "assistant",
                    "content": [
                        {
                            "type": "thinking",
                            "thinking": "t",
                            "cache_control": {"type": "ephemeral"},
                        }
                    ],
                },
            ],
            "cache_control": {"type": "ephemeral"},
            "anthropic_beta": ["extended-cache-ttl-2025-04-11"],
        }
    )
    assert [bp.path for bp in wire.breakpoints] == [
        "tools[0].cache_control",
        "messages[1].content[0].cache_control",
    ]
    assert wire.breakpoints[0].ttl == "1h"
    assert [p.kind for p in wire.problems] == ["message-level-cache-control", "thinking-marked"]
    assert wire.top_level_cache_control
    assert wire.betas == ("extended-cache-ttl-2025-04-11",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_bad_bodies_raise_request_error(body, message):
    with pytest.raises(RequestError, match=message):
        from_anthropic_body(body)


def test_partial_text_stays_partial_through_the_operations_backends_apply():
    from bedrockcache.tokens import estimate_text
    from bedrockcache.unknown import PartialText

    text = PartialText((Unknown("parameter 'prompt'"),))
    assert text  # unknown content is not empty
    joined = ("" + text + "\n").strip()
    assert isinstance(joined, PartialText) and joined.unknown_parts
    assert estimate_text(joined).high is None
    known = "a" + PartialText(("b",))
    assert known == "ab" and not isinstance(known, PartialText)


def test_partial_text_is_not_equal_to_the_text_it_knows():
    from bedrockcache.unknown import PartialText

    unknown = PartialText((Unknown("parameter 'prompt'"),))
    assert unknown != ""
    assert (unknown == "") is False
    assert PartialText(("a",)) == "a"
    assert PartialText(("a", Unknown("x"))) == PartialText(("a", Unknown("x")))
