"""pydantic-ai backend: each behaviour of pydantic-ai-slim 2.68.0 seen on the wire (wire-b §2)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bedrockcache import Backend, Constructed, Outcome, Severity, Unknown, audit

SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
MODEL = f"bedrock:{SONNET_45}"
HAIKU_3 = "bedrock:anthropic.claude-3-haiku-20240307-v1:0"
NOVA = "bedrock:us.amazon.nova-pro-v1:0"
LLAMA = "bedrock:us.meta.llama3-3-70b-instruct-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
LONG = "You are a support agent for Example Corp. Follow the policy below exactly. " * 120
CACHE_POINT = {"__class__": "CachePoint"}
TOOL = {"name": "lookup", "description": LONG, "parameters_json_schema": {"type": "object"}}
ALL_THREE = {
    "bedrock_cache_instructions": True,
    "bedrock_cache_tool_definitions": True,
    "bedrock_cache_messages": True,
}


def run(**request):
    base = {"model": MODEL, "instructions": LONG, "prompt": "hi"}
    base.update(request)
    return audit({k: v for k, v in base.items() if v is not None}, Backend.PYDANTIC_AI_BEDROCK)


def points(report):
    return [(bp.path, bp.ttl) for bp in report.wire.breakpoints]


def errors(report):
    return [f for f in report.findings if f.severity is Severity.ERROR]


def finding(report, code):
    (found,) = [f for f in report.findings if f.code == code]
    return found


# ---- correct ways to cache ----------------------------------------------------------------------


def test_cache_instructions_true_caches_the_instructions_without_ttl():
    report = run(model_settings={"bedrock_cache_instructions": True})
    assert report.will_cache
    assert report.codes == []
    assert points(report) == [("system[1].cachePoint", None)]


@pytest.mark.parametrize("ttl", ["5m", "1h"])
def test_cache_setting_ttl_reaches_the_wire(ttl):
    report = run(model_settings={"bedrock_cache_instructions": ttl})
    assert report.will_cache
    assert points(report) == [("system[1].cachePoint", ttl)]


def test_system_prompt_counts_as_instructions():
    report = run(instructions=None, system_prompt=LONG, model_settings=ALL_THREE)
    assert report.will_cache
    assert ("system[1].cachePoint", None) in points(report)


def test_tool_definitions_point_goes_after_the_tools():
    report = run(tools=[TOOL], model_settings={"bedrock_cache_tool_definitions": True})
    assert report.will_cache
    assert points(report) == [("toolConfig.tools[1].cachePoint", None)]


def test_cache_messages_marks_the_last_user_message():
    report = run(prompt=LONG, model_settings={"bedrock_cache_messages": True})
    assert report.will_cache
    assert points(report) == [("messages[0].content[1].cachePoint", None)]


def test_all_three_settings_with_a_tool():
    report = run(tools=[TOOL], model_settings=ALL_THREE)
    assert report.will_cache
    assert report.codes == []
    assert points(report) == [
        ("toolConfig.tools[1].cachePoint", None),
        ("system[1].cachePoint", None),
        ("messages[0].content[1].cachePoint", None),
    ]


def test_settings_merge_model_then_agent_then_run():
    report = run(
        model={"model_name": SONNET_45, "settings": {"bedrock_cache_instructions": True}},
        model_settings={"bedrock_cache_messages": True},
        run_model_settings={"bedrock_cache_messages": False},
    )
    assert report.will_cache
    assert points(report) == [("system[1].cachePoint", None)]


def test_point_goes_between_static_and_dynamic_instructions():
    report = run(dynamic_instructions=["The time is 12:00."], model_settings=ALL_THREE)
    assert report.will_cache
    system = report.wire.raw["system"]
    assert [next(iter(block)) for block in system] == ["text", "cachePoint", "text"]
    assert system[2] == {"text": "The time is 12:00."}


@pytest.mark.parametrize(
    "marker",
    [
        {"__class__": "CachePoint"},
        Constructed("CachePoint", {}),
        {"kind": "cache-point"},
    ],
    ids=["json", "constructed", "kind"],
)
def test_cache_point_marker_always_carries_a_ttl(marker):
    report = run(prompt=[LONG, marker])
    assert report.will_cache
    assert report.codes == []
    assert points(report) == [("messages[0].content[1].cachePoint", "5m")]


def test_a_real_cache_point_with_a_1h_ttl():
    @dataclass
    class CachePoint:
        ttl: str = "1h"
        kind: str = "cache-point"

    report = run(prompt=[LONG, CachePoint()])
    assert report.will_cache
    assert points(report) == [("messages[0].content[1].cachePoint", "1h")]


def test_marker_and_cache_messages_both_reach_the_wire():
    report = run(prompt=[LONG, CACHE_POINT, "tail question"], model_settings=ALL_THREE)
    assert report.will_cache
    assert points(report)[-2:] == [
        ("messages[0].content[1].cachePoint", "5m"),
        ("messages[0].content[3].cachePoint", None),
    ]


def test_cache_point_after_a_document_goes_before_it():
    document = Constructed("DocumentUrl", {"url": "s3://bucket/doc.txt"})
    report = run(prompt=[LONG, document, CACHE_POINT])
    assert points(report) == [("messages[0].content[1].cachePoint", "5m")]
    assert report.wire.raw["messages"][0]["content"][2] == {"document": {"name": "DocumentUrl"}}


@pytest.mark.parametrize(
    ("cache", "expected"),
    [
        (
            True,
            [
                ("toolConfig.tools[1].cachePoint", None),
                ("system[1].cachePoint", None),
                ("messages[0].content[1].cachePoint", None),
            ],
        ),
        (
            "1h",
            [
                ("toolConfig.tools[1].cachePoint", "1h"),
                ("system[1].cachePoint", "1h"),
                ("messages[0].content[1].cachePoint", "1h"),
            ],
        ),
        (
            # CacheConfig has only `retention` and `messages` (pydantic_ai/settings.py); an earlier
            # version of this test passed `tool_definitions=False`, which pydantic-ai rejects with
            # UserError (conformance: pydantic-ai unified-cache-messages-false).
            Constructed("CacheConfig", {"messages": False}),
            [("toolConfig.tools[1].cachePoint", None), ("system[1].cachePoint", None)],
        ),
        (
            Constructed("CacheConfig", {"retention": "1h", "messages": False}),
            [("toolConfig.tools[1].cachePoint", "1h"), ("system[1].cachePoint", "1h")],
        ),
    ],
    ids=["true", "1h", "cache-config", "cache-config-retention"],
)
def test_unified_cache_setting(cache, expected):
    report = run(prompt=LONG, tools=[TOOL], model_settings={"cache": cache})
    assert report.will_cache
    assert report.codes == []
    assert points(report) == expected


def test_multi_turn_history_moves_the_message_point_to_the_newest_turn():
    history = [
        {"role": "user", "content": "turn 0 " + LONG},
        {"role": "assistant", "content": "a0"},
        {"role": "user", "content": "turn 1 " + LONG},
        {"role": "assistant", "content": "a1"},
    ]
    report = run(message_history=history, prompt="turn 2", model_settings=ALL_THREE)
    assert report.will_cache
    assert points(report)[-1] == ("messages[4].content[1].cachePoint", None)
    assert len(points(report)) == 2


def test_profile_override_restores_caching_behind_an_arn():
    report = run(
        model={
            "model_name": ARN,
            "profile": Constructed(
                "BedrockModelProfile",
                {"bedrock_supports_prompt_caching": True, "bedrock_supports_tool_caching": True},
            ),
        },
        prompt=[LONG, CACHE_POINT],
        tools=[TOOL],
        model_settings={"bedrock_cache_instructions": True, "bedrock_cache_tool_definitions": True},
    )
    assert "BC221" not in report.codes
    assert points(report) == [
        ("toolConfig.tools[1].cachePoint", None),
        ("system[1].cachePoint", None),
        ("messages[0].content[1].cachePoint", "5m"),
    ]


def test_bedrock_inference_profile_sends_the_arn_and_keeps_the_points():
    report = run(
        model="anthropic.claude-sonnet-4-5-20250929-v1:0",
        tools=[TOOL],
        model_settings={
            "bedrock_inference_profile": ARN,
            "bedrock_cache_instructions": True,
            "bedrock_cache_tool_definitions": True,
        },
    )
    assert report.wire.model_id == ARN
    assert "BC221" not in report.codes
    assert len(points(report)) == 2


# ---- drops and refusals -------------------------------------------------------------------------


def test_no_cache_setting_is_bc105():
    report = run()
    assert report.codes == ["BC105"]
    assert not report.will_cache


def test_cache_instructions_without_instructions_adds_nothing():
    report = run(instructions=None, model_settings={"bedrock_cache_instructions": True})
    assert report.codes == ["BC105", "BC225"]
    assert report.wire.breakpoints == ()
    assert not report.will_cache


def test_cache_instructions_with_only_dynamic_instructions_adds_nothing():
    report = run(
        instructions=None,
        dynamic_instructions=True,
        prompt=[LONG, CACHE_POINT],
        model_settings={"bedrock_cache_instructions": True},
    )
    assert report.codes == ["BC225"]
    bc225 = finding(report, "BC225")
    assert (bc225.severity, bc225.outcome) == (Severity.WARNING, Outcome.DROPPED)
    assert points(report) == [("messages[0].content[1].cachePoint", "5m")]
    assert report.will_cache


def test_tool_cache_without_tools_adds_nothing():
    report = run(model_settings={"bedrock_cache_tool_definitions": True})
    assert report.codes == ["BC105", "BC226"]
    assert finding(report, "BC226").severity is Severity.INFO  # BC105 carries the error
    assert not report.will_cache


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        ([CACHE_POINT, LONG], "opens the user message"),
        ([LONG, CACHE_POINT, CACHE_POINT], "right after another CachePoint"),
        ([Constructed("DocumentUrl", {}), CACHE_POINT], "only documents or videos"),
    ],
    ids=["first", "adjacent", "after-only-documents"],
)
def test_misplaced_cache_point_is_a_user_error(prompt, message):
    report = run(prompt=prompt)
    assert "BC227" in report.codes
    bc227 = finding(report, "BC227")
    assert bc227.outcome is Outcome.REJECTED
    assert message in bc227.message
    assert not report.will_cache


def test_a_dict_with_cache_control_in_the_prompt_is_a_value_error():
    report = run(prompt=[{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}])
    assert report.codes == ["BC228"]
    assert finding(report, "BC228").outcome is Outcome.REJECTED
    assert not report.will_cache


def test_explicit_key_switches_the_unified_setting_off():
    report = run(tools=[TOOL], model_settings={"cache": True, "bedrock_cache_instructions": False})
    assert report.codes == ["BC105", "BC223"]
    bc223 = finding(report, "BC223")
    assert (bc223.severity, bc223.outcome) == (Severity.WARNING, Outcome.DROPPED)
    assert report.wire.breakpoints == ()


def test_explicit_key_beside_unified_keeps_only_what_it_names():
    report = run(tools=[TOOL], model_settings={"cache": True, "bedrock_cache_instructions": True})
    assert report.codes == ["BC223"]
    assert finding(report, "BC223").severity is Severity.WARNING
    assert "tool_definitions, messages" in finding(report, "BC223").message
    assert points(report) == [("system[1].cachePoint", None)]
    assert report.will_cache


@pytest.mark.parametrize(
    "extra_body",
    [
        {"cache_control": {"type": "ephemeral"}},
        {"system": [{"text": LONG}, {"cachePoint": {"type": "default"}}]},
    ],
    ids=["cache_control", "system-cache-point"],
)
def test_extra_body_never_reaches_converse(extra_body):
    report = run(model_settings={"extra_body": extra_body})
    assert report.codes == ["BC220"]
    assert finding(report, "BC220").outcome is Outcome.DROPPED
    assert report.wire.breakpoints == ()


def test_0_1_0_extra_body_request_is_reported_not_crashed():
    report = audit(
        {"model_settings": {"extra_body": {"cache_control": {"type": "ephemeral"}}}},
        Backend.PYDANTIC_AI_BEDROCK,
    )
    assert set(report.codes) == {"BC220", "BC304"}  # BC304: no model id, said as info
    assert not report.will_cache


@pytest.mark.parametrize(
    "settings",
    [
        {
            "anthropic_cache_instructions": True,
            "anthropic_cache_tool_definitions": True,
            "anthropic_cache_messages": True,
        },
        {"bedrock_cache_prompt": True},
    ],
    ids=["anthropic-keys", "made-up"],
)
def test_settings_bedrock_does_not_read_are_dropped(settings):
    report = run(tools=[TOOL], model_settings=settings)
    assert set(report.codes) == {"BC224"}
    assert all(f.severity is Severity.ERROR for f in report.findings)
    assert report.wire.breakpoints == ()


def test_additional_model_request_fields_cache_control_is_no_cache_point():
    report = run(
        model_settings={
            "bedrock_additional_model_requests_fields": {"cache_control": {"type": "ephemeral"}}
        }
    )
    assert report.wire.raw["additionalModelRequestFields"] == {
        "cache_control": {"type": "ephemeral"}
    }
    assert report.codes == ["BC314"]


@pytest.mark.parametrize(
    "settings", [ALL_THREE, {"cache": True}], ids=["bedrock-cache-keys", "unified"]
)
def test_application_profile_arn_drops_every_directive_silently(settings):
    report = run(
        model=f"bedrock:{ARN}", prompt=[LONG, CACHE_POINT], tools=[TOOL], model_settings=settings
    )
    assert set(report.codes) == {"BC221", "BC304"}
    bc221 = finding(report, "BC221")
    assert (bc221.severity, bc221.outcome) == (Severity.ERROR, Outcome.DROPPED)
    assert "application inference profile ARN" in bc221.message
    assert "bedrock_inference_profile" in bc221.fix
    assert report.wire.breakpoints == ()


def test_llama_profile_has_no_caching():
    report = run(
        model=LLAMA, prompt=[LONG, CACHE_POINT], model_settings={"bedrock_cache_instructions": True}
    )
    assert "BC221" in report.codes
    assert report.wire.breakpoints == ()


def test_nova_caches_instructions_but_not_tools():
    report = run(model=NOVA, tools=[TOOL], model_settings=ALL_THREE)
    assert "BC222" in report.codes
    assert finding(report, "BC222").severity is Severity.INFO
    assert [p for p, _ in points(report)] == [
        "system[1].cachePoint",
        "messages[0].content[1].cachePoint",
    ]


def test_claude_3_haiku_gets_the_point_bedrock_refuses():
    report = run(model=HAIKU_3, model_settings={"bedrock_cache_instructions": True})
    assert points(report) == [("system[1].cachePoint", None)]
    assert report.codes == ["BC301"]


def test_more_than_four_points_keep_the_newest_four():
    history = []
    for i in range(4):
        history += [
            {"role": "user", "content": [f"turn {i} " + LONG, CACHE_POINT]},
            {"role": "assistant", "content": f"answer {i}"},
        ]
    report = run(message_history=history, prompt=["turn 4", CACHE_POINT])
    assert report.codes == ["BC229"]
    assert finding(report, "BC229").severity is Severity.INFO
    assert [p for p, _ in points(report)] == [
        f"messages[{i}].content[1].cachePoint" for i in (2, 4, 6, 8)
    ]
    assert report.will_cache


# ---- Unknown values -----------------------------------------------------------------------------


def test_unknown_settings_leave_holes_not_findings():
    report = run(model_settings=Unknown("settings()"), tools=[TOOL])
    assert report.codes == []
    assert len(report.unaudited) == 3
    assert not report.will_cache


def test_unknown_model_leaves_the_profile_open():
    report = run(model=Unknown("pick_model()"), model_settings={"bedrock_cache_instructions": True})
    assert report.codes == []
    assert report.unaudited == ["system[1] (instructions cache point (model profile unknown))"]


def test_unknown_prompt_item_is_a_hole():
    report = run(
        prompt=[LONG, Unknown("extra")], model_settings={"bedrock_cache_instructions": True}
    )
    assert report.codes == []
    assert report.unaudited == ["messages[0].content[1] (extra)"]
    assert report.breakpoint_count == 1  # the instructions point is proven by itself
    assert not report.will_cache  # but the unknown item could be a fifth point


def test_unknown_setting_value_is_not_guessed():
    report = run(model_settings={"bedrock_cache_instructions": Unknown("FLAG")})
    assert report.codes == []
    assert report.unaudited == ["system[1] (a bedrock_cache_* setting)"]


# ---- shape ---------------------------------------------------------------------------------------


def test_a_typical_request_is_detected_as_pydantic_ai():
    report = audit(
        {
            "model": MODEL,
            "instructions": LONG,
            "model_settings": {"bedrock_cache_instructions": True},
            "prompt": "hi",
        }
    )
    assert report.backend is Backend.PYDANTIC_AI_BEDROCK
    assert report.backend_detected
    assert report.will_cache


def test_a_non_bedrock_model_is_not_audited():
    report = run(model=Constructed("AnthropicModel", {"model_name": "claude-sonnet-4-5"}))
    assert report.wire is None
    assert report.codes == []
    assert not report.will_cache


def test_an_instruction_function_counts_as_dynamic():
    report = run(
        instructions=[Constructed("get_today", {})],
        model_settings={"bedrock_cache_instructions": True},
    )
    assert report.codes == ["BC105", "BC225"]
    assert report.wire.breakpoints == ()


def test_unknown_instructions_leave_the_instructions_point_open():
    report = run(instructions=Unknown("INSTRUCTIONS"), model_settings=ALL_THREE)
    assert "BC225" not in report.codes
    assert report.unaudited == ["system[1] (where the instructions cache point goes)"]
    assert points(report) == [("messages[0].content[1].cachePoint", None)]


def test_anthropic_blocks_in_history_are_refused_like_in_the_prompt():
    history = [
        {"role": "user", "content": [{"text": LONG, "cache_control": {"type": "ephemeral"}}]},
        {"role": "assistant", "content": "ok"},
    ]
    report = run(message_history=history)
    assert "BC228" in report.codes
    assert finding(report, "BC228").path == "message_history[0].content[0]"
