"""pydantic-ai (``BedrockConverseModel``, ``Agent("bedrock:...")``) through the real library.

Each variant is a FACTS.md claim for pydantic-ai or a row of research/wire-b.md section 2, run as a
program a user would write (``agent.run_sync(...)``: ConverseStream when pydantic-ai fills in a
default max_tokens for the model, Converse otherwise) inside capture(). pydantic-ai decides every
cache gate from the model name and its profile: it never calls the Bedrock control plane, also not
for application inference profile ARNs.

What the harness cannot express is handled as in test_strands.py: a ``@agent.tool_plain``
function is a tool lint cannot size, a model the data does not know is BC304 in audit() and
unresolved in lint, a history built from ``result.all_messages()`` is not visible to lint
(``Case.lint_unresolved``, cases.py); programs that raise before sending are explicit tests.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

pytest.importorskip("pydantic_ai")

from pydantic_ai import CachePoint
from pydantic_ai.exceptions import UserError

from bedrockcache import audit, capture
from bedrockcache.backends import Backend
from conformance.cases import Case, check_case, params
from conformance.harness import Variant, lint_codes, reported

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
SONNET_4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA = "us.amazon.nova-pro-v1:0"
LLAMA = "us.meta.llama3-3-70b-instruct-v1:0"
APP_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456"
PROFILE_ARN = f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{MODEL}"
FOUNDATION_ARN = (
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"
)
POLICY = "policy text " * 800  # over every model's minimum, so no BC305 muddies a verdict
# What pydantic-ai sends for the @agent.tool_plain below: the docstring is the description.
TOOL = {
    "name": "lookup",
    "description": POLICY.strip(),
    "parameters_json_schema": {
        "type": "object",
        "properties": {"query": {"type": "string"}},
        "required": ["query"],
        "additionalProperties": False,
    },
}
PYDANTIC = Backend.PYDANTIC_AI_BEDROCK
UNSEEN_TOOL = ("BC305",)  # a cache point right after a tool function lint cannot size
UNKNOWN_MODEL = ("BC304",)
CACHE_ALL = {
    "bedrock_cache_instructions": True,
    "bedrock_cache_tool_definitions": True,
    "bedrock_cache_messages": True,
}

_HEADER = f"""\
from pydantic_ai import Agent, CachePoint
from pydantic_ai.models.bedrock import BedrockConverseModel, BedrockModelSettings
from pydantic_ai.providers.bedrock import BedrockModelProfile

MODEL = "bedrock:{MODEL}"
MODEL_ID = "{MODEL}"
POLICY = "policy text " * 800

"""
_TOOL_SOURCE = f'''

@agent.tool_plain
def lookup(query: str) -> str:
    """{POLICY.strip()}"""
    return query

'''


def program(body: str, *, tool: bool = False) -> str:
    """A program; with ``tool`` the agent gets the @agent.tool_plain above before it runs."""
    body = textwrap.dedent(body)
    if tool:
        head, run_call = body.split("agent.run_sync(", 1)
        body = head + _TOOL_SOURCE + "agent.run_sync(" + run_call
    return _HEADER + body


def agent(model: Any = f"bedrock:{MODEL}", **kw: Any) -> dict[str, Any]:
    """The audit() request: Agent keyword arguments plus one run."""
    request: dict[str, Any] = {"model": model, "instructions": POLICY, "prompt": "hi"}
    request.update(kw)
    return {k: v for k, v in request.items() if v is not None}


def bedrock_model(name: str, **kw: Any) -> dict[str, Any]:
    """BedrockConverseModel(name, ...) as audit() takes it."""
    return {"model_name": name, **kw}


CASES = [
    # ---- the correct ways to cache ------------------------------------------------------------
    Case(
        Variant(
            "cache-instructions-true",
            program("""
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"bedrock_cache_instructions": True}),
            (("system[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            "cache-instructions-1h",
            program("""
                agent = Agent(
                    MODEL, instructions=POLICY, model_settings={"bedrock_cache_instructions": "1h"}
                )
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"bedrock_cache_instructions": "1h"}),
            (("system[1].cachePoint", "1h"),),
        )
    ),
    Case(
        Variant(
            "cache-instructions-5m-via-system-prompt",
            program("""
                settings = BedrockModelSettings(bedrock_cache_instructions="5m")
                agent = Agent(MODEL, system_prompt=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                instructions=None,
                system_prompt=POLICY,
                model_settings={"bedrock_cache_instructions": "5m"},
            ),
            (("system[1].cachePoint", "5m"),),
        )
    ),
    Case(
        Variant(
            "cache-tool-definitions",
            program(
                """
                settings = BedrockModelSettings(bedrock_cache_tool_definitions=True)
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
                """,
                tool=True,
            ),
            PYDANTIC,
            agent(tools=[TOOL], model_settings={"bedrock_cache_tool_definitions": True}),
            (("toolConfig.tools[1].cachePoint", None),),
        ),
        lint_unresolved=UNSEEN_TOOL,
    ),
    Case(
        Variant(
            "cache-messages-1h-run-settings",
            program("""
                agent = Agent(MODEL, instructions=POLICY)
                settings = BedrockModelSettings(bedrock_cache_messages="1h")
                agent.run_sync(POLICY, model_settings=settings)
            """),
            PYDANTIC,
            agent(prompt=POLICY, run_model_settings={"bedrock_cache_messages": "1h"}),
            (("messages[0].content[1].cachePoint", "1h"),),
        )
    ),
    Case(
        Variant(
            "settings-on-the-model",
            program("""
                settings = BedrockModelSettings(
                    bedrock_cache_instructions=True, bedrock_cache_messages=True
                )
                model = BedrockConverseModel(MODEL_ID, settings=settings)
                agent = Agent(model, instructions=POLICY)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                bedrock_model(
                    MODEL,
                    settings={"bedrock_cache_instructions": True, "bedrock_cache_messages": True},
                )
            ),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
        )
    ),
    Case(
        Variant(
            # the explicit marker always carries its ttl (default 5m)
            "cache-point-in-prompt",
            program("""
                agent = Agent(MODEL, instructions=POLICY)
                agent.run_sync([POLICY, CachePoint()])
            """),
            PYDANTIC,
            agent(prompt=[POLICY, CachePoint()]),
            (("messages[0].content[1].cachePoint", "5m"),),
        )
    ),
    Case(
        Variant(
            "cache-point-in-prompt-1h",
            program("""
                agent = Agent(MODEL, instructions=POLICY)
                agent.run_sync([POLICY, CachePoint(ttl="1h")])
            """),
            PYDANTIC,
            agent(prompt=[POLICY, CachePoint(ttl="1h")]),
            (("messages[0].content[1].cachePoint", "1h"),),
        )
    ),
    Case(
        Variant(
            # _raise_earlier_cache_ttls: an earlier point is raised to a later 1h one.
            "earlier-ttl-raised-to-later-1h",
            program("""
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync(["question", CachePoint(ttl="1h")])
            """),
            PYDANTIC,
            agent(
                model_settings={"bedrock_cache_instructions": True},
                prompt=["question", CachePoint(ttl="1h")],
            ),
            (("system[1].cachePoint", "1h"), ("messages[0].content[1].cachePoint", "1h")),
        )
    ),
    Case(
        Variant(
            # ... and only the earlier ones: the automatic message point after it stays default.
            "earlier-ttl-raised-later-point-untouched",
            program("""
                settings = BedrockModelSettings(
                    bedrock_cache_instructions="5m", bedrock_cache_messages=True
                )
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync([POLICY, CachePoint(ttl="1h"), "question"])
            """),
            PYDANTIC,
            agent(
                model_settings={"bedrock_cache_instructions": "5m", "bedrock_cache_messages": True},
                prompt=[POLICY, CachePoint(ttl="1h"), "question"],
            ),
            (
                ("system[1].cachePoint", "1h"),
                ("messages[0].content[1].cachePoint", "1h"),
                ("messages[0].content[3].cachePoint", None),
            ),
        )
    ),
    Case(
        Variant(
            "static-and-dynamic-instructions",
            program("""
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)


                @agent.instructions
                def today() -> str:
                    return "Today is Tuesday."


                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                dynamic_instructions="Today is Tuesday.",
                model_settings={"bedrock_cache_instructions": True},
            ),
            (("system[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            "cache-messages-three-turns",
            program("""
                settings = BedrockModelSettings(bedrock_cache_messages=True)
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                first = agent.run_sync(POLICY)
                second = agent.run_sync("two", message_history=first.all_messages())
                agent.run_sync("three", message_history=second.all_messages())
            """),
            PYDANTIC,
            agent(
                model_settings={"bedrock_cache_messages": True},
                message_history=[
                    {"role": "user", "content": POLICY},
                    {"role": "assistant", "content": "ok"},
                    {"role": "user", "content": "two"},
                    {"role": "assistant", "content": "ok"},
                ],
                prompt="three",
            ),
            (("messages[4].content[1].cachePoint", None),),
            requests=3,
        )
    ),
    # ---- the unified `cache` setting ------------------------------------------------------------
    Case(
        Variant(
            "unified-cache-true",
            program(
                """
                agent = Agent(MODEL, instructions=POLICY, model_settings={"cache": True})
                agent.run_sync("hi")
                """,
                tool=True,
            ),
            PYDANTIC,
            agent(tools=[TOOL], model_settings={"cache": True}),
            (
                ("toolConfig.tools[1].cachePoint", None),
                ("system[1].cachePoint", None),
                ("messages[0].content[1].cachePoint", None),
            ),
        )
    ),
    Case(
        Variant(
            "unified-cache-1h",
            program("""
                agent = Agent(MODEL, instructions=POLICY, model_settings={"cache": "1h"})
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"cache": "1h"}),
            (("system[1].cachePoint", "1h"), ("messages[0].content[1].cachePoint", "1h")),
        )
    ),
    Case(
        Variant(
            # CacheConfig's fields are `retention` and `messages` (pydantic_ai/settings.py).
            "unified-cache-messages-false",
            program("""
                settings = {"cache": {"messages": False}}
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"cache": {"messages": False}}),
            (("system[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            "unified-cache-retention-1h-messages-false",
            program("""
                cache = {"retention": "1h", "messages": False}
                agent = Agent(MODEL, instructions=POLICY, model_settings={"cache": cache})
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"cache": {"retention": "1h", "messages": False}}),
            (("system[1].cachePoint", "1h"),),
        )
    ),
    Case(
        Variant(
            # The unified retention snaps to the profile's tiers: Sonnet 4 has only 5m.
            "unified-cache-1h-snapped-to-5m",
            program(f"""
                agent = Agent(
                    "bedrock:{SONNET_4}", instructions=POLICY, model_settings={{"cache": "1h"}}
                )
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(f"bedrock:{SONNET_4}", model_settings={"cache": "1h"}),
            (("system[1].cachePoint", "5m"), ("messages[0].content[1].cachePoint", "5m")),
        )
    ),
    Case(
        Variant(
            # ... while an explicit bedrock_cache_* value goes out as written.
            "explicit-1h-not-snapped",
            program(f"""
                settings = BedrockModelSettings(bedrock_cache_instructions="1h")
                agent = Agent("bedrock:{SONNET_4}", instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(f"bedrock:{SONNET_4}", model_settings={"bedrock_cache_instructions": "1h"}),
            (("system[1].cachePoint", "1h"),),
            frozenset({"BC308"}),  # Sonnet 4 takes only 5m on Bedrock
        )
    ),
    Case(
        Variant(
            "unified-cache-30m-snapped-down-to-5m",
            program("""
                agent = Agent(MODEL, instructions=POLICY, model_settings={"cache": "30m"})
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"cache": "30m"}),
            (("system[1].cachePoint", "5m"), ("messages[0].content[1].cachePoint", "5m")),
        )
    ),
    Case(
        Variant(
            "unified-cache-1h-nova-snapped-to-5m",
            program(f"""
                settings = {{"cache": "1h"}}
                agent = Agent("bedrock:{NOVA}", instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(f"bedrock:{NOVA}", model_settings={"cache": "1h"}),
            (("system[1].cachePoint", "5m"), ("messages[0].content[1].cachePoint", "5m")),
            frozenset({"BC304"}),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            # Any explicit bedrock_cache_* key (even False) disables the unified setting.
            "explicit-key-disables-unified-cache",
            program("""
                settings = BedrockModelSettings(cache=True, bedrock_cache_instructions=False)
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"cache": True, "bedrock_cache_instructions": False}),
            (),
            frozenset({"BC105", "BC223"}),
        )
    ),
    # ---- dropped ------------------------------------------------------------------------------
    Case(
        Variant(
            "no-cache-settings",
            program("""
                agent = Agent(MODEL, instructions=POLICY)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(),
            (),
            frozenset({"BC105"}),
        )
    ),
    Case(
        Variant(
            "extra-body-never-reaches-converse",
            program("""
                settings = BedrockModelSettings(extra_body={"cache_control": {"type": "ephemeral"}})
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"extra_body": {"cache_control": {"type": "ephemeral"}}}),
            (),
            frozenset({"BC220"}),
        ),
        marks=(pytest.mark.filterwarnings("ignore:The `extra_body` setting is not supported"),),
    ),
    Case(
        Variant(
            "anthropic-setting-name-on-bedrock",
            program("""
                settings = {"anthropic_cache_instructions": True}
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"anthropic_cache_instructions": True}),
            (),
            frozenset({"BC224"}),
        )
    ),
    Case(
        Variant(
            "made-up-bedrock-cache-prompt",
            program("""
                settings = {"bedrock_cache_prompt": True}
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(model_settings={"bedrock_cache_prompt": True}),
            (),
            frozenset({"BC224"}),
        )
    ),
    Case(
        Variant(
            "cache-instructions-only-dynamic-instructions",
            program("""
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent(MODEL, model_settings=settings)


                @agent.instructions
                def today() -> str:
                    return POLICY


                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                instructions=None,
                dynamic_instructions=True,
                model_settings={"bedrock_cache_instructions": True},
            ),
            (),
            frozenset({"BC105", "BC225"}),
        )
    ),
    Case(
        Variant(
            "application-profile-arn-drops-everything",
            program(f"""
                settings = BedrockModelSettings(
                    bedrock_cache_instructions=True, bedrock_cache_messages=True
                )
                agent = Agent("bedrock:{APP_ARN}", instructions=POLICY, model_settings=settings)
                agent.run_sync([POLICY, CachePoint()])
            """),
            PYDANTIC,
            agent(
                f"bedrock:{APP_ARN}",
                model_settings={"bedrock_cache_instructions": True, "bedrock_cache_messages": True},
                prompt=[POLICY, CachePoint()],
            ),
            (),
            frozenset({"BC221"}),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            "application-profile-arn-unified-cache-dropped",
            program(f"""
                settings = {{"cache": True}}
                agent = Agent("bedrock:{APP_ARN}", instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(f"bedrock:{APP_ARN}", model_settings={"cache": True}),
            (),
            frozenset({"BC221"}),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            "application-profile-arn-with-profile-override",
            program(f"""
                profile = BedrockModelProfile(
                    bedrock_supports_prompt_caching=True, bedrock_supports_tool_caching=True
                )
                model = BedrockConverseModel("{APP_ARN}", profile=profile)
                settings = BedrockModelSettings(
                    bedrock_cache_instructions=True, bedrock_cache_messages=True
                )
                agent = Agent(model, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                bedrock_model(
                    APP_ARN,
                    profile={
                        "bedrock_supports_prompt_caching": True,
                        "bedrock_supports_tool_caching": True,
                    },
                ),
                model_settings={"bedrock_cache_instructions": True, "bedrock_cache_messages": True},
            ),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            # The unified setting also needs supports_cache in the profile: without it, nothing.
            "application-profile-arn-override-without-supports-cache",
            program(f"""
                profile = BedrockModelProfile(bedrock_supports_prompt_caching=True)
                model = BedrockConverseModel("{APP_ARN}", profile=profile)
                agent = Agent(model, instructions=POLICY, model_settings={{"cache": True}})
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                bedrock_model(APP_ARN, profile={"bedrock_supports_prompt_caching": True}),
                model_settings={"cache": True},
            ),
            (),
            frozenset({"BC221"}),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            # With supports_cache but no retention tiers, a retention becomes a plain cache point.
            "application-profile-arn-override-unified-retention-dropped",
            program(f"""
                profile = BedrockModelProfile(
                    bedrock_supports_prompt_caching=True, supports_cache=True
                )
                model = BedrockConverseModel("{APP_ARN}", profile=profile)
                agent = Agent(model, instructions=POLICY, model_settings={{"cache": "1h"}})
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                bedrock_model(
                    APP_ARN,
                    profile={"bedrock_supports_prompt_caching": True, "supports_cache": True},
                ),
                model_settings={"cache": "1h"},
            ),
            (("system[1].cachePoint", None), ("messages[0].content[1].cachePoint", None)),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            # The profile is still chosen from the name; the ARN is only the modelId sent.
            "bedrock-inference-profile-setting",
            program(f"""
                settings = BedrockModelSettings(
                    bedrock_cache_instructions=True, bedrock_inference_profile="{APP_ARN}"
                )
                agent = Agent(MODEL, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                model_settings={
                    "bedrock_cache_instructions": True,
                    "bedrock_inference_profile": APP_ARN,
                }
            ),
            (("system[1].cachePoint", None),),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            # An inference-profile ARN names its model: pydantic-ai reads the profile from it.
            "inference-profile-arn-caches",
            program(f"""
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent("bedrock:{PROFILE_ARN}", instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(f"bedrock:{PROFILE_ARN}", model_settings={"bedrock_cache_instructions": True}),
            (("system[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            "foundation-model-arn-unified-cache-1h",
            program(f"""
                agent = Agent(
                    "bedrock:{FOUNDATION_ARN}",
                    instructions=POLICY,
                    model_settings={{"cache": "1h"}},
                )
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(f"bedrock:{FOUNDATION_ARN}", model_settings={"cache": "1h"}),
            (("system[1].cachePoint", "1h"), ("messages[0].content[1].cachePoint", "1h")),
        )
    ),
    Case(
        Variant(
            # profile= is merged over the provider's: turning tool caching off keeps prompts.
            "partial-profile-override-keeps-prompt-caching",
            program("""
                profile = BedrockModelProfile(bedrock_supports_tool_caching=False)
                model = BedrockConverseModel(MODEL_ID, profile=profile)
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent(model, instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(
                bedrock_model(MODEL, profile={"bedrock_supports_tool_caching": False}),
                model_settings={"bedrock_cache_instructions": True},
            ),
            (("system[1].cachePoint", None),),
        )
    ),
    Case(
        Variant(
            # Nova's profile caches prompts, not tools (BC222 is info).
            "nova-tool-definitions-not-cached",
            program(
                f"""
                settings = BedrockModelSettings(
                    bedrock_cache_instructions=True, bedrock_cache_tool_definitions=True
                )
                agent = Agent("bedrock:{NOVA}", instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
                """,
                tool=True,
            ),
            PYDANTIC,
            agent(
                f"bedrock:{NOVA}",
                tools=[TOOL],
                model_settings={
                    "bedrock_cache_instructions": True,
                    "bedrock_cache_tool_definitions": True,
                },
            ),
            (("system[1].cachePoint", None),),
            frozenset({"BC304"}),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            "llama-profile-drops-everything",
            program(f"""
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent("bedrock:{LLAMA}", instructions=POLICY, model_settings=settings)
                agent.run_sync([POLICY, CachePoint()])
            """),
            PYDANTIC,
            agent(
                f"bedrock:{LLAMA}",
                model_settings={"bedrock_cache_instructions": True},
                prompt=[POLICY, CachePoint()],
            ),
            (),
            frozenset({"BC221", "BC304"}),
        ),
        lint_unresolved=UNKNOWN_MODEL,
    ),
    Case(
        Variant(
            # The profile is per vendor: a Claude that cannot cache on Bedrock still gets points.
            "claude-3-haiku-points-sent",
            program(f"""
                settings = BedrockModelSettings(bedrock_cache_instructions=True)
                agent = Agent("bedrock:{HAIKU_3}", instructions=POLICY, model_settings=settings)
                agent.run_sync("hi")
            """),
            PYDANTIC,
            agent(f"bedrock:{HAIKU_3}", model_settings={"bedrock_cache_instructions": True}),
            (("system[1].cachePoint", None),),
            frozenset({"BC301"}),
        )
    ),
    Case(
        Variant(
            # Five runs, each ending in CachePoint(): the fifth keeps the newest four.
            "more-than-four-points-oldest-dropped",
            program("""
                agent = Agent(MODEL, instructions=POLICY)
                one = agent.run_sync(["question one", CachePoint()])
                two = agent.run_sync(
                    ["question two", CachePoint()], message_history=one.all_messages()
                )
                three = agent.run_sync(
                    ["question three", CachePoint()], message_history=two.all_messages()
                )
                four = agent.run_sync(
                    ["question four", CachePoint()], message_history=three.all_messages()
                )
                agent.run_sync(["question five", CachePoint()], message_history=four.all_messages())
            """),
            PYDANTIC,
            agent(
                message_history=[
                    turn
                    for text in ("one", "two", "three", "four")
                    for turn in (
                        {"role": "user", "content": [f"question {text}", CachePoint()]},
                        {"role": "assistant", "content": "ok"},
                    )
                ],
                prompt=["question five", CachePoint()],
            ),
            tuple((f"messages[{i}].content[1].cachePoint", "5m") for i in (2, 4, 6, 8)),
            requests=5,
        ),
        lint_unresolved=("unknown: messages",),
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_variant(case: Case) -> None:
    check_case(case)


# ---- programs that raise before sending ------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "error", "match", "code"),
    [
        ("[CachePoint(), POLICY]", UserError, "CachePoint cannot be the first content", "BC227"),
        (
            "[POLICY, CachePoint(), CachePoint()]",
            UserError,
            "CachePoint cannot be preceded by another CachePoint",
            "BC227",
        ),
        (
            '[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}]',
            ValueError,
            "must be a `UserContent` item, got `dict`",
            "BC228",
        ),
    ],
    ids=["cache-point-first", "cache-points-adjacent", "anthropic-dict-in-prompt"],
)
def test_prompt_refused_before_sending(prompt: str, error: type, match: str, code: str) -> None:
    source = program(f"""
        agent = Agent(MODEL, instructions=POLICY)
        agent.run_sync({prompt})
    """)
    with capture() as captured, pytest.raises(error, match=match):
        exec(compile(source, "<refused>", "exec"), {"__name__": "refused"})
    assert captured.requests == []
    value = eval(prompt, {"CachePoint": CachePoint, "POLICY": POLICY})
    layer = audit(agent(prompt=value), PYDANTIC)
    assert code in reported(layer)
    assert lint_codes(source) == reported(layer)


def test_unknown_unified_cache_option_raises() -> None:
    """CacheConfig has only `retention` and `messages`: anything else is a UserError, so audit()
    claims no cache point from it (the setting is Unknown, with a note)."""
    source = program("""
        agent = Agent(MODEL, instructions=POLICY, model_settings={"cache": {"ttl": "1h"}})
        agent.run_sync("hi")
    """)
    with capture() as captured, pytest.raises(UserError, match="Unknown `cache` option"):
        exec(compile(source, "<refused>", "exec"), {"__name__": "refused"})
    assert captured.requests == []
    layer = audit(agent(model_settings={"cache": {"ttl": "1h"}}), PYDANTIC)
    assert any("raises UserError" in note for note in layer.notes), layer.notes
    assert not layer.will_cache
