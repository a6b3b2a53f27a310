"""Recognition edge cases of the Strands and pydantic-ai call-site finders.

Each source is linted whole, as a user's file would be: what matters is which calls become call
sites, which codes land on which lines, and that what the file does not show gives an unresolved
entry instead of a diagnostic.
"""

from __future__ import annotations

import textwrap

import pytest

from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.checker import check_source

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = '"Follow the refund policy step by step. " * 200'


def _lint(source: str) -> FileResult:
    code = textwrap.dedent(source).replace("$MODEL", repr(MODEL)).replace("$POLICY", POLICY)
    return check_source(code, "app.py")


def _codes(report: FileResult) -> set[tuple[int, str]]:
    return {(d.line, d.code) for d in report.diagnostics}


def _kinds(report: FileResult) -> list[str]:
    return [u.kind for u in report.unresolved]


# ---- Strands: import styles and look-alikes ------------------------------------------------------

STRANDS_UNCACHED = """\
{imports}
POLICY = $POLICY
agent = {agent}(model={model}(model_id=$MODEL), system_prompt=POLICY)
"""


@pytest.mark.parametrize(
    ("imports", "agent", "model"),
    [
        (
            "from strands import Agent\nfrom strands.models import BedrockModel",
            "Agent",
            "BedrockModel",
        ),
        (
            "from strands.agent import Agent\nfrom strands.models.bedrock import BedrockModel",
            "Agent",
            "BedrockModel",
        ),
        ("import strands\nimport strands.models", "strands.Agent", "strands.models.BedrockModel"),
        ("import strands as sa", "sa.Agent", "sa.models.BedrockModel"),
        (
            "from strands import Agent as StrandsAgent\n"
            "from strands.models import BedrockModel as Claude",
            "StrandsAgent",
            "Claude",
        ),
    ],
)
def test_strands_agent_is_recognised_in_every_import_style(
    imports: str, agent: str, model: str
) -> None:
    report = _lint(STRANDS_UNCACHED.format(imports=imports, agent=agent, model=model))
    line = len(imports.splitlines()) + 2
    assert _codes(report) == {(line, "BC104")}
    assert report.call_sites == 1  # the BedrockModel is audited with its Agent, not alone


def test_strands_model_id_string_and_default_model_are_bedrock() -> None:
    report = _lint("""\
        from strands import Agent
        POLICY = $POLICY
        by_id = Agent(model=$MODEL, system_prompt=POLICY)
        by_default = Agent(system_prompt=POLICY)
        empty = Agent("", system_prompt=POLICY)
    """)
    assert _codes(report) == {(3, "BC104"), (4, "BC104"), (5, "BC104")}


def test_strands_agent_with_another_provider_is_not_a_call_site() -> None:
    report = _lint("""\
        from strands import Agent
        from strands.models.openai import OpenAIModel
        from strands.models.litellm import LiteLLMModel
        from vendor.models import AcmeModel
        POLICY = $POLICY
        a = Agent(model=OpenAIModel(model_id="gpt-4o"), system_prompt=POLICY)
        model = LiteLLMModel(model_id="bedrock/anthropic.claude")
        b = Agent(model=model, system_prompt=POLICY)
        c = Agent(model=AcmeModel(), system_prompt=POLICY)
    """)
    assert report.diagnostics == []
    assert report.call_sites == 0


def test_a_look_alike_agent_is_not_a_call_site() -> None:
    report = _lint("""\
        from myapp.strands_compat import Agent
        POLICY = $POLICY

        class BedrockModel:
            def __init__(self, model_id):
                self.model_id = model_id

        agent = Agent(model=$MODEL, system_prompt=POLICY)
        model = BedrockModel($MODEL)
    """)
    assert report.call_sites == 0
    assert report.diagnostics == []


# ---- Strands: linking, prompts, what is not seen -------------------------------------------------


def test_a_linked_model_is_audited_with_its_agent_only() -> None:
    report = _lint("""\
        from strands import Agent
        from strands.models import BedrockModel, CacheConfig
        POLICY = $POLICY
        model = BedrockModel(model_id=$MODEL, cache_config=CacheConfig(strategy="auto"))
        agent = Agent(model=model, system_prompt=POLICY)

        def answer(question: str) -> str:
            return str(agent(question))
    """)
    assert report.diagnostics == []  # and no BC311 on the point after the unseen question
    assert report.unresolved == []
    assert report.call_sites == 1


def test_a_model_with_no_agent_in_the_file_reports_only_its_own_arguments() -> None:
    report = _lint("""\
        from strands.models import BedrockModel
        uncached = BedrockModel(model_id=$MODEL)
        legacy = BedrockModel(model_id=$MODEL, cache_points=["system"])
    """)
    assert _codes(report) == {(3, "BC210")}  # no BC104: the system prompt is not visible
    assert _kinds(report) == ["strands BedrockModel", "strands BedrockModel"]


def test_finding_about_the_model_is_placed_on_its_argument() -> None:
    report = _lint("""\
        from strands import Agent
        from strands.models import BedrockModel, CacheConfig
        POLICY = $POLICY
        agent = Agent(
            model=BedrockModel(
                model_id="us.amazon.nova-pro-v1:0",
                cache_config=CacheConfig(strategy="auto"),
            ),
            system_prompt=POLICY,
        )
    """)
    (diagnostic,) = report.diagnostics
    assert (diagnostic.line, diagnostic.code) == (7, "BC211")
    assert diagnostic.column == 43  # the "auto" the finding is about


@pytest.mark.parametrize("invocation", ["agent({p})", "await agent.invoke_async({p})",
                                        "agent.stream_async({p})",
                                        "await agent.structured_output(Answer, {p})"])  # fmt: skip
def test_a_visible_prompt_is_part_of_the_request(invocation: str) -> None:
    prompt = '[{"text": question, "cache_control": {"type": "ephemeral"}}]'
    report = _lint(f"""\
        from strands import Agent
        POLICY = $POLICY
        CACHE_POINT = {{"cachePoint": {{"type": "default"}}}}
        agent = Agent(model=$MODEL, system_prompt=[{{"text": POLICY}}, CACHE_POINT])

        async def ask(question: str):
            return {invocation.format(p=prompt)}
    """)
    assert _codes(report) == {(7, "BC204")}


def test_invocations_in_one_block_are_one_conversation() -> None:
    report = _lint("""\
        from strands import Agent
        POLICY = $POLICY
        CACHE_POINT = {"cachePoint": {"type": "default"}}
        agent = Agent(model=$MODEL, system_prompt=[{"text": POLICY}, CACHE_POINT])
        agent("Read the policy.")
        agent([{"text": "Summarise it.", "cache_control": {"type": "ephemeral"}}])
        agent("Thanks.")
    """)
    assert _codes(report) == {(6, "BC204")}


def test_agent_cache_parameters_that_do_not_exist_are_reported() -> None:
    report = _lint("""\
        from strands import Agent
        POLICY = $POLICY
        agent = Agent(model=$MODEL, system_prompt=POLICY, cache_points=["system"])
    """)
    assert _codes(report) == {(3, "BC210")}


def test_unknown_inputs_give_an_unresolved_entry_not_a_diagnostic() -> None:
    report = _lint("""\
        from strands import Agent
        from strands.models import BedrockModel

        def build(system_prompt, model_options):
            model = BedrockModel(model_id=$MODEL, **model_options)
            return Agent(model=model, system_prompt=system_prompt)

        def prompt_in_a_loop(questions):
            agent = Agent(model=$MODEL, system_prompt=$POLICY)
            for question in questions:
                agent(question)
    """)
    assert report.diagnostics == []
    assert _kinds(report) == ["strands Agent", "strands Agent"]
    assert any("model_options" in r for r in report.unresolved[0].reasons)


def test_a_reassigned_system_prompt_is_unknown() -> None:
    report = _lint("""\
        from strands import Agent
        POLICY = $POLICY
        agent = Agent(model=$MODEL, system_prompt=POLICY)
        agent.system_prompt = load_prompt_blocks()
    """)
    assert report.diagnostics == []
    assert _kinds(report) == ["strands Agent"]


def test_a_model_updated_later_is_unknown() -> None:
    report = _lint("""\
        from strands import Agent
        from strands.models import BedrockModel
        POLICY = $POLICY
        model = BedrockModel(model_id=$MODEL)
        agent = Agent(model=model, system_prompt=POLICY)
        model.update_config(cache_config=settings.cache)
    """)
    assert report.diagnostics == []


def test_a_dict_as_cache_config_is_reported() -> None:
    report = _lint("""\
        from strands import Agent
        from strands.models import BedrockModel
        model = BedrockModel(model_id=$MODEL, cache_config={"strategy": "auto"})
        agent = Agent(model=model, system_prompt=$POLICY)
    """)
    assert _codes(report) == {(3, "BC213")}


# ---- pydantic-ai: import styles and look-alikes --------------------------------------------------

PYDANTIC_UNCACHED = """\
{imports}
POLICY = $POLICY
agent = {agent}({model}, instructions=POLICY)
"""


@pytest.mark.parametrize(
    ("imports", "agent", "model"),
    [
        ("from pydantic_ai import Agent", "Agent", '"bedrock:" + $MODEL'),
        ("from pydantic_ai.agent import Agent", "Agent", '"bedrock:" + $MODEL'),
        ("import pydantic_ai", "pydantic_ai.Agent", '"bedrock:" + $MODEL'),
        ("import pydantic_ai as pai", "pai.Agent", '"bedrock:" + $MODEL'),
        (
            "from pydantic_ai import Agent\n"
            "from pydantic_ai.models.bedrock import BedrockConverseModel",
            "Agent",
            "BedrockConverseModel($MODEL)",
        ),
        (
            "from pydantic_ai import Agent as PydanticAgent\n"
            "from pydantic_ai.models.bedrock import BedrockConverseModel as Converse",
            "PydanticAgent",
            "model=Converse(model_name=$MODEL)",
        ),
    ],
)
def test_pydantic_ai_agent_is_recognised_in_every_import_style(
    imports: str, agent: str, model: str
) -> None:
    report = _lint(PYDANTIC_UNCACHED.format(imports=imports, agent=agent, model=model))
    line = len(imports.splitlines()) + 2
    assert _codes(report) == {(line, "BC105")}
    assert report.call_sites == 1  # the BedrockConverseModel is audited with its Agent


@pytest.mark.parametrize(
    "model",
    ['"openai:gpt-4o"', '"anthropic:claude-sonnet-4-5"', 'f"openai:{name}"', "TestModel()",
     'OpenAIChatModel("gpt-4o")', "os.environ['MODEL']", "None"],
)  # fmt: skip
def test_pydantic_ai_agent_not_on_bedrock_is_not_a_call_site(model: str) -> None:
    report = _lint(f"""\
        import os
        from pydantic_ai import Agent
        from pydantic_ai.models.test import TestModel
        from pydantic_ai.models.openai import OpenAIChatModel
        name = os.environ["NAME"]
        agent = Agent({model}, instructions=$POLICY, model_settings={{"temperature": 0}})
    """)
    assert report.call_sites == 0
    assert report.diagnostics == []


def test_bedrock_model_settings_prove_bedrock_for_an_unknown_model() -> None:
    report = _lint("""\
        import os
        from pydantic_ai import Agent
        from pydantic_ai.models.bedrock import BedrockModelSettings
        agent = Agent(
            os.environ["MODEL"],
            instructions=$POLICY,
            model_settings=BedrockModelSettings(bedrock_cache_instructions=True),
        )
    """)
    assert report.call_sites == 1
    assert report.diagnostics == []
    assert _kinds(report) == ["pydantic-ai Agent"]


def test_a_look_alike_pydantic_agent_is_not_a_call_site() -> None:
    report = _lint("""\
        from crewai import Agent
        agent = Agent("bedrock:anthropic.claude", instructions="hi")
    """)
    assert report.call_sites == 0


# ---- pydantic-ai: decorators, runs, what is not seen ---------------------------------------------

TOOL_CACHING = """\
from pydantic import BaseModel
from pydantic_ai import Agent, RunContext
from pydantic_ai.models.bedrock import BedrockModelSettings
agent = Agent(
    "bedrock:" + $MODEL,
    instructions=$POLICY,
    model_settings=BedrockModelSettings(bedrock_cache_tool_definitions=True),{extra}
)
{registration}
"""


@pytest.mark.parametrize(
    ("registration", "extra"),
    [
        ("@agent.tool_plain\ndef lookup(order_id: str) -> str:\n    return order_id", ""),
        ("@agent.tool(retries=2)\ndef lookup(ctx: RunContext, order_id: str) -> str: ...", ""),
        ("def lookup(order_id: str) -> str: ...\nagent.tool_plain(lookup)", ""),
        ("", "\n    toolsets=[inventory_server],"),
        ("class Answer(BaseModel):\n    text: str", "\n    output_type=Answer,"),
        ("", "\n    tools=[lookup_order],"),
    ],
)
def test_tools_the_file_registers_or_hides_are_not_no_tools(registration: str, extra: str) -> None:
    report = _lint(TOOL_CACHING.format(extra=extra, registration=registration))
    assert report.diagnostics == []


def test_caching_tool_definitions_without_any_tool_is_reported() -> None:
    report = _lint(TOOL_CACHING.format(extra="", registration=""))
    assert _codes(report) == {(4, "BC105")}


def test_instruction_functions_are_dynamic_and_system_prompt_functions_are_not() -> None:
    report = _lint("""\
        from pydantic_ai import Agent
        from pydantic_ai.models.bedrock import BedrockModelSettings
        SETTINGS = BedrockModelSettings(bedrock_cache_instructions=True)
        dynamic = Agent("bedrock:" + $MODEL, model_settings=SETTINGS)
        static = Agent("bedrock:" + $MODEL, model_settings=SETTINGS)

        @dynamic.instructions
        def today() -> str:
            return "Monday"

        @static.system_prompt
        def policy() -> str:
            return load_policy()
    """)
    assert _codes(report) == {(4, "BC225"), (4, "BC105")}


def test_run_settings_and_prompt_come_from_the_visible_run() -> None:
    report = _lint("""\
        from pydantic_ai import Agent, CachePoint
        from pydantic_ai.models.bedrock import BedrockModelSettings
        agent = Agent("bedrock:" + $MODEL, instructions=$POLICY)

        def cached(question: str) -> str:
            settings = BedrockModelSettings(bedrock_cache_instructions=True)
            return agent.run_sync(question, model_settings=settings).output

        async def misplaced(question: str) -> str:
            result = await agent.run([CachePoint(), question])
            return result.output
    """)
    assert _codes(report) == {(10, "BC227")}
    assert report.call_sites == 2


def test_several_plain_runs_report_the_agent_once() -> None:
    report = _lint("""\
        from pydantic_ai import Agent
        agent = Agent("bedrock:" + $MODEL, instructions=$POLICY)

        def first(question: str) -> str:
            return agent.run_sync(question).output

        async def second(question: str, history: list) -> str:
            return (await agent.run(question, message_history=history)).output
    """)
    assert [(d.line, d.code) for d in report.diagnostics] == [(2, "BC105")]


def test_a_run_on_another_provider_is_not_a_call_site() -> None:
    report = _lint("""\
        from pydantic_ai import Agent
        from pydantic_ai.models.openai import OpenAIChatModel
        agent = Agent("bedrock:" + $MODEL, instructions=$POLICY)
        agent.run_sync("hi", model=OpenAIChatModel("gpt-4o"))
    """)
    assert report.call_sites == 0


def test_unknown_pydantic_ai_inputs_give_an_unresolved_entry() -> None:
    report = _lint("""\
        from pydantic_ai import Agent
        from pydantic_ai.models.bedrock import BedrockModelSettings
        agent = Agent(
            "bedrock:" + $MODEL,
            instructions=$POLICY,
            model_settings=BedrockModelSettings(bedrock_cache_messages=True),
        )

        def ask(prompt, options):
            return agent.run_sync(prompt, model_settings=options).output
    """)
    assert report.diagnostics == []
    assert _kinds(report) == ["pydantic-ai Agent.run_sync"]


def test_settings_and_models_alone_report_only_their_own_arguments() -> None:
    report = _lint("""\
        from pydantic_ai.models.bedrock import BedrockConverseModel, BedrockModelSettings
        ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"
        SETTINGS = BedrockModelSettings(extra_body={"cache_control": {"type": "ephemeral"}})
        plain = BedrockConverseModel($MODEL)
        CACHE = BedrockModelSettings(bedrock_cache_instructions=True)
        nested = BedrockConverseModel(ARN, settings=CACHE)
    """)
    assert _codes(report) == {(3, "BC220"), (6, "BC221")}
    assert sorted(_kinds(report)) == [
        "pydantic-ai BedrockConverseModel",
        "pydantic-ai BedrockConverseModel",
        "pydantic-ai BedrockModelSettings",
    ]  # the nested settings are audited with their model, not twice


def test_a_spread_into_settings_hides_the_cache_keys() -> None:
    report = _lint("""\
        from pydantic_ai import Agent
        from pydantic_ai.models.bedrock import BedrockModelSettings
        agent = Agent(
            "bedrock:" + $MODEL,
            instructions=$POLICY,
            model_settings=BedrockModelSettings(**load_settings()),
        )
    """)
    assert report.diagnostics == []  # no BC105: the cache keys may be in the spread
    assert _kinds(report) == ["pydantic-ai Agent"]


def test_instructions_known_only_at_run_time_are_not_too_short() -> None:
    report = _lint("""\
        from pydantic_ai import Agent
        from pydantic_ai.models.bedrock import BedrockModelSettings

        def make(policy: str) -> Agent:
            agent = Agent(
                "bedrock:" + $MODEL,
                instructions=f"Policy: {policy}",
                model_settings=BedrockModelSettings(bedrock_cache_instructions=True),
            )
            return agent
    """)
    assert report.diagnostics == []  # neither BC305 (too short) nor BC105 (no instructions)
    assert _kinds(report) == ["pydantic-ai Agent"]
