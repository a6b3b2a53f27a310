"""capture() and bedrock-mantle: the Anthropic Messages API is recorded only on Bedrock's endpoint.

The path ``/anthropic/v1/messages`` is also served by Anthropic-compatible proxies, so a request is
a mantle one only on a ``bedrock-mantle.`` host or when SigV4-signed for ``bedrock-mantle``.
"""

from __future__ import annotations

import pytest

from bedrockcache.capturing import capture
from bedrockcache.capturing.record import is_mantle_request
from capture.server import RecordingServer

anthropic = pytest.importorskip("anthropic")

SONNET = "anthropic.claude-sonnet-4-6"
SYSTEM = [{"type": "text", "text": "policy " * 2000, "cache_control": {"type": "ephemeral"}}]
HI = [{"role": "user", "content": "hi"}]
SIGNED = "AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/bedrock-mantle/aws4_request, ..."


@pytest.mark.parametrize(
    ("url", "headers", "expected"),
    [
        ("https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages", {}, True),
        ("https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages?beta=true", {}, True),
        ("http://10.0.0.5/anthropic/v1/messages", {"Authorization": SIGNED}, True),
        ("http://10.0.0.5/anthropic/v1/messages", {"authorization": "Bearer k"}, False),
        ("https://api.anthropic.com/v1/messages", {}, False),
        ("https://bedrock-mantle.us-east-1.api.aws/anthropic/v1/messages/count_tokens", {}, False),
        ("https://bedrock-mantle.us-east-1.api.aws/v1/chat/completions", {}, False),
    ],
)
def test_what_counts_as_a_mantle_request(url: str, headers: dict[str, str], expected: bool) -> None:
    assert is_mantle_request(url, headers) is expected


def test_mantle_sync_and_streaming_are_answered_and_recorded() -> None:
    client = anthropic.AnthropicBedrockMantle(aws_region="us-east-1", max_retries=0)
    with capture(usage={"cache_read_input_tokens": 2000}) as captured:
        message = client.messages.create(model=SONNET, max_tokens=16, system=SYSTEM, messages=HI)
        with client.messages.stream(model=SONNET, max_tokens=16, messages=HI) as stream:
            streamed = stream.get_final_message()
    assert message.content[0].text == "ok" and message.usage.cache_read_input_tokens == 2000
    assert streamed.content[0].text == "ok" and streamed.usage.cache_read_input_tokens == 2000
    assert [(r.operation, r.client, r.streaming) for r in captured] == [
        ("Messages", "httpx2", False),
        ("Messages", "httpx2", True),
    ]
    assert captured.requests[0].report.will_cache
    assert captured.requests[1].report.codes == ["BC102"]
    # The signature is a credential: it is never kept with the capture.
    assert "authorization" not in captured.requests[0].headers


def test_passthrough_sends_the_mantle_request_on(local_server: RecordingServer) -> None:
    client = anthropic.AnthropicBedrockMantle(
        aws_region="us-east-1",
        aws_access_key="x",
        aws_secret_key="y",
        base_url=f"{local_server.url}/anthropic",
        max_retries=0,
    )
    with capture(passthrough=True) as captured:
        client.messages.create(model=SONNET, max_tokens=16, system=SYSTEM, messages=HI)
    assert local_server.seen == ["/anthropic/v1/messages"]
    assert [r.operation for r in captured] == ["Messages"]


def test_the_anthropic_api_client_is_not_bedrock(local_server: RecordingServer) -> None:
    client = anthropic.Anthropic(
        api_key="k", base_url=f"{local_server.url}/anthropic", max_retries=0
    )
    with capture() as captured:
        client.messages.create(model=SONNET, max_tokens=16, system=SYSTEM, messages=HI)
    assert len(captured) == 0
    assert local_server.seen == ["/anthropic/v1/messages"]
