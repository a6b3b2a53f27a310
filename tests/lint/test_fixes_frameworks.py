"""Fixes that add the missing cache directive through a framework: Strands (BC104) and LangChain
ChatBedrockConverse (BC106).

The fix is offered only when the request with it is known to cache (checked through the layer's
own backend): each case states the exact text after ``--fix``, and the cases where it must not
be offered.
"""

from __future__ import annotations

import ast

from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = 'POLICY = "Follow the refund policy step by step and cite the section you used. " * 120\n'
STRANDS = f'from strands import Agent\n\nMODEL = "{MODEL}"\n{POLICY}'
LANGCHAIN = (
    "from langchain_aws import ChatBedrock, ChatBedrockConverse\n"
    "from langchain_core.messages import HumanMessage, SystemMessage\n\n"
    f'MODEL = "{MODEL}"\n{POLICY}'
    'llm = ChatBedrockConverse(model=MODEL, region_name="us-east-1")\n'
)


def fix(source: str) -> str:
    return fix_text(source, lambda t: check_source(t, "t.py").diagnostics).text


def codes(source: str) -> list[str]:
    return [d.code for d in check_source(source, "t.py").diagnostics]


def assert_fixed(source: str, expected: str, code: str) -> None:
    assert code in codes(source)
    fixed = fix(source)
    assert fixed == expected
    ast.parse(fixed)
    assert codes(fixed) == []
    assert fix(fixed) == fixed


def no_fix(source: str, code: str) -> None:
    assert code in codes(source)
    assert fix(source) == source


# ---- Strands: BC104 ---------------------------------------------------------------------------


def test_bc104_ends_a_string_system_prompt_with_a_cache_point():
    source = STRANDS + 'agent = Agent(model=MODEL, system_prompt=POLICY)\nagent("hi")\n'
    expected = source.replace(
        "system_prompt=POLICY",
        'system_prompt=[{"text": POLICY}, {"cachePoint": {"type": "default"}}]',
    )
    assert_fixed(source, expected, "BC104")


def test_bc104_no_fix_below_the_model_minimum():
    source = STRANDS + 'agent = Agent(model=MODEL, system_prompt="Be brief. " * 300)\n'
    no_fix(source.replace("* 120", "* 1"), "BC104")


def test_bc104_no_fix_when_the_system_prompt_changes_per_call():
    # A cachePoint after a clock never hits: the fix would only add write costs (BC401).
    source = (
        "from datetime import datetime\n"
        + STRANDS
        + 'agent = Agent(model=MODEL, system_prompt=f"Now {datetime.now()}. {POLICY}")\n'
    )
    no_fix(source, "BC104")


def test_bc104_no_fix_without_a_known_model():
    no_fix(STRANDS + "agent = Agent(system_prompt=POLICY)\n", "BC104")


# ---- LangChain: BC106 ---------------------------------------------------------------------------


def test_bc106_adds_a_call_cache_control():
    source = (
        LANGCHAIN + "\n\ndef answer(question: str) -> str:\n"
        "    return llm.invoke([SystemMessage(POLICY), HumanMessage(question)]).text\n"
    )
    expected = source.replace(
        "HumanMessage(question)])", 'HumanMessage(question)], cache_control={"type": "ephemeral"})'
    )
    assert_fixed(source, expected, "BC106")


def test_bc106_keeps_one_argument_per_line():
    source = (
        LANGCHAIN + "\n\ndef answer(question: str) -> str:\n"
        "    return llm.invoke(  # the model call\n"
        "        [SystemMessage(POLICY), HumanMessage(question)]\n"
        "    ).text\n"
    )
    expected = source.replace(
        "HumanMessage(question)]\n",
        'HumanMessage(question)],\n        cache_control={"type": "ephemeral"}\n',
    )
    assert_fixed(source, expected, "BC106")


def test_bc106_no_fix_for_chat_bedrock():
    # ChatBedrock's call argument marks only the last message: not the system prompt.
    source = (
        LANGCHAIN + 'old = ChatBedrock(model_id=MODEL, region_name="us-east-1")\n\n\n'
        "def answer(question: str) -> str:\n"
        "    return old.invoke([SystemMessage(POLICY), HumanMessage(question)]).text\n"
    )
    no_fix(source, "BC106")


def test_bc106_no_fix_when_the_prefix_may_be_below_the_model_minimum():
    source = (
        LANGCHAIN.replace("* 120", "* 40") + "\n\ndef answer(question: str) -> str:\n"
        "    return llm.invoke([SystemMessage(POLICY), HumanMessage(question)]).text\n"
    )
    no_fix(source, "BC106")


def test_bc106_no_fix_when_keywords_are_spread():
    source = (
        LANGCHAIN + "\n\ndef answer(question: str, **options) -> str:\n"
        "    return llm.invoke([SystemMessage(POLICY), HumanMessage(question)], **options).text\n"
    )
    assert fix(source) == source
