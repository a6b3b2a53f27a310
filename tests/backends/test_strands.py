"""Strands backend: each behaviour of strands-agents 1.62.0 seen on the wire (wire-b §1)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bedrockcache import Backend, Constructed, Outcome, Severity, Unknown, audit

SONNET_45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "us.amazon.nova-pro-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
LONG = "You are a support agent for Example Corp. Follow the policy below exactly. " * 120
CP = {"cachePoint": {"type": "default"}}
CP_1H = {"cachePoint": {"type": "default", "ttl": "1h"}}
TOOL = {"name": "lookup", "description": "Look up an order.", "inputSchema": {"json": {}}}
BIG_TOOL = {**TOOL, "description": LONG}


def run(**request):
    return audit(request, Backend.STRANDS)


def model(**config):
    return {"model_id": SONNET_45, **config}


def points(report):
    return [(bp.path, bp.ttl) for bp in report.wire.breakpoints]


def errors(report):
    return [f for f in report.findings if f.severity is Severity.ERROR]


def finding(report, code):
    (found,) = [f for f in report.findings if f.code == code]
    return found


# ---- correct ways to cache ----------------------------------------------------------------------


def test_system_prompt_blocks_with_a_cache_point_cache():
    report = run(model=SONNET_45, system_prompt=[{"text": LONG}, CP], prompt="hi")
    assert report.will_cache
    assert report.codes == []
    assert points(report) == [("system[1].cachePoint", None)]
    assert report.wire.operation == "ConverseStream"


def test_system_cache_point_keeps_its_ttl():
    report = run(model=SONNET_45, system_prompt=[{"text": LONG}, CP_1H], prompt="hi")
    assert report.will_cache
    assert points(report) == [("system[1].cachePoint", "1h")]


def test_cache_point_in_the_prompt_passes_through():
    report = run(model=SONNET_45, system_prompt="Be brief.", prompt=[{"text": LONG}, CP])
    assert report.will_cache
    assert report.codes == []
    assert points(report) == [("messages[0].content[1].cachePoint", None)]


def test_auto_strategy_on_a_claude_id_caches_system_and_last_user_message():
    report = run(
        model=model(cache_config={"strategy": "auto"}),
        system_prompt=LONG,
        tools=[TOOL],
        prompt="hi",
    )
    assert report.will_cache
    assert not errors(report)
    # no tools point: tools_ttl is unset (wire-b §1, variant 25)
    assert points(report) == [
        ("system[1].cachePoint", None),
        ("messages[0].content[1].cachePoint", None),
    ]


@pytest.mark.parametrize(
    "cache_config",
    [
        {"strategy": "auto", "tools_ttl": True},
        Constructed("CacheConfig", {"strategy": "auto", "tools_ttl": True}),
        {"__class__": "CacheConfig", "strategy": "auto", "tools_ttl": True},
    ],
    ids=["mapping", "constructed", "json-with-class"],
)
def test_auto_with_tools_ttl_adds_the_tools_point(cache_config):
    report = run(
        model=model(cache_config=cache_config), system_prompt=LONG, tools=[BIG_TOOL], prompt="hi"
    )
    assert report.will_cache
    assert report.codes == []
    assert points(report) == [
        ("toolConfig.tools[1].cachePoint", None),
        ("system[1].cachePoint", None),
        ("messages[0].content[1].cachePoint", None),
    ]


def test_a_real_cache_config_object_is_read_like_the_others():
    @dataclass
    class CacheConfig:
        strategy: str = "auto"
        ttl: str | None = "1h"
        system_prompt_ttl: bool = True
        tools_ttl: bool | None = True

    report = run(
        model=model(cache_config=CacheConfig()), system_prompt=LONG, tools=[BIG_TOOL], prompt="hi"
    )
    assert report.will_cache
    assert [ttl for _, ttl in points(report)] == ["1h", "1h", "1h"]


def test_cache_config_ttl_reaches_every_point():
    report = run(
        model=model(cache_config={"strategy": "auto", "ttl": "1h", "tools_ttl": True}),
        system_prompt=LONG,
        tools=[BIG_TOOL],
        prompt="hi",
    )
    assert report.will_cache
    assert report.codes == []
    assert [ttl for _, ttl in points(report)] == ["1h", "1h", "1h"]


def test_system_prompt_ttl_false_leaves_the_message_point_only():
    report = run(
        model=model(cache_config={"strategy": "auto", "system_prompt_ttl": False}),
        system_prompt=LONG,
        prompt=LONG,
    )
    assert report.will_cache
    assert points(report) == [("messages[0].content[1].cachePoint", None)]


def test_auto_honours_a_hand_placed_system_point_instead_of_doubling_it():
    report = run(
        model=model(cache_config={"strategy": "auto", "ttl": "1h"}),
        system_prompt=[{"text": LONG}, CP, {"text": "Today is Monday."}],
        prompt="hi",
    )
    assert report.will_cache
    assert report.codes == []
    # the hand-placed point takes CacheConfig.ttl, so the TTL order stays non-increasing
    assert points(report) == [
        ("system[1].cachePoint", "1h"),
        ("messages[0].content[1].cachePoint", "1h"),
    ]


def test_anthropic_strategy_caches_behind_an_application_profile_arn():
    report = run(
        model={"model_id": ARN, "cache_config": {"strategy": "anthropic"}},
        system_prompt=LONG,
        prompt="hi",
    )
    assert "BC211" not in report.codes
    assert points(report) == [
        ("system[1].cachePoint", None),
        ("messages[0].content[1].cachePoint", None),
    ]
    assert report.codes == ["BC304"]  # the ARN hides the model: nothing is guessed
    assert not report.will_cache


def test_model_given_as_a_bedrock_model_object():
    class BedrockModel:  # a real BedrockModel keeps its settings in .config
        def __init__(self):
            self.config = {"model_id": SONNET_45, "cache_config": {"strategy": "auto"}}

    report = run(model=BedrockModel(), system_prompt=LONG, prompt="hi")
    assert report.will_cache
    assert len(points(report)) == 2


def test_streaming_false_uses_converse():
    report = run(model=model(streaming=False), system_prompt=[{"text": LONG}, CP], prompt="hi")
    assert report.wire.operation == "Converse"
    assert report.will_cache


# ---- deprecated but working ---------------------------------------------------------------------


def test_cache_prompt_still_caches_with_a_deprecation_advice():
    report = run(model=model(cache_prompt="default"), system_prompt=LONG, prompt="hi")
    assert report.will_cache
    assert report.codes == ["BC214"]
    bc214 = finding(report, "BC214")
    assert (bc214.severity, bc214.outcome) == (Severity.INFO, Outcome.ADVICE)
    assert points(report) == [("system[1].cachePoint", None)]


def test_cache_prompt_without_a_system_prompt_sends_a_lone_cache_point():
    report = run(model=model(cache_prompt="default"), prompt="hi")
    assert points(report) == [("system[0].cachePoint", None)]
    assert report.wire.breakpoints[0].marks is None
    assert set(report.codes) == {"BC214", "BC305"}
    assert not report.will_cache


def test_cache_prompt_type_is_sent_unvalidated():
    report = run(model=model(cache_prompt="ephemeral"), system_prompt=LONG, prompt="hi")
    assert report.wire.breakpoints[0].type == "ephemeral"
    assert set(report.codes) == {"BC214", "BC309"}
    assert not report.will_cache


def test_cache_tools_still_adds_the_tools_point():
    report = run(
        model=model(cache_tools="default"),
        system_prompt=[{"text": LONG}, CP],
        tools=[BIG_TOOL],
        prompt="hi",
    )
    assert report.will_cache
    assert report.codes == ["BC215"]
    assert points(report) == [
        ("toolConfig.tools[1].cachePoint", None),
        ("system[1].cachePoint", None),
    ]


def test_cache_tools_config_carries_its_ttl():
    report = run(
        model=model(cache_tools=Constructed("CacheToolsConfig", {"ttl": "1h"})),
        system_prompt=LONG,
        tools=[BIG_TOOL],
        prompt="hi",
    )
    assert report.will_cache
    assert points(report) == [("toolConfig.tools[1].cachePoint", "1h")]
    assert report.codes == ["BC215"]


def test_old_readme_style_cache_prompt_and_cache_tools():
    report = run(
        model=model(cache_prompt="default", cache_tools="default"),
        system_prompt=LONG,
        tools=[BIG_TOOL],
        prompt="hi",
    )
    assert report.will_cache
    assert set(report.codes) == {"BC214", "BC215"}
    assert [p for p, _ in points(report)] == [
        "toolConfig.tools[1].cachePoint",
        "system[1].cachePoint",
    ]


def test_auto_with_deprecated_cache_tools_gives_three_points():
    report = run(
        model=model(cache_config={"strategy": "auto"}, cache_tools="default"),
        system_prompt=LONG,
        tools=[BIG_TOOL],
        prompt="hi",
    )
    assert report.will_cache
    assert report.codes == ["BC215"]
    assert len(points(report)) == 3


def test_cache_tools_without_tools_caches_nothing():
    report = run(model=model(cache_tools="default"), system_prompt=LONG, prompt="hi")
    assert set(report.codes) == {"BC104", "BC215", "BC216"}
    assert finding(report, "BC216").severity is Severity.INFO  # BC104 carries the error
    assert report.wire.breakpoints == ()
    assert not report.will_cache


# ---- drops and refusals -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        {"model": model(cache_points=["system", "tools"]), "system_prompt": LONG, "prompt": "hi"},
        {"model": model(cache_system_prompt=True), "system_prompt": LONG, "prompt": "hi"},
        {"model": SONNET_45, "cache_points": ["system"], "system_prompt": LONG, "prompt": "hi"},
    ],
    ids=["cache_points", "made-up-name", "top-level"],
)
def test_nonexistent_cache_parameters_cache_nothing(request_):
    report = audit(request_, Backend.STRANDS)
    assert report.codes == ["BC210"]
    assert finding(report, "BC210").outcome is Outcome.DROPPED
    assert report.wire.breakpoints == ()
    assert not report.will_cache


def test_0_1_0_request_with_cache_points_is_reported_not_crashed():
    report = run(
        messages=[{"role": "user", "content": [{"text": LONG}]}], cache_points=[{"segment": "x"}]
    )
    assert set(report.codes) == {"BC210", "BC304"}  # BC304: no model id, said as info
    assert "cache_points" in finding(report, "BC210").message
    assert not report.will_cache


@pytest.mark.parametrize(
    ("model_id", "kind"),
    [(NOVA, NOVA), (ARN, "application inference profile ARN")],
)
def test_auto_strategy_skips_ids_without_claude_or_anthropic(model_id, kind):
    report = run(
        model={"model_id": model_id, "cache_config": {"strategy": "auto"}},
        system_prompt=LONG,
        prompt="hi",
    )
    assert set(report.codes) == {"BC211", "BC304"}
    bc211 = finding(report, "BC211")
    assert (bc211.severity, bc211.outcome) == (Severity.ERROR, Outcome.DROPPED)
    assert kind in bc211.message
    assert 'strategy="anthropic"' in bc211.fix
    assert report.wire.breakpoints == ()


def test_auto_on_claude_3_haiku_injects_points_bedrock_refuses():
    report = run(
        model={"model_id": HAIKU_3, "cache_config": {"strategy": "auto"}},
        system_prompt=LONG,
        prompt="hi",
    )
    assert report.codes == ["BC301"]
    assert len(points(report)) == 2
    assert not report.will_cache


def test_unknown_strategy_adds_nothing():
    report = run(model=model(cache_config={"strategy": "default"}), system_prompt=LONG, prompt="hi")
    assert report.codes == ["BC212"]
    assert report.wire.breakpoints == ()


@pytest.mark.parametrize("value", ["auto", True, ["auto"]])
def test_cache_config_that_is_not_an_object_raises_in_strands(value):
    report = run(model=model(cache_config=value), system_prompt=LONG, prompt="hi")
    assert report.codes == ["BC213"]
    assert finding(report, "BC213").outcome is Outcome.REJECTED
    assert not report.will_cache


@pytest.mark.parametrize(
    "block",
    [
        {"text": LONG, "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}},
    ],
    ids=["converse-text", "anthropic-block"],
)
def test_cache_control_on_a_message_block_is_dropped_silently(block):
    report = run(model=SONNET_45, system_prompt="Be brief.", prompt=[block])
    assert report.codes == ["BC204"]
    bc204 = finding(report, "BC204")
    assert (bc204.outcome, bc204.path) == (Outcome.DROPPED, "prompt[0].cache_control")
    assert report.wire.breakpoints == ()
    assert report.wire.raw["messages"][0]["content"] == [{"text": LONG}]
    assert not report.will_cache


def test_cache_control_on_a_message_is_dropped():
    report = run(
        model=SONNET_45,
        messages=[
            {"role": "user", "content": [{"text": LONG}], "cache_control": {"type": "ephemeral"}}
        ],
    )
    assert report.codes == ["BC204"]
    assert finding(report, "BC204").path == "messages[0].cache_control"


def test_a_block_of_only_cache_control_is_a_type_error():
    report = run(model=SONNET_45, prompt=[{"text": LONG}, {"cache_control": {"type": "ephemeral"}}])
    assert report.codes == ["BC204"]
    assert finding(report, "BC204").outcome is Outcome.REJECTED


@pytest.mark.parametrize(
    "system_prompt",
    [
        [{"text": LONG, "cache_control": {"type": "ephemeral"}}],
        [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
        [{"text": LONG}, {"cache_control": {"type": "ephemeral"}}],
    ],
    ids=["same-block", "anthropic-block", "separate-marker"],
)
def test_cache_control_in_system_prompt_is_refused_by_botocore(system_prompt):
    report = run(model=SONNET_45, system_prompt=system_prompt, prompt="hi")
    assert report.codes == ["BC204"]  # one finding, not BC204 and BC312 for the same key
    bc204 = finding(report, "BC204")
    assert (bc204.severity, bc204.outcome) == (Severity.ERROR, Outcome.REJECTED)
    assert bc204.path.startswith("system_prompt[")
    assert not report.will_cache


def test_manual_points_accumulate_past_four_without_cache_config():
    history = []
    for i in range(4):
        history += [
            {"role": "user", "content": [{"text": f"turn {i} " + LONG}, CP]},
            {"role": "assistant", "content": [{"text": "ok"}]},
        ]
    report = run(model=SONNET_45, messages=history, prompt=[{"text": "turn 4"}, CP])
    assert report.codes == ["BC306"]
    assert [p for p, _ in points(report)] == [
        f"messages[{i}].content[1].cachePoint" for i in (0, 2, 4, 6, 8)
    ]


def test_auto_mode_keeps_one_moving_message_point():
    history = [
        {"role": "user", "content": [{"text": "turn 0 " + LONG}]},
        {"role": "assistant", "content": [{"text": "a0"}]},
        {"role": "user", "content": [{"text": "turn 1"}]},
        {"role": "assistant", "content": [{"text": "a1"}]},
    ]
    report = run(
        model=model(cache_config={"strategy": "auto"}),
        system_prompt=LONG,
        messages=history,
        prompt="turn 2",
    )
    assert report.will_cache
    assert report.codes == []
    assert points(report) == [
        ("system[1].cachePoint", None),
        ("messages[4].content[1].cachePoint", None),
    ]


def test_auto_mode_strips_earlier_manual_points_and_honours_the_last_one():
    history = [
        {"role": "user", "content": [{"text": LONG}, CP]},
        {"role": "assistant", "content": [{"text": "a0"}]},
    ]
    report = run(
        model=model(cache_config={"strategy": "auto"}),
        system_prompt=LONG,
        messages=history,
        prompt=[{"text": "question"}, CP_1H, {"text": "per-call tail"}],
    )
    assert report.will_cache
    assert report.codes == ["BC217"]
    assert finding(report, "BC217").severity is Severity.INFO
    # honoured where it stands (1.52+), with the configured TTL (none) instead of the caller's
    assert points(report) == [
        ("system[1].cachePoint", None),
        ("messages[2].content[1].cachePoint", None),
    ]


def test_additional_request_fields_cache_control_is_no_cache_point():
    report = run(
        model=model(additional_request_fields={"cache_control": {"type": "ephemeral"}}),
        system_prompt=LONG,
        prompt="hi",
    )
    assert report.wire.raw["additionalModelRequestFields"] == {
        "cache_control": {"type": "ephemeral"}
    }
    assert report.codes == ["BC314"]
    assert report.wire.breakpoints == ()


def test_no_cache_setting_at_all_is_bc104():
    report = run(model=SONNET_45, system_prompt=LONG, prompt="hi")
    assert report.codes == ["BC104"]
    assert not report.will_cache


def test_cache_point_lookalike_text_in_a_string_system_prompt_is_just_text():
    report = run(
        model=SONNET_45, system_prompt=LONG + ' {"cachePoint": {"type": "default"}}', prompt="hi"
    )
    assert report.codes == ["BC104"]


# ---- Unknown values -----------------------------------------------------------------------------


def test_unknown_system_prompt_is_a_hole_not_a_finding():
    report = run(model=SONNET_45, system_prompt=Unknown("load_prompt()"), prompt="hi")
    assert report.codes == []
    assert report.unaudited == ["system (load_prompt())"]
    assert not report.will_cache


def test_unknown_model_leaves_holes_where_its_settings_could_add_points():
    report = run(model=Unknown("make_model()"), system_prompt=LONG, prompt="hi")
    assert report.codes == []
    assert report.unaudited == [
        "system[1] (make_model() (cache settings))",
        "messages[0].content[1] (make_model())",
    ]


def test_unknown_cache_config_field_is_not_guessed():
    report = run(
        model=model(cache_config={"strategy": Unknown("STRATEGY")}), system_prompt=LONG, prompt="hi"
    )
    assert report.codes == []
    assert [u.split(" ")[0] for u in report.unaudited] == ["system[1]", "messages[0].content[1]"]


def test_auto_with_the_default_model_is_left_unaudited():
    report = run(cache_config={"strategy": "auto"}, system_prompt=LONG, prompt="hi")
    assert "BC211" not in report.codes
    assert report.wire.model_id is None
    assert report.unaudited
    assert not report.will_cache


def test_unknown_ttl_is_carried_without_a_finding():
    report = run(
        model=model(cache_config={"strategy": "auto", "ttl": Unknown("TTL")}),
        system_prompt=LONG,
        prompt="hi",
    )
    assert report.codes == []
    assert [ttl for _, ttl in points(report)] == [Unknown("TTL"), Unknown("TTL")]


# ---- shape ---------------------------------------------------------------------------------------


def test_a_typical_request_is_detected_as_strands():
    report = audit({"model": SONNET_45, "system_prompt": [{"text": LONG}, CP], "prompt": "hi"})
    assert report.backend is Backend.STRANDS
    assert report.backend_detected
    assert report.will_cache


def test_a_non_bedrock_strands_model_is_not_audited():
    report = run(model=Constructed("AnthropicModel", {"model_id": "claude"}), prompt="hi")
    assert report.wire is None
    assert report.codes == []
    assert not report.will_cache
