"""audit() and AuditReport: the public API, compatible with bedrockcache 0.1.0."""

import subprocess
import sys

import pytest

from bedrockcache import AuditReport, Backend, RequestError, Unknown, audit
from conftest import CP, LONG, SONNET_45


def test_backend_values_of_0_1_0_are_kept():
    assert {b.value for b in Backend} >= {
        "bedrock-converse",
        "bedrock-invoke-anthropic",
        "anthropic-bedrock",
        "litellm",
        "strands",
        "pydantic-ai-bedrock",
    }
    assert Backend("litellm") is Backend.LITELLM
    assert Backend.BEDROCK_CONVERSE == "bedrock-converse"  # still a str enum


def test_readme_0_1_0_litellm_example_gives_the_documented_verdict():
    request = {
        "model": "bedrock/anthropic.claude-sonnet-4-5-v1:0",
        "messages": [{"role": "user", "content": "hi"}],
    }
    report = audit(request, Backend.LITELLM)
    assert report.will_cache is False
    assert report.errors  # non-empty list of messages, as documented
    assert all(isinstance(m, str) for m in report.errors)
    assert report.recommendations


def test_readme_0_1_0_assert_caches_idiom(converse_request):
    audit(converse_request, Backend.BEDROCK_CONVERSE).assert_caches()


def test_assert_caches_names_each_reason():
    report = audit(
        {"modelId": SONNET_45, "system": [{"text": LONG}], "messages": []}, "bedrock-converse"
    )
    with pytest.raises(AssertionError, match=r"bedrock-converse:\n  - BC101 no cachePoint"):
        report.assert_caches()


def test_report_is_truthy_only_when_caching(converse_request):
    assert audit(converse_request, "bedrock-converse")
    converse_request["system"].pop()
    assert not audit(converse_request, "bedrock-converse")


def test_reasons_are_severity_message_pairs_with_codes():
    report = audit(
        {"modelId": SONNET_45, "system": [{"text": LONG}], "messages": []}, "bedrock-converse"
    )
    assert report.reasons[0] == (
        "error",
        "BC101 no cachePoint block anywhere in the Converse request",
    )
    assert report.errors == ["BC101 no cachePoint block anywhere in the Converse request"]
    assert report.warnings == []


def test_warnings_use_the_0_1_0_spelling():
    report = audit(
        {"modelId": "anthropic.claude-3-5-sonnet-20241022-v2:0", "system": [{"text": LONG}, CP]},
        "bedrock-converse",
    )
    assert [s for s, _ in report.reasons if s != "info"] == ["warn"]
    assert report.warnings and report.warnings[0].startswith("BC302 ")


def test_backend_may_be_given_by_value_or_name(converse_request):
    assert audit(converse_request, "bedrock-converse").backend is Backend.BEDROCK_CONVERSE
    assert audit(converse_request, "BEDROCK_CONVERSE").backend is Backend.BEDROCK_CONVERSE


def test_unknown_backend_raises_value_error_naming_the_choices(converse_request):
    with pytest.raises(
        ValueError, match="unknown backend 'bedrock'; expected one of: bedrock-converse"
    ):
        audit(converse_request, "bedrock")


@pytest.mark.parametrize(
    ("request_", "backend"),
    [
        ({"modelId": SONNET_45, "messages": [], "system": []}, Backend.BEDROCK_CONVERSE),
        ({"modelId": SONNET_45, "body": "{}"}, Backend.BEDROCK_INVOKE_ANTHROPIC),
        (
            {"anthropic_version": "bedrock-2023-05-31", "messages": []},
            Backend.BEDROCK_INVOKE_ANTHROPIC,
        ),
        ({"model": SONNET_45, "max_tokens": 10, "messages": []}, Backend.ANTHROPIC_BEDROCK),
        ({"model": "bedrock/" + SONNET_45, "messages": []}, Backend.LITELLM),
    ],
)
def test_backend_is_detected_from_the_shape_and_said(request_, backend):
    report = audit(request_)
    assert report.backend is backend
    assert report.backend_detected
    assert f"backend detected from the request's shape: {backend.value}" in report.notes


def test_undetectable_shape_is_a_value_error():
    with pytest.raises(ValueError, match="cannot detect the backend"):
        audit({"hello": "world"})


def test_invalid_json_body_is_a_request_error():
    with pytest.raises(RequestError, match="not valid JSON"):
        audit({"modelId": SONNET_45, "body": "{oops"}, Backend.BEDROCK_INVOKE_ANTHROPIC)


def test_unknown_parts_are_listed_not_guessed():
    report = audit(
        {"modelId": SONNET_45, "system": Unknown("load_prompt()"), "messages": []},
        "bedrock-converse",
    )
    assert report.codes == []  # no BC101: the system prompt may well hold a cachePoint
    assert report.unaudited == ["system (load_prompt())"]
    assert not report.will_cache


def test_anthropic_bedrock_sdk_adds_version_and_copies_betas():
    report = audit(
        {
            "model": SONNET_45,
            "max_tokens": 10,
            "system": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": "hi"}],
            "betas": ["extended-cache-ttl-2025-04-11"],
        },
        Backend.ANTHROPIC_BEDROCK,
    )
    assert report.codes == ["BC313"]
    assert report.wire.raw["anthropic_version"] == "bedrock-2023-05-31"
    assert "model" not in report.wire.raw and "betas" not in report.wire.raw


def test_anthropic_bedrock_extra_headers_beta_reaches_the_body():
    report = audit(
        {
            "model": SONNET_45,
            "max_tokens": 10,
            "system": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": "user", "content": "hi"}],
            "extra_headers": {"anthropic-beta": "prompt-caching-2024-07-31,other"},
        },
        Backend.ANTHROPIC_BEDROCK,
    )
    assert report.wire.betas == ("prompt-caching-2024-07-31", "other")
    assert report.codes == ["BC313"]


def test_cached_tokens_is_the_largest_honoured_prefix(converse_request):
    converse_request["messages"] = [{"role": "user", "content": [{"text": LONG}, CP]}]
    report = audit(converse_request, "bedrock-converse")
    assert report.breakpoint_count == 2
    assert report.cached_tokens.low >= 2 * 1800


def test_import_and_audit_stay_light():
    code = (
        "import sys, bedrockcache\n"
        "from bedrockcache import audit\n"
        "for b in bedrockcache.Backend:\n"
        "    try:\n"
        "        audit({'modelId': 'x', 'model': 'x', 'messages': []}, b)\n"
        "    except ValueError:\n"
        "        pass\n"
        "heavy = ['libcst', 'click', 'boto3', 'botocore', 'litellm', 'strands', 'pydantic_ai',\n"
        "         'langchain_aws', 'langchain_core', 'llama_index', 'anthropic', 'httpx']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_report_type_is_exported():
    assert isinstance(
        audit({"modelId": SONNET_45, "messages": []}, "bedrock-converse"), AuditReport
    )


def test_facts_override_makes_a_new_model_auditable():
    from bedrockcache import load_facts

    request = {"modelId": "global.anthropic.claude-opus-4-7", "system": [{"text": LONG}, CP]}
    assert audit(request, "bedrock-converse").codes == ["BC304"]
    facts = load_facts(
        {
            "claude-opus-4-7": {
                "ids": ["anthropic.claude-opus-4-7"],
                "caching": "yes",
                "min_tokens": 1024,
            }
        }
    )
    report = audit(request, "bedrock-converse", facts=facts)
    assert report.codes == [] and report.will_cache
    assert report.model.model.key == "claude-opus-4-7"


def test_the_package_audit_name_is_the_function_after_the_submodule_is_imported():
    import importlib

    import bedrockcache

    importlib.import_module("bedrockcache.audit")
    from bedrockcache import audit

    assert callable(audit) and audit is bedrockcache.audit
