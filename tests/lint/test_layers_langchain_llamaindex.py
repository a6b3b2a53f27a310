"""Recognition edge cases of the LangChain and LlamaIndex call-site finders.

Each source below is linted whole, as a user's file would be: what matters is which calls become
call sites, which codes land on which lines, and that unknown inputs give an unresolved entry
instead of a diagnostic.
"""

from __future__ import annotations

import textwrap

import pytest

from bedrockcache.config import Settings
from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.checker import check_source

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = '"Follow the refund policy step by step. " * 200'


def _lint(source: str, settings: Settings | None = None) -> FileResult:
    code = textwrap.dedent(source).replace("$MODEL", repr(MODEL)).replace("$POLICY", POLICY)
    return check_source(code, "app.py", settings)


def _codes(report: FileResult) -> set[tuple[int, str]]:
    return {(d.line, d.code) for d in report.diagnostics}


def _kinds(report: FileResult) -> list[str]:
    return [u.kind for u in report.unresolved]


# ---- LangChain: import styles ------------------------------------------------------------------

UNCACHED_INVOKE = """\
    {imports}
    POLICY = $POLICY
    llm = {cls}(model=$MODEL)
    llm.invoke([("system", POLICY), ("human", "Where is my refund?")])
"""


@pytest.mark.parametrize(
    ("imports", "cls"),
    [
        ("from langchain_aws import ChatBedrockConverse", "ChatBedrockConverse"),
        ("from langchain_aws import ChatBedrockConverse as Chat", "Chat"),
        (
            "from langchain_aws.chat_models.bedrock_converse import ChatBedrockConverse",
            "ChatBedrockConverse",
        ),
        ("import langchain_aws", "langchain_aws.ChatBedrockConverse"),
        ("import langchain_aws as aws", "aws.ChatBedrockConverse"),
        ("from langchain_aws import ChatBedrock", "ChatBedrock"),
    ],
)
def test_langchain_model_is_recognised_in_every_import_style(imports: str, cls: str) -> None:
    report = _lint(UNCACHED_INVOKE.format(imports=imports, cls=cls))
    assert _codes(report) == {(4, "BC106")}
    assert report.call_sites == 1


@pytest.mark.parametrize(
    "imports",
    [
        "from langchain_community.chat_models import ChatBedrockConverse",
        "from my_company.llm import ChatBedrockConverse",
        "from langchain_openai import ChatOpenAI as ChatBedrockConverse",
    ],
)
def test_a_class_of_the_same_name_from_another_package_is_not_a_call_site(imports: str) -> None:
    report = _lint(UNCACHED_INVOKE.format(imports=imports, cls="ChatBedrockConverse"))
    assert report.diagnostics == []
    assert report.call_sites == 0


def test_a_local_class_named_like_the_library_is_not_a_call_site() -> None:
    report = _lint(
        """\
        POLICY = $POLICY
        class ChatBedrockConverse:
            def invoke(self, messages):
                return messages
        ChatBedrockConverse().invoke([("system", POLICY), ("human", "hi")])
        """
    )
    assert report.call_sites == 0


def test_a_model_that_is_not_claude_is_not_a_call_site() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        llm = ChatBedrockConverse(model="meta.llama3-70b-instruct-v1:0")
        llm.invoke([("system", "x" * 9000), ("human", "hi")])
        """
    )
    assert report.call_sites == 0
    assert report.diagnostics == []


# ---- LangChain: following the model object ------------------------------------------------------


def test_chained_bind_tools_and_bind_reach_the_invoke() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        POLICY = $POLICY
        TOOL = {"name": "lookup", "description": POLICY, "parameters": {"type": "object"}}
        llm = ChatBedrockConverse(model=$MODEL)
        point = ChatBedrockConverse.create_cache_point()
        llm.bind_tools([TOOL, point]).invoke([("human", "hi")])
        cached = llm.bind(cache_control={"type": "ephemeral"})
        cached.invoke([("system", POLICY), ("human", "hi")])
        llm.bind_tools([TOOL]).invoke([("system", POLICY), ("human", "hi")])
        """
    )
    assert _codes(report) == {(9, "BC106")}
    assert report.call_sites == 3  # the constructor is consumed, not audited a fourth time


def test_a_model_stored_on_self_is_followed_into_other_methods() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        POLICY = $POLICY
        class Bot:
            def __init__(self):
                self.llm = ChatBedrockConverse(model=$MODEL)
            def ask(self, question: str):
                return self.llm.invoke([("system", POLICY), ("human", question)])
        """
    )
    assert _codes(report) == {(7, "BC106")}


def test_a_self_attribute_assigned_twice_is_not_followed() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        POLICY = $POLICY
        class Bot:
            def __init__(self, model):
                self.llm = ChatBedrockConverse(model=$MODEL)
            def switch(self, other):
                self.llm = other
            def ask(self, question: str):
                return self.llm.invoke([("system", POLICY), ("human", question)])
        """
    )
    assert report.diagnostics == []
    assert _kinds(report) == ["langchain ChatBedrockConverse"]


def test_create_cache_point_with_a_wrong_type_is_bedrocks_bc309() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse as C
        from langchain_core.messages import SystemMessage
        POLICY = $POLICY
        llm = C(model=$MODEL)
        point = C.create_cache_point(cache_type="ephemeral")
        llm.invoke([SystemMessage([POLICY, point]), ("human", "hi")])
        """
    )
    assert _codes(report) == {(6, "BC309")}


def test_a_directive_is_reported_on_the_element_that_holds_it() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        from langchain.messages import HumanMessage, SystemMessage
        POLICY = $POLICY
        llm = ChatBedrockConverse(model=$MODEL)
        system = SystemMessage(
            content=[
                {"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}},
            ]
        )
        llm.invoke([system, HumanMessage("hi")])
        """
    )
    assert _codes(report) == {(7, "BC230")}
    (diagnostic,) = report.diagnostics
    assert diagnostic.column > 50  # the cache_control value, not the start of the block


# ---- LangChain: unknown inputs ------------------------------------------------------------------


def test_messages_from_a_parameter_give_an_unresolved_entry_and_no_diagnostic() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        llm = ChatBedrockConverse(model=$MODEL)
        def reply(history):
            return llm.invoke(history)
        """
    )
    assert report.diagnostics == []
    assert _kinds(report) == ["langchain ChatBedrockConverse.invoke"]
    assert any("history" in reason for reason in report.unresolved[0].reasons)


def test_create_cache_point_called_on_an_instance_is_not_guessed() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        from langchain_core.messages import SystemMessage
        POLICY = $POLICY
        llm = ChatBedrockConverse(model=$MODEL)
        llm.invoke([SystemMessage([POLICY, llm.create_cache_point()]), ("human", "hi")])
        """
    )
    assert report.diagnostics == []  # no BC106: the element is Unknown, not a missing point
    assert len(report.unresolved) == 1


def test_a_constructor_alone_reports_only_what_its_arguments_prove() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        quiet = ChatBedrockConverse(model=$MODEL, system=["x" * 9000])
        loud = ChatBedrockConverse(
            model=$MODEL,
            cache_control={"type": "ephemeral"},
        )
        """
    )
    assert _codes(report) == {(5, "BC314"), (5, "BC232")}  # both on the cache_control argument
    assert _kinds(report) == ["langchain ChatBedrockConverse"] * 2


def test_a_spread_into_the_constructor_hides_but_never_invents_arguments() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        POLICY = $POLICY
        def build(settings: dict):
            llm = ChatBedrockConverse(model=$MODEL, **settings)
            return llm.invoke([("system", POLICY), ("human", "hi")])
        """
    )
    assert report.diagnostics == []
    assert "**settings" in " ".join(report.unresolved[0].reasons)


def test_invoke_keyword_spread_may_carry_cache_control() -> None:
    report = _lint(
        """\
        from langchain_aws import ChatBedrockConverse
        POLICY = $POLICY
        llm = ChatBedrockConverse(model=$MODEL)
        def ask(question: str, **options):
            return llm.invoke([("system", POLICY), ("human", question)], **options)
        """
    )
    assert report.diagnostics == []
    assert len(report.unresolved) == 1


# ---- LangChain: create_agent --------------------------------------------------------------------

AGENT = """\
    from langchain.agents import create_agent
    from langchain_aws import ChatBedrockConverse
    from langchain_aws.middleware import BedrockPromptCachingMiddleware
    POLICY = $POLICY
    {model_line}
    agent = create_agent(model={model}, tools=[], system_prompt=POLICY{middleware})
    agent.invoke({{"messages": [{{"role": "user", "content": "hi"}}]}})
"""


@pytest.mark.parametrize(
    ("model_line", "model", "middleware", "codes"),
    [
        ("llm = ChatBedrockConverse(model=$MODEL)", "llm", "", {(7, "BC106")}),
        ("", '"bedrock_converse:" + ' + repr(MODEL), "", {(7, "BC106")}),
        (
            "llm = ChatBedrockConverse(model=$MODEL)",
            "llm",
            ", middleware=[BedrockPromptCachingMiddleware()]",
            set(),
        ),
    ],
)
def test_create_agent_absorbs_its_model(
    model_line: str, model: str, middleware: str, codes: set[tuple[int, str]]
) -> None:
    source = AGENT.format(model_line=model_line, model=model, middleware=middleware)
    report = _lint(source)
    assert _codes(report) == codes
    assert report.call_sites == 1  # the model's constructor is not audited on its own


def test_create_agent_with_another_provider_is_not_a_call_site() -> None:
    source = AGENT.format(model_line="", model='"openai:gpt-4o"', middleware="")
    assert _lint(source).call_sites == 0


def test_create_agent_with_a_model_parameter_is_not_a_call_site() -> None:
    report = _lint(
        """\
        from langchain.agents import create_agent
        def build(model, tools):
            return create_agent(model=model, tools=tools, system_prompt="bedrock " * 900)
        """
    )
    assert report.call_sites == 0
    assert report.unresolved == []


def test_middleware_on_a_model_it_skips_is_advice_when_selected() -> None:
    source = """\
        from langchain.agents import create_agent
        from langchain_aws import ChatBedrockConverse
        from langchain_aws.middleware import BedrockPromptCachingMiddleware
        llm = ChatBedrockConverse(
            model="arn:aws:bedrock:us-east-1:1:application-inference-profile/x",
            provider="anthropic",
            base_model_id="anthropic.claude-sonnet-4-5-20250929-v1:0",
        )
        agent = create_agent(
            model=llm,
            middleware=[BedrockPromptCachingMiddleware(min_messages_to_cache=3)],
        )
        agent.invoke({"messages": [("human", "x" * 9000)]})
    """
    assert ("BC237") not in {d.code for d in _lint(source).diagnostics}
    selected = _lint(source, Settings(extend_select=("BC237",)))
    assert (11, "BC237") in _codes(selected)


def test_a_full_budget_is_advice_when_selected() -> None:
    source = """\
        from langchain_aws import ChatBedrockConverse
        POLICY = $POLICY
        point = {"cachePoint": {"type": "default"}}
        llm = ChatBedrockConverse(model=$MODEL, system=[POLICY, point, POLICY, point])
        llm.invoke(
            [("human", [POLICY, point, "hi", point])],
            cache_control={"type": "ephemeral"},
        )
    """
    assert _lint(source).diagnostics == []
    assert _codes(_lint(source, Settings(extend_select=("BC236",)))) == {(7, "BC236")}


# ---- LlamaIndex ---------------------------------------------------------------------------------

LLAMA = """\
    {imports}
    from llama_index.core.llms import ChatMessage, MessageRole
    POLICY = $POLICY
    llm = {cls}(model=$MODEL)
    llm.chat([ChatMessage(role=MessageRole.SYSTEM, content=POLICY), ChatMessage(content="hi")])
"""


@pytest.mark.parametrize(
    ("imports", "cls"),
    [
        ("from llama_index.llms.bedrock_converse import BedrockConverse", "BedrockConverse"),
        ("from llama_index.llms.bedrock_converse.base import BedrockConverse as B", "B"),
        ("import llama_index.llms.bedrock_converse as bc", "bc.BedrockConverse"),
    ],
)
def test_llamaindex_model_is_recognised_in_every_import_style(imports: str, cls: str) -> None:
    report = _lint(LLAMA.format(imports=imports, cls=cls))
    assert _codes(report) == {(5, "BC107")}


@pytest.mark.parametrize(
    "imports",
    [
        "from llama_index.llms.bedrock import Bedrock as BedrockConverse",
        "from my_llms import BedrockConverse",
    ],
)
def test_llamaindex_look_alikes_are_not_call_sites(imports: str) -> None:
    report = _lint(LLAMA.format(imports=imports, cls="BedrockConverse"))
    assert report.call_sites == 0


def test_message_roles_and_blocks_are_read_from_any_alias() -> None:
    report = _lint(
        """\
        from llama_index.core.base.llms.types import CacheControl as CC, CachePoint, TextBlock
        from llama_index.core.llms import ChatMessage as Msg, MessageRole as Role
        from llama_index.llms.bedrock_converse import BedrockConverse
        POLICY = $POLICY
        llm = BedrockConverse(model=$MODEL)
        def system():
            blocks = [TextBlock(text=POLICY), CachePoint(cache_control=CC(type="default"))]
            return llm.chat([Msg(role=Role.SYSTEM, blocks=blocks), Msg.from_str("hi")])
        def user():
            blocks = [TextBlock(text=POLICY), CachePoint(cache_control=CC(type="default"))]
            return llm.chat([Msg(role=Role.USER, blocks=blocks), Msg("hi", role=Role.ASSISTANT)])
        """
    )
    assert report.diagnostics == []
    assert report.call_sites == 2
    assert report.unresolved == []


def test_tool_caching_per_call_counts_and_the_constructor_flag_does_not() -> None:
    report = _lint(
        """\
        from llama_index.core.llms import ChatMessage
        from llama_index.llms.bedrock_converse import BedrockConverse
        POLICY = $POLICY
        TOOLS = [{"name": "lookup", "description": POLICY, "parameters": {"type": "object"}}]
        SYSTEM = ChatMessage(role="system", content=POLICY)
        good = BedrockConverse(model=$MODEL, system_prompt_caching=True)
        bad = BedrockConverse(model=$MODEL, tool_caching=True)
        def handle(question: str):
            return good.chat_with_tools(TOOLS, question, [SYSTEM], tool_caching=True)
        def handle_badly(question: str):
            return bad.chat_with_tools(TOOLS, user_msg=question, chat_history=[SYSTEM])
        """
    )
    assert _codes(report) == {(7, "BC240")}


def test_a_forced_cache_point_type_is_advice_when_selected() -> None:
    source = """\
        from llama_index.core.llms import CacheControl, CachePoint, ChatMessage, TextBlock
        from llama_index.llms.bedrock_converse import BedrockConverse
        POLICY = $POLICY
        llm = BedrockConverse(model=$MODEL)
        point = CachePoint(cache_control=CacheControl(type="ephemeral"))
        llm.chat([ChatMessage(role="user", blocks=[TextBlock(text=POLICY), point])])
    """
    assert _lint(source).diagnostics == []
    assert _codes(_lint(source, Settings(extend_select=("BC242",)))) == {(5, "BC242")}


def test_predict_sends_the_constructor_prompt_and_chat_does_not() -> None:
    report = _lint(
        """\
        from llama_index.core import PromptTemplate
        from llama_index.core.llms import ChatMessage
        from llama_index.llms.bedrock_converse import BedrockConverse
        POLICY = $POLICY
        llm = BedrockConverse(
            model=$MODEL,
            system_prompt=POLICY,
            system_prompt_caching=True,
        )
        llm.predict(PromptTemplate("Answer: {q}"), q="hi")
        llm.chat([ChatMessage(role="user", content="hi")])
        """
    )
    assert _codes(report) == {(7, "BC245")}


def test_llamaindex_unknown_messages_and_a_lone_constructor_are_unresolved() -> None:
    report = _lint(
        """\
        from llama_index.llms.bedrock_converse import BedrockConverse
        lone = BedrockConverse(model=$MODEL, system_prompt_caching=True, tool_caching=True)
        llm = BedrockConverse(model=$MODEL, system_prompt_caching=True)
        def reply(history):
            return llm.chat(history)
        def reply_templated(template):
            return llm.predict(template)
        """
    )
    assert report.diagnostics == []
    assert sorted(_kinds(report)) == [
        "llamaindex BedrockConverse",
        "llamaindex BedrockConverse.chat",
        "llamaindex BedrockConverse.predict",
    ]


SPREAD = """\
    from llama_index.core.llms import ChatMessage
    from llama_index.llms.bedrock_converse import BedrockConverse
    POLICY = $POLICY
    def reply(options: dict, question: str):
        llm = BedrockConverse(model=$MODEL, {flag}**options)
        return llm.chat([{system}ChatMessage(role="user", content=question)])
"""


@pytest.mark.parametrize(
    ("flag", "system", "codes"),
    [
        # chat() sends no system content: the flag adds nothing, whatever the spread holds, and
        # with only the per-call question there is nothing to cache (no BC107)
        ("system_prompt_caching=True, ", "", {(5, "BC246")}),
        # the spread may hold the flag; with no system content there is still nothing to cache
        ("", "", set()),
        # the spread may hold the flag, and there is system content it would cache
        ("", 'ChatMessage(role="system", content=POLICY), ', set()),
    ],
)
def test_llamaindex_constructor_spread_never_invents_a_finding(
    flag: str, system: str, codes: set[tuple[int, str]]
) -> None:
    report = _lint(SPREAD.format(flag=flag, system=system))
    assert _codes(report) == codes
    assert "**options" in " ".join(report.unresolved[0].reasons)


# ---- known gaps in the backends (see the layer report) ------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        """\
        from langchain_aws import ChatBedrockConverse
        from langchain_core.messages import SystemMessage
        llm = ChatBedrockConverse(model=$MODEL)
        def ask(prompt: str, question: str):
            point = ChatBedrockConverse.create_cache_point()
            return llm.invoke([SystemMessage([prompt, point]), ("human", question)])
        """,
        """\
        from llama_index.core.llms import CacheControl, CachePoint, ChatMessage, TextBlock
        from llama_index.llms.bedrock_converse import BedrockConverse
        llm = BedrockConverse(model=$MODEL)
        def ask(prompt: str, question: str):
            point = CachePoint(cache_control=CacheControl(type="default"))
            system = ChatMessage(role="system", blocks=[TextBlock(text=prompt), point])
            return llm.chat([system, ChatMessage(role="user", content=question)])
        """,
    ],
    ids=["langchain", "llamaindex"],
)
def test_a_prompt_of_unknown_length_is_not_below_the_minimum(source: str) -> None:
    assert _lint(source).diagnostics == []
