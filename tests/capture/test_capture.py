"""capture(): every Bedrock runtime request is recorded, answered offline, and audited."""

from __future__ import annotations

import asyncio
import json
import os
import threading

import pytest

from bedrockcache import Usage, capture
from bedrockcache.capturing.credentials import PLACEHOLDER_KEY_ID
from capture.server import RecordingServer

boto3 = pytest.importorskip("boto3")

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 200
CACHED = {
    "modelId": SONNET,
    "system": [{"text": POLICY}, {"cachePoint": {"type": "default"}}],
    "messages": [{"role": "user", "content": [{"text": "hi"}]}],
}
UNCACHED = {"modelId": SONNET, "system": [{"text": POLICY}], "messages": CACHED["messages"]}
BODY = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 16,
    "system": [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    return boto3.client("bedrock-runtime", region_name="us-east-1")


def test_converse_is_answered_offline_and_recorded_with_its_audit(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        response = client.converse(**CACHED)
    assert response["output"]["message"]["content"] == [{"text": "ok"}]
    (request,) = captured.requests
    assert (request.operation, request.model_id, request.client) == ("Converse", SONNET, "botocore")
    assert request.body["system"][1] == {"cachePoint": {"type": "default"}}
    assert "modelId" not in request.body  # the model id travels in the URL
    assert request.report.will_cache
    captured.assert_caches()


def test_every_operation_gets_a_response_its_client_can_parse(client) -> None:  # type: ignore[no-untyped-def]
    messages = CACHED["messages"]
    with capture(reply="hello") as captured:
        stream = client.converse_stream(modelId=SONNET, messages=messages)["stream"]
        events = [next(iter(event)) for event in stream]
        invoked = client.invoke_model(modelId=SONNET, body=json.dumps(BODY))
        message = json.loads(invoked["body"].read())
        chunks = client.invoke_model_with_response_stream(modelId=SONNET, body=json.dumps(BODY))
        kinds = [json.loads(e["chunk"]["bytes"])["type"] for e in chunks["body"]]
    assert events == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert message["content"] == [{"type": "text", "text": "hello"}]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert [r.operation for r in captured] == [
        "ConverseStream",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    ]
    assert [r.streaming for r in captured] == [True, False, True]
    assert captured.requests[1].body == BODY
    assert [r.report.will_cache for r in captured] == [False, True, True]


def test_a_client_created_before_the_capture_and_without_credentials_is_captured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    early = boto3.client("bedrock-runtime", region_name="us-east-1")
    assert early._request_signer._credentials is None
    with capture() as captured:
        assert os.environ["AWS_ACCESS_KEY_ID"] == PLACEHOLDER_KEY_ID
        early.converse(**CACHED)
        boto3.client("bedrock-runtime", region_name="us-east-1").converse(**CACHED)
    assert len(captured) == 2
    assert "AWS_ACCESS_KEY_ID" not in os.environ  # the placeholders are gone afterwards


def test_existing_credentials_are_kept(monkeypatch: pytest.MonkeyPatch, client) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAUSERSOWN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with capture() as captured:
        client.converse(**CACHED)
        assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAUSERSOWN"
    assert "authorization" not in captured.requests[0].headers  # never keep a signature


def test_the_hooks_are_removed_when_the_last_capture_ends() -> None:
    from botocore.endpoint import Endpoint

    original = Endpoint._send
    with capture(), capture():
        assert Endpoint._send is not original
    assert Endpoint._send is original


def test_nested_captures_both_record_and_the_innermost_answers(client) -> None:  # type: ignore[no-untyped-def]
    with capture(reply="outer") as outer:
        with capture(reply="inner") as inner:
            text = client.converse(**CACHED)["output"]["message"]["content"][0]["text"]
        client.converse(**UNCACHED)
    assert text == "inner"
    assert (len(outer), len(inner)) == (2, 1)


def test_requests_from_worker_threads_are_recorded(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        workers = [threading.Thread(target=client.converse, kwargs=CACHED) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert sorted(r.index for r in captured) == [0, 1, 2]


# -- usage --------------------------------------------------------------------------------------


def test_usage_is_reported_in_both_dialects(client) -> None:  # type: ignore[no-untyped-def]
    usage = {"input_tokens": 50, "cache_read_input_tokens": 2000, "cache_write_input_tokens": 7}
    with capture(usage=usage):
        converse = client.converse(**CACHED)["usage"]
        invoked = json.loads(
            client.invoke_model(modelId=SONNET, body=json.dumps(BODY))["body"].read()
        )
    assert converse == {
        "inputTokens": 50,
        "outputTokens": 1,
        "totalTokens": 2058,
        "cacheReadInputTokens": 2000,
        "cacheWriteInputTokens": 7,
    }
    assert invoked["usage"] == {
        "input_tokens": 50,
        "output_tokens": 1,
        "cache_read_input_tokens": 2000,
        "cache_creation_input_tokens": 7,
    }


def test_usage_can_depend_on_the_request(client) -> None:  # type: ignore[no-untyped-def]
    def usage(request):  # type: ignore[no-untyped-def]
        return Usage(cache_read_input_tokens=100 * (request.index + 1))

    with capture(usage=usage):
        reads = [client.converse(**CACHED)["usage"]["cacheReadInputTokens"] for _ in range(2)]
    assert reads == [100, 200]


def test_an_unknown_usage_field_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown usage field.*cache_reads"):
        Usage.of({"cache_reads": 1})
    assert Usage.of({"cache_creation_input_tokens": 3}).cache_write_input_tokens == 3


# -- assertions ---------------------------------------------------------------------------------


def test_assert_caches_names_the_request_and_the_reasons(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        client.converse(**CACHED)
        client.converse(**UNCACHED)
    with pytest.raises(AssertionError) as failure:
        captured.assert_caches()
    message = str(failure.value)
    assert "1 of 2 request(s) will not cache" in message
    assert f"request 1 (Converse {SONNET} via botocore)" in message
    assert "BC101" in message
    assert "request 0" not in message
    captured.assert_caches(where=lambda r: r.index == 0)


def test_assert_caches_fails_when_nothing_was_sent() -> None:
    with capture() as captured:
        pass
    with pytest.raises(AssertionError, match="no Bedrock request was captured"):
        captured.assert_caches()


def test_assert_caches_fails_when_the_selection_is_empty(client) -> None:  # type: ignore[no-untyped-def]
    with capture() as captured:
        client.converse(**CACHED)
    with pytest.raises(AssertionError, match="matched `where`"):
        captured.assert_caches(where=lambda r: r.operation == "InvokeModel")


# -- pass-through and other traffic -------------------------------------------------------------


def test_passthrough_sends_the_request_on_and_records_it(local_server: RecordingServer) -> None:
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        endpoint_url=local_server.url,
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )
    with capture(passthrough=True) as captured:
        response = client.converse(**CACHED)
    assert response["output"]["message"]["content"] == [{"text": "real"}]
    assert local_server.seen == [f"/model/{SONNET.replace(':', '%3A')}/converse"]
    assert captured.requests[0].model_id == SONNET


def test_other_http_traffic_is_neither_recorded_nor_answered(
    local_server: RecordingServer,
) -> None:
    httpx = pytest.importorskip("httpx")
    with capture() as captured:
        response = httpx.post(f"{local_server.url}/model/x/not-an-operation", content=b"{}")
        plain = httpx.post(f"{local_server.url}/v1/messages", content=b"{}")
    assert response.json()["output"]["message"]["content"] == [{"text": "real"}]
    assert plain.status_code == 200
    assert len(captured) == 0
    assert local_server.seen == ["/model/x/not-an-operation", "/v1/messages"]


# -- the httpx stacks: anthropic (httpx2) and LiteLLM (httpx) -----------------------------------


def test_anthropic_bedrock_sync_and_streaming_are_captured() -> None:
    anthropic = pytest.importorskip("anthropic")
    client = anthropic.AnthropicBedrock(aws_region="us-east-1")
    with capture() as captured:
        message = client.messages.create(
            model=SONNET,
            max_tokens=16,
            system=BODY["system"],
            messages=[{"role": "user", "content": "hi"}],
        )
        with client.messages.stream(
            model=SONNET, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            streamed = stream.get_final_text()
    assert message.content[0].text == "ok" and streamed == "ok"
    assert [(r.operation, r.client) for r in captured] == [
        ("InvokeModel", "httpx2"),
        ("InvokeModelWithResponseStream", "httpx2"),
    ]
    assert captured.requests[0].report.will_cache
    assert not captured.requests[1].report.will_cache


def test_async_clients_are_captured() -> None:
    anthropic = pytest.importorskip("anthropic")
    litellm = pytest.importorskip("litellm")

    async def main() -> None:
        client = anthropic.AsyncAnthropicBedrock(aws_region="us-east-1")
        await client.messages.create(
            model=SONNET, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
        )
        await litellm.acompletion(
            model=f"bedrock/converse/{SONNET}",
            messages=[{"role": "user", "content": "hi"}],
        )

    with capture() as captured:
        asyncio.run(main())
    assert [(r.operation, r.client) for r in captured] == [
        ("InvokeModel", "httpx2"),
        ("Converse", "httpx"),
    ]


def test_async_with_records_like_with(client) -> None:  # type: ignore[no-untyped-def]
    async def main():  # type: ignore[no-untyped-def]
        async with capture() as captured:
            await asyncio.to_thread(client.converse, **CACHED)
        return captured

    assert len(asyncio.run(main())) == 1


def test_environment_changes_made_by_the_program_survive_the_capture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("BEDROCKCACHE_TEST_SETTING", raising=False)
    with capture():
        os.environ["BEDROCKCACHE_TEST_SETTING"] = "kept"
    assert os.environ.pop("BEDROCKCACHE_TEST_SETTING") == "kept"
    assert "AWS_ACCESS_KEY_ID" not in os.environ
