"""The LlamaIndex BedrockConverse fixers: exact text after ``--fix`` for each, the cases where no
fix may be offered, and the fixed programs run through the real library to show they cache.

The constructor flags serve every call on the object, so most no-fix cases are about reach: a
module-level model, a model with two calls, a ``**spread`` that may already hold the flag.
"""

from __future__ import annotations

from typing import Any

import pytest

from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text
from bedrockcache.rules.catalogue import catalogue

HEAD = """\
from llama_index.core.llms import ChatMessage, MessageRole
from llama_index.llms.bedrock_converse import BedrockConverse

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
TYPES = "from llama_index.core.llms import CacheControl, CachePoint, TextBlock\n"
SYSTEM = "ChatMessage(role=MessageRole.SYSTEM, content=POLICY)"
USER = "ChatMessage(role=MessageRole.USER, content=question)"
POINT = 'CachePoint(cache_control=CacheControl(type="default"))'


def fix(source: str, *, unsafe: bool = False) -> str:
    return fix_text(source, lambda t: check_source(t, "t.py").diagnostics, unsafe=unsafe).text


def codes(source: str) -> list[str]:
    return sorted(d.code for d in check_source(source, "t.py").diagnostics)


def fixable(source: str) -> dict[str, str]:
    return {
        d.code: d.autofix.applicability
        for d in check_source(source, "t.py").diagnostics
        if d.autofix is not None
    }


def function(*body: str, head: str = HEAD) -> str:
    lines = "".join(f"    {line}\n" for line in body)
    return head + f"\n\ndef answer(question: str):\n{lines}"


def _chat(ctor: str = "BedrockConverse(model=MODEL)", call: str = "chat") -> str:
    return function(f"llm = {ctor}", f"return llm.{call}([{SYSTEM}, {USER}])")


# ---- the catalogue ------------------------------------------------------------------------------


def test_removing_what_raises_is_unsafe_and_the_rest_safe():
    entries = catalogue()
    safety = {code: entries[code].autofix.applicability for code in ("BC107", "BC240", "BC241")}
    safety |= {code: entries[code].autofix.applicability for code in ("BC244", "BC248", "BC249")}
    assert safety == {
        "BC107": "safe",
        "BC240": "safe",
        "BC241": "safe",
        "BC244": "safe",
        "BC248": "unsafe",
        "BC249": "unsafe",
    }


# ---- BC107: system_prompt_caching on the constructor --------------------------------------------


def test_bc107_sets_system_prompt_caching_on_a_local_constructor():
    source = _chat()
    assert "BC107" in codes(source)
    fixed = fix(source)
    assert fixed == source.replace(
        "BedrockConverse(model=MODEL)", "BedrockConverse(model=MODEL, system_prompt_caching=True)"
    )
    assert codes(fixed) == []


def test_bc107_fixes_a_model_built_in_the_call_expression():
    source = function(f"return BedrockConverse(model=MODEL).achat([{SYSTEM}, {USER}])")
    assert fix(source) == source.replace(
        "BedrockConverse(model=MODEL)", "BedrockConverse(model=MODEL, system_prompt_caching=True)"
    )


def test_bc107_caches_the_constructor_system_prompt_the_prompt_helpers_send():
    head = HEAD.replace(
        "from llama_index.core.llms",
        "from llama_index.core import PromptTemplate\nfrom llama_index.core.llms",
    )
    source = function(
        "llm = BedrockConverse(model=MODEL, system_prompt=POLICY)",
        'return llm.predict(PromptTemplate("Answer briefly: {question}"), question=question)',
        head=head,
    )
    assert codes(source) == ["BC107"]
    assert fix(source) == source.replace("POLICY)", "POLICY, system_prompt_caching=True)")


def test_bc107_keeps_one_argument_per_line():
    source = _chat().replace(
        "llm = BedrockConverse(model=MODEL)",
        'llm = BedrockConverse(\n        model=MODEL,\n        region_name="us-east-1",\n    )',
    )
    assert fix(source) == source.replace(
        '        region_name="us-east-1",\n',
        '        region_name="us-east-1",\n        system_prompt_caching=True,\n',
    )


@pytest.mark.parametrize(
    "source",
    [
        # a system prompt that may be below Sonnet 4.5's 1,024-token minimum (~576-1,440 tokens):
        # the point is not known to cache anything
        _chat().replace(" * 120", " * 40"),
        # the object is shared with the rest of the module
        HEAD
        + "llm = BedrockConverse(model=MODEL)\n"
        + _chat().removeprefix(HEAD).replace("    llm = BedrockConverse(model=MODEL)\n", ""),
        # two calls on one object: the flag would serve both
        function(
            "llm = BedrockConverse(model=MODEL)",
            f"llm.chat([{SYSTEM}, {USER}])",
            f"return llm.chat([{SYSTEM}, {USER}])",
        ),
        # a spread may hold the flag
        function(
            "options = {}",
            "llm = BedrockConverse(model=MODEL, **options)",
            f"return llm.chat([{SYSTEM}, {USER}])",
        ),
        # a written False is a choice
        _chat("BedrockConverse(model=MODEL, system_prompt_caching=False)"),
        # the system prompt holds a value known only at run time: a point there never hits
        function(
            "llm = BedrockConverse(model=MODEL)",
            'system = ChatMessage(role=MessageRole.SYSTEM, content=f"{POLICY} {question}")',
            f"return llm.chat([system, {USER}])",
        ),
        # no system prompt: the flag would add nothing (BC246)
        function(
            "llm = BedrockConverse(model=MODEL)",
            "return llm.chat([ChatMessage(role=MessageRole.USER, content=POLICY + question)])",
        ),
        # a model bedrockcache does not know: its minimum is not known to be met
        _chat().replace(
            '"us.anthropic.claude-sonnet-4-5-20250929-v1:0"', '"anthropic.claude-future-v9:0"'
        ),
        # the name is reassigned in the function
        function(
            "llm = BedrockConverse(model=MODEL)",
            "llm = BedrockConverse(model=MODEL)",
            f"return llm.chat([{SYSTEM}, {USER}])",
        ),
    ],
    ids=[
        "below-minimum",
        "module-level",
        "two-calls",
        "spread",
        "written-false",
        "runtime-system",
        "no-system",
        "unknown-model",
        "reassigned",
    ],
)
def test_bc107_no_fix(source: str):
    assert "BC107" in codes(source)
    assert "BC107" not in fixable(source)
    assert fix(source, unsafe=True) == source


# ---- BC240: tool_caching per call ---------------------------------------------------------------

TOOLS = '''\
from llama_index.core.tools import FunctionTool


def lookup(order_id: str) -> str:
    """Look an order up."""
    return order_id


TOOLS = [FunctionTool.from_defaults(fn=lookup)]
'''


def _tools(ctor: str, call: str) -> str:
    return function(f"llm = {ctor}", f"return llm.{call}", head=HEAD + TOOLS)


def test_bc240_moves_tool_caching_to_the_call():
    source = _tools(
        "BedrockConverse(model=MODEL, system_prompt_caching=True, tool_caching=True)",
        f"chat_with_tools(TOOLS, user_msg=question, chat_history=[{SYSTEM}])",
    )
    assert "BC240" in codes(source)
    fixed = fix(source)
    expected = source.replace(", tool_caching=True)", ")").replace(
        "chat_history=[" + SYSTEM + "])", "chat_history=[" + SYSTEM + "], tool_caching=True)"
    )
    assert fixed == expected
    assert codes(fixed) == []


def test_bc240_on_a_chained_constructor_is_one_edit():
    source = function(
        "return BedrockConverse(model=MODEL, tool_caching=True).chat_with_tools(TOOLS, question)",
        head=HEAD + TOOLS,
    )
    assert fix(source) == source.replace(
        "BedrockConverse(model=MODEL, tool_caching=True).chat_with_tools(TOOLS, question)",
        "BedrockConverse(model=MODEL).chat_with_tools(TOOLS, question, tool_caching=True)",
    )


def test_bc240_only_drops_the_constructor_flag_when_the_call_passes_it():
    source = _tools(
        "BedrockConverse(model=MODEL, tool_caching=True)",
        "chat_with_tools(TOOLS, question, tool_caching=True)",
    )
    assert "BC240" in codes(source)
    assert fix(source) == source.replace(
        "BedrockConverse(model=MODEL, tool_caching=True)", "BedrockConverse(model=MODEL)"
    )


@pytest.mark.parametrize(
    "source",
    [
        # the module's model may be used elsewhere, on the aioboto3 path where the flag counts
        HEAD
        + TOOLS
        + "llm = BedrockConverse(model=MODEL, tool_caching=True)\n\n\n"
        + "def answer(question: str):\n    return llm.chat_with_tools(TOOLS, question)\n",
        # the same object also serves an async tool call
        function(
            "llm = BedrockConverse(model=MODEL, tool_caching=True)",
            "llm.chat_with_tools(TOOLS, question)",
            "return llm.achat_with_tools(TOOLS, question)",
            head=HEAD + TOOLS,
        ),
        # the call's spread may set tool_caching itself
        function(
            "options = {}",
            "llm = BedrockConverse(model=MODEL, tool_caching=True)",
            "return llm.chat_with_tools(TOOLS, question, **options)",
            head=HEAD + TOOLS,
        ),
        # the call turns it off on purpose
        _tools(
            "BedrockConverse(model=MODEL, tool_caching=True)",
            "chat_with_tools(TOOLS, question, tool_caching=False)",
        ),
        # the model is handed on: something else may call it
        function(
            "llm = BedrockConverse(model=MODEL, tool_caching=True)",
            "keep(llm)",
            "return llm.chat_with_tools(TOOLS, question)",
            head=HEAD + TOOLS + "keep = print\n",
        ),
    ],
    ids=["module-level", "also-async", "spread", "per-call-false", "escapes"],
)
def test_bc240_no_fix(source: str):
    assert "BC240" in codes(source)
    assert "BC240" not in fixable(source)
    assert fix(source, unsafe=True) == source


# ---- BC241: the ttl BedrockConverse never sends -------------------------------------------------


def _ttl_source(point: str, where: str = "local") -> str:
    head = HEAD.replace(
        "ChatMessage, MessageRole", "CacheControl, CachePoint, ChatMessage, TextBlock"
    )
    system = "ChatMessage(role='system', blocks=[TextBlock(text=POLICY), point])"
    if where == "module":
        head += f"point = {point}\n"
        return function(f"return BedrockConverse(model=MODEL).chat([{system}])", head=head)
    return function(
        f"point = {point}", f"return BedrockConverse(model=MODEL).chat([{system}])", head=head
    )


def test_bc241_removes_the_unsent_ttl():
    source = _ttl_source('CachePoint(cache_control=CacheControl(type="default", ttl="1h"))')
    assert "BC241" in codes(source)
    fixed = fix(source)
    assert fixed == source.replace(', ttl="1h"', "")
    assert codes(fixed) == []


def test_bc241_leaves_a_module_constant_alone():
    # Another layer (the Anthropic API through LlamaIndex's Anthropic class) sends the ttl.
    source = _ttl_source(
        'CachePoint(cache_control=CacheControl(type="default", ttl="1h"))', "module"
    )
    assert "BC241" in codes(source)
    assert fix(source, unsafe=True) == source


# ---- BC244: additional_kwargs cache_control on a ChatMessage ------------------------------------

KWARGS = 'additional_kwargs={"cache_control": {"type": "ephemeral"}}'


def _message(message: str, head: str = HEAD, model: str = "BedrockConverse(model=MODEL)") -> str:
    return function(f"system = {message}", f"return {model}.chat([system, {USER}])", head=head)


def test_bc244_turns_text_content_into_blocks_with_a_cache_point():
    source = _message(f"ChatMessage(role=MessageRole.SYSTEM, content=POLICY, {KWARGS})")
    assert "BC244" in codes(source)
    fixed = fix(source)
    expected = source.replace(
        f"content=POLICY, {KWARGS})", f"blocks=[TextBlock(text=POLICY), {POINT}])"
    ).replace(HEAD, HEAD.replace("\nMODEL", f"{TYPES}\nMODEL", 1))
    assert fixed == expected
    assert codes(fixed) == []


def test_bc244_appends_to_a_literal_block_list_and_keeps_other_keys():
    head = HEAD.replace(
        "ChatMessage, MessageRole", "CacheControl, CachePoint, ChatMessage, MessageRole, TextBlock"
    )
    source = _message(
        "ChatMessage(role=MessageRole.USER, blocks=[TextBlock(text=POLICY)], "
        'additional_kwargs={"cache_control": {"type": "ephemeral"}, "source": "policy"})',
        head=head,
    )
    assert "BC244" in codes(source)
    fixed = fix(source)
    assert fixed == source.replace(
        'blocks=[TextBlock(text=POLICY)], additional_kwargs={"cache_control": '
        '{"type": "ephemeral"}, "source": "policy"})',
        f'blocks=[TextBlock(text=POLICY), {POINT}], additional_kwargs={{"source": "policy"}})',
    )
    assert codes(fixed) == []


def test_bc244_uses_the_names_the_file_already_imports():
    head = HEAD + "from llama_index.core.base.llms.types import CacheControl as CC, CachePoint\n"
    head = head.replace("ChatMessage, MessageRole", "ChatMessage, MessageRole, TextBlock")
    source = _message(f"ChatMessage(role=MessageRole.SYSTEM, content=POLICY, {KWARGS})", head=head)
    assert fix(source) == source.replace(
        f"content=POLICY, {KWARGS})",
        'blocks=[TextBlock(text=POLICY), CachePoint(cache_control=CC(type="default"))])',
    )


@pytest.mark.parametrize(
    "source",
    [
        # the text is computed: it may not be a string
        _message(f"ChatMessage(role=MessageRole.SYSTEM, content=str.strip(POLICY), {KWARGS})"),
        # positional content
        _message(f"ChatMessage(POLICY, role=MessageRole.SYSTEM, {KWARGS})"),
        # a 1h ttl BedrockConverse cannot send: which lifetime to accept is a choice
        _message(
            "ChatMessage(role=MessageRole.SYSTEM, content=POLICY, "
            'additional_kwargs={"cache_control": {"type": "ephemeral", "ttl": "1h"}})'
        ),
        # a tool result: Bedrock refuses a cachePoint inside toolResult content
        _message(
            "ChatMessage(role=MessageRole.TOOL, content=POLICY, "
            'additional_kwargs={"tool_call_id": "t1", "cache_control": {"type": "ephemeral"}})'
        ),
        # a spread may hold cache_control again
        function(
            "extra = {}",
            "system = ChatMessage(role=MessageRole.SYSTEM, content=POLICY, "
            'additional_kwargs={"cache_control": {"type": "ephemeral"}, **extra})',
            f"return BedrockConverse(model=MODEL).chat([system, {USER}])",
        ),
        # a module-level message may be sent by other code too
        HEAD
        + f"SYSTEM = ChatMessage(role=MessageRole.SYSTEM, content=POLICY, {KWARGS})\n"
        + function(f"return BedrockConverse(model=MODEL).chat([SYSTEM, {USER}])").removeprefix(
            HEAD
        ),
        # Claude 3 Haiku cannot cache: Bedrock would reject the point (BC301 says so)
        _message(f"ChatMessage(role=MessageRole.SYSTEM, content=POLICY, {KWARGS})").replace(
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"
        ),
        # the name TextBlock is taken by something else
        _message(
            f"ChatMessage(role=MessageRole.SYSTEM, content=POLICY, {KWARGS})",
            head=HEAD + "TextBlock = str\n",
        ),
    ],
    ids=[
        "computed",
        "positional",
        "ttl-1h",
        "tool-role",
        "spread",
        "module-level",
        "model-cannot-cache",
        "shadowed",
    ],
)
def test_bc244_no_fix(source: str):
    assert "BC244" in codes(source)
    assert "BC244" not in fixable(source)
    assert fix(source, unsafe=True) == source


# ---- BC248 / BC249: settings that raise ---------------------------------------------------------


def test_bc248_is_unsafe_and_removes_the_argument():
    source = _chat('BedrockConverse(model=MODEL, cache_control={"type": "ephemeral"})')
    assert "BC248" in codes(source)
    assert fix(source) == source
    fixed = fix(source, unsafe=True)
    # Removed, then BC107's safe fix adds the setting that caches, in the same run.
    assert fixed == source.replace(
        'cache_control={"type": "ephemeral"})', "system_prompt_caching=True)"
    )
    assert codes(fixed) == []


def test_bc249_is_unsafe_and_removes_the_key():
    source = _chat(
        'BedrockConverse(model=MODEL, additional_kwargs={"cache_control": {"type": "ephemeral"}, '
        '"requestMetadata": {"team": "billing"}})'
    )
    assert "BC249" in codes(source)
    assert fix(source) == source
    assert fixable(source)["BC249"] == "unsafe"
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace('"cache_control": {"type": "ephemeral"}, ', "").replace(
        '"billing"}})', '"billing"}}, system_prompt_caching=True)'
    )
    assert "BC249" not in codes(fixed)


CTOR_KWARGS = 'additional_kwargs={"cache_control": {"type": "ephemeral"}}'


def test_bc249_removes_additional_kwargs_left_empty():
    source = HEAD + f"llm = BedrockConverse(model=MODEL, {CTOR_KWARGS})\n"
    assert codes(source) == ["BC249"]
    assert fix(source, unsafe=True) == HEAD + "llm = BedrockConverse(model=MODEL)\n"


def test_bc249_leaves_a_named_dict_alone():
    # The dict may be handed to other code, where removing a key changes what it does.
    source = HEAD + (
        'EXTRA = {"cache_control": {"type": "ephemeral"}}\n'
        "llm = BedrockConverse(model=MODEL, additional_kwargs=EXTRA)\n"
    )
    assert "BC249" in codes(source)
    assert fix(source, unsafe=True) == source


# ---- the fixed programs cache on the real library -----------------------------------------------


def _points(source: str) -> list[str]:
    """The cachePoints the real library sends when ``answer("hi")`` runs, offline."""
    pytest.importorskip("llama_index.llms.bedrock_converse")
    from bedrockcache.capturing import capture

    namespace: dict[str, Any] = {"__name__": "fixed_program"}
    with capture() as captured:
        exec(compile(source + '\nanswer("hi")\n', "<fixed>", "exec"), namespace)
    [request] = captured.requests
    assert request.report.wire is not None
    return [bp.path.removesuffix(".cachePoint") for bp in request.report.wire.breakpoints]


@pytest.mark.parametrize(
    ("source", "before", "after"),
    [
        (_chat(), [], ["system[1]"]),
        (
            _tools(
                "BedrockConverse(model=MODEL, system_prompt_caching=True, tool_caching=True)",
                f"chat_with_tools(TOOLS, user_msg=question, chat_history=[{SYSTEM}])",
            ),
            ["system[1]"],
            ["toolConfig.tools[1]", "system[1]"],
        ),
        (
            _message(f"ChatMessage(role=MessageRole.USER, content=POLICY, {KWARGS})"),
            [],
            ["messages[0].content[1]"],
        ),
    ],
    ids=["BC107", "BC240", "BC244"],
)
def test_the_fixed_program_sends_the_cache_point(source: str, before: list[str], after: list[str]):
    assert _points(source) == before
    assert _points(fix(source)) == after
