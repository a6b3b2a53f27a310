"""captured.assert_stable_prefix(): a per-call value before a breakpoint is named precisely."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from bedrockcache import capture

boto3 = pytest.importorskip("boto3")

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 200
CP = {"cachePoint": {"type": "default"}}
HI = [{"role": "user", "content": [{"text": "hi"}]}]


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    return boto3.client("bedrock-runtime", region_name="us-east-1")


def ask(client, question: str, *, stamp_in_system: bool) -> None:  # type: ignore[no-untyped-def]
    now = datetime.datetime.now().isoformat()
    system = f"Now: {now}\n{POLICY}" if stamp_in_system else POLICY
    turn = question if stamp_in_system else f"(asked at {now}) {question}"
    client.converse(
        modelId=SONNET,
        system=[{"text": system}, CP],
        messages=[{"role": "user", "content": [{"text": turn}]}],
    )


def test_a_timestamp_in_the_system_prompt_of_a_boto3_loop_fails(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        for question in ("Where is my refund?", "Can I return shoes?"):
            ask(client, question, stamp_in_system=True)
    with pytest.raises(AssertionError) as failure:
        captured.assert_stable_prefix()
    message = str(failure.value)
    assert message.startswith(
        "bedrockcache: the cached prefix changed in 1 of 1 consecutive call(s)\n"
        f"requests 0 and 1 (Converse {SONNET} at {__file__}:"
    )
    assert re.search(r"the cached prefix differs at system\[0\], byte \d+:", message)
    before, after = re.findall(r"(?:before|after): +'([^']*)'", message)
    assert before != after and re.search(r"\d", before) and re.search(r"\d", after)
    assert "so breakpoint system[1].cachePoint never hits" in message


def test_the_same_loop_passes_once_the_timestamp_moves_to_the_user_turn(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        for question in ("Where is my refund?", "Can I return shoes?"):
            ask(client, question, stamp_in_system=False)
    captured.assert_stable_prefix()


def test_a_strands_agent_with_a_timestamp_in_its_system_prompt_fails_then_passes() -> None:
    pytest.importorskip("strands")
    from strands import Agent
    from strands.models import BedrockModel

    def answer(question: str, *, stamp_in_system: bool) -> None:
        now = datetime.datetime.now().isoformat()
        system = f"Now: {now}\n{POLICY}" if stamp_in_system else POLICY
        agent = Agent(
            model=BedrockModel(model_id=SONNET),
            system_prompt=[{"text": system}, CP],
            callback_handler=None,
        )
        agent(question if stamp_in_system else f"(asked at {now}) {question}")

    with capture() as captured:
        answer("Where is my refund?", stamp_in_system=True)
        answer("Can I return shoes?", stamp_in_system=True)
    with pytest.raises(AssertionError) as failure:
        captured.assert_stable_prefix()
    message = str(failure.value)
    # Strands sends from a worker thread: no user frame, so no "at file:line".
    assert f"requests 0 and 1 (ConverseStream {SONNET}): " in message
    assert re.search(r"differs at system\[0\], byte \d+:\n    before: '.*\d", message)
    assert "so breakpoint system[1].cachePoint never hits" in message

    with capture() as captured:
        answer("Where is my refund?", stamp_in_system=False)
        answer("Can I return shoes?", stamp_in_system=False)
    captured.assert_stable_prefix()


def test_exact_offset_excerpts_and_only_later_breakpoints_voided(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        for n in (1, 2):
            client.converse(
                modelId=SONNET,
                system=[{"text": POLICY}, CP],
                messages=[
                    {"role": "user", "content": [{"text": f"Ticket é{n}: {POLICY}"}, CP]},
                    {"role": "assistant", "content": [{"text": "ok"}]},
                    {"role": "user", "content": [{"text": "next"}]},
                ],
            )
    with pytest.raises(AssertionError) as failure:
        captured.assert_stable_prefix()
    message = str(failure.value)
    assert "differs at messages[0].content[0], byte 9:" in message  # "é" is 2 bytes
    assert "before: 'Ticket é1: Follow the refund pol'" in message
    assert "after:  'Ticket é2: Follow the refund pol'" in message
    # The system breakpoint still hits; only the one in the message is voided.
    assert "so breakpoint messages[0].content[1].cachePoint never hits" in message
    assert "system[1].cachePoint" not in message


def test_a_growing_conversation_with_a_moving_breakpoint_is_stable(client) -> None:  # type: ignore[no-untyped-def]
    history: list[dict] = []
    with capture() as captured:
        for question in ("first", "second", "third"):
            turn = {"role": "user", "content": [{"text": question}]}
            messages = [*history, {"role": "user", "content": [{"text": question}, CP]}]
            client.converse(modelId=SONNET, system=[{"text": POLICY}, CP], messages=messages)
            history += [turn, {"role": "assistant", "content": [{"text": "ok"}]}]
    captured.assert_stable_prefix()


def test_moving_an_anthropic_cache_control_is_not_a_change(client) -> None:  # type: ignore[no-untyped-def]
    cc = {"type": "ephemeral"}
    with capture() as captured:
        for last in (0, 1):
            body = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 16,
                "system": [{"type": "text", "text": POLICY, "cache_control": cc}],
                "messages": [
                    {
                        "role": "user",
                        "content": [
                            {
                                "type": "text",
                                "text": f"part {i}",
                                **({"cache_control": cc} if i == last else {}),
                            }
                            for i in range(2)
                        ],
                    }
                ],
            }
            client.invoke_model(modelId=SONNET, body=json.dumps(body))
    captured.assert_stable_prefix()


def test_requests_from_different_lines_are_not_compared(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        for _ in range(2):
            client.converse(modelId=SONNET, system=[{"text": "A" + POLICY}, CP], messages=HI)
            client.converse(modelId=SONNET, system=[{"text": "B" + POLICY}, CP], messages=HI)
    captured.assert_stable_prefix()
    assert len({r.call_site for r in captured}) == 2


def test_nothing_to_compare_is_a_failure_not_a_pass(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        client.converse(modelId=SONNET, system=[{"text": POLICY}], messages=HI)
        client.converse(modelId=SONNET, system=[{"text": POLICY}], messages=HI)
    with pytest.raises(AssertionError, match="no two requests of one call path with a breakpoint"):
        captured.assert_stable_prefix()


def test_where_selects_the_requests_compared(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        for _ in range(2):
            ask(client, "stable", stamp_in_system=False)
        for _ in range(2):
            ask(client, "unstable", stamp_in_system=True)
    with pytest.raises(AssertionError, match="requests 2 and 3"):
        captured.assert_stable_prefix()
    captured.assert_stable_prefix(where=lambda r: r.index < 2)
