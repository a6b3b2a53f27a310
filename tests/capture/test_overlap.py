"""Captures that nest or overlap: each one's mode applies to the requests it owns.

An offline capture must never let a request out, whatever other captures do: nested in it, in
another thread, in another asyncio task. Every client here points at a recording server on
127.0.0.1, so a request that leaks is seen there (and anything aimed elsewhere would trip the
network guard).
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bedrockcache import capture
from bedrockcache.capturing import Capture
from capture.server import RecordingServer

boto3 = pytest.importorskip("boto3")
httpx = pytest.importorskip("httpx")

OFFLINE_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
PASSING_MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
HI = [{"role": "user", "content": [{"text": "hi"}]}]


def _path(model: str) -> str:
    return f"/model/{model.replace(':', '%3A')}/converse"


def _boto3(server: RecordingServer):  # type: ignore[no-untyped-def]
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=server.url,
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )


def _converse(server: RecordingServer, model: str) -> str:
    """One boto3 Converse call; the text of the reply ("ok" in-process, "real" from the server)."""
    response = _boto3(server).converse(modelId=model, messages=HI)
    return response["output"]["message"]["content"][0]["text"]


def _post(server: RecordingServer, model: str) -> str:
    """The same call as a plain httpx POST (how anthropic's and LiteLLM's clients send)."""
    with httpx.Client(base_url=server.url) as client:
        response = client.post(_path(model), json={"messages": HI})
    return response.json()["output"]["message"]["content"][0]["text"]


def _interleave(order: list[str], **workers: Callable[[], Iterator[None]]) -> None:
    """Run each worker in its own thread, one step (up to its next ``yield``) at a time: first
    in ``order``, then round-robin until all are done. A step's exception is raised here."""
    go = {name: threading.Event() for name in workers}
    done = {name: threading.Event() for name in workers}
    finished: set[str] = set()
    errors: list[BaseException] = []

    def run(name: str) -> None:
        steps = workers[name]()
        while True:
            go[name].wait()
            go[name].clear()
            try:
                next(steps)
            except StopIteration:
                finished.add(name)
            except BaseException as exc:  # surfaced by the coordinator
                errors.append(exc)
                finished.add(name)
            done[name].set()
            if name in finished:
                return

    def step(name: str) -> None:
        if name in finished or errors:
            return
        go[name].set()
        assert done[name].wait(30), f"{name} is stuck"
        done[name].clear()

    threads = [threading.Thread(target=run, args=(name,), daemon=True) for name in workers]
    for thread in threads:
        thread.start()
    for name in order:
        step(name)
    while not errors and len(finished) < len(workers):
        for name in workers:
            step(name)
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]


# -- two threads ---------------------------------------------------------------------------------


ORDERS = {
    "offline-entered-first": ["offline", "passing", "offline", "passing"],
    "passthrough-entered-first": ["passing", "offline", "offline", "passing"],
}


@pytest.mark.parametrize("send", [_converse, _post], ids=["boto3", "httpx"])
@pytest.mark.parametrize("order", list(ORDERS))
def test_an_offline_capture_never_leaks_while_another_thread_passes_through(
    local_server: RecordingServer, send: Callable[[RecordingServer, str], str], order: str
) -> None:
    """Step 1 enters each capture, step 2 sends from it, with both captures active. The most
    recently entered capture used to decide for the whole process."""
    replies: dict[str, str] = {}
    captured: dict[str, Capture] = {}

    def worker(name: str, model: str, passthrough: bool) -> Iterator[None]:
        with capture(passthrough=passthrough) as captured[name]:
            yield  # both captures are now active, entered in the order under test
            replies[name] = send(local_server, model)
            yield

    _interleave(
        ORDERS[order],
        offline=lambda: worker("offline", OFFLINE_MODEL, False),
        passing=lambda: worker("passing", PASSING_MODEL, True),
    )
    assert local_server.seen == [_path(PASSING_MODEL)]
    assert replies == {"offline": "ok", "passing": "real"}
    assert [r.model_id for r in captured["offline"]] == [OFFLINE_MODEL]
    assert [r.model_id for r in captured["passing"]] == [PASSING_MODEL]


@pytest.mark.parametrize("order", list(ORDERS))
def test_asyncio_tasks_own_their_requests(local_server: RecordingServer, order: str) -> None:
    """Two tasks of one event loop, one offline and one pass-through, with httpx.AsyncClient."""
    replies: dict[str, str] = {}
    counts: dict[str, int] = {}

    async def main() -> None:
        entered = {"offline": asyncio.Event(), "passing": asyncio.Event()}
        first, second = (
            ("offline", "passing") if order.startswith("offline") else ("passing", "offline")
        )

        async def task(name: str, model: str, passthrough: bool) -> None:
            if name == second:
                await entered[first].wait()
            async with capture(passthrough=passthrough) as captured:
                entered[name].set()
                await entered["offline"].wait()
                await entered["passing"].wait()
                async with httpx.AsyncClient(base_url=local_server.url) as client:
                    response = await client.post(_path(model), json={"messages": HI})
                replies[name] = response.json()["output"]["message"]["content"][0]["text"]
                counts[name] = len(captured)

        await asyncio.gather(
            task("offline", OFFLINE_MODEL, False), task("passing", PASSING_MODEL, True)
        )

    asyncio.run(main())
    assert local_server.seen == [_path(PASSING_MODEL)]
    assert replies == {"offline": "ok", "passing": "real"}
    assert counts == {"offline": 1, "passing": 1}


# -- worker threads ------------------------------------------------------------------------------


def test_a_worker_thread_that_copies_the_context_belongs_to_its_capture(
    local_server: RecordingServer,
) -> None:
    """Strands runs its event loop in a ThreadPoolExecutor under ``copy_context().run``; the
    request it sends there belongs to the capture of the thread that called the agent."""
    replies: dict[str, str] = {}
    captured: dict[str, Capture] = {}

    def agent_call(model: str) -> str:
        with ThreadPoolExecutor() as pool:
            context = contextvars.copy_context()
            return pool.submit(context.run, _converse, local_server, model).result()

    def worker(name: str, model: str, passthrough: bool) -> Iterator[None]:
        with capture(passthrough=passthrough) as captured[name]:
            yield
            replies[name] = agent_call(model)
            yield

    _interleave(
        ["offline", "passing", "offline", "passing"],
        offline=lambda: worker("offline", OFFLINE_MODEL, False),
        passing=lambda: worker("passing", PASSING_MODEL, True),
    )
    assert local_server.seen == [_path(PASSING_MODEL)]
    assert replies == {"offline": "ok", "passing": "real"}
    assert [len(captured["offline"]), len(captured["passing"])] == [1, 1]


def test_a_thread_that_inherits_no_capture_is_recorded_by_all_and_kept_in(
    local_server: RecordingServer,
) -> None:
    """A plain thread starts with an empty context: its request cannot be attributed, so every
    active capture records it, and it stays in while any of them is offline."""
    replies: list[str] = []
    with capture(passthrough=True) as passing:
        orphan = threading.Thread(target=lambda: replies.append(_post(local_server, PASSING_MODEL)))
        orphan.start()
        orphan.join()
        with ThreadPoolExecutor() as pool:
            offline = pool.submit(capture().__enter__).result()  # entered in a pool thread
            try:
                orphan = threading.Thread(
                    target=lambda: replies.append(_post(local_server, OFFLINE_MODEL))
                )
                orphan.start()
                orphan.join()
            finally:
                pool.submit(offline.__exit__, None, None, None).result()
    assert replies == ["real", "ok"]
    assert local_server.seen == [_path(PASSING_MODEL)]
    assert [r.model_id for r in passing] == [PASSING_MODEL, OFFLINE_MODEL]
    assert [r.model_id for r in offline] == [OFFLINE_MODEL]


# -- nesting in one thread -----------------------------------------------------------------------


@pytest.mark.parametrize(("outer", "inner"), [(False, True), (True, False)])
def test_nested_captures_keep_a_request_in_if_either_is_offline(
    local_server: RecordingServer, outer: bool, inner: bool
) -> None:
    with (
        capture(passthrough=outer, reply="outer") as first,
        capture(passthrough=inner, reply="inner") as second,
    ):
        reply = _converse(local_server, OFFLINE_MODEL)
    assert local_server.seen == []
    assert reply == ("outer" if inner else "inner")  # the innermost offline capture answers
    assert (len(first), len(second)) == (1, 1)


def test_nested_pass_through_captures_let_the_request_out(local_server: RecordingServer) -> None:
    with capture(passthrough=True) as first, capture(passthrough=True) as second:
        assert _converse(local_server, PASSING_MODEL) == "real"
    assert local_server.seen == [_path(PASSING_MODEL)]
    assert (len(first), len(second)) == (1, 1)


def test_captures_may_end_in_any_order(local_server: RecordingServer) -> None:
    outer = capture(passthrough=True).__enter__()
    inner = capture().__enter__()
    outer.__exit__(None, None, None)  # not last-in first-out
    assert _converse(local_server, OFFLINE_MODEL) == "ok"
    inner.__exit__(None, None, None)
    assert local_server.seen == []
    assert (len(outer), len(inner)) == (0, 1)


# -- the offline placeholders --------------------------------------------------------------------


def test_placeholder_credentials_stay_until_the_last_offline_capture_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two offline captures in two threads, the first to start ending first: the second still
    needs the placeholder region and keys to build a client."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    bodies: list[dict] = []

    def first() -> Iterator[None]:
        with capture():
            yield

    def second() -> Iterator[None]:
        with capture() as captured:
            yield
            yield  # the first capture has ended by now
            client = boto3.client("bedrock-runtime")  # region and keys from the placeholders
            client.converse(modelId=OFFLINE_MODEL, messages=HI)
            bodies.extend(r.body for r in captured)

    _interleave(["first", "second", "first", "second"], first=first, second=second)
    assert bodies == [{"messages": HI}]
    assert "AWS_DEFAULT_REGION" not in os.environ  # gone with the last offline capture
