"""Arbitrary requests never crash audit(): they give a report or a ValueError with a message."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedrockcache import Backend, Outcome, Unknown, audit

KEYS = [
    "modelId",
    "model",
    "body",
    "system",
    "messages",
    "role",
    "content",
    "text",
    "type",
    "ttl",
    "cachePoint",
    "cache_control",
    "toolConfig",
    "tools",
    "toolSpec",
    "anthropic_version",
    "anthropic_beta",
    "max_tokens",
    "additionalModelRequestFields",
    "model_settings",
    "cache_config",
    "system_prompt",
    "prompt",
    "strategy",
    "bedrock_cache_instructions",
    "blocks",
    "block_type",
    "cache_control_injection_points",
    "drop_params",
    "extra_body",
    "function",
    "toolResult",
]
MODELS = [
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "anthropic.claude-3-haiku-20240307-v1:0",
    "arn:aws:bedrock:us-east-1:1:application-inference-profile/x",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=30),
    st.sampled_from(["default", "ephemeral", "5m", "1h", "user", "system", "auto", *MODELS]),
    st.builds(Unknown, st.text(max_size=5)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    ),
    max_leaves=25,
)
requests = st.dictionaries(st.sampled_from(KEYS), values, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=requests, backend=st.sampled_from(list(Backend)))
def test_audit_never_crashes_and_will_cache_is_consistent(request, backend):
    try:
        report = audit(request, backend)
    except ValueError as exc:
        assert str(exc)
        return
    if report.will_cache:
        assert report.breakpoint_count >= 1
        assert not any(f.outcome is Outcome.REJECTED for f in report.findings)
        assert report.cached_tokens is not None
    assert all(isinstance(m, str) and m for _, m in report.reasons)
