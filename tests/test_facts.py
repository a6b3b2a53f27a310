import pytest

from bedrockcache.facts import FactsError, default_facts, family_of, load_facts


@pytest.fixture(scope="module")
def facts():
    return default_facts()


def test_every_model_has_source_and_checked_date(facts):
    for model in facts.models:
        assert model.source.startswith("https://"), model.key
        assert len(model.checked) == 10, model.key


def test_facts_md_table_values(facts):
    # The values FACTS.md lists, spot-checked through the public lookup.
    expect = {
        "anthropic.claude-3-5-haiku-20241022-v1:0": ("yes", 2048, ("5m",)),
        "anthropic.claude-3-7-sonnet-20250219-v1:0": ("yes", 1024, ("5m",)),
        "anthropic.claude-sonnet-4-5-20250929-v1:0": ("yes", 1024, ("5m", "1h")),
        "anthropic.claude-haiku-4-5-20251001-v1:0": ("yes", 4096, ("5m", "1h")),
        "anthropic.claude-opus-4-5-20251101-v1:0": ("yes", 4096, ("5m", "1h")),
        "anthropic.claude-sonnet-4-6": ("yes", 1024, ("5m", "1h")),
        "anthropic.claude-opus-4-6-v1": ("yes", 4096, ("5m", "1h")),
        "anthropic.claude-3-5-sonnet-20241022-v2:0": ("preview", 1024, ("5m",)),
        "anthropic.claude-3-haiku-20240307-v1:0": ("no", None, ()),
    }
    for model_id, (caching, minimum, ttls) in expect.items():
        model = facts.resolve(model_id).model
        assert (model.caching, model.min_tokens, model.ttls) == (caching, minimum, ttls), model_id


def test_prices_follow_multipliers(facts):
    for model in facts.models:
        if model.prices is None:
            continue
        p = model.prices
        assert p.write_5m == pytest.approx(p.input * 1.25), model.key
        assert p.read == pytest.approx(p.input * 0.1), model.key
        if p.write_1h is not None:
            assert p.write_1h == pytest.approx(p.input * 2), model.key
        assert (p.write_1h is not None) == ("1h" in model.ttls), model.key


@pytest.mark.parametrize(
    ("model_id", "kind", "prefix"),
    [
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "base", None),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "profile", "us"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "profile", "global"),
        ("apac.anthropic.claude-sonnet-4-5-20250929-v1:0", "profile", "apac"),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            "foundation-model-arn",
            None,
        ),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "inference-profile-arn",
            "eu",
        ),
    ],
)
def test_every_id_form_names_the_model(facts, model_id, kind, prefix):
    ref = facts.resolve(model_id)
    assert ref.kind == kind
    assert ref.profile_prefix == prefix
    assert ref.model is not None and ref.model.key == "claude-sonnet-4-5"


def test_application_inference_profile_arn_is_opaque(facts):
    ref = facts.resolve(
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    )
    assert ref.is_application_profile
    assert ref.model is None and ref.near_misses == ()


def test_unknown_id_is_unknown_not_unsupported(facts):
    ref = facts.resolve("anthropic.claude-opus-4-7")
    assert ref.model is None
    assert ref.near_misses == ()


@pytest.mark.parametrize(
    ("model_id", "suggested"),
    [
        ("anthropic.claude-sonnet-4-5-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("us.anthropic.claude-haiku-4-5-v1:0", "anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("anthropic.claude-sonnet-4-6-v1:0", "anthropic.claude-sonnet-4-6"),
    ],
)
def test_near_miss_is_recognised_as_its_family(facts, model_id, suggested):
    ref = facts.resolve(model_id)
    assert ref.model is None
    assert [m.ids[0] for m in ref.near_misses] == [suggested]


def test_family_strips_date_version_and_provider():
    assert family_of("anthropic.claude-sonnet-4-5-20250929-v1:0") == "claude-sonnet-4-5"
    assert family_of("anthropic.claude-opus-4-6-v1") == "claude-opus-4-6"
    assert family_of("anthropic.claude-3-5-sonnet-20241022-v2:0") == "claude-3-5-sonnet"


def test_override_patches_one_field_and_keeps_the_rest():
    facts = load_facts({"claude-sonnet-4-6": {"min_tokens": 2048}})
    model = facts.resolve("anthropic.claude-sonnet-4-6").model
    assert model.min_tokens == 2048
    assert model.ttls == ("5m", "1h")
    assert default_facts().resolve("anthropic.claude-sonnet-4-6").model.min_tokens == 1024


def test_override_adds_a_model_and_can_name_an_application_profile():
    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123"
    facts = load_facts(
        {
            "claude-opus-4-7": {
                "ids": ["anthropic.claude-opus-4-7"],
                "caching": "yes",
                "min_tokens": 4096,
            },
            "my-profile": {"ids": [arn], "caching": "yes", "min_tokens": 1024},
        }
    )
    assert facts.resolve("global.anthropic.claude-opus-4-7").model.key == "claude-opus-4-7"
    assert facts.resolve(arn).model.key == "my-profile"
    assert facts.resolve(arn).is_application_profile


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"x": {"ids": ["a"], "caching": "maybe"}}, "models.x.caching"),
        ({"x": {"ids": [], "caching": "no"}}, "models.x.ids"),
        ({"x": {"ids": ["a"], "caching": "yes"}}, "models.x.min_tokens"),
        ({"x": {"ids": ["a"], "caching": "yes", "min_tokens": 1, "ttls": ["2h"]}}, "models.x.ttls"),
        ({"claude-sonnet-4-6": {"min_token": 5}}, "unknown key 'min_token'"),
        (
            {"claude-sonnet-4-6": {"prices": {"input": "x", "write_5m": 1, "read": 1}}},
            "models.claude-sonnet-4-6.prices.input: must be a non-negative number, not a string",
        ),
    ],
)
def test_bad_overrides_name_the_key(override, message):
    with pytest.raises(FactsError, match=message.replace(".", r"\.")):
        load_facts(override)


SONNET_46 = "claude-sonnet-4-6"
PRICES = {"input": 3, "write_5m": 3.75, "read": 0.3}


@pytest.mark.parametrize(
    ("fields", "key", "shown"),
    [
        ({"min_tokens": True}, "min_tokens", "a boolean (true)"),
        ({"min_tokens": False}, "min_tokens", "a boolean (false)"),
        ({"min_tokens": 1024.0}, "min_tokens", "1024.0"),
        ({"min_tokens": "1024"}, "min_tokens", "a string"),
        ({"min_tokens": 0}, "min_tokens", "0"),
        ({"regional_premium": True}, "regional_premium", "a boolean (true)"),
        ({"regional_premium": float("nan")}, "regional_premium", "nan"),
        ({"regional_premium": -0.1}, "regional_premium", "-0.1"),
        ({"prices": {**PRICES, "input": True}}, "prices.input", "a boolean (true)"),
        ({"prices": {**PRICES, "read": "0.3"}}, "prices.read", "a string"),
        ({"prices": {**PRICES, "write_5m": float("inf")}}, "prices.write_5m", "inf"),
        ({"prices": {**PRICES, "write_1h": False}}, "prices.write_1h", "a boolean (false)"),
        ({"prices": {**PRICES, "input": 10**5000}}, "prices.input", "an integer too large"),
        ({"prices": {**PRICES, "input": -(10**5000)}}, "prices.input", "a negative integer"),
    ],
)
def test_numeric_fields_refuse_booleans_and_non_numbers(fields, key, shown):
    """``true`` is not 1 here: a minimum of 1 would make every prefix reach it and hide BC305."""
    with pytest.raises(FactsError) as info:
        load_facts({SONNET_46: fields})
    message = str(info.value)
    assert message.startswith(f"models.{SONNET_46}.{key}: must be a ")
    assert message.endswith(f", not {shown}")
    assert "\n" not in message


def test_a_model_that_does_not_cache_may_omit_min_tokens_but_not_give_a_bad_one():
    facts = load_facts({"old": {"ids": ["a.old-v1"], "caching": "no"}})
    assert facts.resolve("a.old-v1").model.min_tokens is None
    with pytest.raises(FactsError, match=r"models\.old\.min_tokens: .*boolean"):
        load_facts({"old": {"ids": ["a.old-v1"], "caching": "no", "min_tokens": True}})


def test_integers_and_floats_are_accepted_where_numbers_are():
    fields = {"min_tokens": 2048, "regional_premium": 0, "prices": {**PRICES, "write_1h": 6}}
    model = load_facts({SONNET_46: fields}).resolve("anthropic.claude-sonnet-4-6").model
    assert (model.min_tokens, model.regional_premium) == (2048, 0.0)
    assert (model.prices.input, model.prices.write_1h) == (3.0, 6.0)


def test_layer_facts_name_only_known_models(facts):
    from bedrockcache.facts import layer_facts

    litellm = layer_facts("litellm")
    keys = {m.key for m in facts.models}
    for field in ("one_hour_priced", "no_one_hour_price", "prompt_caching_off", "absent_from_map"):
        assert set(litellm[field]) <= keys, field
    assert not set(litellm["one_hour_priced"]) & set(litellm["no_one_hour_price"])
