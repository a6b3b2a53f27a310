"""The unsafe fix for BC401-BC403: a per-call value leaves the system prompt for the latest turn.

Each case states the exact text after ``--fix --unsafe-fixes``, and the cases where no fix may be
offered because the move would change more than where the value sits, or could not run.
"""

from __future__ import annotations

import ast

from bedrockcache.config import Settings
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text

HEAD = """\
import os
import random
from datetime import date, datetime

import boto3
from anthropic import AnthropicBedrock

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
CACHE_POINT = {"cachePoint": {"type": "default"}}
GREETINGS = ["Hi!", "Hello!"]
WORKER = f"worker {os.getpid()}"
bedrock = boto3.client("bedrock-runtime")
client = AnthropicBedrock(aws_region="us-east-1")
"""
SETTINGS = Settings(extend_select=("BC403",))


def fix(source: str, *, unsafe: bool = True) -> str:
    check = lambda t: check_source(t, "t.py", SETTINGS).diagnostics  # noqa: E731
    return fix_text(source, check, unsafe=unsafe).text


def codes(source: str) -> list[str]:
    return [d.code for d in check_source(source, "t.py", SETTINGS).diagnostics]


def converse(body: str, system: str, messages: str) -> str:
    return HEAD + (
        "\n\ndef answer(question: str) -> dict:\n"
        f"{body}"
        "    return bedrock.converse(\n"
        "        modelId=MODEL,\n"
        f"        system={system},\n"
        f"        messages={messages},\n"
        "    )\n"
    )


USER = '[{"role": "user", "content": [{"text": question}]}]'


def assert_fixed(source: str, expected: str, code: str = "BC401") -> None:
    assert code in codes(source)
    assert fix(source, unsafe=False) == source  # unsafe: never with --fix alone
    fixed = fix(source)
    assert fixed == expected
    ast.parse(fixed)
    assert code not in codes(fixed)
    assert fix(fixed) == fixed


# ---- what moves -------------------------------------------------------------------------------


def test_the_sentence_around_the_value_moves_and_the_policy_stays():
    source = converse(
        "    now = datetime.now()\n",
        '[{"text": f"You are a clerk.\\nNow: {now}. {POLICY}"}, CACHE_POINT]',
        USER,
    )
    expected = source.replace(
        'f"You are a clerk.\\nNow: {now}. {POLICY}"', 'f"You are a clerk.\\n{POLICY}"'
    ).replace('[{"text": question}]', '[{"text": f"Now: {now}."}, {"text": question}]')
    assert_fixed(source, expected)


def test_a_concatenation_is_cut_the_same_way():
    source = converse(
        '    stamp = datetime.utcnow().strftime("%H:%M")\n',
        '[{"text": POLICY + " Time: " + stamp}, CACHE_POINT]',
        USER,
    )
    expected = source.replace('POLICY + " Time: " + stamp', "POLICY").replace(
        '[{"text": question}]', '[{"text": "Time: " + stamp}, {"text": question}]'
    )
    assert_fixed(source, expected)


def test_a_short_block_holding_only_the_value_moves_whole_and_string_content_becomes_blocks():
    source = HEAD + (
        "\n\ndef greet(question: str):\n"
        "    greeting = GREETINGS[random.randrange(len(GREETINGS))]\n"
        "    return client.messages.create(\n"
        "        model=MODEL,\n"
        "        max_tokens=1024,\n"
        "        system=[\n"
        '            {"type": "text", "text": greeting},\n'
        '            {"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}},\n'
        "        ],\n"
        '        messages=[{"role": "user", "content": question}],\n'
        "    )\n"
    )
    expected = source.replace('            {"type": "text", "text": greeting},\n', "").replace(
        '"content": question}',
        '"content": [{"type": "text", "text": greeting}, {"type": "text", "text": question}]}',
    )
    assert_fixed(source, expected)


def test_a_marked_block_keeps_its_directive_when_its_text_is_cut():
    source = HEAD.replace("import os\n", "import json\nimport os\n") + (
        "\n\ndef invoke(question: str):\n"
        "    body = {\n"
        '        "anthropic_version": "bedrock-2023-05-31",\n'
        '        "max_tokens": 512,\n'
        '        "system": [{"type": "text", "text": f"{datetime.now()} {POLICY}", '
        '"cache_control": {"type": "ephemeral"}}],\n'
        '        "messages": [{"role": "user", "content": [{"type": "text", "text": question}]}],\n'
        "    }\n"
        "    return bedrock.invoke_model(modelId=MODEL, body=json.dumps(body))\n"
    )
    expected = source.replace('f"{datetime.now()} {POLICY}"', 'f"{POLICY}"').replace(
        '"content": [{"type": "text", "text": question}]',
        '"content": [{"type": "text", "text": f"{datetime.now()}"}, '
        '{"type": "text", "text": question}]',
    )
    assert_fixed(source, expected)


def test_a_per_process_value_and_a_date_move_too():
    source = converse("", '[{"text": WORKER}, {"text": POLICY}, CACHE_POINT]', USER)
    expected = source.replace('[{"text": WORKER}, {"text": POLICY}', '[{"text": POLICY}').replace(
        '[{"text": question}]', '[{"text": WORKER}, {"text": question}]'
    )
    assert_fixed(source, expected, "BC402")
    source = converse("", '[{"text": f"{POLICY} Today is {date.today()}."}, CACHE_POINT]', USER)
    expected = source.replace('f"{POLICY} Today is {date.today()}."', 'f"{POLICY}"').replace(
        '[{"text": question}]', '[{"text": f"Today is {date.today()}."}, {"text": question}]'
    )
    assert_fixed(source, expected, "BC403")


# ---- what does not move -----------------------------------------------------------------------


def no_fix(source: str, code: str = "BC401") -> None:
    assert code in codes(source)
    assert fix(source) == source


def test_no_fix_when_a_helper_builds_the_messages():
    no_fix(
        converse(
            "    now = datetime.now()\n",
            '[{"text": f"Now: {now}. {POLICY}"}, CACHE_POINT]',
            "_user(question)",
        )
        + "\n\ndef _user(text):\n"
        '    return [{"role": "user", "content": [{"text": text}]}]\n'
    )


def test_no_fix_when_the_latest_turn_holds_a_breakpoint():
    # The moved value would sit before that breakpoint: the next call's history changes.
    no_fix(
        converse(
            "    now = datetime.now()\n",
            '[{"text": f"Now: {now}. {POLICY}"}, CACHE_POINT]',
            '[{"role": "user", "content": [{"text": POLICY}, CACHE_POINT, {"text": question}]}]',
        )
    )


def test_no_fix_when_a_stable_placeholder_sits_between_two_uses():
    no_fix(
        converse(
            "    now = datetime.now()\n",
            '[{"text": f"Since {now} {POLICY} until {now}."}, CACHE_POINT]',
            USER,
        )
    )


def test_no_fix_when_the_turn_is_built_before_the_value_exists():
    # The value would be read before it is bound: the move would raise NameError.
    source = HEAD + (
        "\n\ndef answer(question: str) -> dict:\n"
        f"    messages = {USER}\n"
        "    now = datetime.now()\n"
        "    return bedrock.converse(\n"
        "        modelId=MODEL,\n"
        '        system=[{"text": f"Now: {now}. {POLICY}"}, CACHE_POINT],\n'
        "        messages=messages,\n"
        "    )\n"
    )
    no_fix(source)


def test_no_fix_when_the_block_is_the_only_content_before_the_cache_point():
    no_fix(converse("    rid = random.random()\n", '[{"text": rid}, CACHE_POINT]', USER))


def test_no_fix_when_a_long_stable_text_is_built_elsewhere():
    # Moving the whole block would move the policy out of the cache.
    no_fix(
        converse(
            '    text = "\\n".join(["Examples:", str(random.random()), POLICY])\n',
            '[{"text": text}, {"text": POLICY}, CACHE_POINT]',
            USER,
        )
    )


def test_no_fix_for_a_value_in_an_earlier_message():
    no_fix(
        converse(
            "",
            '[{"text": POLICY}, CACHE_POINT]',
            '[{"role": "user", "content": [{"text": f"At {datetime.now()}"}, CACHE_POINT]}, '
            '{"role": "assistant", "content": [{"text": "ok"}]}, '
            '{"role": "user", "content": [{"text": question}]}]',
        )
    )
