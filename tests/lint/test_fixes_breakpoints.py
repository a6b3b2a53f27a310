"""The fixers that add or remove whole breakpoints: BC306 (more than 4), BC314 (a request-level
``cache_control``) and BC103 (no mark reaches Bedrock from a LiteLLM call).

Each case states the exact text after the fix and re-lints it; the no-fix cases are the ones
where the right edit cannot be known from the source: a computed value, a shared constant, a
model whose minimum is unknown, a prefix not known to reach it.
"""

from __future__ import annotations

from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text
from bedrockcache.rules.catalogue import catalogue

HEAD = """\
import json

import boto3
from anthropic import AnthropicBedrock

client = boto3.client("bedrock-runtime")
claude = AnthropicBedrock()
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
CP = {"cachePoint": {"type": "default"}}
"""
LITELLM = """\
import litellm

SONNET = "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
INVOKE = "bedrock/invoke/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU = "bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
SYSTEM = {"role": "system", "content": POLICY}
"""
POINT = '{"cachePoint": {"type": "default"}}'
POINT_1H = '{"cachePoint": {"type": "default", "ttl": "1h"}}'
MARK = '"cache_control": {"type": "ephemeral"}'
USER = '[{"role": "user", "content": [{"text": t}]}]'


def fix(source: str, *, unsafe: bool = False) -> str:
    return fix_text(source, lambda t: check_source(t, "t.py").diagnostics, unsafe=unsafe).text


def codes(source: str) -> list[str]:
    return [d.code for d in check_source(source, "t.py").diagnostics]


def fixes(source: str) -> dict[str, str | None]:
    """Each finding's code and the message of the fix offered for it (None: no fix)."""
    return {
        d.code: d.autofix.message if d.autofix else None
        for d in check_source(source, "t.py").diagnostics
    }


def in_function(call: str, head: str = HEAD) -> str:
    return head + f"\n\ndef f(t: str):\n    {call}\n"


def converse_system(*blocks: str) -> str:
    return in_function(
        f"client.converse(modelId=MODEL, system=[{', '.join(blocks)}], messages={USER})"
    )


def policy_points(*points: str) -> list[str]:
    out: list[str] = []
    for point in points:
        out += ['{"text": POLICY}', point]
    return out


# ---- BC306: more than 4 breakpoints --------------------------------------------------------------


def test_bc306_is_unsafe_and_names_the_point_it_drops():
    source = converse_system(*policy_points(*[POINT] * 5))
    assert fixes(source) == {
        "BC306": "Remove the breakpoint at system[3].cachePoint (Bedrock allows at most 4)"
    }
    assert catalogue()["BC306"].autofix.applicability == "unsafe"
    assert fix(source) == source


def test_bc306_keeps_the_system_points_and_the_last_turn_point():
    # Five equal steps of policy: any four cache as much, so the tie goes to the system points
    # (other conversations share them) and to the last point (the whole prefix).
    turn = ", ".join(policy_points(POINT, POINT))
    source = in_function(
        "client.converse(\n"
        "        modelId=MODEL,\n"
        f"        system=[{', '.join(policy_points(POINT, POINT, POINT))}],\n"
        f'        messages=[{{"role": "user", "content": [{turn}]}}],\n'
        "    )"
    )
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(
        '"content": [{"text": POLICY}, {"cachePoint": {"type": "default"}}, {"text": POLICY}',
        '"content": [{"text": POLICY}, {"text": POLICY}',
    )
    assert codes(fixed) == []


def test_bc306_drops_a_point_under_the_minimum_first():
    source = converse_system('{"text": "Be brief."}', POINT, *policy_points(*[POINT] * 4))
    assert codes(source) == ["BC306"]  # the first point's BC305 is advice: later ones cache it
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(f'{{"text": "Be brief."}}, {POINT}, ', '{"text": "Be brief."}, ')
    assert codes(fixed) == []


def test_bc306_drops_the_point_that_adds_the_least():
    # The point after "x" caches one token more than the one before it: it goes, not the first.
    body = (
        '[{"type": "text", "text": POLICY, ' + MARK + "}, "
        '{"type": "text", "text": "x", ' + MARK + "}]"
    )
    turn = ", ".join(['{"type": "text", "text": POLICY, ' + MARK + "}"] * 3)
    source = in_function(
        f"claude.messages.create(model=MODEL, max_tokens=5, system={body}, "
        f'messages=[{{"role": "user", "content": [{turn}]}}])'
    )
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(
        '{"type": "text", "text": "x", ' + MARK + "}", '{"type": "text", "text": "x"}'
    )
    assert codes(fixed) == []


def test_bc306_drops_several_points_of_one_list_in_one_edit():
    # Six equal steps, four kept: every other one of the first four goes, so that a call that
    # differs anywhere still finds a kept point close before it.
    source = converse_system(*policy_points(*[POINT] * 6))
    assert fixes(source)["BC306"] == (
        "Remove the breakpoints at system[3].cachePoint, system[7].cachePoint "
        "(Bedrock allows at most 4)"
    )
    fixed = fix(source, unsafe=True)
    text = '{"text": POLICY}'
    assert fixed == converse_system(text, POINT, text, text, POINT, text, text, POINT, text, POINT)
    assert codes(fixed) == []


def test_bc306_keeps_a_multi_line_list_and_its_comments():
    source = in_function(
        "client.converse(\n"
        "        modelId=MODEL,\n"
        "        system=[\n"
        + "".join(
            f"            {block},  # {n}\n" for n, block in enumerate(policy_points(*[POINT] * 5))
        )
        + "        ],\n"
        f"        messages={USER},\n"
        "    )"
    )
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(f"            {POINT},  # 3\n", "")
    assert codes(fixed) == []


def test_bc306_never_keeps_a_one_hour_point_after_a_five_minute_one():
    # Dropping system[3] would leave 5m, 1h, 1h, 1h: rejected (BC307). BC307's fix goes first,
    # and BC306 is fixed on the next pass, over points that are all 5m by then.
    source = converse_system(*policy_points(POINT, *[POINT_1H] * 4))
    assert fixes(source)["BC306"] is None
    fixed = fix(source, unsafe=True)
    assert fixed == converse_system(*policy_points(POINT, POINT, POINT, POINT)).replace(
        f"{POINT}, {{", f'{POINT}, {{"text": POLICY}}, {{', 1
    )
    assert codes(fixed) == []


def test_bc306_no_fix_for_a_shared_cache_point_constant():
    source = converse_system(*policy_points(*["CP"] * 5))
    assert "BC306" in codes(source)
    assert fix(source, unsafe=True) == source


def test_bc306_no_fix_when_a_directive_is_computed():
    # Its ttl is unknown, so whether the kept points are in TTL order is unknown too.
    source = converse_system(*policy_points('{"cachePoint": make_point()}', *[POINT] * 4))
    helper = "\n\ndef make_point():\n    return json.loads(RAW_POINT)\n\n\ndef f("
    source = source.replace("\n\ndef f(", helper)
    assert "BC306" in codes(source)
    assert fix(source, unsafe=True) == source


def test_bc306_no_fix_through_litellm():
    # LiteLLM moves the system message out of `messages`: the wire's messages[0].content[0] is
    # the user's first block, while the call's messages[0].content[0] is a system block.
    block = '{"type": "text", "text": POLICY, ' + MARK + "}"
    source = litellm_call(
        f'[{{"role": "system", "content": [{block}, {block}]}}, '
        f'{{"role": "user", "content": [{block}, {block}, {block}]}}]',
        "INVOKE",
    )
    assert "BC306" in codes(source)
    assert fix(source, unsafe=True) == source


# ---- BC314: request-level cache_control ----------------------------------------------------------

MARKED_SYSTEM = '[{"type": "text", "text": POLICY, ' + MARK + "}]"


def test_bc314_removes_the_argument_and_is_unsafe():
    source = in_function(
        "claude.messages.create(\n"
        "        model=MODEL,\n"
        "        max_tokens=5,\n"
        f"        system={MARKED_SYSTEM},\n"
        '        cache_control={"type": "ephemeral"},  # automatic caching\n'
        '        messages=[{"role": "user", "content": t}],\n'
        "    )"
    )
    assert fixes(source) == {"BC314": "Remove the request-level `cache_control`"}
    assert catalogue()["BC314"].autofix.applicability == "unsafe"
    assert fix(source) == source
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(
        '        cache_control={"type": "ephemeral"},  # automatic caching\n', ""
    )
    assert codes(fixed) == []


def test_bc314_removes_the_key_of_an_invoke_model_body():
    body = (
        '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "cache_control": '
        f'{{"type": "ephemeral"}}, "system": {MARKED_SYSTEM}, '
        '"messages": [{"role": "user", "content": t}]}'
    )
    source = in_function(f"client.invoke_model(modelId=MODEL, body=json.dumps({body}))")
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace('"cache_control": {"type": "ephemeral"}, "system"', '"system"')
    assert codes(fixed) == []


def test_bc314_removes_additional_model_request_fields_it_empties():
    call = (
        f'client.converse(modelId=MODEL, system=[{{"text": POLICY}}, {POINT}], messages={USER}, '
        'additionalModelRequestFields={"cache_control": {"type": "ephemeral"}})'
    )
    source = in_function(call)
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(
        ', additionalModelRequestFields={"cache_control": {"type": "ephemeral"}}', ""
    )
    assert codes(fixed) == []


def test_bc314_keeps_the_other_additional_fields():
    call = (
        f'client.converse(modelId=MODEL, system=[{{"text": POLICY}}, {POINT}], messages={USER}, '
        'additionalModelRequestFields={"cache_control": {"type": "ephemeral"}, "top_k": 5})'
    )
    source = in_function(call)
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(
        '{"cache_control": {"type": "ephemeral"}, "top_k": 5}', '{"top_k": 5}'
    )
    assert codes(fixed) == []


def test_bc314_then_bc103_marks_the_system_prompt_of_a_litellm_call():
    # BC314 explains why nothing caches, so BC103 only appears once it is fixed; the next pass
    # adds the explicit breakpoint the request-level directive was meant to be.
    source = in_function(
        'litellm.completion(model=SONNET, cache_control={"type": "ephemeral"}, '
        'messages=[{"role": "system", "content": POLICY}, {"role": "user", "content": t}])',
        LITELLM,
    )
    assert codes(source) == ["BC314"]
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(
        'cache_control={"type": "ephemeral"}, messages=[{"role": "system", "content": POLICY}',
        'messages=[{"role": "system", "content": [{"type": "text", "text": POLICY, ' + MARK + "}]}",
    )
    assert codes(fixed) == []


def test_bc314_no_fix_for_a_computed_or_shared_value():
    computed = in_function(
        "claude.messages.create(model=MODEL, max_tokens=5, "
        f'system={MARKED_SYSTEM}, cache_control=dict(type="ephemeral"), '
        'messages=[{"role": "user", "content": t}])'
    )
    shared = (HEAD + 'AUTO = {"type": "ephemeral"}\n').replace("\n\n\ndef", "\n\ndef") + (
        "\n\ndef f(t: str):\n"
        f"    claude.messages.create(model=MODEL, max_tokens=5, system={MARKED_SYSTEM}, "
        'cache_control=AUTO, messages=[{"role": "user", "content": t}])\n'
    )
    for source in (computed, shared):
        assert "BC314" in codes(source)
        assert fix(source, unsafe=True) == source


# ---- BC103: no cache_control from a LiteLLM call -------------------------------------------------


def litellm_call(messages: str, model: str = "SONNET", extra: str = "") -> str:
    return in_function(f"litellm.completion(model={model}{extra}, messages={messages})", LITELLM)


def test_bc103_turns_a_string_system_message_into_a_marked_block():
    source = litellm_call('[{"role": "system", "content": POLICY}, {"role": "user", "content": t}]')
    assert fixes(source) == {"BC103": "Add `cache_control` to messages[0].content"}
    assert catalogue()["BC103"].autofix.applicability == "safe"
    fixed = fix(source)
    assert fixed == source.replace(
        '[{"role": "system", "content": POLICY}',
        '[{"role": "system", "content": [{"type": "text", "text": POLICY, ' + MARK + "}]}",
    )
    assert codes(fixed) == []


def test_bc103_marks_text_blocks_on_the_invoke_route():
    blocks = '[{"type": "text", "text": POLICY}, {"type": "text", "text": POLICY}]'
    source = litellm_call(
        f'[{{"role": "system", "content": {blocks}}}, {{"role": "user", "content": t}}]', "INVOKE"
    )
    fixed = fix(source)
    marked = '{"type": "text", "text": POLICY, ' + MARK + "}"
    assert fixed == source.replace(blocks, f"[{marked}, {marked}]")
    assert codes(fixed) == []


def test_bc103_marks_a_local_tool_at_its_top_level():
    tool = (
        '{"type": "function", "function": {"name": "x", "description": POLICY, "parameters": {}}}'
    )
    source = LITELLM + (
        "\n\ndef f(t: str):\n"
        f"    tool = {tool}\n"
        "    litellm.completion(\n"
        '        model=SONNET, tools=[tool], messages=[{"role": "user", "content": t}]\n'
        "    )\n"
    )
    fixed = fix(source)
    assert fixed == source.replace(tool, tool[:-1] + ", " + MARK + "}")
    assert codes(fixed) == []


def test_bc103_no_fix_for_a_shared_message_constant():
    # SYSTEM serves every call that uses it: the mark would change them all.
    source = litellm_call('[SYSTEM, {"role": "user", "content": t}]')
    assert "BC103" in codes(source)
    assert fix(source, unsafe=True) == source


def test_bc103_no_fix_for_an_unknown_model():
    source = LITELLM + (
        "\n\ndef f(t: str, model: str):\n"
        '    litellm.completion(model=model, messages=[{"role": "system", "content": POLICY}, '
        '{"role": "user", "content": t}])\n'
    )
    assert fix(source, unsafe=True) == source


def test_bc103_no_fix_below_the_model_minimum():
    # About 1,700 tokens of policy: under Haiku 4.5's 4,096 whatever the estimate.
    source = litellm_call(
        '[{"role": "system", "content": POLICY}, {"role": "user", "content": t}]', "HAIKU"
    )
    assert fix(source, unsafe=True) == source


def test_bc103_no_fix_for_a_computed_system_prompt():
    source = litellm_call(
        '[{"role": "system", "content": open("policy.txt").read()}, {"role": "user", "content": t}]'
    )
    assert fix(source, unsafe=True) == source
