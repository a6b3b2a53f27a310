"""Strands Agents (``BedrockModel`` + ``Agent``) through the real strands-agents, inside capture().

Each variant is a FACTS.md claim for Strands or a row of research/wire-b.md section 1, run as a
program a user would write (a synchronous ``agent(...)`` call: ConverseStream by default, Converse
with ``streaming=False``). Strands builds its requests with boto3, so capture() sees them at
botocore's endpoint; neither path calls the Bedrock control plane (Strands decides from the model
id string alone, also for application inference profile ARNs).

Two things the harness cannot express are handled here explicitly:

* A tool is a ``@tool`` function whose spec the linter cannot size, so when only a tools cache
  point exists, lint leaves the tokens before it unresolved (BC305 "may cache nothing") where
  audit(), given the spec Strands sends, is sure; a model id the data does not know is BC304 in
  audit() and unresolved in lint. ``Case.lint_unresolved`` names those (see cases.py).
* Programs that raise before sending (a ``cache_config`` dict, a block that is only
  ``cache_control``) and the multi-turn loop are explicit tests at the end.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

pytest.importorskip("strands")

from botocore.exceptions import ParamValidationError
from strands.models import CacheConfig
from strands.models.model import CacheToolsConfig

from bedrockcache import audit, capture
from bedrockcache.backends import Backend
from bedrockcache.lint.checker import check_source
from conformance.cases import Case, check_case, params
from conformance.harness import Variant, breakpoints, lint_codes, reported, run

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "us.amazon.nova-pro-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
APP_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
POLICY = "policy text " * 800  # over every model's minimum, so no BC305 muddies a verdict
CP = {"cachePoint": {"type": "default"}}
CP_1H = {"cachePoint": {"type": "default", "ttl": "1h"}}
# What Strands sends for the @tool below: the docstring is the description.
TOOL = {
    "toolSpec": {
        "name": "lookup",
        "description": POLICY.strip(),
        "inputSchema": {
            "json": {
                "type": "object",
                "properties": {"query": {"type": "string", "description": "Parameter query"}},
                "required": ["query"],
            }
        },
    }
}
STRANDS = Backend.STRANDS
# Four earlier turns of `agent([{"text": f"question {i}"}, cachePoint])`, as Strands keeps them.
LOOP_HISTORY = [
    turn
    for i in range(4)
    for turn in (
        {"role": "user", "content": [{"text": f"question {i}"}, CP]},
        {"role": "assistant", "content": [{"text": "ok"}]},
    )
]
# A cache point after the tools: lint cannot size a @tool function, audit() is given its spec.
UNSEEN_TOOL = ("BC305",)

_HEADER = f'''\
from strands import Agent, tool
from strands.models import BedrockModel, CacheConfig
from strands.models.model import CacheToolsConfig

MODEL = "{MODEL}"
POLICY = "policy text " * 800


@tool
def lookup(query: str) -> str:
    """{POLICY.strip()}"""
    return query

'''


def program(body: str) -> str:
    return _HEADER + textwrap.dedent(body)


def agent(
    model: dict[str, Any] | str, *, system: Any = POLICY, prompt: Any = "hi", **kw: Any
) -> dict[str, Any]:
    """The audit() request: Agent keyword arguments plus the prompt of the call."""
    request: dict[str, Any] = {"model": model, "system_prompt": system, "prompt": prompt}
    request.update(kw)
    return request


def bedrock(model_id: str = MODEL, **kw: Any) -> dict[str, Any]:
    return {"model_id": model_id, **kw}


CASES = [
    # ---- the correct ways to cache ------------------------------------------------------------
    Case(
        Variant(
            "system-prompt-list-cache-point",
            program("""
                model = BedrockModel(model_id=MODEL)
                agent = Agent(
                    model=model,
                    system_prompt=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                    callback_handler=None,
                )
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(), system=[{"text": POLICY}, CP]),
            (("system[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            # streaming=False: Converse instead of ConverseStream, the same body.
            "system-prompt-list-cache-point-ttl-1h-converse",
            program("""
                CACHE_1H = {"type": "default", "ttl": "1h"}
                model = BedrockModel(model_id=MODEL, streaming=False)
                agent = Agent(
                    model=model,
                    system_prompt=[{"text": POLICY}, {"cachePoint": CACHE_1H}],
                    callback_handler=None,
                )
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(streaming=False), system=[{"text": POLICY}, CP_1H]),
            (("system[1].cachePoint", "1h"),),
        )
    ),
    Case(
        Variant(
            "model-id-string-system-cache-point",
            program("""
                agent = Agent(
                    model=MODEL,
                    system_prompt=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                    callback_handler=None,
                )
                agent("hi")
            """),
            STRANDS,
            agent(MODEL, system=[{"text": POLICY}, CP]),
            (("system[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            "message-cache-point",
            program("""
                agent = Agent(model=BedrockModel(model_id=MODEL), callback_handler=None)
                agent([{"text": POLICY}, {"cachePoint": {"type": "default"}}])
            """),
            STRANDS,
            agent(bedrock(), system=None, prompt=[{"text": POLICY}, CP]),
            (("messages[0].content[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            # auto on a Claude id: system + last user message; no tools point (tools_ttl unset).
            "cache-config-auto",
            program("""
                model = BedrockModel(model_id=MODEL, cache_config=CacheConfig(strategy="auto"))
                agent = Agent(
                    model=model, system_prompt=POLICY, tools=[lookup], callback_handler=None
                )
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_config=CacheConfig(strategy="auto")), tools=[TOOL]),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
        )
    ),
    Case(
        Variant(
            "cache-config-auto-ttl-1h-tools",
            program("""
                config = CacheConfig(strategy="auto", ttl="1h", tools_ttl=True)
                model = BedrockModel(model_id=MODEL, cache_config=config)
                agent = Agent(
                    model=model, system_prompt=POLICY, tools=[lookup], callback_handler=None
                )
                agent("hi")
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="auto", ttl="1h", tools_ttl=True)),
                tools=[TOOL],
            ),
            (
                ("toolConfig.tools[1].cachePoint", "1h"),
                ("system[1].cachePoint", "1h"),
                ("messages[0].content[1].cachePoint", "1h"),
            ),
        )
    ),
    Case(
        Variant(
            "cache-config-auto-system-prompt-ttl-false",
            program("""
                config = CacheConfig(strategy="auto", system_prompt_ttl=False)
                agent = Agent(
                    model=BedrockModel(model_id=MODEL, cache_config=config),
                    system_prompt=POLICY,
                    callback_handler=None,
                )
                agent(POLICY)
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="auto", system_prompt_ttl=False)),
                prompt=POLICY,
            ),
            (("messages[0].content[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            # PR #3681: a hand-placed system point is honoured, not doubled, and takes ttl.
            "cache-config-auto-hand-placed-system-point-takes-ttl",
            program("""
                agent = Agent(
                    model=BedrockModel(
                        model_id=MODEL, cache_config=CacheConfig(strategy="auto", ttl="1h")
                    ),
                    system_prompt=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                    callback_handler=None,
                )
                agent("hi")
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="auto", ttl="1h")),
                system=[{"text": POLICY}, CP],
            ),
            (("system[1].cachePoint", "1h"), ("messages[0].content[1].cachePoint", "1h")),
        )
    ),
    Case(
        Variant(
            "cache-config-auto-hand-placed-system-point-not-doubled",
            program("""
                agent = Agent(
                    model=BedrockModel(model_id=MODEL, cache_config=CacheConfig(strategy="auto")),
                    system_prompt=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                    callback_handler=None,
                )
                agent("hi")
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="auto")),
                system=[{"text": POLICY}, CP],
            ),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
        )
    ),
    Case(
        Variant(
            # A caller's message point keeps its position (1.52+) but takes CacheConfig.ttl (here
            # none): the caller's own "1h" is removed.
            "cache-config-auto-caller-message-point-ttl-replaced",
            program("""
                agent = Agent(
                    model=BedrockModel(model_id=MODEL, cache_config=CacheConfig(strategy="auto")),
                    system_prompt=POLICY,
                    callback_handler=None,
                )
                agent(
                    [
                        {"text": POLICY},
                        {"cachePoint": {"type": "default", "ttl": "1h"}},
                        {"text": "question"},
                    ]
                )
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="auto")),
                prompt=[{"text": POLICY}, CP_1H, {"text": "question"}],
            ),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
        )
    ),
    Case(
        Variant(
            # A system_prompt_ttl string is honoured as written on a hand-placed system point.
            "cache-config-anthropic-system-prompt-ttl-on-hand-placed-point",
            program("""
                config = CacheConfig(strategy="anthropic", system_prompt_ttl="1h")
                agent = Agent(
                    model=BedrockModel(model_id=MODEL, cache_config=config),
                    system_prompt=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
                    callback_handler=None,
                )
                agent("hi")
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="anthropic", system_prompt_ttl="1h")),
                system=[{"text": POLICY}, CP],
            ),
            (("system[1].cachePoint", "1h"), ("messages[0].content[1].cachePoint", None)),
        )
    ),
    Case(
        Variant(
            # tools_ttl differs from ttl: Strands leaves the system point without a ttl (it will not
            # pick between them), the message point takes ttl; 1h after 5m is Bedrock's BC307.
            "cache-config-anthropic-tools-ttl-differs",
            program("""
                config = CacheConfig(strategy="anthropic", ttl="1h", tools_ttl="5m")
                model = BedrockModel(model_id=MODEL, cache_config=config)
                agent = Agent(
                    model=model, system_prompt=POLICY, tools=[lookup], callback_handler=None
                )
                agent("hi")
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="anthropic", ttl="1h", tools_ttl="5m")),
                tools=[TOOL],
            ),
            (
                ("toolConfig.tools[1].cachePoint", "5m"),
                ("system[1].cachePoint", None),
                ("messages[0].content[1].cachePoint", "1h"),
            ),
            frozenset({"BC307"}),
        )
    ),
    Case(
        Variant(
            "cache-config-anthropic-application-profile-arn",
            program(f"""
                model = BedrockModel(
                    model_id="{APP_ARN}",
                    cache_config=CacheConfig(strategy="anthropic"),
                )
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(APP_ARN, cache_config=CacheConfig(strategy="anthropic"))),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
        ),
        lint_unresolved=("BC304",),
    ),
    Case(
        Variant(
            # auto, three calls: every request has the system point and one moving message point.
            "cache-config-auto-three-turns",
            program("""
                model = BedrockModel(model_id=MODEL, cache_config=CacheConfig(strategy="auto"))
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("first question")
                agent("second question")
                agent("third question")
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="auto")),
                messages=[
                    {"role": "user", "content": [{"text": "first question"}]},
                    {"role": "assistant", "content": [{"text": "ok"}]},
                    {"role": "user", "content": [{"text": "second question"}]},
                    {"role": "assistant", "content": [{"text": "ok"}]},
                ],
                prompt="third question",
            ),
            (("system[1].cachePoint", None), ("messages[4].content[1].cachePoint", None)),
            requests=3,
        )
    ),
    # ---- deprecated settings: still work, with a warning (BC214 / BC215 are info) -------------
    Case(
        Variant(
            "cache-prompt-deprecated",
            program("""
                model = BedrockModel(model_id=MODEL, cache_prompt="default")
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_prompt="default")),
            (("system[1].cachePoint", None),),
        ),
        marks=(pytest.mark.filterwarnings("ignore:cache_prompt is deprecated"),),
    ),
    Case(
        Variant(
            "cache-tools-deprecated",
            program("""
                model = BedrockModel(model_id=MODEL, cache_tools="default")
                agent = Agent(
                    model=model, system_prompt=POLICY, tools=[lookup], callback_handler=None
                )
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_tools="default"), tools=[TOOL]),
            (("toolConfig.tools[1].cachePoint", None),),
        ),
        lint_unresolved=UNSEEN_TOOL,
        marks=(pytest.mark.filterwarnings("ignore:cache_tools is deprecated"),),
    ),
    Case(
        Variant(
            "cache-tools-config-ttl-1h",
            program("""
                model = BedrockModel(model_id=MODEL, cache_tools=CacheToolsConfig(ttl="1h"))
                agent = Agent(
                    model=model, system_prompt=POLICY, tools=[lookup], callback_handler=None
                )
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_tools=CacheToolsConfig(ttl="1h")), tools=[TOOL]),
            (("toolConfig.tools[1].cachePoint", "1h"),),
        ),
        lint_unresolved=UNSEEN_TOOL,
        marks=(pytest.mark.filterwarnings("ignore:cache_tools is deprecated"),),
    ),
    # ---- dropped: nothing reaches Bedrock ----------------------------------------------------
    Case(
        Variant(
            "no-cache-settings",
            program("""
                model = BedrockModel(model_id=MODEL)
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock()),
            (),
            frozenset({"BC104"}),
        )
    ),
    Case(
        Variant(
            # cache_points never existed: BedrockModel warns "Invalid configuration parameters".
            "cache-points-does-not-exist",
            program("""
                model = BedrockModel(model_id=MODEL, cache_points=["system", "tools"])
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_points=["system", "tools"])),
            (),
            frozenset({"BC210"}),
        ),
        marks=(pytest.mark.filterwarnings("ignore:Invalid configuration parameters"),),
    ),
    Case(
        Variant(
            "anthropic-cache-control-on-text-block-dropped",
            program("""
                agent = Agent(model=BedrockModel(model_id=MODEL), callback_handler=None)
                agent([{"text": POLICY, "cache_control": {"type": "ephemeral"}}])
            """),
            STRANDS,
            agent(
                bedrock(),
                system=None,
                prompt=[{"text": POLICY, "cache_control": {"type": "ephemeral"}}],
            ),
            (),
            frozenset({"BC204"}),
        )
    ),
    Case(
        Variant(
            "anthropic-cache-control-on-message-dropped",
            program("""
                agent = Agent(model=BedrockModel(model_id=MODEL), callback_handler=None)
                agent(
                    [
                        {
                            "role": "user",
                            "content": [{"text": POLICY}],
                            "cache_control": {"type": "ephemeral"},
                        }
                    ]
                )
            """),
            STRANDS,
            agent(
                bedrock(),
                system=None,
                prompt=[
                    {
                        "role": "user",
                        "content": [{"text": POLICY}],
                        "cache_control": {"type": "ephemeral"},
                    }
                ],
            ),
            (),
            frozenset({"BC204"}),
        )
    ),
    Case(
        Variant(
            "cache-config-auto-nova-skipped",
            program(f"""
                model = BedrockModel(model_id="{NOVA}", cache_config=CacheConfig(strategy="auto"))
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(NOVA, cache_config=CacheConfig(strategy="auto"))),
            (),
            frozenset({"BC211", "BC304"}),
        ),
        lint_unresolved=("BC304",),
    ),
    Case(
        Variant(
            "cache-config-auto-application-profile-arn-skipped",
            program(f"""
                config = CacheConfig(strategy="auto")
                model = BedrockModel(model_id="{APP_ARN}", cache_config=config)
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(APP_ARN, cache_config=CacheConfig(strategy="auto"))),
            (),
            frozenset({"BC211"}),
        ),
        lint_unresolved=("BC304",),
    ),
    Case(
        Variant(
            # auto's substring check matches "claude": points go out for a model that cannot cache.
            "cache-config-auto-claude-3-haiku-points-sent",
            program(f"""
                config = CacheConfig(strategy="auto")
                model = BedrockModel(model_id="{HAIKU_3}", cache_config=config)
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(HAIKU_3, cache_config=CacheConfig(strategy="auto"))),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
            frozenset({"BC301"}),
        )
    ),
    Case(
        Variant(
            # cache_prompt's value is the cachePoint type: an Anthropic word goes out as written.
            "cache-prompt-ephemeral-sent-as-type",
            program("""
                model = BedrockModel(model_id=MODEL, cache_prompt="ephemeral")
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_prompt="ephemeral")),
            (("system[1].cachePoint", None),),
            frozenset({"BC309"}),
        ),
        marks=(pytest.mark.filterwarnings("ignore:cache_prompt is deprecated"),),
    ),
    Case(
        Variant(
            # cache_prompt without a system prompt: a point with nothing before it.
            "cache-prompt-without-system-prompt",
            program("""
                model = BedrockModel(model_id=MODEL, cache_prompt="default")
                agent = Agent(model=model, callback_handler=None)
                agent(POLICY)
            """),
            STRANDS,
            agent(bedrock(cache_prompt="default"), system=None, prompt=POLICY),
            (("system[0].cachePoint", None),),
            frozenset({"BC305"}),
        ),
        marks=(pytest.mark.filterwarnings("ignore:cache_prompt is deprecated"),),
    ),
    Case(
        Variant(
            "cache-tools-without-tools",
            program("""
                model = BedrockModel(model_id=MODEL, cache_tools="default")
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_tools="default")),
            (),
            frozenset({"BC104"}),
        ),
        marks=(pytest.mark.filterwarnings("ignore:cache_tools is deprecated"),),
    ),
    Case(
        Variant(
            "made-up-cache-system-prompt",
            program("""
                model = BedrockModel(model_id=MODEL, cache_system_prompt=True)
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(cache_system_prompt=True)),
            (),
            frozenset({"BC210"}),
        ),
        marks=(pytest.mark.filterwarnings("ignore:Invalid configuration parameters"),),
    ),
    Case(
        Variant(
            # additional_request_fields goes out as written: top-level cache_control, no cachePoint.
            "cache-control-in-additional-request-fields",
            program("""
                model = BedrockModel(
                    model_id=MODEL,
                    additional_request_fields={"cache_control": {"type": "ephemeral"}},
                )
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent("hi")
            """),
            STRANDS,
            agent(bedrock(additional_request_fields={"cache_control": {"type": "ephemeral"}})),
            (),
            frozenset({"BC314"}),
        )
    ),
    Case(
        Variant(
            # auto in a loop: each request keeps the system point and one message point; the
            # caller's earlier points are stripped, so nothing accumulates.
            "cache-config-auto-loop-strips-earlier-points",
            program("""
                model = BedrockModel(model_id=MODEL, cache_config=CacheConfig(strategy="auto"))
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                for i in range(5):
                    agent([{"text": f"question {i}"}, {"cachePoint": {"type": "default"}}])
            """),
            STRANDS,
            agent(
                bedrock(cache_config=CacheConfig(strategy="auto")),
                messages=LOOP_HISTORY,
                prompt=[{"text": "question 4"}, CP],
            ),
            (("system[1].cachePoint", None), ("messages[8].content[1].cachePoint", None)),
            requests=5,
        )
    ),
    Case(
        Variant(
            # Five calls, each with a hand-placed point and no cache_config: nothing removes the old
            # ones, so the fifth request carries five (over Bedrock's limit of four).
            "manual-cache-points-accumulate",
            program("""
                model = BedrockModel(model_id=MODEL)
                agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
                agent([{"text": "question one"}, {"cachePoint": {"type": "default"}}])
                agent([{"text": "question two"}, {"cachePoint": {"type": "default"}}])
                agent([{"text": "question three"}, {"cachePoint": {"type": "default"}}])
                agent([{"text": "question four"}, {"cachePoint": {"type": "default"}}])
                agent([{"text": "question five"}, {"cachePoint": {"type": "default"}}])
            """),
            STRANDS,
            agent(
                bedrock(),
                messages=[
                    turn
                    for text in ("one", "two", "three", "four")
                    for turn in (
                        {"role": "user", "content": [{"text": f"question {text}"}, CP]},
                        {"role": "assistant", "content": [{"text": "ok"}]},
                    )
                ],
                prompt=[{"text": "question five"}, CP],
            ),
            tuple((f"messages[{i}].content[1].cachePoint", None) for i in (0, 2, 4, 6, 8)),
            frozenset({"BC306"}),
            requests=5,
        )
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_variant(case: Case) -> None:
    check_case(case)


# ---- what the harness cannot express --------------------------------------------------------

MANUAL_LOOP = program("""
    model = BedrockModel(model_id=MODEL)
    agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
    for i in range(5):
        agent([{"text": f"question {i}"}, {"cachePoint": {"type": "default"}}])
""")
MANUAL_LOOP_LAST = agent(bedrock(), messages=LOOP_HISTORY, prompt=[{"text": "question 4"}, CP])


def test_manual_cache_points_in_a_loop_accumulate() -> None:
    """FACTS: manual cachePoints in a loop accumulate past 4 (no cache_config strips them)."""
    captured = run(MANUAL_LOOP, "manual_loop")
    assert len(captured.requests) == 5
    wire = breakpoints(captured.requests[-1].report.wire)
    claimed = tuple((f"messages[{i}].content[1].cachePoint", None) for i in (0, 2, 4, 6, 8))
    assert wire == claimed
    layer = audit(MANUAL_LOOP_LAST, STRANDS)
    assert breakpoints(layer.wire) == wire
    assert reported(layer) == {"BC306"}


def test_lint_sees_manual_cache_points_accumulate_in_a_loop() -> None:
    # The agent keeps its history: lint follows the loop's five turns, as the wire shows.
    assert lint_codes(MANUAL_LOOP) == {"BC306"}
    assert lint_codes(MANUAL_LOOP.replace("range(5)", "range(3)")) == set()


def _raises_before_sending(source: str, error: type[BaseException], match: str) -> None:
    namespace: dict[str, Any] = {"__name__": "raises"}
    with capture() as captured, pytest.raises(error, match=match):
        exec(compile(source, "<raises>", "exec"), namespace)
    assert captured.requests == []


def test_cache_config_dict_raises_attribute_error() -> None:
    """A dict literal is not a CacheConfig: Strands reads ``.strategy`` and raises (BC213)."""
    source = program("""
        model = BedrockModel(model_id=MODEL, cache_config={"strategy": "auto"})
        agent = Agent(model=model, system_prompt=POLICY, callback_handler=None)
        agent("hi")
    """)
    _raises_before_sending(source, AttributeError, "'dict' object has no attribute 'strategy'")
    # In audit() a mapping is how JSON writes a CacheConfig, so only the linter, which sees the
    # dict literal, reports it (the backend reads the marker the lint layer puts on it).
    layer = audit(agent(bedrock(cache_config={"__class__": "dict", "strategy": "auto"})), STRANDS)
    assert reported(layer) == {"BC213"}
    assert lint_codes(source) == {"BC213"}


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        # A prompt list: Agent's own input check refuses a block with no ContentBlock key.
        (
            'agent([{"text": POLICY}, {"cache_control": {"type": "ephemeral"}}])',
            ValueError,
            "Input prompt must be of type",
        ),
        # Inside a message: the model's block formatter refuses it.
        (
            'agent([{"role": "user", "content": [{"text": POLICY}, '
            '{"cache_control": {"type": "ephemeral"}}]}])',
            TypeError,
            r"content_type=<cache_control> \| unsupported type",
        ),
    ],
    ids=["prompt-list-value-error", "message-type-error"],
)
def test_block_of_only_cache_control_raises(call: str, error: type, match: str) -> None:
    source = program(f"""
        agent = Agent(model=BedrockModel(model_id=MODEL), callback_handler=None)
        {call}
    """)
    _raises_before_sending(source, error, match)
    namespace: dict[str, Any] = {"POLICY": POLICY}
    prompt = eval(call.removeprefix("agent(").removesuffix(")"), namespace)
    layer = audit(agent(bedrock(), system=None, prompt=prompt), STRANDS)
    assert reported(layer) == {"BC204"}
    assert [f.outcome.name for f in layer.findings if f.code == "BC204"] == ["REJECTED"]
    assert lint_codes(source) == {"BC204"}


def test_cache_control_in_system_prompt_rejected_by_botocore() -> None:
    source = program("""
        agent = Agent(
            model=BedrockModel(model_id=MODEL),
            system_prompt=[{"text": POLICY, "cache_control": {"type": "ephemeral"}}],
            callback_handler=None,
        )
        agent("hi")
    """)
    _raises_before_sending(
        source, ParamValidationError, 'Unknown parameter in system.0.: "cache_control"'
    )
    block = {"text": POLICY, "cache_control": {"type": "ephemeral"}}
    layer = audit(agent(bedrock(), system=[block]), STRANDS)
    assert "BC204" in reported(layer)
    assert lint_codes(source) == reported(layer)


def test_agent_cache_points_is_a_type_error() -> None:
    source = program("""
        model = BedrockModel(model_id=MODEL)
        agent = Agent(model=model, system_prompt=POLICY, cache_points=["system"])
        agent("hi")
    """)
    _raises_before_sending(source, TypeError, "unexpected keyword argument 'cache_points'")
    assert lint_codes(source) == {"BC210"}


def test_system_prompt_setter_replaces_the_cache_point() -> None:
    """The setter turns the SystemContentBlocks into plain text: nothing is cached. Lint cannot
    know what the agent holds after the reassignment and says so instead of guessing."""
    source = program("""
        agent = Agent(
            model=BedrockModel(model_id=MODEL),
            system_prompt=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],
            callback_handler=None,
        )
        agent.system_prompt = POLICY
        agent("hi")
    """)
    captured = run(source, "setter")
    assert breakpoints(captured.requests[-1].report.wire) == ()
    assert reported(audit(agent(bedrock()), STRANDS)) == {"BC104"}
    result = check_source(source, "variant.py")
    assert [d.code for d in result.diagnostics] == []
    reasons = [reason for item in result.unresolved for reason in item.reasons]
    assert any("system_prompt is reassigned" in reason for reason in reasons), reasons
