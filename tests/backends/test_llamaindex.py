"""LlamaIndex BedrockConverse: each captured behaviour of 0.15.5 (wire-b.md section 4)."""

from __future__ import annotations

import pytest

from bedrockcache import audit
from bedrockcache.backends import Backend, llamaindex
from bedrockcache.findings import Outcome, Severity
from bedrockcache.objects import Constructed
from bedrockcache.unknown import Unknown

S45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
OPUS46 = "us.anthropic.claude-opus-4-6-v1"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA = "us.amazon.nova-pro-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
LONG = "You are a support agent for Example Corp. Follow the policy below exactly. " * 120
HUGE = LONG * 3
LI = Backend.LLAMAINDEX_BEDROCK_CONVERSE
SYSTEM = {"role": "system", "content": LONG}
USER = {"role": "user", "content": "hi"}
TOOL = {"name": "lookup_order", "description": LONG, "parameters": {"type": "object"}}


def text(value):
    return Constructed("TextBlock", {"text": value})


def cache_point(**control):
    return Constructed(
        "CachePoint", {"cache_control": Constructed("CacheControl", {"type": "default", **control})}
    )


def message(role, *blocks, **extra):
    return Constructed("ChatMessage", {"role": role, "blocks": list(blocks), **extra})


def request(*messages, **ctor):
    return {"model": S45, **ctor, "messages": list(messages)}


def points(report):
    return [(bp.path, bp.type, bp.ttl) for bp in report.wire.breakpoints]


def errors(report):
    return [f for f in report.findings if f.severity is Severity.ERROR]


# ---- what caches --------------------------------------------------------------------------------


def test_system_prompt_caching_is_the_canonical_setup():
    report = audit(request(SYSTEM, USER, system_prompt_caching=True), LI)
    assert points(report) == [("system[1].cachePoint", "default", None)]
    assert report.will_cache is True
    assert errors(report) == []
    assert report.codes == []


def test_predict_sends_the_constructor_system_prompt():
    req = request(USER, system_prompt=LONG, system_prompt_caching=True, method="predict")
    report = audit(req, LI)
    assert report.wire.raw["system"][0] == {"text": LONG.strip()}
    assert points(report) == [("system[1].cachePoint", "default", None)]
    assert report.will_cache is True


@pytest.mark.parametrize("model", [S45, "anthropic.claude-sonnet-4-5-20250929-v1:0", OPUS46])
def test_system_cache_point_block(model):
    req = request(message("system", text(HUGE), cache_point()), USER, model=model)
    report = audit(req, LI)
    assert points(report) == [("system[1].cachePoint", "default", None)]
    assert report.will_cache is True
    assert report.codes == []


def test_system_cache_point_plus_flag_adds_no_second_point():
    req = request(message("system", text(LONG), cache_point()), USER, system_prompt_caching=True)
    report = audit(req, LI)
    assert points(report) == [("system[1].cachePoint", "default", None)]


def test_system_cache_point_dynamic_tail_and_flag_give_two_points():
    req = request(
        message("system", text(LONG), cache_point(), text("dynamic tail")),
        USER,
        system_prompt_caching=True,
    )
    report = audit(req, LI)
    assert [p for p, _t, _ttl in points(report)] == ["system[1].cachePoint", "system[3].cachePoint"]
    assert report.wire.raw["system"][2] == {"text": "dynamic tail"}
    assert report.will_cache is True


def test_system_text_blocks_before_a_point_are_joined():
    req = request(message("system", text("part one"), text(LONG), cache_point()), USER)
    report = audit(req, LI)
    assert report.wire.raw["system"][0] == {"text": ("part one\n" + LONG).strip()}


def test_user_cache_point_block():
    req = request(SYSTEM, message("user", text(LONG), cache_point()))
    report = audit(req, LI)
    assert points(report) == [("messages[0].content[1].cachePoint", "default", None)]
    assert report.will_cache is True
    assert report.codes == []


def test_plain_dict_blocks_are_read():
    blocks = [
        {"block_type": "text", "text": LONG},
        {"block_type": "cache_point", "cache_control": {"type": "default"}},
    ]
    report = audit(request({"role": "user", "blocks": blocks}), LI)
    assert points(report) == [("messages[0].content[1].cachePoint", "default", None)]


def test_per_call_tool_caching():
    req = request(SYSTEM, USER, method="chat_with_tools", tools=[TOOL], call_tool_caching=True)
    report = audit(req, LI)
    assert points(report) == [("toolConfig.tools[1].cachePoint", "default", None)]
    assert report.will_cache is True
    assert report.codes == []


def test_application_inference_profile_arn_argument():
    req = request(SYSTEM, USER, application_inference_profile_arn=ARN, system_prompt_caching=True)
    report = audit(req, LI)
    assert report.wire.raw["modelId"] == ARN
    assert report.wire.model_id == S45
    assert report.will_cache is True
    assert report.codes == []


def test_tool_result_turn_is_merged_into_the_user_turn():
    tool_turn = {"role": "tool", "content": "sunny", "additional_kwargs": {"tool_call_id": "t1"}}
    req = request(SYSTEM, tool_turn, message("user", text(LONG), cache_point()))
    report = audit(req, LI)
    assert points(report) == [("messages[0].content[2].cachePoint", "default", None)]


# ---- drops, rewrites and refusals ---------------------------------------------------------------


@pytest.mark.parametrize("method", ["chat_with_tools", "stream_chat_with_tools"])
def test_constructor_tool_caching_is_ignored(method):
    req = request(SYSTEM, USER, tool_caching=True, method=method, tools=[TOOL])
    report = audit(req, LI)
    assert report.codes == ["BC240"]
    finding = report.findings[0]
    assert (finding.outcome, finding.severity) == (Outcome.DROPPED, Severity.ERROR)
    assert report.wire.breakpoints == ()
    assert report.will_cache is False


def test_constructor_tool_caching_async_without_aioboto3_is_ignored():
    req = request(
        SYSTEM, USER, tool_caching=True, method="achat_with_tools", tools=[TOOL], aioboto3=False
    )
    assert audit(req, LI).codes == ["BC240"]


def test_constructor_tool_caching_async_with_aioboto3_works():
    req = request(
        SYSTEM, USER, tool_caching=True, method="achat_with_tools", tools=[TOOL], aioboto3=True
    )
    report = audit(req, LI)
    assert points(report) == [("toolConfig.tools[1].cachePoint", "default", None)]
    assert report.codes == []


def test_constructor_and_call_tool_caching_with_aioboto3_give_two_points():
    req = request(
        SYSTEM,
        USER,
        tool_caching=True,
        call_tool_caching=True,
        method="achat_with_tools",
        tools=[TOOL],
        aioboto3=True,
    )
    report = audit(req, LI)
    assert [p for p, _t, _ttl in points(report)] == [
        "toolConfig.tools[1].cachePoint",
        "toolConfig.tools[2].cachePoint",
    ]


def test_constructor_tool_caching_async_with_unknown_aioboto3_is_a_hole():
    req = request(SYSTEM, USER, tool_caching=True, method="astream_chat_with_tools", tools=[TOOL])
    report = audit(req, LI)
    assert report.codes == []
    assert [h.path for h in report.wire.holes] == ["toolConfig.tools[1]"]


@pytest.mark.parametrize("role", ["system", "user"])
def test_cache_point_ttl_is_never_sent(role):
    other = USER if role == "system" else SYSTEM
    req = request(message(role, text(LONG), cache_point(ttl="1h")), other)
    if role == "user":
        req["messages"].reverse()
    report = audit(req, LI)
    assert report.codes == ["BC241"]
    finding = report.findings[0]
    assert (finding.outcome, finding.severity) == (Outcome.DEGRADED, Severity.WARNING)
    assert [ttl for _p, _t, ttl in points(report)] == [None]
    assert report.will_cache is True


def test_cache_point_5m_ttl_loses_nothing():
    req = request(message("system", text(LONG), cache_point(ttl="5m")), USER)
    assert audit(req, LI).codes == []


def test_cache_point_type_is_forced_to_default():
    req = request(message("system", text(LONG), cache_point(type="ephemeral")), USER)
    report = audit(req, LI)
    assert report.codes == ["BC242"]
    assert report.findings[0].outcome is Outcome.ADVICE
    assert points(report) == [("system[1].cachePoint", "default", None)]
    assert report.will_cache is True


def test_system_cache_point_dropped_for_model_not_on_the_list():
    req = request(message("system", text(LONG), cache_point()), USER, model=HAIKU3)
    report = audit(req, LI)
    assert set(report.codes) == {"BC243", "BC301"}
    assert report.wire.breakpoints == ()
    assert report.will_cache is False


@pytest.mark.parametrize(
    "req",
    [
        request(SYSTEM, USER, model=HAIKU3, system_prompt_caching=True),
        request(SYSTEM, message("user", text(LONG), cache_point()), model=HAIKU3),
    ],
    ids=["flag", "user-cache-point"],
)
def test_flag_and_user_points_are_not_model_gated(req):
    report = audit(req, LI)
    assert "BC243" not in report.codes
    assert len(report.wire.breakpoints) == 1
    assert "BC301" in report.codes  # Bedrock refuses the point on Claude 3 Haiku


def test_model_unknown_to_the_data_keeps_the_system_point():
    req = request(message("system", text(LONG), cache_point()), USER, model=NOVA)
    report = audit(req, LI)
    assert "BC243" not in report.codes
    assert len(report.wire.breakpoints) == 1


def test_message_additional_kwargs_cache_control_is_dropped():
    user = {"role": "user", "content": LONG, "additional_kwargs": {"cache_control": {"type": "x"}}}
    report = audit(request(SYSTEM, user), LI)
    assert report.codes == ["BC244"]
    assert report.findings[0].path == "messages[1].additional_kwargs.cache_control"
    assert report.wire.breakpoints == ()
    assert report.will_cache is False


@pytest.mark.parametrize("method", ["chat", "stream_chat", "achat", "chat_with_tools"])
def test_constructor_system_prompt_not_sent_by_chat(method):
    req = request(USER, system_prompt=LONG, system_prompt_caching=True, method=method)
    report = audit(req, LI)
    assert report.codes == ["BC245"]
    assert "system" not in report.wire.raw
    assert report.will_cache is False


def test_system_prompt_caching_without_system_message():
    report = audit(request({"role": "user", "content": LONG}, system_prompt_caching=True), LI)
    assert report.codes == ["BC107", "BC246"]
    assert report.wire.breakpoints == ()
    assert report.will_cache is False


def test_model_application_profile_arn_is_rejected():
    report = audit(request(SYSTEM, USER, model=ARN, system_prompt_caching=True), LI)
    assert report.codes == ["BC247"]
    assert report.findings[0].outcome is Outcome.REJECTED
    assert report.wire is None
    assert report.will_cache is False


def test_constructor_cache_control_is_a_type_error():
    report = audit(request(SYSTEM, USER, cache_control={"type": "ephemeral"}), LI)
    assert report.codes == ["BC248"]
    assert report.findings[0].outcome is Outcome.REJECTED
    assert report.wire is None


def test_constructor_additional_kwargs_cache_control_is_rejected():
    req = request(SYSTEM, USER, additional_kwargs={"cache_control": {"type": "ephemeral"}})
    report = audit(req, LI)
    assert report.codes == ["BC249"]
    assert report.findings[0].outcome is Outcome.REJECTED
    assert "cache_control" not in report.wire.raw
    assert report.will_cache is False


def test_no_directive_at_all():
    report = audit(request(SYSTEM, USER), LI)
    assert report.codes == ["BC107"]
    assert report.will_cache is False


# ---- Unknown ------------------------------------------------------------------------------------


def test_unknown_flag_records_a_hole():
    report = audit(request(SYSTEM, USER, system_prompt_caching=Unknown("flag")), LI)
    assert report.findings == []
    assert [h.path for h in report.wire.holes] == ["system[1]"]
    assert report.will_cache is False


def test_unknown_model_records_a_hole_for_a_system_point():
    req = request(message("system", text(LONG), cache_point()), USER, model=Unknown("m"))
    report = audit(req, LI)
    assert "BC243" not in report.codes
    assert [h.path for h in report.wire.holes] == ["system[1]"]


def test_unknown_method_with_constructor_system_prompt_guesses_nothing():
    req = request(USER, system_prompt=LONG, system_prompt_caching=True, method=Unknown("m"))
    report = audit(req, LI)
    assert report.codes == []
    assert report.wire.holes


def test_unknown_messages_record_a_hole():
    report = audit({"model": S45, "messages": Unknown("history")}, LI)
    assert report.codes == []
    assert [h.path for h in report.wire.holes] == ["messages"]


# ---- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "req",
    [
        request(SYSTEM, USER, system_prompt_caching=True),
        request(SYSTEM, message("user", text(LONG), cache_point())),
        {"class": "BedrockConverse", "model": S45, "messages": [SYSTEM, USER]},
        request(SYSTEM, USER, method="chat_with_tools", tools=[TOOL], call_tool_caching=True),
    ],
    ids=["flag", "chat-message", "declared-class", "per-call-tool-caching"],
)
def test_audit_detects_llamaindex(req):
    report = audit(req)
    assert report.backend is LI
    assert report.backend_detected is True


@pytest.mark.parametrize(
    "req",
    [
        {"modelId": S45, "messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        {"modelId": S45, "body": {"anthropic_version": "bedrock-2023-05-31", "messages": []}},
        {"model": S45, "max_tokens": 10, "messages": [USER]},
        {"model": "bedrock/" + S45, "messages": [USER]},
        {"model": S45, "messages": [{"type": "human", "content": "hi"}]},
        {"class": "ChatBedrockConverse", "model": S45, "system_prompt_caching": True},
    ],
    ids=["boto3-converse", "invoke-model", "anthropic-sdk", "litellm", "langchain", "lc-class"],
)
def test_looks_like_rejects_other_shapes(req):
    assert llamaindex.looks_like(req, LI) is False


def test_every_llamaindex_code_is_in_range():
    from bedrockcache.rules import llamaindex as rules

    codes = [r.code for r in rules.RULES]
    assert codes[0] == llamaindex.MISSING == "BC107"
    assert all(240 <= int(c[2:]) <= 249 for c in codes[1:])


def test_an_unknown_system_prompt_caching_flag_is_not_reported_without_system_content():
    from bedrockcache import Unknown

    report = audit(
        {
            "class": "BedrockConverse",
            "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "system_prompt_caching": Unknown("parameter 'cache'"),
            "messages": [{"role": "user", "content": "hi"}],
        },
        "llamaindex-bedrock-converse",
    )
    assert "BC246" not in report.codes
