"""Bedrock's own rules (BC3xx) on real Converse kwargs and InvokeModel bodies."""

import pytest

from bedrockcache import Backend, Severity, audit
from conftest import CP, HAIKU_45, LONG, SONNET_45

CC = {"type": "ephemeral"}


def converse(model=SONNET_45, system=None, messages=None, **extra):
    request = {
        "modelId": model,
        "system": system if system is not None else [{"text": LONG}, CP],
        "messages": messages or [{"role": "user", "content": [{"text": "hi"}]}],
    }
    request.update(extra)
    return audit(request, Backend.BEDROCK_CONVERSE)


def invoke(model=SONNET_45, **body):
    full = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 256,
        "system": [{"type": "text", "text": LONG, "cache_control": CC}],
        "messages": [{"role": "user", "content": "hi"}],
    }
    full.update(body)
    return audit({"modelId": model, "body": full}, Backend.BEDROCK_INVOKE_ANTHROPIC)


def test_correct_converse_caches_with_no_finding():
    report = converse()
    assert report.will_cache and report.findings == []
    assert report.breakpoint_count == 1
    assert report.cached_tokens.low >= 1024


def test_correct_invoke_caches_with_no_finding():
    report = invoke()
    assert report.will_cache and report.findings == []


@pytest.mark.parametrize(
    "model",
    [
        "anthropic.claude-3-haiku-20240307-v1:0",
        "us.anthropic.claude-3-opus-20240229-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-v2:1",
    ],
)
def test_unsupported_model_with_a_directive_is_refused(model):
    report = converse(model)
    assert report.codes == ["BC301"]
    assert not report.will_cache
    assert report.findings[0].severity is Severity.ERROR


def test_unsupported_model_without_directive_is_advice_instead_of_bc101():
    # Nothing is lost and nothing fails without a directive: advice, off by default in lint.
    report = converse("anthropic.claude-3-haiku-20240307-v1:0", system=[{"text": LONG}])
    assert report.codes == ["BC301"]
    assert report.findings[0].severity is Severity.INFO


def test_unsupported_model_with_a_directive_is_an_error():
    report = converse("anthropic.claude-3-haiku-20240307-v1:0", system=[{"text": LONG}, CP])
    assert report.codes == ["BC301"]
    assert report.findings[0].severity is Severity.ERROR


def test_preview_model_is_not_promised():
    report = converse("anthropic.claude-3-5-sonnet-20241022-v2:0")
    assert report.codes == ["BC302"] and not report.will_cache


def test_unknown_model_is_said_once_and_not_promised():
    report = converse("anthropic.claude-opus-4-7")
    assert report.codes == ["BC304"] and not report.will_cache


def test_application_profile_arn_is_unaudited_not_an_error():
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
    report = converse(arn)
    assert report.codes == ["BC304"]
    assert report.findings[0].severity is Severity.INFO


def test_haiku_45_needs_4096_tokens():
    # ~1,600 tokens of system prompt: enough for Sonnet 4.5, certainly not for Haiku 4.5's 4,096.
    system = [{"text": "word " * 1600}, CP]  # 8,000 characters: 1,600..4,000 tokens
    assert converse(SONNET_45, system=system).will_cache
    report = converse(HAIKU_45, system=system)
    assert report.codes == ["BC305"] and not report.will_cache
    assert report.findings[0].severity is Severity.ERROR
    assert "4,096" in report.findings[0].message


def test_band_straddling_the_minimum_is_a_warning_not_an_error():
    report = converse(SONNET_45, system=[{"text": "x" * 3000}, CP])  # 600..1,500 tokens
    assert report.codes == ["BC305"]
    assert report.findings[0].severity is Severity.WARNING
    assert not report.will_cache


def test_small_early_breakpoint_is_advice_when_a_later_one_caches_its_prefix():
    # The later breakpoint caches the same prefix: nothing is lost, a slot is only wasted.
    report = converse(
        system=[{"text": "short"}, CP, {"text": LONG}, CP],
    )
    assert report.codes == ["BC305"]
    assert report.findings[0].severity is Severity.INFO
    assert "a later breakpoint caches this prefix" in report.findings[0].message
    assert report.will_cache


def test_small_only_breakpoint_is_an_error():
    report = converse(system=[{"text": "short"}, CP])
    assert report.codes == ["BC305"]
    assert report.findings[0].severity is Severity.ERROR


def test_more_than_four_breakpoints_both_dialects():
    assert "BC306" in converse(system=[{"text": LONG}, CP] * 5).codes
    marked = {"type": "text", "text": LONG, "cache_control": CC}
    report = invoke(system=[marked] * 5)
    assert "BC306" in report.codes and not report.will_cache


def test_one_hour_after_five_minutes_is_refused_in_both_dialects():
    one_hour = {"cachePoint": {"type": "default", "ttl": "1h"}}
    report = converse(
        system=[{"text": LONG}, CP],
        messages=[{"role": "user", "content": [{"text": LONG}, one_hour]}],
    )
    assert report.codes == ["BC307"] and not report.will_cache
    report = invoke(
        tools=[{"name": "t", "input_schema": {}, "cache_control": CC}],
        system=[
            {"type": "text", "text": LONG, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
        ],
    )
    assert "BC307" in report.codes


def test_one_hour_on_a_five_minute_model():
    one_hour = {"cachePoint": {"type": "default", "ttl": "1h"}}
    report = converse(
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0", system=[{"text": LONG}, one_hour]
    )
    assert report.codes == ["BC308"]
    assert converse(SONNET_45, system=[{"text": LONG}, one_hour]).codes == []


@pytest.mark.parametrize(
    ("directive", "code"),
    [({"type": "ephemeral"}, "BC309"), ({"type": "default", "ttl": "2h"}, "BC310"), ({}, "BC309")],
)
def test_invalid_converse_values(directive, code):
    report = converse(system=[{"text": LONG}, {"cachePoint": directive}])
    assert report.codes == [code] and not report.will_cache


@pytest.mark.parametrize(
    ("directive", "code"),
    [({"type": "default"}, "BC309"), ({"type": "ephemeral", "ttl": "10m"}, "BC310")],
)
def test_invalid_invoke_values(directive, code):
    report = invoke(system=[{"type": "text", "text": LONG, "cache_control": directive}])
    assert report.codes == [code]


def test_empty_text_block_marked():
    report = invoke(
        system=[{"type": "text", "text": LONG}, {"type": "text", "text": "", "cache_control": CC}]
    )
    assert report.codes == ["BC311"]


@pytest.mark.parametrize("beta", ["extended-cache-ttl-2025-04-11", "prompt-caching-2024-07-31"])
def test_caching_beta_flags_are_refused(beta):
    report = invoke(anthropic_beta=[beta])
    assert report.codes == ["BC313"] and not report.will_cache


def test_unrelated_beta_flag_is_fine():
    assert invoke(anthropic_beta=["interleaved-thinking-2025-05-14"]).codes == []


def test_top_level_cache_control_in_invoke_body():
    report = invoke(cache_control=CC)
    assert report.codes == ["BC314"] and not report.will_cache


def test_top_level_cache_control_in_converse_additional_fields():
    report = converse(additionalModelRequestFields={"cache_control": CC})
    assert report.codes == ["BC314"]


def test_message_level_cache_control_in_invoke_body_is_no_breakpoint():
    report = invoke(
        system="plain",
        messages=[{"role": "user", "content": LONG, "cache_control": CC}],
    )
    assert set(report.codes) == {"BC315"}
    assert report.breakpoint_count == 0 and not report.will_cache


def test_placement_errors():
    report = converse(system=[{"text": LONG, "cachePoint": {"type": "default"}}])
    assert report.codes == ["BC312"] and not report.will_cache
    report = converse(system=[{"text": LONG, "cache_control": CC}])
    assert report.codes == ["BC312"]
    report = invoke(
        messages=[
            {"role": "user", "content": "q"},
            {
                "role": "assistant",
                "content": [{"type": "thinking", "thinking": "t", "cache_control": CC}],
            },
        ]
    )
    assert "BC312" in report.codes


def test_missing_anthropic_version():
    report = audit(
        {
            "modelId": SONNET_45,
            "body": {
                "system": [{"type": "text", "text": LONG, "cache_control": CC}],
                "messages": [],
                "max_tokens": 1,
            },
        },
        Backend.BEDROCK_INVOKE_ANTHROPIC,
    )
    assert report.codes == ["BC316"]
