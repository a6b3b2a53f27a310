"""suggest_breakpoints and `bedrockcache suggest`: requests whose best placement is known by hand.

Token bands come from the character estimate (low = chars / 5, high = chars / 2), so each request
below is sized to fall clearly on one side of a model's minimum; dollar figures are computed from
the facts data, never from prices written here.
"""

from __future__ import annotations

import itertools
import json
import math
import random

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from bedrockcache import Placement, Suggestion, default_facts, load_facts, suggest_breakpoints
from bedrockcache.cli import main
from bedrockcache.suggest import _choose
from bedrockcache.unknown import PartialText, Unknown
from conftest import CP, HAIKU_45, LONG, SONNET_45

GLOBAL_S45 = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
SONNET_4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"
CP_1H = {"cachePoint": {"type": "default", "ttl": "1h"}}
# ~5,400 characters of description: at least ~1,080 tokens, over Sonnet's 1,024 on its own.
TOOL = {
    "toolSpec": {
        "name": "lookup",
        "description": "Look up an order by its id. " * 200,
        "inputSchema": {"json": {"type": "object"}},
    }
}
SMALL_TOOL = {"toolSpec": {"name": "now", "description": "Time.", "inputSchema": {"json": {}}}}


def _question() -> PartialText:
    return PartialText(("Answer the customer: ", Unknown("question")))


def _paths(suggestion: Suggestion) -> list[str]:
    return [p.path for p in suggestion.placements]


def _has_note(suggestion: Suggestion, *fragments: str) -> bool:
    return any(all(f in note for f in fragments) for note in suggestion.notes)


def test_point_below_the_minimum_moves_after_the_long_document():
    """Haiku 4.5 caches from 4,096 tokens: the end of a short system prompt caches nothing, so the
    only point worth its slot is after tools + system + the long document."""
    request = {
        "modelId": HAIKU_45,
        "toolConfig": {"tools": [SMALL_TOOL]},
        "system": [{"text": "You are a helpful assistant."}],
        "messages": [{"role": "user", "content": [{"text": LONG * 3}, {"text": _question()}]}],
    }
    result = suggest_breakpoints(request)
    assert _paths(result) == ["messages[0].content[0]"]
    assert result.placements[0].tokens.low >= 4096
    assert result.placements[0].reason
    assert _has_note(result, "system[0]", "below", "4,096")
    assert _has_note(result, "toolConfig.tools[0]", "below")
    assert _has_note(result, "messages[0].content[1]", "run time")


def test_per_call_value_in_the_system_prompt_puts_the_point_before_it():
    """`f"Today is {date}"` in system[1] changes every call: a point after it would write a new
    entry every time, so the point goes after system[0] and the one the user wrote is useless."""
    request = {
        "modelId": SONNET_45,
        "system": [
            {"text": LONG},
            {"text": PartialText(("Today is ", Unknown("date.today()"), "."))},
            {"text": LONG},
            CP,
        ],
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    }
    result = suggest_breakpoints(request)
    assert _paths(result) == ["system[0]"]
    assert result.placements[0].section == "system"
    assert "before the run-time value" in result.placements[0].reason
    assert _has_note(result, "system[3].cachePoint", "useless", "run time")


def test_conversation_gets_tools_system_context_and_a_moving_point():
    """Tools, system and the opening document are stable; the latest user turn gets the moving
    point. The assistant's short reply is a fourth fixed candidate, the one that adds least."""
    request = {
        "modelId": SONNET_45,
        "toolConfig": {"tools": [TOOL]},
        "system": [{"text": LONG}],
        "messages": [
            {"role": "user", "content": [{"text": LONG}]},
            {"role": "assistant", "content": [{"text": "I have read it."}]},
            {"role": "user", "content": [{"text": "What does clause 4 say?"}]},
        ],
    }
    result = suggest_breakpoints(request)
    assert _paths(result) == [
        "toolConfig.tools[0]",
        "system[0]",
        "messages[0].content[0]",
        "messages[2].content[0]",
    ]
    assert [p.section for p in result.placements] == ["tools", "system", "messages", "messages"]
    assert "moving" in result.placements[-1].reason
    assert result.cached_tokens == result.placements[-1].tokens


def test_moving_point_after_a_run_time_value_says_when_it_is_read_back():
    request = {
        "modelId": SONNET_45,
        "system": [{"text": LONG}, {"text": PartialText(("User: ", Unknown("name")))}],
        "messages": [
            {"role": "user", "content": [{"text": "hello"}]},
            {"role": "assistant", "content": [{"text": "hi"}]},
            {"role": "user", "content": [{"text": _question()}]},
        ],
    }
    result = suggest_breakpoints(request)
    assert _paths(result) == ["system[0]", "messages[2].content[0]"]
    assert _has_note(result, "moving point", "system[1]", "same")


def test_long_turn_beyond_the_lookback_keeps_a_point_on_the_previous_turn():
    """An agent turn of 30 tool calls puts the previous write more than 20 blocks back."""
    steps = [{"toolUse": {"toolUseId": f"t{i}", "name": "now", "input": {}}} for i in range(30)]
    results = [
        {"toolResult": {"toolUseId": f"t{i}", "content": [{"text": "12:00"}]}} for i in range(30)
    ]
    request = {
        "modelId": SONNET_45,
        "system": [{"text": LONG}],
        "messages": [
            {"role": "user", "content": [{"text": LONG}]},
            {"role": "assistant", "content": steps},
            {"role": "user", "content": results},
        ],
    }
    result = suggest_breakpoints(request)
    assert "messages[0].content[0]" in _paths(result)
    assert _paths(result)[-1] == "messages[2].content[29]"
    assert _has_note(result, "lookback", "messages[0].content[0]")


def test_six_candidates_four_chosen_closing_the_largest_stretches():
    """Six legal places; the small system blocks add a few tokens over the point before them, so
    the four chosen are the ones that close large stretches (and the end of stable context)."""
    request = {
        "modelId": GLOBAL_S45,
        "toolConfig": {"tools": [TOOL]},
        "system": [
            {"text": LONG},
            {"text": "Be brief."},
            {"text": LONG * 2},
            {"text": "Answer in English."},
        ],
        "messages": [{"role": "user", "content": [{"text": LONG}, {"text": _question()}]}],
    }
    result = suggest_breakpoints(request)
    assert len(result.placements) == default_facts().bedrock.max_breakpoints == 4
    assert _paths(result) == [
        "toolConfig.tools[0]",
        "system[0]",
        "system[2]",
        "messages[0].content[0]",
    ]
    lows = [p.tokens.low for p in result.placements]
    assert lows == sorted(lows)


def test_choose_is_exact():
    """The dynamic programme equals a brute-force search over every subset."""
    rng = random.Random(7)
    for _ in range(200):
        n = rng.randint(1, 8)
        values = sorted(rng.randint(0, 10_000) for _ in range(n))
        slots = rng.randint(1, 4)
        forced = {n - 1} if rng.random() < 0.5 else set()

        def score(chosen, values=values, n=n):
            marks = [*chosen, n]
            return sum(values[a] * (b - a) for a, b in itertools.pairwise(marks))

        subsets = [c for c in itertools.combinations(range(n), min(slots, n)) if forced <= set(c)]
        best = max(score(c) for c in subsets)
        assert score(_choose(values, slots, forced)) == best


def test_one_hour_is_used_first_and_never_after_five_minutes():
    """The request asks for 1h on the system prompt: the earlier points take 1h, the later 5m."""
    request = {
        "modelId": SONNET_45,
        "toolConfig": {"tools": [TOOL]},
        "system": [{"text": LONG}, CP_1H],
        "messages": [{"role": "user", "content": [{"text": LONG}, {"text": _question()}]}],
    }
    result = suggest_breakpoints(request)
    assert [(p.path, p.ttl) for p in result.placements] == [
        ("toolConfig.tools[0]", "1h"),
        ("system[0]", "1h"),
        ("messages[0].content[0]", "5m"),
    ]
    assert _has_note(result, "system[1].cachePoint", "kept")


def test_one_hour_written_late_is_reordered_and_moving_point_stays_five_minutes():
    """A 1h point written after a 5m one is rejected by Bedrock; the suggestion puts 1h on every
    fixed point up to it, and leaves the moving point at 5m."""
    request = {
        "modelId": SONNET_45,
        "system": [{"text": LONG}, CP],
        "messages": [
            {"role": "user", "content": [{"text": LONG}]},
            {"role": "assistant", "content": [{"text": "ok"}]},
            {"role": "user", "content": [{"text": "next"}, CP_1H]},
        ],
    }
    result = suggest_breakpoints(request)
    ttls = [p.ttl for p in result.placements]
    assert ttls[-1] == "5m"
    assert ttls == sorted(ttls, key=lambda t: t != "1h")  # every 1h before every 5m
    assert ttls[0] == "1h"
    assert _has_note(result, "moving point stays 5m")


def test_one_hour_on_a_model_without_it_stays_five_minutes():
    request = {
        "modelId": SONNET_4,
        "system": [{"text": LONG}, CP_1H],
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    }
    result = suggest_breakpoints(request)
    assert [p.ttl for p in result.placements] == ["5m", "5m"]
    assert _has_note(result, "1h", "Claude Sonnet 4")


def test_saving_per_call_from_the_facts_prices():
    """Global id: no regional premium. The figure is the cached band x (input - read) / 1e6."""
    request = {"modelId": GLOBAL_S45, "system": [{"text": LONG}], "messages": []}
    result = suggest_breakpoints(request)
    prices = default_facts().resolve(GLOBAL_S45).model.prices
    per_token = (prices.input - prices.read) / 1e6
    band = result.cached_tokens
    assert _paths(result) == ["system[0]"]
    assert band == result.placements[0].tokens
    expected = (band.low * per_token, band.high * per_token)
    assert result.saving_per_call_usd == pytest.approx(expected)


def test_saving_carries_the_regional_premium_and_follows_overridden_prices():
    request = {"modelId": SONNET_45, "system": [{"text": LONG}], "messages": []}
    model = default_facts().resolve(SONNET_45).model
    regional = suggest_breakpoints(request)
    plain = suggest_breakpoints(request, GLOBAL_S45)
    assert regional.saving_per_call_usd[0] == pytest.approx(
        plain.saving_per_call_usd[0] * (1 + model.regional_premium)
    )
    cheap = load_facts({model.key: {"prices": {"input": 1.0, "write_5m": 1.25, "read": 0.5}}})
    low = suggest_breakpoints(request, GLOBAL_S45, facts=cheap).saving_per_call_usd[0]
    assert low == pytest.approx(regional.cached_tokens.low * 0.5 / 1e6)


def test_no_prices_no_saving_and_unbounded_band_has_no_upper_figure():
    facts = load_facts({"my-model": {"ids": ["my.model-v1"], "caching": "yes", "min_tokens": 1024}})
    request = {"modelId": "my.model-v1", "system": [{"text": LONG}], "messages": []}
    result = suggest_breakpoints(request, facts=facts)
    assert _paths(result) == ["system[0]"]
    assert result.saving_per_call_usd is None
    image = {"image": {"format": "png", "source": {"bytes": "..."}}}
    unbounded = {
        "modelId": GLOBAL_S45,
        "system": [{"text": LONG}],
        "messages": [{"role": "user", "content": [image, {"text": "Describe it."}]}],
    }
    saving = suggest_breakpoints(unbounded).saving_per_call_usd
    assert saving[0] > 0 and math.isinf(saving[1])


def test_model_override_and_models_that_cannot_cache():
    request = {"modelId": SONNET_45, "system": [{"text": LONG}, CP], "messages": []}
    assert _paths(suggest_breakpoints(request)) == ["system[0]"]
    # Haiku 4.5's 4,096 minimum is out of reach for ~1,800-4,600 tokens by the low estimate.
    assert _paths(suggest_breakpoints(request, HAIKU_45)) == []
    none = suggest_breakpoints(request, "anthropic.claude-3-haiku-20240307-v1:0")
    assert none.placements == () and none.saving_per_call_usd is None
    assert _has_note(none, "does not support prompt caching")
    assert _has_note(none, "system[1].cachePoint", "useless")
    unknown = suggest_breakpoints(request, "anthropic.claude-imaginary-9-v1:0")
    assert _paths(unknown) == ["system[0]"]
    assert _has_note(unknown, "not in bedrockcache's model data")


def test_illegal_places_are_skipped():
    """Nothing after a reasoning block, on empty text, or after a non-PDF document."""
    reasoning = {"reasoningContent": {"reasoningText": {"text": "thinking", "signature": "s"}}}
    document = {"document": {"format": "txt", "name": "d", "source": {"bytes": "x"}}}
    request = {
        "modelId": SONNET_45,
        "system": [{"text": LONG}, {"text": " "}],
        "messages": [
            {"role": "user", "content": [{"text": LONG}, document]},
            {"role": "assistant", "content": [{"text": LONG}, reasoning]},
        ],
    }
    result = suggest_breakpoints(request)
    assert _paths(result) == ["system[0]", "messages[0].content[0]", "messages[1].content[0]"]


def test_existing_breakpoints_kept_moved_and_useless():
    request = {
        "modelId": SONNET_45,
        "system": [{"text": "Be brief."}, CP, {"text": LONG}, {"text": LONG}, CP],
        "messages": [{"role": "user", "content": [{"text": LONG}, {"text": _question()}, CP]}],
    }
    result = suggest_breakpoints(request)
    assert _paths(result) == ["system[2]", "system[3]", "messages[0].content[0]"]
    assert _has_note(result, "system[1].cachePoint", "useless", "below the minimum")
    assert _has_note(result, "system[4].cachePoint", "kept")
    assert _has_note(result, "messages[0].content[2].cachePoint", "useless", "run time")


def test_existing_breakpoint_on_a_stable_but_worse_place_is_moved():
    request = {
        "modelId": SONNET_45,
        "system": [{"text": LONG}],
        "messages": [{"role": "user", "content": [{"text": LONG}, CP, {"text": LONG}]}],
    }
    result = suggest_breakpoints(request)
    assert "messages[0].content[2]" in _paths(result)
    assert _has_note(result, "messages[0].content[1].cachePoint", "moved to after")


def test_invoke_body_with_a_string_system_prompt():
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 256,
        "system": LONG,
        "messages": [{"role": "user", "content": "hi"}],
    }
    result = suggest_breakpoints({"modelId": SONNET_45, "body": body})
    assert _paths(result) == ["system", "messages[0].content"]
    assert _has_note(result, "system is a plain string")
    assert isinstance(result.placements[0], Placement)


def test_bad_requests_raise_value_error():
    with pytest.raises(ValueError):
        suggest_breakpoints({"modelId": SONNET_45, "body": "{not json"})
    with pytest.raises(ValueError):
        suggest_breakpoints({"modelId": SONNET_45}, backend="nope")


# ---- CLI --------------------------------------------------------------------------------------


@pytest.fixture
def run(tmp_path):
    def invoke(args, request=None, stdin=None):
        if request is not None:
            path = tmp_path / "request.json"
            path.write_text(json.dumps(request))
            args = [a.replace("{file}", str(path)) for a in args]
        return CliRunner().invoke(main, args, input=stdin)

    return invoke


CLI_REQUEST = {
    "modelId": GLOBAL_S45,
    "system": [{"text": "Be brief."}],
    "messages": [{"role": "user", "content": [{"text": LONG}]}],
}


def test_cli_json(run):
    result = run(["suggest", "{file}", "--format", "json"], CLI_REQUEST)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [p["path"] for p in data["placements"]] == ["messages[0].content[0]"]
    assert data["placements"][0]["ttl"] == "5m"
    assert data["cached_tokens"] == data["placements"][0]["tokens"]
    low, high = data["saving_per_call_usd"]
    assert 0 < low < high
    assert any("system[0]" in n for n in data["notes"])


def test_cli_text_from_stdin_with_model_and_backend(run):
    args = ["suggest", "-", "--backend", "bedrock-converse", "--model", HAIKU_45]
    result = run(args, stdin=json.dumps(CLI_REQUEST))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("placements:        none\n")
    assert "4,096" in result.output
    ok = run(["suggest", "{file}"], CLI_REQUEST)
    assert "  1. after messages[0].content[0] (text), ttl 5m" in ok.output
    assert "saving_per_call:   $" in ok.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["suggest", "-"], "{not json", "is not valid JSON"),
        (["suggest", "-", "--backend", "nope"], "{}", "unknown backend"),
        (["suggest", "-"], "[1, 2]", "cannot detect the backend"),
        (["suggest", "/nonexistent/request.json"], None, "cannot read"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(run, args, stdin, message):
    result = run(args, stdin=stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_time_value_inside_a_tool_definition_moves_everything_after_it():
    """An Unknown deep in a tool's schema makes the tools volatile: every fixed point would
    follow it, so nothing is suggested for a single-turn request, and the notes say why."""
    tool = {"toolSpec": {"name": "t", "inputSchema": {"json": Unknown("build_schema()")}}}
    request = {
        "modelId": SONNET_45,
        "toolConfig": {"tools": [tool]},
        "system": [{"text": LONG}],
        "messages": [{"role": "user", "content": [{"text": LONG}]}],
    }
    result = suggest_breakpoints(request)
    assert result.placements == ()
    assert result.saving_per_call_usd is None
    assert _has_note(result, "toolConfig.tools[0]", "run time")


def _choose_quadratic(values, slots, forced):
    """The O(n^2 k) programme ``_choose`` replaced, kept as the reference for its answers."""
    n = len(values)
    k = min(slots, n)
    if k <= 0:
        return []
    forced = set(sorted(forced)[-k:])
    minus = float("-inf")

    def free(lo, hi):
        return not any(lo < f < hi for f in forced)

    best = [[minus] * n for _ in range(k + 1)]
    parent = [[-1] * n for _ in range(k + 1)]
    for j in range(n):
        if free(-1, j):
            best[1][j] = 0.0
    for c in range(2, k + 1):
        for j in range(n):
            for i in range(j):
                if best[c - 1][i] == minus or not free(i, j):
                    continue
                score = best[c - 1][i] + values[i] * (j - i)
                if score > best[c][j]:
                    best[c][j], parent[c][j] = score, i
    end, top = -1, minus
    for j in range(n):
        if best[k][j] != minus and free(j, n):
            score = best[k][j] + values[j] * (n - j)
            if score > top:
                end, top = j, score
    picked = []
    c = k
    while end >= 0 and c >= 1:
        picked.append(end)
        end, c = parent[c][end], c - 1
    return sorted(picked)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(0, 50), min_size=0, max_size=40),
    st.integers(0, 5),
    st.sets(st.integers(0, 45), max_size=4),
    st.booleans(),
)
def test_choose_picks_what_the_quadratic_programme_picks(values, slots, forced, ordered):
    """Same indices, ties included (small values make many): prefixes grow along a request, so
    ``values`` usually ascend, but the programme must not depend on it."""
    values = sorted(values) if ordered else values
    forced = {f for f in forced if f < len(values)}
    assert _choose(values, slots, forced) == _choose_quadratic(values, slots, forced)
