"""LiteLLM backend: each behaviour of research/wire-a.md §3, through ``audit(..., LITELLM)``."""

from __future__ import annotations

from typing import Any

import pytest

from bedrockcache import Backend, Outcome, Severity, Unknown, audit
from bedrockcache.backends import litellm as backend
from bedrockcache.backends import translator
from bedrockcache.rules.litellm import RULES

S45 = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
S37 = "us.anthropic.claude-3-7-sonnet-20250219-v1:0"
S35V1 = "anthropic.claude-3-5-sonnet-20240620-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
UNMAPPED = "anthropic.claude-imaginary-9-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
LONG = "You are a support agent for Example Corp. Follow the policy below exactly. " * 120
EPH = {"type": "ephemeral"}
EPH_1H = {"type": "ephemeral", "ttl": "1h"}
U = {"role": "user", "content": "hi"}
PARAMS = {"type": "object", "properties": {"city": {"type": "string"}}}
TOOL = {
    "type": "function",
    "function": {"name": "lookup", "description": LONG, "parameters": PARAMS},
}
CALL = {"id": "t1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
ROUTES = ("bedrock/", "bedrock/converse/", "bedrock/invoke/")


def run(model: str = "bedrock/" + S45, messages: Any = None, **kwargs: Any):
    request = {"model": model, "messages": [sys_block(EPH), U] if messages is None else messages}
    request.update(kwargs)
    return audit(request, Backend.LITELLM)


def sys_block(cc: Any, text: str = LONG) -> dict[str, Any]:
    return {"role": "system", "content": [{"type": "text", "text": text, "cache_control": cc}]}


def paths(report) -> list[str]:
    return [bp.path for bp in report.wire.breakpoints]


def ttls(report) -> list[object]:
    return [bp.ttl for bp in report.wire.breakpoints]


def errors(report) -> list[str]:
    return [f.code for f in report.findings if f.severity is Severity.ERROR]


def finding(report, code: str):
    [found] = [f for f in report.findings if f.code == code]
    return found


# ---- the correct ways to cache: will_cache True, no error ---------------------------------------


CORRECT = {
    "system string, message cache_control": [
        {"role": "system", "content": LONG, "cache_control": EPH},
        U,
    ],
    "system list, block cache_control": [sys_block(EPH), U],
    "user list, block cache_control": [
        {"role": "user", "content": [{"type": "text", "text": LONG, "cache_control": EPH}]}
    ],
    "user string, message cache_control": [{"role": "user", "content": LONG, "cache_control": EPH}],
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_setups_cache_on_every_route(route: str, name: str) -> None:
    report = run(route + S45, CORRECT[name])
    assert report.will_cache
    assert report.codes == []
    assert len(report.wire.breakpoints) == 1


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (
            {"cache_control_injection_points": [{"location": "message", "role": "system"}]},
            ["system[1].cachePoint"],
        ),
        (
            {"cache_control_injection_points": [{"location": "message", "index": -1}]},
            ["messages[0].content[1].cachePoint"],
        ),
        (
            {"cache_control_injection_points": [{"location": "message", "index": "0"}]},
            ["system[1].cachePoint"],
        ),
    ],
)
def test_injection_points_are_translated(kwargs: dict[str, Any], expected: list[str]) -> None:
    long_user = {"role": "user", "content": LONG}
    report = run(messages=[{"role": "system", "content": LONG}, long_user], **kwargs)
    assert report.will_cache
    assert report.codes == []
    assert paths(report) == expected


@pytest.mark.parametrize(
    "route, expected",
    [("bedrock/", "toolConfig.tools[1].cachePoint"), ("bedrock/invoke/", "tools[0].cache_control")],
)
def test_injection_tool_config_marks_the_tools(route: str, expected: str) -> None:
    report = run(
        route + S45,
        [U],
        tools=[TOOL],
        cache_control_injection_points=[{"location": "tool_config"}],
    )
    assert report.will_cache
    assert paths(report) == [expected]


@pytest.mark.parametrize(
    "tool",
    [
        {**TOOL, "cache_control": EPH},
        {"name": "lookup", "description": LONG, "input_schema": PARAMS, "cache_control": EPH},
    ],
    ids=["openai-top-level", "anthropic-format"],
)
def test_tool_cache_control_becomes_a_tool_cache_point(tool: dict[str, Any]) -> None:
    report = run(messages=[U], tools=[tool])
    assert report.will_cache
    assert report.codes == []
    assert paths(report) == ["toolConfig.tools[1].cachePoint"]


def test_one_hour_ttl_is_kept_when_litellm_prices_it() -> None:
    report = run(messages=[sys_block(EPH_1H), U])
    assert report.will_cache
    assert report.codes == []
    assert ttls(report) == ["1h"]


def test_invoke_route_adds_anthropic_version_and_keeps_marks_verbatim() -> None:
    report = run("bedrock/invoke/" + S45, [sys_block(EPH_1H), U])
    assert report.wire.dialect == "anthropic"
    assert report.wire.raw["anthropic_version"] == "bedrock-2023-05-31"
    assert report.wire.raw["system"][0]["cache_control"] == EPH_1H
    assert report.will_cache
    assert report.codes == []


@pytest.mark.parametrize(
    "stream, converse_op, invoke_op",
    [(True, "ConverseStream", "InvokeModelWithResponseStream"), (False, "Converse", "InvokeModel")],
)
def test_streaming_sends_the_same_body(stream: bool, converse_op: str, invoke_op: str) -> None:
    converse = run(stream=stream)
    invoke = run("bedrock/invoke/" + S45, stream=stream)
    assert (converse.wire.operation, invoke.wire.operation) == (converse_op, invoke_op)
    assert paths(converse) == ["system[1].cachePoint"]
    assert paths(invoke) == ["system[0].cache_control"]


# ---- route choice -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model, dialect",
    [
        ("bedrock/" + S45, "converse"),
        ("bedrock/global." + S45.split(".", 1)[1], "converse"),
        ("bedrock/" + HAIKU3, "converse"),
        ("bedrock/" + UNMAPPED, "anthropic"),  # a Claude id missing from LiteLLM's list
        ("bedrock/converse/" + UNMAPPED, "converse"),
        ("bedrock/invoke/" + S45, "anthropic"),
        ("bedrock/" + ARN, "converse"),
    ],
)
def test_route_choice(model: str, dialect: str) -> None:
    report = run(model)
    assert report.wire.dialect == dialect


@pytest.mark.parametrize("route", ["bedrock/", "bedrock/converse/", "bedrock/invoke/"])
def test_model_id_replaces_the_target_and_the_model_decides(route: str) -> None:
    report = run(route + S45, [sys_block(EPH_1H), U], model_id=ARN)
    if report.wire.dialect == "converse":
        assert report.wire.raw["modelId"] == ARN  # the request still goes to the ARN
    assert report.wire.model_id == S45  # the model rules use the model the call names
    assert ttls(report) == ["1h"]
    assert report.codes == []
    assert report.will_cache


@pytest.mark.parametrize("route", ["bedrock/", "bedrock/converse/"])
def test_base_model_keeps_the_ttl_for_an_application_profile_arn(route: str) -> None:
    base = "anthropic.claude-sonnet-4-5-20250929-v1:0"
    report = run(route + ARN, [sys_block(EPH_1H), U], base_model=base)
    assert report.wire.raw["modelId"] == ARN
    assert report.wire.model_id == base
    assert ttls(report) == ["1h"]
    assert report.codes == []
    assert report.will_cache


# ---- Converse translation: where the cachePoint lands -------------------------------------------

VARIANTS = {
    "asst_str": (
        [
            U,
            {"role": "assistant", "content": "prev", "cache_control": EPH},
            {"role": "user", "content": "again"},
        ],
        "messages[1].content[1].cachePoint",
        "messages[1].content[0].cache_control",
    ),
    "asst_list_block": (
        [
            U,
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "prev", "cache_control": EPH}],
            },
            {"role": "user", "content": "again"},
        ],
        "messages[1].content[1].cachePoint",
        "messages[1].content[0].cache_control",
    ),
    "tool_message": (
        [
            U,
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "t1", "content": "sunny", "cache_control": EPH},
        ],
        "messages[2].content[1].cachePoint",
        "messages[2].content[0].cache_control",
    ),
    "assistant_text_before_tool_use": (
        [
            U,
            {"role": "assistant", "content": "calling", "cache_control": EPH, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
        ],
        "messages[1].content[1].cachePoint",
        "messages[1].content[0].cache_control",
    ),
    "image_block": (
        [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image_url",
                        "image_url": {"url": "data:image/png;base64,AA=="},
                        "cache_control": EPH,
                    },
                    {"type": "text", "text": "what?"},
                ],
            }
        ],
        "messages[0].content[1].cachePoint",
        "messages[0].content[0].cache_control",
    ),
    "two_leading_system_messages": (
        [{"role": "system", "content": "sys A", "cache_control": EPH}, sys_block(EPH, "sys B"), U],
        "system[1].cachePoint system[3].cachePoint",
        "system[0].cache_control system[1].cache_control",
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_where_each_mark_lands(name: str) -> None:
    messages, converse, invoke = VARIANTS[name]
    tools = [TOOL]
    assert " ".join(paths(run("bedrock/" + S45, messages, tools=tools))) == converse
    assert " ".join(paths(run("bedrock/invoke/" + S45, messages, tools=tools))) == invoke


def test_a_later_system_message_becomes_a_user_turn() -> None:
    messages = [
        U,
        {"role": "assistant", "content": "ok"},
        sys_block(EPH),
        {"role": "user", "content": "again"},
    ]
    report = run(messages=messages)
    [bp] = report.wire.breakpoints
    assert bp.section == "messages"
    # LiteLLM opens the converted turn with an operator note block, so the mark is one further
    # on than the system text (conformance: litellm converse-mid-conversation-system-message).
    assert bp.path == "messages[2].content[2].cachePoint"
    assert report.wire.raw["messages"][2]["role"] == "user"
    invoke = run("bedrock/invoke/" + S45, messages=messages)
    assert paths(invoke) == ["messages[2].content[1].cache_control"]


def test_a_later_system_message_mark_is_rebuilt_on_invoke() -> None:
    """``_cache_control`` in mid_conversation_system.py: type must be "ephemeral", ttl 5m/1h."""
    first = [{"role": "user", "content": LONG}, {"role": "assistant", "content": "ok"}]
    persistent = run("bedrock/invoke/" + S45, messages=[*first, sys_block({"type": "persistent"})])
    assert paths(persistent) == []
    assert "BC309" not in errors(persistent)
    two_hours = run("bedrock/invoke/" + S45, messages=[*first, sys_block({**EPH, "ttl": "2h"})])
    assert ttls(two_hours) == [None]


def test_a_system_message_before_a_tool_result_moves_behind_it() -> None:
    messages = [
        {"role": "user", "content": LONG},
        {"role": "assistant", "content": None, "tool_calls": [CALL]},
        sys_block(EPH, "be brief"),
        {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
    ]
    assert paths(run(messages=messages, tools=[TOOL])) == ["messages[2].content[3].cachePoint"]
    invoke = run("bedrock/invoke/" + S45, messages=messages, tools=[TOOL])
    assert paths(invoke) == ["messages[2].content[2].cache_control"]


def test_an_unmapped_id_naming_no_invoke_provider_goes_to_converse() -> None:
    assert run("bedrock/claude-imaginary-9-v1:0").wire.operation == "Converse"
    assert run("bedrock/" + UNMAPPED).wire.operation == "InvokeModel"


def _turns(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for k in range(n):
        out += [{"role": "user", "content": LONG if k == 0 else f"q{k}"}]
        out += [{"role": "assistant", "content": f"a{k}"}] if k < n - 1 else []
    return out


def test_injection_cap_counts_tool_marks_and_top_level_cache_control() -> None:
    points = [{"location": "message", "role": "user"}]
    plain = run(messages=_turns(5), cache_control_injection_points=points)
    assert len(paths(plain)) == 4
    tool = run(
        messages=_turns(5),
        tools=[{**TOOL, "cache_control": EPH}],
        cache_control_injection_points=points,
    )
    assert len(paths(tool)) == 4 and paths(tool)[0].startswith("toolConfig")
    top = run(messages=_turns(5), cache_control=EPH, cache_control_injection_points=points)
    assert len(paths(top)) == 3


def test_tool_config_point_is_dropped_when_the_request_is_full() -> None:
    marked = {"role": "user", "content": [{"type": "text", "text": LONG, "cache_control": EPH}] * 4}
    report = run(
        messages=[marked],
        tools=[TOOL],
        cache_control_injection_points=[{"location": "tool_config"}],
    )
    assert len(paths(report)) == 4 and not paths(report)[0].startswith("toolConfig")
    assert finding(report, "BC208").path == "cache_control_injection_points[0]"


def test_enable_prompt_caching_marks_system_and_last_message() -> None:
    messages = [{"role": "system", "content": LONG}, U]
    report = run(messages=messages, enable_prompt_caching=True)
    assert paths(report) == ["system[1].cachePoint", "messages[0].content[1].cachePoint"]
    assert "BC103" not in errors(report)
    assert errors(run(messages=messages)) == ["BC103"]
    own = run(messages=messages, tools=[{**TOOL, "cache_control": EPH}], enable_prompt_caching=True)
    assert paths(own) == ["toolConfig.tools[1].cachePoint"]
    unknown = run(messages=messages, enable_prompt_caching=Unknown("flag"))
    assert "BC103" not in errors(unknown)


def test_tool_calls_need_the_tool_results_merged_into_one_user_turn() -> None:
    messages = [
        U,
        {"role": "assistant", "content": None, "tool_calls": [CALL, {**CALL, "id": "t2"}]},
        {"role": "tool", "tool_call_id": "t1", "content": "a"},
        {"role": "tool", "tool_call_id": "t2", "content": "b", "cache_control": EPH},
    ]
    report = run(messages=messages, tools=[TOOL])
    assert [m["role"] for m in report.wire.raw["messages"]] == ["user", "assistant", "user"]
    assert paths(report) == ["messages[2].content[2].cachePoint"]


# ---- silent drops -------------------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("role", ["system", "user", "assistant"])
def test_message_level_cache_control_on_list_content_is_dropped_everywhere(
    route: str, role: str
) -> None:
    marked = {"role": role, "content": [{"type": "text", "text": LONG}], "cache_control": EPH}
    messages = [marked, U] if role != "assistant" else [U, marked, {"role": "user", "content": "x"}]
    report = run(route + S45, messages)
    assert set(report.codes) == {"BC201"}
    assert report.wire.breakpoints == ()
    assert not report.will_cache
    assert finding(report, "BC201").outcome is Outcome.DROPPED


def test_message_level_mark_is_kept_when_the_last_block_carries_one() -> None:
    both = {
        "role": "system",
        "content": [{"type": "text", "text": LONG, "cache_control": EPH}],
        "cache_control": EPH,
    }
    report = run(messages=[both, U])
    assert report.codes == []
    assert report.will_cache


def test_message_level_mark_on_a_tool_call_only_assistant_message_is_dropped() -> None:
    messages = [
        {"role": "system", "content": LONG},
        U,
        {"role": "assistant", "content": None, "cache_control": EPH, "tool_calls": [CALL]},
        {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
    ]
    report = run(messages=messages, tools=[TOOL])
    assert set(report.codes) == {"BC201"}
    assert finding(report, "BC201").path == "messages[2].cache_control"


def test_cache_control_inside_tool_function_is_dropped_on_converse() -> None:
    tool = {"type": "function", "function": {**TOOL["function"], "cache_control": EPH}}
    report = run(messages=[U], tools=[tool])
    assert set(report.codes) == {"BC202"}
    assert finding(report, "BC202").path == "tools[0].function.cache_control"
    assert finding(report, "BC202").severity is Severity.ERROR
    assert not report.will_cache


def test_cache_control_inside_tool_function_is_hoisted_on_invoke() -> None:
    tool = {"type": "function", "function": {**TOOL["function"], "cache_control": EPH}}
    report = run("bedrock/invoke/" + S45, [U], tools=[tool])
    assert paths(report) == ["tools[0].cache_control"]
    assert report.will_cache
    assert set(report.codes) == {"BC202"}
    assert finding(report, "BC202").severity is Severity.INFO


@pytest.mark.parametrize("route", ["bedrock/", "bedrock/converse/"])
def test_model_map_without_prompt_caching_drops_every_cache_point(route: str) -> None:
    report = run(route + S35V1, [sys_block(EPH), U], tools=[{**TOOL, "cache_control": EPH}])
    assert set(report.codes) == {"BC203", "BC301"}
    assert finding(report, "BC203").outcome is Outcome.DROPPED
    assert "2 cache directive" in finding(report, "BC203").message
    assert report.wire.breakpoints == ()


def test_model_map_gate_does_not_apply_on_invoke() -> None:
    report = run("bedrock/invoke/" + S35V1)
    assert paths(report) == ["system[0].cache_control"]
    assert "BC203" not in report.codes
    assert "BC301" in errors(report)  # Bedrock itself refuses the mark on this model


def test_model_info_overrides_the_map() -> None:
    off = run(model_info={"supports_prompt_caching": False})
    on = run("bedrock/" + S35V1, model_info={"supports_prompt_caching": True})
    assert set(off.codes) == {"BC203"}
    assert off.wire.breakpoints == ()
    assert paths(on) == ["system[1].cachePoint"]
    assert "BC203" not in on.codes


@pytest.mark.parametrize(
    "model",
    [
        "bedrock/" + S37,
        "bedrock/converse/eu.anthropic.claude-sonnet-4-20250514-v1:0",
        "bedrock/anthropic.claude-opus-4-1-20250805-v1:0",
        "bedrock/converse/" + UNMAPPED,
        "bedrock/" + ARN,
    ],
)
def test_one_hour_ttl_is_removed_without_a_one_hour_price(model: str) -> None:
    report = run(model, [sys_block(EPH_1H), U])
    bc205 = finding(report, "BC205")
    assert (bc205.severity, bc205.outcome) == (Severity.WARNING, Outcome.DEGRADED)
    assert bc205.path == "messages[0].content[0].cache_control.ttl"
    assert ttls(report) == [None]
    assert "BC308" not in report.codes  # LiteLLM removed what Bedrock would refuse


def test_five_minute_ttl_removal_is_not_reported() -> None:
    report = run("bedrock/" + S37, [sys_block({"type": "ephemeral", "ttl": "5m"}), U])
    assert report.codes == []
    assert ttls(report) == [None]
    assert report.will_cache


def test_invoke_sends_the_one_hour_ttl_and_bedrock_refuses_it() -> None:
    report = run("bedrock/invoke/" + S37, [sys_block(EPH_1H), U])
    assert ttls(report) == ["1h"]
    assert set(report.codes) == {"BC308"}


def test_invalid_ttl_is_removed_on_converse_and_sent_on_invoke() -> None:
    cc = {"type": "ephemeral", "ttl": "2h"}
    converse = run(messages=[sys_block(cc), U])
    invoke = run("bedrock/invoke/" + S45, [sys_block(cc), U])
    assert set(converse.codes) == {"BC205"}
    assert finding(converse, "BC205").severity is Severity.INFO
    assert converse.will_cache
    assert set(invoke.codes) == {"BC310"}


@pytest.mark.parametrize("kind", ["default", "persistent"])
def test_tool_mark_without_ephemeral_type_is_dropped_on_converse(kind: str) -> None:
    report = run(messages=[U], tools=[{**TOOL, "cache_control": {"type": kind}}])
    assert set(report.codes) == {"BC206"}
    assert report.wire.breakpoints == ()
    assert not report.will_cache


def test_tool_mark_type_is_sent_verbatim_on_invoke() -> None:
    report = run(
        "bedrock/invoke/" + S45, [U], tools=[{**TOOL, "cache_control": {"type": "persistent"}}]
    )
    assert set(report.codes) == {"BC309"}


@pytest.mark.parametrize(
    "cc, invoke_code",
    [({"type": "persistent"}, {"BC309"}), ({"type": "ephemeral", "scope": "global"}, set())],
)
def test_message_marks_are_rewritten_on_converse(cc: dict[str, Any], invoke_code: set[str]) -> None:
    converse = run(messages=[sys_block(cc), U])
    invoke = run("bedrock/invoke/" + S45, [sys_block(cc), U])
    assert set(converse.codes) == {"BC207"}
    assert finding(converse, "BC207").severity is Severity.INFO
    assert converse.wire.breakpoints[0].type == "default"
    assert converse.will_cache
    assert set(invoke.codes) == invoke_code
    assert invoke.wire.raw["system"][0]["cache_control"] == cc


@pytest.mark.parametrize(
    "route, path",
    [
        ("bedrock/", "additionalModelRequestFields.cache_control"),
        ("bedrock/invoke/", "cache_control"),
    ],
)
def test_top_level_cache_control_is_no_breakpoint(route: str, path: str) -> None:
    report = run(route + S45, [{"role": "system", "content": LONG}, U], cache_control=EPH)
    assert report.wire.top_level_cache_control
    assert report.wire.breakpoints == ()
    assert set(report.codes) == {"BC314"}
    assert finding(report, "BC314").path == path


@pytest.mark.parametrize(
    "kwargs",
    [
        {"extra_headers": {"anthropic-beta": "extended-cache-ttl-2025-04-11"}},
        {"anthropic_beta": ["extended-cache-ttl-2025-04-11"]},
    ],
)
def test_betas_reach_the_request_body(kwargs: dict[str, Any]) -> None:
    converse = run(**kwargs)
    invoke = run("bedrock/invoke/" + S45, **kwargs)
    expected = ["extended-cache-ttl-2025-04-11"]
    assert converse.wire.raw["additionalModelRequestFields"]["anthropic_beta"] == expected
    assert invoke.wire.raw["anthropic_beta"] == expected
    assert set(converse.codes) == set(invoke.codes) == {"BC313"}


# ---- LiteLLM's own 4-mark caps ------------------------------------------------------------------

SIX_MARKS = [
    {
        "role": "system",
        "content": [
            {"type": "text", "text": LONG, "cache_control": EPH},
            {"type": "text", "text": "s2", "cache_control": EPH},
        ],
    },
    {"role": "user", "content": [{"type": "text", "text": t, "cache_control": EPH} for t in "abc"]},
]


@pytest.mark.parametrize("route", ["bedrock/", "bedrock/invoke/"])
def test_drop_params_cuts_the_oldest_marks_first(route: str) -> None:
    report = run(route + S45, SIX_MARKS, tools=[{**TOOL, "cache_control": EPH}], drop_params=True)
    assert report.codes.count("BC208") == 2
    assert [f.path for f in report.findings if f.code == "BC208"] == [
        "messages[0].content[0].cache_control",
        "messages[0].content[1].cache_control",
    ]
    assert len(report.wire.breakpoints) == 4
    assert all(bp.section != "system" for bp in report.wire.breakpoints)
    assert "BC306" not in report.codes
    assert report.will_cache


def test_without_drop_params_every_mark_is_sent() -> None:
    report = run(messages=SIX_MARKS, tools=[{**TOOL, "cache_control": EPH}])
    assert len(report.wire.breakpoints) == 6
    assert "BC306" in report.codes
    assert "BC208" not in report.codes
    assert not report.will_cache


def test_role_injection_stops_at_the_oldest_four_messages() -> None:
    turns = [
        m
        for k in range(6)
        for m in (
            {"role": "user", "content": f"q{k} " + LONG},
            {"role": "assistant", "content": "a"},
        )
    ]
    report = run(
        messages=[{"role": "system", "content": LONG}, *turns],
        cache_control_injection_points=[{"location": "message", "role": "user"}],
    )
    assert paths(report) == [f"messages[{i}].content[1].cachePoint" for i in (0, 2, 4, 6)]
    assert set(report.codes) == {"BC208"}
    assert "messages[9]" in finding(report, "BC208").message
    assert report.will_cache


def test_injection_leaves_a_message_the_client_marked() -> None:
    messages = [{"role": "system", "content": LONG, "cache_control": EPH_1H}, U]
    report = run(
        messages=messages,
        cache_control_injection_points=[{"location": "message", "role": "system"}],
    )
    assert ttls(report) == ["1h"]


def test_prompt_cache_breakpoint_becomes_a_mark() -> None:
    block = {"type": "text", "text": LONG, "prompt_cache_breakpoint": {"mode": "explicit"}}
    report = run(messages=[{"role": "user", "content": [block]}])
    assert paths(report) == ["messages[0].content[1].cachePoint"]
    assert report.will_cache


def test_more_than_four_prompt_cache_breakpoints() -> None:
    content = [
        {"type": "text", "text": t, "prompt_cache_breakpoint": {"mode": "explicit"}}
        for t in "abcde"
    ]
    refused = run(messages=[{"role": "user", "content": content}])
    capped = run(messages=[{"role": "user", "content": content}], drop_params=True)
    assert refused.wire is None
    assert set(refused.codes) == {"BC209"}
    assert not refused.will_cache
    assert paths(capped) == [f"messages[0].content[{i}].cachePoint" for i in (1, 3, 6, 8)]
    assert set(capped.codes) == {"BC208", "BC305"}


def test_invoke_route_refuses_an_application_profile_arn() -> None:
    report = run("bedrock/invoke/" + ARN)
    assert report.wire is None
    assert set(report.codes) == {"BC209"}
    assert finding(report, "BC209").outcome is Outcome.REJECTED
    assert not report.will_cache


def test_invoke_route_with_model_id_arn_is_sent() -> None:
    report = run("bedrock/invoke/" + S45, [sys_block(EPH_1H), U], model_id=ARN)
    assert report.wire is not None
    assert ttls(report) == ["1h"]
    assert "BC209" not in report.codes
    assert report.will_cache


# ---- nothing reaches Bedrock --------------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES)
def test_no_cache_directive(route: str) -> None:
    report = run(route + S45, [{"role": "system", "content": LONG}, U])
    assert report.codes == ["BC103"]
    assert not report.will_cache


def test_readme_example_does_not_cache() -> None:
    report = audit(
        {
            "model": "bedrock/anthropic.claude-sonnet-4-5-v1:0",
            "messages": [{"role": "user", "content": "hi"}],
        },
        Backend.LITELLM,
    )
    assert report.will_cache is False
    assert report.errors
    assert "BC303" in report.codes


# ---- Unknown: no guessing, a hole instead -------------------------------------------------------

UNKNOWN_CASES = {
    "model": ({"model": Unknown("model")}, set()),
    "messages": ({"messages": Unknown("messages")}, set()),
    "message cache_control": (
        {"messages": [{"role": "system", "content": LONG, "cache_control": Unknown("cc")}, U]},
        set(),
    ),
    "invoke cache_control": (
        {
            "model": "bedrock/invoke/" + S45,
            "messages": [{"role": "system", "content": LONG, "cache_control": Unknown("cc")}, U],
        },
        set(),
    ),
    "model_info": ({"model_info": Unknown("model_info")}, set()),
    "tool type": (
        {"messages": [U], "tools": [{**TOOL, "cache_control": {"type": Unknown("t")}}]},
        set(),
    ),
    "tools": ({"messages": [U], "tools": Unknown("tools")}, set()),
    "injection points": (
        {
            "messages": [{"role": "system", "content": LONG}, U],
            "cache_control_injection_points": Unknown("p"),
        },
        set(),
    ),
    "injection over unknown messages": (
        {
            "messages": [{"role": "system", "content": LONG}, Unknown("m")],
            "cache_control_injection_points": [{"location": "message", "role": "system"}],
        },
        set(),
    ),
    "drop_params over the cap": ({"messages": SIX_MARKS, "drop_params": Unknown("dp")}, set()),
    "base_model behind an ARN": (
        {"model": "bedrock/" + ARN, "messages": [sys_block(EPH_1H), U], "base_model": Unknown("b")},
        set(),
    ),
    "old model whose map entry was not seen": (
        {"model": "bedrock/anthropic.claude-3-sonnet-20240229-v1:0"},
        {"BC301"},
    ),
    "content of a list-marked message": (
        {"messages": [{"role": "system", "content": Unknown("c"), "cache_control": EPH}, U]},
        set(),
    ),
}


@pytest.mark.parametrize("name", sorted(UNKNOWN_CASES))
def test_unknown_values_leave_a_hole_and_no_guess(name: str) -> None:
    overrides, codes = UNKNOWN_CASES[name]
    request = {"model": "bedrock/" + S45, "messages": [sys_block(EPH), U], **overrides}
    report = audit(request, Backend.LITELLM)
    assert set(report.codes) == codes
    assert report.wire.holes
    assert report.unaudited
    assert not report.will_cache


def test_unknown_ttl_is_kept_unknown_only_where_litellm_keeps_ttls() -> None:
    cc = {"type": "ephemeral", "ttl": Unknown("ttl")}
    kept = run(messages=[sys_block(cc), U])
    removed = run("bedrock/" + S37, [sys_block(cc), U])
    assert isinstance(kept.wire.breakpoints[0].ttl, Unknown)
    assert removed.wire.breakpoints[0].ttl is None
    assert kept.codes == removed.codes == []


def test_unknown_top_level_cache_control_is_a_hole() -> None:
    report = run(cache_control=Unknown("cc"))
    assert not report.wire.top_level_cache_control
    assert "BC314" not in report.codes
    assert report.unaudited


# ---- detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_",
    [
        {"model": "bedrock/" + S45, "messages": [U]},
        {"model": "bedrock/invoke/" + S45, "messages": [U], "max_tokens": 100},
        {"model": S45, "messages": [U], "custom_llm_provider": "bedrock"},
    ],
)
def test_detection_picks_litellm(request_: dict[str, Any]) -> None:
    report = audit(request_)
    assert report.backend is Backend.LITELLM
    assert report.backend_detected


@pytest.mark.parametrize(
    "request_",
    [
        {"modelId": S45, "messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": [U]},
        {"modelId": S45, "body": {"messages": [U]}},
        {"model": S45, "max_tokens": 100, "messages": [U]},  # AnthropicBedrock
    ],
)
def test_detection_leaves_other_shapes_alone(request_: dict[str, Any]) -> None:
    assert not backend.looks_like(request_, Backend.LITELLM)
    assert translator(Backend.LITELLM) is backend


# ---- the catalogue's own examples ---------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_examples(rule) -> None:
    assert rule.layer == "litellm"
    assert rule.bad and rule.good
    for example in rule.bad:
        assert rule.code in audit(example.request, example.backend).codes
    for example in rule.good:
        report = audit(example.request, example.backend)
        assert rule.code not in report.codes
        assert report.will_cache
        assert errors(report) == []
