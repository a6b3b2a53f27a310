"""LangChain AWS backends: each captured behaviour of langchain-aws 1.9.1 (wire-b.md section 3)."""

from __future__ import annotations

import pytest

from bedrockcache import audit
from bedrockcache.backends import Backend, langchain
from bedrockcache.findings import Outcome, Severity
from bedrockcache.objects import Constructed
from bedrockcache.unknown import Unknown

S45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA = "us.amazon.nova-pro-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
LONG = "You are a support agent for Example Corp. Follow the policy below exactly. " * 120
CP = {"cachePoint": {"type": "default"}}
EPH = {"type": "ephemeral"}
EPH_1H = {"type": "ephemeral", "ttl": "1h"}
TOOL = {"name": "get_weather", "description": LONG, "parameters": {"type": "object"}}
CONVERSE = Backend.LANGCHAIN_BEDROCK_CONVERSE
INVOKE = Backend.LANGCHAIN_BEDROCK


def system(content):
    return {"type": "system", "content": content}


def human(content):
    return {"type": "human", "content": content}


def ai(content):
    return {"type": "ai", "content": content}


def converse(*messages, **ctor):
    return {"model": S45, **ctor, "messages": list(messages)}


def invoke(*messages, **ctor):
    return {"model_id": S45, **ctor, "messages": list(messages)}


def points(report):
    return [(bp.path, bp.type, bp.ttl) for bp in report.wire.breakpoints]


def errors(report):
    return [f for f in report.findings if f.severity is Severity.ERROR]


# ---- ChatBedrockConverse: what caches ----------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        pytest.param(
            converse(system([{"type": "text", "text": LONG}, CP]), human("hi")),
            [("system[1].cachePoint", "default", None)],
            id="system-message-text-block-and-create-cache-point",
        ),
        pytest.param(
            converse(system([LONG, CP]), human("hi")),
            [("system[1].cachePoint", "default", None)],
            id="system-message-string-and-create-cache-point",
        ),
        pytest.param(
            converse(human("hi"), system=[LONG, CP]),
            [("system[1].cachePoint", "default", None)],
            id="constructor-system-list",
        ),
        pytest.param(
            converse(system("short"), human([{"type": "text", "text": LONG}, CP])),
            [("messages[0].content[1].cachePoint", "default", None)],
            id="human-message-cache-point",
        ),
        pytest.param(
            converse(human([LONG, {"cachePoint": {"type": "default", "ttl": "1h"}}])),
            [("messages[0].content[1].cachePoint", "default", "1h")],
            id="cache-point-with-ttl",
        ),
        pytest.param(
            converse(human([LONG, {"type": "non_standard", "value": CP}])),
            [("messages[0].content[1].cachePoint", "default", None)],
            id="non-standard-wrapped-cache-point",
        ),
    ],
)
def test_converse_cache_points_pass_through(request_, expected):
    report = audit(request_, CONVERSE)
    assert points(report) == expected
    assert report.will_cache is True
    assert report.codes == []


def test_converse_canonical_setup_has_no_error():
    report = audit(converse(system([LONG, CP]), human("hi")), CONVERSE)
    assert report.will_cache is True
    assert errors(report) == []
    assert report.wire.dialect == "converse"
    assert report.wire.raw["modelId"] == S45


def test_converse_bind_tools_cache_point():
    report = audit(converse(system(LONG), human("hi"), tools=[TOOL, CP]), CONVERSE)
    assert points(report) == [("toolConfig.tools[1].cachePoint", "default", None)]
    assert report.will_cache is True
    assert report.codes == []


def test_create_cache_point_ephemeral_is_sent_unvalidated():
    report = audit(converse(human([LONG, {"cachePoint": {"type": "ephemeral"}}])), CONVERSE)
    assert points(report) == [("messages[0].content[1].cachePoint", "ephemeral", None)]
    assert set(report.codes) == {"BC309"}
    assert report.will_cache is False


# ---- ChatBedrockConverse: the per-call cache_control and the middleware ------------------------


@pytest.mark.parametrize("key", ["call", "invoke_kwargs"])
def test_call_cache_control_marks_system_and_last_message(key):
    report = audit(converse(system(LONG), human("hi"), **{key: {"cache_control": EPH}}), CONVERSE)
    assert points(report) == [
        ("system[1].cachePoint", "default", None),
        ("messages[0].content[1].cachePoint", "default", None),
    ]
    assert report.will_cache is True
    assert report.codes == []


def test_call_cache_control_copies_ttl():
    report = audit(converse(system(LONG), human("hi"), call={"cache_control": EPH_1H}), CONVERSE)
    assert [ttl for _p, _t, ttl in points(report)] == ["1h", "1h"]
    assert report.will_cache is True


def test_call_cache_control_does_not_copy_5m():
    ttl_5m = {"type": "ephemeral", "ttl": "5m"}
    report = audit(converse(system(LONG), human("hi"), call={"cache_control": ttl_5m}), CONVERSE)
    assert [ttl for _p, _t, ttl in points(report)] == [None, None]


def test_call_cache_control_with_tools_and_history_uses_four_points():
    request = converse(
        system(LONG),
        human("q1 " + LONG),
        ai("a1"),
        human("q2"),
        tools=[TOOL],
        call={"cache_control": EPH},
    )
    report = audit(request, CONVERSE)
    assert [p for p, _t, _ttl in points(report)] == [
        "toolConfig.tools[1].cachePoint",
        "system[1].cachePoint",
        "messages[1].content[1].cachePoint",
        "messages[2].content[1].cachePoint",
    ]
    assert report.will_cache is True
    assert report.codes == []


def test_call_cache_control_adds_nothing_when_four_manual_points_exist():
    request = converse(
        human(["a " + LONG, CP, "b " + LONG, CP, "c " + LONG, CP]),
        ai("x"),
        human("q"),
        system=[LONG, CP],
        call={"cache_control": EPH},
    )
    report = audit(request, CONVERSE)
    assert len(report.wire.breakpoints) == 4
    assert set(report.codes) == {"BC236"}
    assert report.findings[0].outcome is Outcome.ADVICE
    assert report.will_cache is True


def test_call_cache_control_short_budget_skips_marked_lists():
    # This test used to expect holes ("which points survive is not recorded"). The conformance
    # variant converse-cache-control-short-budget shows langchain-aws 1.9.1 is deterministic:
    # lists that already hold a cachePoint get none, the rest fill the budget in order
    # (bedrock_converse.py l.813-838), so only the tools get a point here.
    request = converse(
        human([LONG, CP]), system=[LONG, CP], tools=[TOOL], call={"cache_control": EPH}
    )
    report = audit(request, CONVERSE)
    assert [p for p, _t, _ttl in points(report)] == [
        "toolConfig.tools[1].cachePoint",
        "system[1].cachePoint",
        "messages[0].content[1].cachePoint",
    ]
    assert report.unaudited == []
    assert report.will_cache is True


def test_call_cache_control_no_history_point_once_a_manual_point_exists():
    request = converse(
        human("q1 " + LONG), ai("a1"), human("q2"), system=[LONG, CP], call={"cache_control": EPH}
    )
    report = audit(request, CONVERSE)
    assert [p for p, _t, _ttl in points(report)] == [
        "system[1].cachePoint",
        "messages[2].content[1].cachePoint",
    ]


def test_call_cache_control_unknown_history_is_a_hole_not_a_guess():
    request = converse(
        system(LONG), human("q1 " + LONG), Unknown("a turn"), human("q2"),
        call={"cache_control": EPH},
    )  # fmt: skip
    report = audit(request, CONVERSE)
    assert points(report) == []  # the unknown turn may hold up to 4 points: nothing is certain
    assert len(report.unaudited) == 3  # system, the unknown turn, the last message
    assert report.will_cache is False


def test_nova_gets_no_tools_point_and_no_ttl():
    request = {
        "model": NOVA,
        "tools": [TOOL],
        "messages": [system(LONG), human("hi")],
        "call": {"cache_control": EPH_1H},
    }
    report = audit(request, CONVERSE)
    assert points(report) == [
        ("system[1].cachePoint", "default", None),
        ("messages[0].content[1].cachePoint", "default", None),
    ]


def test_claude_3_haiku_gets_points_and_bedrock_refuses():
    request = {"model": HAIKU3, "messages": [system(LONG), human("hi")]}
    request["call"] = {"cache_control": EPH}
    report = audit(request, CONVERSE)
    assert len(report.wire.breakpoints) == 2
    assert set(report.codes) == {"BC301"}
    assert report.will_cache is False


@pytest.mark.parametrize(
    ("settings", "ttl"), [({}, None), ({"ttl": "1h"}, "1h")], ids=["default", "1h"]
)
def test_middleware_marks_system_last_message_and_tools(settings, ttl):
    request = converse(
        Constructed("HumanMessage", {"content": "hi"}),
        system_prompt=LONG,
        tools=[TOOL],
        middleware=[Constructed("BedrockPromptCachingMiddleware", settings)],
    )
    report = audit(request, CONVERSE)
    assert points(report) == [
        ("toolConfig.tools[1].cachePoint", "default", ttl),
        ("system[1].cachePoint", "default", ttl),
        ("messages[0].content[1].cachePoint", "default", ttl),
    ]
    assert report.will_cache is True
    assert report.codes == []


def test_middleware_min_messages_not_reached():
    middleware = {"__class__": "BedrockPromptCachingMiddleware", "min_messages_to_cache": 3}
    report = audit(converse(human("hi"), system_prompt=LONG, middleware=[middleware]), CONVERSE)
    # No BC106 beside BC237 (it used to be reported): the turn is uncached by the middleware's
    # design and later turns cache (conformance variant agent-converse-min-messages-first-turn)
    assert report.codes == ["BC237"]
    assert report.findings[0].severity is Severity.INFO
    assert report.findings[0].path == "middleware[0].min_messages_to_cache"
    assert report.will_cache is False


def test_middleware_min_messages_counts_the_system_prompt():
    # BedrockPromptCachingMiddleware counts len(messages) + 1 for the agent's system_prompt
    # (conformance variant agent-converse-min-messages-reached)
    middleware = {"__class__": "BedrockPromptCachingMiddleware", "min_messages_to_cache": 2}
    report = audit(converse(human("hi"), system_prompt=LONG, middleware=[middleware]), CONVERSE)
    assert [p for p, _t, _ttl in points(report)] == [
        "system[1].cachePoint",
        "messages[0].content[1].cachePoint",
    ]
    assert report.will_cache is True


# ---- ChatBedrockConverse: drops and refusals ---------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "path"),
    [
        (
            [system([{"type": "text", "text": LONG, "cache_control": EPH}]), human("hi")],
            "messages[0].content[0].cache_control",
        ),
        (
            [system("x"), human([{"type": "text", "text": LONG, "cache_control": EPH}])],
            "messages[1].content[0].cache_control",
        ),
    ],
    ids=["system-message", "human-message"],
)
def test_converse_drops_text_block_cache_control(messages, path):
    report = audit(converse(*messages), CONVERSE)
    assert report.codes == ["BC230"]
    finding = report.findings[0]
    assert (finding.outcome, finding.severity, finding.path) == (
        Outcome.DROPPED,
        Severity.ERROR,
        path,
    )
    assert report.wire.breakpoints == ()
    assert report.will_cache is False


def test_converse_standalone_cache_control_dict_is_rejected():
    request = converse(human([{"type": "text", "text": LONG}, {"cache_control": EPH}]))
    report = audit(request, CONVERSE)
    assert report.codes == ["BC231"]
    assert report.findings[0].outcome is Outcome.REJECTED
    assert report.will_cache is False


@pytest.mark.parametrize(
    ("ctor", "path"),
    [
        ({"cache_control": EPH}, "cache_control"),
        ({"model_kwargs": {"cache_control": EPH}}, "model_kwargs.cache_control"),
        (
            {"additional_model_request_fields": {"cache_control": EPH}},
            "additional_model_request_fields.cache_control",
        ),
    ],
    ids=["constructor", "model_kwargs", "additional_model_request_fields"],
)
def test_converse_constructor_cache_control_becomes_request_field(ctor, path):
    report = audit(converse(system(LONG), human("hi"), **ctor), CONVERSE)
    assert set(report.codes) == {"BC232", "BC314"}
    assert report.findings[0].path == path
    assert report.wire.raw["additionalModelRequestFields"] == {"cache_control": EPH}
    assert report.wire.top_level_cache_control is True
    assert report.wire.breakpoints == ()
    assert report.will_cache is False


def test_converse_application_profile_arn_without_provider_is_rejected():
    report = audit(converse(system([LONG, CP]), human("hi"), model=ARN), CONVERSE)
    assert report.codes == ["BC233"]
    assert report.findings[0].outcome is Outcome.REJECTED
    assert report.wire is None
    assert report.will_cache is False


def test_converse_application_profile_arn_with_provider_and_base_model_caches():
    request = converse(
        system([LONG, CP]), human("hi"), model=ARN, provider="anthropic", base_model=S45
    )
    report = audit(request, CONVERSE)
    assert report.codes == []
    assert report.wire.raw["modelId"] == ARN
    assert report.wire.model_id == S45
    assert report.will_cache is True


def test_converse_application_profile_arn_with_provider_only_says_model_unknown():
    request = converse(system([LONG, CP]), human("hi"), model=ARN, provider="anthropic")
    report = audit(request, CONVERSE)
    assert "BC233" not in report.codes
    assert points(report) == [("system[1].cachePoint", "default", None)]
    assert report.will_cache is False  # the model behind the profile is not visible


# ---- ChatBedrock: InvokeModel ------------------------------------------------------------------


def test_chat_bedrock_text_block_cache_control_is_kept():
    request = invoke(system([{"type": "text", "text": LONG, "cache_control": EPH}]), human("hi"))
    report = audit(request, INVOKE)
    assert report.wire.dialect == "anthropic"
    assert report.wire.raw["anthropic_version"] == "bedrock-2023-05-31"
    assert points(report) == [("system[0].cache_control", "ephemeral", None)]
    assert report.will_cache is True
    assert errors(report) == []
    assert report.codes == []


def test_chat_bedrock_human_text_block_cache_control_is_kept():
    request = invoke(system("x"), human([{"type": "text", "text": LONG, "cache_control": EPH}]))
    report = audit(request, INVOKE)
    assert points(report) == [("messages[0].content[0].cache_control", "ephemeral", None)]
    assert report.will_cache is True


@pytest.mark.parametrize(
    ("messages", "path"),
    [
        (
            [system([{"type": "text", "text": LONG, "cache_control": EPH_1H}]), human("hi")],
            "messages[0].content[0].cache_control.ttl",
        ),
        (
            [human([{"type": "text", "text": LONG, "cache_control": EPH_1H}])],
            "messages[0].content[0].cache_control.ttl",
        ),
    ],
    ids=["system-message", "human-message"],
)
def test_chat_bedrock_strips_block_ttl(messages, path):
    report = audit(invoke(*messages), INVOKE)
    assert report.codes == ["BC234"]
    finding = report.findings[0]
    assert (finding.outcome, finding.severity, finding.path) == (
        Outcome.DEGRADED,
        Severity.WARNING,
        path,
    )
    assert [ttl for _p, _t, ttl in points(report)] == [None]
    assert report.will_cache is True


def test_chat_bedrock_call_cache_control_marks_last_block_verbatim():
    report = audit(invoke(system(LONG), human("hi"), call={"cache_control": EPH_1H}), INVOKE)
    assert points(report) == [("messages[0].content[0].cache_control", "ephemeral", "1h")]
    assert report.wire.raw["messages"][0]["content"][0]["cache_control"] == EPH_1H
    assert report.will_cache is True
    assert report.codes == []


@pytest.mark.parametrize(
    "messages",
    [
        [system(LONG), human([{"type": "text", "text": LONG}, CP])],
        [system([{"type": "text", "text": LONG}, CP]), human("hi")],
    ],
    ids=["human-message", "system-message"],
)
def test_chat_bedrock_cache_point_dict_is_rejected(messages):
    report = audit(invoke(*messages), INVOKE)
    assert report.codes == ["BC235"]
    assert report.findings[0].outcome is Outcome.REJECTED
    assert report.will_cache is False


def test_chat_bedrock_anthropic_tool_keeps_cache_control():
    tool = {"name": "get_weather", "description": LONG, "input_schema": {"type": "object"}}
    tool["cache_control"] = EPH
    report = audit(invoke(system("x"), human("hi"), tools=[tool]), INVOKE)
    assert points(report) == [("tools[0].cache_control", "ephemeral", None)]
    assert report.will_cache is True


def test_chat_bedrock_model_kwargs_cache_control_goes_to_body_top_level():
    request = invoke(system(LONG), human("hi"), model_kwargs={"cache_control": EPH})
    report = audit(request, INVOKE)
    assert set(report.codes) == {"BC232", "BC314"}
    assert report.wire.raw["cache_control"] == EPH
    assert report.will_cache is False


@pytest.mark.parametrize(("settings", "ttl"), [({}, "5m"), ({"ttl": "1h"}, "1h")])
def test_chat_bedrock_middleware_marks_last_message_only(settings, ttl):
    request = invoke(
        ("human", "hi"),
        system_prompt=LONG,
        tools=[TOOL],
        middleware=[Constructed("BedrockPromptCachingMiddleware", settings)],
    )
    report = audit(request, INVOKE)
    assert points(report) == [("messages[0].content[0].cache_control", "ephemeral", ttl)]
    assert report.will_cache is True


def test_chat_bedrock_converse_route_drops_text_block_cache_control():
    request = invoke(
        human([{"type": "text", "text": LONG, "cache_control": EPH}]), beta_use_converse_api=True
    )
    report = audit(request, INVOKE)
    assert report.wire.dialect == "converse"
    assert report.codes == ["BC230"]
    assert report.will_cache is False


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            invoke(human([LONG, CP]), beta_use_converse_api=True),
            ["messages[0].content[1].cachePoint"],
        ),
        (
            invoke(
                system(LONG), human("hi"), beta_use_converse_api=True, call={"cache_control": EPH}
            ),
            ["system[1].cachePoint", "messages[0].content[1].cachePoint"],
        ),
    ],
    ids=["create-cache-point", "call-cache-control"],
)
def test_chat_bedrock_converse_route_caches(request_, expected):
    report = audit(request_, INVOKE)
    assert [p for p, _t, _ttl in points(report)] == expected
    assert report.will_cache is True


# ---- real message objects ----------------------------------------------------------------------


class SystemMessage:
    def __init__(self, content):
        self.content = content
        self.type = "system"


class HumanMessage:
    def __init__(self, content):
        self.content = content
        self.type = "human"


def test_message_objects_are_read():
    request = {"model": S45, "messages": [SystemMessage([LONG, CP]), HumanMessage("hi")]}
    report = audit(request, CONVERSE)
    assert points(report) == [("system[1].cachePoint", "default", None)]
    assert report.will_cache is True


def test_consecutive_human_messages_are_merged():
    report = audit(converse(system("x"), human([LONG]), human([CP])), CONVERSE)
    assert points(report) == [("messages[0].content[1].cachePoint", "default", None)]


# ---- Unknown -----------------------------------------------------------------------------------


def test_unknown_call_cache_control_records_holes_and_guesses_nothing():
    request = converse(system(LONG), human("hi"), call={"cache_control": Unknown("cfg")})
    report = audit(request, CONVERSE)
    assert report.findings == []
    assert report.wire.breakpoints == ()
    assert [h.path for h in report.wire.holes] == ["system[1]", "messages[0].content[1]"]
    assert report.will_cache is False


def test_unknown_messages_record_a_hole_not_a_missing_directive():
    report = audit({"model": S45, "messages": Unknown("history")}, CONVERSE)
    assert report.codes == []
    assert [h.path for h in report.wire.holes] == ["messages"]


def test_unknown_model_guesses_no_provider_or_family():
    request = converse(
        system(LONG),
        human("a"),
        ai("b"),
        human("c"),
        model=Unknown("m"),
        call={"cache_control": EPH},
    )
    report = audit(request, CONVERSE)
    assert report.codes == []
    assert [p for p, _t, _ttl in points(report)] == [
        "system[1].cachePoint",
        "messages[2].content[1].cachePoint",
    ]
    assert [h.path for h in report.wire.holes] == ["messages[1].content[1]"]  # end of history


def test_unknown_chat_bedrock_route_records_a_hole():
    report = audit(invoke(system(LONG), human("hi"), beta_use_converse_api=Unknown("f")), INVOKE)
    assert report.codes == []
    assert [h.path for h in report.wire.holes] == ["body"]


def test_unknown_content_block_is_a_hole():
    report = audit(converse(system([LONG, Unknown("block")]), human("hi")), CONVERSE)
    assert report.codes == []
    assert [h.path for h in report.wire.holes] == ["system[1]"]


# ---- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "backend"),
    [
        (converse(system([LONG, CP]), human("hi")), CONVERSE),
        (invoke(system(LONG), human("hi"), call={"cache_control": EPH}), INVOKE),
        ({"class": "ChatBedrock", "model": S45, "messages": [human("hi")]}, INVOKE),
        ({"model": S45, "messages": [("human", "hi")], "call": {"cache_control": EPH}}, CONVERSE),
    ],
    ids=["converse", "chat-bedrock", "declared-class", "call-key"],
)
def test_audit_detects_langchain(request_, backend):
    report = audit(request_)
    assert report.backend is backend
    assert report.backend_detected is True


@pytest.mark.parametrize(
    "request_",
    [
        {"modelId": S45, "messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        {"modelId": S45, "body": {"anthropic_version": "bedrock-2023-05-31", "messages": []}},
        {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": []},
        {"model": S45, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]},
        {"model": "bedrock/" + S45, "messages": [{"role": "user", "content": "hi"}]},
        {
            "model": S45,
            "system_prompt_caching": True,
            "messages": [{"role": "user", "content": "x"}],
        },
        {"class": "BedrockConverse", "model": S45, "messages": [human("hi")]},
    ],
    ids=[
        "boto3-converse",
        "invoke-model",
        "anthropic-body",
        "anthropic-sdk",
        "litellm",
        "llamaindex",
        "llamaindex-class",
    ],
)
@pytest.mark.parametrize("backend", [CONVERSE, INVOKE])
def test_looks_like_rejects_other_shapes(request_, backend):
    assert langchain.looks_like(request_, backend) is False


def test_looks_like_answers_per_class():
    request = converse(system([LONG, CP]), human("hi"))
    assert langchain.looks_like(request, CONVERSE) is True
    assert langchain.looks_like(request, INVOKE) is False


# ---- the catalogue entries ---------------------------------------------------------------------


def test_every_langchain_code_is_in_range():
    from bedrockcache.rules import langchain as rules

    codes = [r.code for r in rules.RULES]
    assert codes[0] == langchain.MISSING == "BC106"
    assert all(230 <= int(c[2:]) <= 239 for c in codes[1:])
