"""The ``bedrock_capture`` fixture, loaded from the pytest11 entry point like a user's run would."""

from __future__ import annotations

import pytest

pytest.importorskip("boto3")

USER_TESTS = """
import boto3
import pytest

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 200


def send(system):
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    return client.converse(
        modelId=SONNET, system=system, messages=[{"role": "user", "content": [{"text": "hi"}]}]
    )


def test_cached(bedrock_capture):
    send([{"text": POLICY}, {"cachePoint": {"type": "default"}}])
    bedrock_capture.assert_caches()


def test_uncached(bedrock_capture):
    send([{"text": POLICY}])
    bedrock_capture.assert_caches()


@pytest.mark.bedrock_capture(usage={"cache_read_input_tokens": 1500}, reply="hello")
def test_marker_options(bedrock_capture):
    response = send([{"text": POLICY}, {"cachePoint": {"type": "default"}}])
    assert response["usage"]["cacheReadInputTokens"] == 1500
    assert response["output"]["message"]["content"][0]["text"] == "hello"


@pytest.mark.bedrock_capture(use="wrong")
def test_bad_marker(bedrock_capture):
    pass
"""


def test_the_fixture_captures_offline_and_asserts(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(passed=2, failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*bedrock_capture marker takes only keyword options*got use*",
            "*bedrockcache: 1 of 1 request(s) will not cache*",
            "*request 0 (Converse us.anthropic.claude-sonnet-4-5-20250929-v1:0 via botocore)*",
            "*BC101*",
        ]
    )


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.bedrock_capture(*"])
