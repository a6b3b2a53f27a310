"""pydantic-ai's fixers (BC105, BC220, BC224): the exact text after ``--fix``, and the cases where
no fix may be offered.

Every fixed text is linted again: the fixed finding is gone and no code appears that was not
there before (a fix that traded BC224 for BC226, or BC220 for BC223, would be a wrong fix).
"""

from __future__ import annotations

from collections import Counter

import pytest

from bedrockcache.audit import audit
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text
from bedrockcache.rules.catalogue import catalogue

HEAD = """\
from pydantic_ai import Agent
from pydantic_ai.models.bedrock import BedrockConverseModel, BedrockModelSettings

MODEL = "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 200
"""
EXTRA = '{"extra_body": {"cache_control": {"type": "ephemeral"}}}'


def lint(source: str) -> list[str]:
    return [d.code for d in check_source(source, "t.py").diagnostics]


def fixes(source: str) -> dict[str, bool]:
    """Each diagnostic's code and whether it carries a fix."""
    found: dict[str, bool] = {}
    for d in check_source(source, "t.py").diagnostics:
        found[d.code] = found.get(d.code, False) or d.autofix is not None
    return found


def fix(source: str) -> str:
    """``--fix`` (safe fixes only), checked: a second pass changes nothing."""
    text = fix_text(source, lambda t: check_source(t, "t.py").diagnostics).text
    again = fix_text(text, lambda t: check_source(t, "t.py").diagnostics)
    assert again.text == text and not again.changed
    return text


def assert_fixed(body: str, expected: str, code: str) -> None:
    source, wanted = HEAD + body, HEAD + expected
    assert code in lint(source)
    assert fix(source) == wanted
    before, after = Counter(lint(source)), Counter(lint(wanted))
    assert after[code] < before[code]
    assert not set(after) - set(before), f"new findings: {after - before}"


def assert_not_fixed(body: str, code: str) -> None:
    source = HEAD + body
    assert fixes(source).get(code) is False, fixes(source)  # reported, with no fix
    assert fix(source) == source


# ---- the catalogue -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["BC105", "BC220", "BC224"])
def test_the_fixes_are_safe_they_change_only_what_is_cached(code):
    autofix = catalogue()[code].autofix
    assert autofix is not None and autofix.safe


# ---- where the backend says the key is --------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "path"),
    [
        ({"model_settings": {"anthropic_cache_instructions": True}}, "model_settings"),
        ({"run_model_settings": {"anthropic_cache_instructions": True}}, "run_model_settings"),
        (
            {
                "model": {
                    "model_name": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                    "settings": {"anthropic_cache_instructions": True},
                },
            },
            "model.settings",
        ),
    ],
    ids=["agent", "run", "model"],
)
def test_an_ignored_setting_is_reported_where_it_is_set(request_, path):
    request = {"model": "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0", "prompt": "hi"}
    [finding] = audit({**request, **request_}, "pydantic-ai-bedrock").findings
    assert (finding.code, finding.path) == ("BC224", f"{path}.anthropic_cache_instructions")


def test_a_later_source_wins_the_path_as_it_wins_the_merge():
    report = audit(
        {
            "model": "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "model_settings": {"extra_body": {"cache_control": {"type": "ephemeral"}}},
            "run_model_settings": {"extra_body": {"cache_control": {"type": "ephemeral"}}},
        },
        "pydantic-ai-bedrock",
    )
    assert [f.path for f in report.findings if f.code == "BC220"] == [
        "run_model_settings.extra_body"
    ]


# ---- BC220: extra_body -------------------------------------------------------------------------


def test_bc220_extra_body_cache_control_becomes_bedrock_cache_messages():
    assert_fixed(
        f"agent = Agent(MODEL, instructions=POLICY, model_settings={EXTRA})\n",
        "agent = Agent(MODEL, instructions=POLICY, "
        'model_settings={"bedrock_cache_messages": True})\n',
        "BC220",
    )


def test_bc220_keeps_the_ttl_and_the_place_in_a_settings_class():
    assert_fixed(
        """
agent = Agent(
    MODEL,
    instructions=POLICY,
    model_settings=BedrockModelSettings(
        temperature=0.2,
        extra_body={"cache_control": {"type": "ephemeral", "ttl": "1h"}},
        max_tokens=500,
    ),
)
""",
        """
agent = Agent(
    MODEL,
    instructions=POLICY,
    model_settings=BedrockModelSettings(
        temperature=0.2,
        bedrock_cache_messages="1h",
        max_tokens=500,
    ),
)
""",
        "BC220",
    )


def test_bc220_keeps_the_quote_style():
    assert_fixed(
        "agent = Agent(MODEL, instructions=POLICY, model_settings={'extra_body': "
        "{'cache_control': {'type': 'ephemeral', 'ttl': '5m'}}})\n",
        "agent = Agent(MODEL, instructions=POLICY, "
        "model_settings={'bedrock_cache_messages': '5m'})\n",
        "BC220",
    )


def test_bc220_extra_body_with_more_in_it_stays_without_the_directive():
    assert_fixed(
        """
agent = Agent(
    MODEL,
    instructions=POLICY,
    model_settings={
        "extra_body": {"cache_control": {"type": "ephemeral"}, "metadata": {"team": "support"}},
        "temperature": 0,
    },
)
""",
        """
agent = Agent(
    MODEL,
    instructions=POLICY,
    model_settings={
        "extra_body": {"metadata": {"team": "support"}},
        "bedrock_cache_messages": True,
        "temperature": 0,
    },
)
""",
        "BC220",
    )


def test_bc220_in_the_run_settings():
    assert_fixed(
        f"""
agent = Agent(MODEL, instructions=POLICY)


def ask(question: str) -> str:
    return agent.run_sync(question, model_settings={EXTRA}).output
""",
        """
agent = Agent(MODEL, instructions=POLICY)


def ask(question: str) -> str:
    return agent.run_sync(question, model_settings={"bedrock_cache_messages": True}).output
""",
        "BC220",
    )


def test_bc220_in_the_model_settings_of_a_model_bound_to_a_name_used_once():
    assert_fixed(
        f"""
model = BedrockConverseModel(
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    settings=BedrockModelSettings(extra_body={EXTRA[15:-1]}),
)
agent = Agent(model, instructions=POLICY)
""",
        """
model = BedrockConverseModel(
    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    settings=BedrockModelSettings(bedrock_cache_messages=True),
)
agent = Agent(model, instructions=POLICY)
""",
        "BC220",
    )


@pytest.mark.parametrize(
    "body",
    [
        # The system blocks in extra_body are not sent either: moving them is a choice.
        'agent = Agent(MODEL, instructions=POLICY, model_settings={"extra_body": {"system": '
        '[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}]}})\n',
        # A computed directive.
        "def make(directive: dict) -> Agent:\n"
        "    return Agent(MODEL, instructions=POLICY, model_settings="
        '{"extra_body": {"cache_control": directive}})\n',
        # Not a directive Bedrock has.
        'agent = Agent(MODEL, instructions=POLICY, model_settings={"extra_body": '
        '{"cache_control": {"type": "persistent"}}})\n',
        # A spread may hold any key.
        "def make(settings: dict) -> Agent:\n"
        "    return Agent(MODEL, instructions=POLICY, model_settings=BedrockModelSettings("
        '**settings, extra_body={"cache_control": {"type": "ephemeral"}}))\n',
        # The unified `cache` setting would be switched off (BC223).
        'agent = Agent(MODEL, instructions=POLICY, model_settings={"cache": True, "extra_body": '
        '{"cache_control": {"type": "ephemeral"}}})\n',
        # An explicit bedrock_cache_messages=False is a choice.
        'agent = Agent(MODEL, instructions=POLICY, model_settings={"bedrock_cache_messages": '
        'False, "extra_body": {"cache_control": {"type": "ephemeral"}}})\n',
        # Not a Claude model: pydantic-ai's profile for Llama drops every directive (BC221).
        'agent = Agent("bedrock:us.meta.llama3-3-70b-instruct-v1:0", instructions=POLICY, '
        f"model_settings={EXTRA})\n",
        # Claude 3 Haiku rejects a request with a cache directive: the fix would make it fail.
        'agent = Agent("bedrock:anthropic.claude-3-haiku-20240307-v1:0", instructions=POLICY, '
        f"model_settings={EXTRA})\n",
        # Settings two agents share.
        f"SETTINGS = {EXTRA}\n"
        "first = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n"
        "second = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n",
        # A run on an Anthropic model would lose what extra_body asks for there.
        f"agent = Agent(MODEL, instructions=POLICY, model_settings={EXTRA})\n\n\n"
        "def ask(question: str) -> str:\n"
        "    return agent.run_sync(question).output\n\n\n"
        "def ask_anthropic(question: str) -> str:\n"
        '    return agent.run_sync(question, model="anthropic:claude-sonnet-4-5").output\n',
    ],
    ids=[
        "system-blocks",
        "computed",
        "bad-type",
        "spread",
        "unified-cache",
        "explicit-false",
        "llama",
        "claude-3-haiku",
        "shared",
        "model-swapped-in-a-run",
    ],
)
def test_bc220_no_fix(body):
    assert_not_fixed(body, "BC220")


# ---- BC224: another provider's setting -------------------------------------------------------


def test_bc224_anthropic_setting_is_renamed():
    assert_fixed(
        """
agent = Agent(
    MODEL,
    instructions=POLICY,
    model_settings={
        "temperature": 0,  # calm
        'anthropic_cache_instructions': "1h",  # cache the policy
    },
)
""",
        """
agent = Agent(
    MODEL,
    instructions=POLICY,
    model_settings={
        "temperature": 0,  # calm
        'bedrock_cache_instructions': "1h",  # cache the policy
    },
)
""",
        "BC224",
    )


def test_bc224_openrouter_setting_is_renamed_in_a_settings_class():
    assert_fixed(
        "agent = Agent(MODEL, instructions=POLICY, "
        "model_settings=BedrockModelSettings(openrouter_cache_messages=True))\n",
        "agent = Agent(MODEL, instructions=POLICY, "
        "model_settings=BedrockModelSettings(bedrock_cache_messages=True))\n",
        "BC224",
    )


def test_bc224_tool_definitions_without_tools_stays():
    # Renamed, it would cache nothing and be BC226: the other two are renamed, it is left.
    source = HEAD + (
        "agent = Agent(\n"
        "    MODEL,\n"
        "    instructions=POLICY,\n"
        "    model_settings=BedrockModelSettings(\n"
        "        anthropic_cache_instructions=True,\n"
        "        anthropic_cache_tool_definitions=True,\n"
        "        anthropic_cache_messages=True,\n"
        "    ),\n"
        ")\n"
    )
    fixed = fix(source)
    assert fixed == source.replace(
        "anthropic_cache_instructions", "bedrock_cache_instructions"
    ).replace("anthropic_cache_messages", "bedrock_cache_messages")
    assert lint(fixed) == ["BC224"]


def test_bc224_tool_definitions_with_tools_is_renamed():
    body = """
agent = Agent(
    MODEL,
    instructions=POLICY,
    model_settings=BedrockModelSettings(
        anthropic_cache_instructions=True,
        anthropic_cache_tool_definitions=True,
    ),
)


@agent.tool_plain
def lookup_order(order_id: str) -> str:
    return order_id
"""
    assert_fixed(body, body.replace("anthropic_cache", "bedrock_cache"), "BC224")


@pytest.mark.parametrize(
    "body",
    [
        # Made up: no setting of that meaning to rename it to.
        "agent = Agent(MODEL, instructions=POLICY, "
        'model_settings={"bedrock_cache_prompt": True})\n',
        # Anthropic's automatic caching: no Bedrock setting means exactly that.
        'agent = Agent(MODEL, instructions=POLICY, model_settings={"anthropic_cache": True})\n',
        # The Bedrock key is already there.
        "agent = Agent(MODEL, instructions=POLICY, model_settings={"
        '"anthropic_cache_instructions": True, "bedrock_cache_instructions": False})\n',
        # It would switch the unified setting off (BC223).
        "agent = Agent(MODEL, instructions=POLICY, model_settings={"
        '"cache": True, "anthropic_cache_instructions": True})\n',
        # A computed value.
        "def make(flag: bool) -> Agent:\n"
        "    return Agent(MODEL, instructions=POLICY, model_settings={"
        '"anthropic_cache_instructions": flag})\n',
        # A spread.
        "def make(settings: dict) -> Agent:\n"
        "    return Agent(MODEL, instructions=POLICY, model_settings=BedrockModelSettings("
        "**settings, anthropic_cache_instructions=True))\n",
        # Shared settings.
        "SETTINGS = BedrockModelSettings(anthropic_cache_instructions=True)\n"
        "first = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n"
        "second = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n",
        # The only point would follow a tool whose size the source does not show (BC305).
        "agent = Agent(MODEL, instructions=POLICY, model_settings=BedrockModelSettings("
        "anthropic_cache_tool_definitions=True))\n\n\n"
        "@agent.tool_plain\n"
        "def lookup_order(order_id: str) -> str:\n"
        "    return order_id\n",
        # An Anthropic model in a run reads the anthropic_ key.
        "agent = Agent(MODEL, instructions=POLICY, model_settings={"
        '"anthropic_cache_instructions": True})\n\n\n'
        "def ask(question: str) -> str:\n"
        "    return agent.run_sync(question).output\n\n\n"
        "def ask_anthropic(question: str) -> str:\n"
        '    return agent.run_sync(question, model="anthropic:claude-sonnet-4-5").output\n',
    ],
    ids=[
        "made-up",
        "anthropic-auto-cache",
        "bedrock-key-present",
        "unified-cache",
        "computed-value",
        "spread",
        "shared",
        "unsized-tools-point",
        "model-swapped-in-a-run",
    ],
)
def test_bc224_no_fix(body):
    assert_not_fixed(body, "BC224")


# ---- BC105: no cache setting at all -------------------------------------------------------------


def test_bc105_adds_model_settings_to_the_agent():
    assert_fixed(
        "agent = Agent(MODEL, instructions=POLICY)\n\n\n"
        "def ask(question: str) -> str:\n"
        "    return agent.run_sync(question).output\n",
        "agent = Agent(MODEL, instructions=POLICY, "
        "model_settings=BedrockModelSettings(bedrock_cache_instructions=True))\n\n\n"
        "def ask(question: str) -> str:\n"
        "    return agent.run_sync(question).output\n",
        "BC105",
    )


def test_bc105_one_argument_per_line_stays_so():
    assert_fixed(
        """
agent = Agent(
    BedrockConverseModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    system_prompt=POLICY,  # the policy
)
""",
        """
agent = Agent(
    BedrockConverseModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
    system_prompt=POLICY,  # the policy
    model_settings=BedrockModelSettings(bedrock_cache_instructions=True),
)
""",
        "BC105",
    )


def test_bc105_imports_the_settings_class_when_missing():
    source = (
        "from pydantic_ai import Agent\n\n"
        'POLICY = "Follow the refund policy step by step. " * 300\n'
        'agent = Agent("bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0", '
        "instructions=POLICY)\n"
    )
    assert fix(source) == (
        "from pydantic_ai import Agent\n"
        "from pydantic_ai.models.bedrock import BedrockModelSettings\n\n"
        'POLICY = "Follow the refund policy step by step. " * 300\n'
        'agent = Agent("bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0", '
        "instructions=POLICY, "
        "model_settings=BedrockModelSettings(bedrock_cache_instructions=True))\n"
    )
    assert "BC105" not in lint(fix(source))


def test_bc105_adds_to_existing_settings():
    assert_fixed(
        'agent = Agent(MODEL, instructions=POLICY, model_settings={"temperature": 0})\n',
        "agent = Agent(MODEL, instructions=POLICY, "
        'model_settings={"temperature": 0, "bedrock_cache_instructions": True})\n',
        "BC105",
    )


def test_bc105_adds_to_settings_bound_to_a_name_used_once():
    assert_fixed(
        "SETTINGS: BedrockModelSettings = BedrockModelSettings(temperature=0)\n"
        "agent = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n",
        "SETTINGS: BedrockModelSettings = BedrockModelSettings(temperature=0, "
        "bedrock_cache_instructions=True)\n"
        "agent = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n",
        "BC105",
    )


def test_bc105_with_tools_caches_them_through_the_instructions_point():
    # Bedrock's prefix runs tools, system, messages: the system point covers the tools.
    body = """
agent = Agent(MODEL, instructions=POLICY)


@agent.tool_plain
def lookup_order(order_id: str) -> str:
    return order_id
"""
    expected = body.replace(
        "instructions=POLICY)",
        "instructions=POLICY, "
        "model_settings=BedrockModelSettings(bedrock_cache_instructions=True))",
    )
    assert_fixed(body, expected, "BC105")


@pytest.mark.parametrize(
    "body",
    [
        # The instructions are below the minimum: the long prompt is the run's, not cached by it.
        'agent = Agent(MODEL, instructions="Be brief.")\n\n\n'
        "def ask() -> str:\n"
        f'    return agent.run_sync("{"word " * 3000}").output\n',
        # Only dynamic instructions: pydantic-ai adds no system point.
        "agent = Agent(MODEL)\n\n\n@agent.instructions\ndef policy() -> str:\n    return POLICY\n",
        # Not a Claude model.
        'agent = Agent("bedrock:us.amazon.nova-pro-v1:0", instructions=POLICY)\n',
        # Settings two agents share.
        'SETTINGS = {"temperature": 0}\n'
        "first = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n"
        "second = Agent(MODEL, instructions=POLICY, model_settings=SETTINGS)\n",
        # A wrong cache setting is there: BC223's business, not an added one.
        "agent = Agent(MODEL, instructions=POLICY, model_settings=BedrockModelSettings("
        "cache=True, bedrock_cache_tool_definitions=False))\n",
    ],
    ids=["below-minimum", "dynamic-only", "nova", "shared-settings", "wrong-cache-key"],
)
def test_bc105_no_fix(body):
    assert_not_fixed(body, "BC105")


@pytest.mark.parametrize(
    "body",
    [
        # Part of the instructions is computed: the audit cannot see the request whole.
        "def make(extra: str) -> Agent:\n    return Agent(MODEL, instructions=POLICY + extra)\n",
        # Arguments hidden in a spread.
        "def make(options: dict) -> Agent:\n"
        "    return Agent(MODEL, instructions=POLICY, **options)\n",
        # Claude 3 Haiku: a cache directive would make the call fail.
        'agent = Agent("bedrock:anthropic.claude-3-haiku-20240307-v1:0", instructions=POLICY)\n',
    ],
    ids=["computed-instructions", "spread", "claude-3-haiku"],
)
def test_bc105_no_fix_where_nothing_is_offered(body):
    source = HEAD + body
    assert not [d for d in check_source(source, "t.py").diagnostics if d.autofix]
    assert fix(source) == source
