"""The minimal valid Bedrock answers that let a program run to completion offline.

Each operation gets the response shape its clients parse: JSON for Converse and InvokeModel, an AWS
event stream (binary frames with CRCs, the framing botocore, anthropic and LiteLLM all decode) for
the two streaming operations, and for bedrock-mantle's Messages API the Anthropic JSON message or
its server-sent events. Usage numbers come from the capture, so a test can drive a user's own
cost accounting with known cache reads and writes.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Mapping
from dataclasses import dataclass

from bedrockcache.wire import MANTLE_OPERATION

__all__ = ["CannedResponse", "Usage", "canned_response", "event_stream_message"]

_EVENT_STREAM = "application/vnd.amazon.eventstream"


@dataclass(frozen=True)
class Usage:
    """Token counts to report, in the Anthropic spelling; Converse gets the camelCase twins."""

    input_tokens: int = 10
    output_tokens: int = 1
    cache_read_input_tokens: int = 0
    cache_write_input_tokens: int = 0

    @classmethod
    def of(cls, value: Usage | Mapping[str, int] | None) -> Usage:
        if value is None:
            return cls()
        if isinstance(value, Usage):
            return value
        fields = dict(value)
        # Accept Bedrock's InvokeModel name for writes as well as the Converse-style one.
        if "cache_creation_input_tokens" in fields:
            fields["cache_write_input_tokens"] = fields.pop("cache_creation_input_tokens")
        unknown = sorted(set(fields) - set(cls.__dataclass_fields__))
        if unknown:
            valid = ", ".join(cls.__dataclass_fields__)
            raise ValueError(f"unknown usage field(s) {', '.join(unknown)}; expected: {valid}")
        return cls(**{k: int(v) for k, v in fields.items()})

    def converse(self) -> dict[str, int]:
        return {
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "totalTokens": self.input_tokens
            + self.output_tokens
            + self.cache_read_input_tokens
            + self.cache_write_input_tokens,
            "cacheReadInputTokens": self.cache_read_input_tokens,
            "cacheWriteInputTokens": self.cache_write_input_tokens,
        }

    def anthropic(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation_input_tokens": self.cache_write_input_tokens,
        }


@dataclass(frozen=True)
class CannedResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def canned_response(
    operation: str, model_id: str, usage: Usage, reply: str, *, stream: bool = False
) -> CannedResponse:
    if operation == MANTLE_OPERATION:
        if stream:
            return _server_sent_events(_message_events(model_id, usage, reply))
        return _json(_message(model_id, usage, reply))
    if operation == "Converse":
        return _json(_converse(usage, reply))
    if operation == "ConverseStream":
        return _stream(_converse_events(usage, reply))
    if operation == "InvokeModel":
        body = _message(model_id, usage, reply)
        return _json(body, _invoke_headers(usage))
    if operation == "InvokeModelWithResponseStream":
        return _stream(_invoke_events(model_id, usage, reply))
    raise ValueError(f"no canned response for operation {operation!r}")


def event_stream_message(event_type: str, payload: Mapping[str, object]) -> bytes:
    """One AWS event-stream frame: prelude, CRC, string headers, JSON payload, message CRC."""
    headers = b"".join(
        _header(name, value)
        for name, value in (
            (":event-type", event_type),
            (":content-type", "application/json"),
            (":message-type", "event"),
        )
    )
    body = json.dumps(payload).encode()
    total = 12 + len(headers) + len(body) + 4
    prelude = struct.pack(">II", total, len(headers))
    message = prelude + struct.pack(">I", binascii.crc32(prelude)) + headers + body
    return message + struct.pack(">I", binascii.crc32(message))


def _header(name: str, value: str) -> bytes:
    raw_name, raw_value = name.encode(), value.encode()
    return (
        struct.pack(">B", len(raw_name))
        + raw_name
        + struct.pack(">BH", 7, len(raw_value))
        + raw_value
    )


def _json(body: Mapping[str, object], extra: Mapping[str, str] | None = None) -> CannedResponse:
    data = json.dumps(body).encode()
    headers = {"content-type": "application/json", "content-length": str(len(data))}
    headers["x-amzn-requestid"] = "bedrockcache-offline"
    headers.update(extra or {})
    return CannedResponse(200, headers, data)


def _stream(frames: list[bytes]) -> CannedResponse:
    data = b"".join(frames)
    headers = {
        "content-type": _EVENT_STREAM,
        "content-length": str(len(data)),
        "x-amzn-requestid": "bedrockcache-offline",
        "x-amzn-bedrock-content-type": "application/json",
    }
    return CannedResponse(200, headers, data)


def _converse(usage: Usage, reply: str) -> dict[str, object]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": reply}]}},
        "stopReason": "end_turn",
        "usage": usage.converse(),
        "metrics": {"latencyMs": 0},
    }


def _converse_events(usage: Usage, reply: str) -> list[bytes]:
    events: list[tuple[str, dict[str, object]]] = [
        ("messageStart", {"role": "assistant"}),
        ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": reply}}),
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("messageStop", {"stopReason": "end_turn"}),
        ("metadata", {"usage": usage.converse(), "metrics": {"latencyMs": 0}}),
    ]
    return [event_stream_message(kind, payload) for kind, payload in events]


def _message(model_id: str, usage: Usage, reply: str) -> dict[str, object]:
    return {
        "id": "msg_bedrockcache_offline",
        "type": "message",
        "role": "assistant",
        "model": model_id,
        "content": [{"type": "text", "text": reply}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage.anthropic(),
    }


def _invoke_headers(usage: Usage) -> dict[str, str]:
    return {
        "x-amzn-bedrock-input-token-count": str(usage.input_tokens),
        "x-amzn-bedrock-output-token-count": str(usage.output_tokens),
        "x-amzn-bedrock-cache-read-input-token-count": str(usage.cache_read_input_tokens),
        "x-amzn-bedrock-cache-write-input-token-count": str(usage.cache_write_input_tokens),
    }


def _server_sent_events(events: list[dict[str, object]]) -> CannedResponse:
    data = b"".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)
    headers = {
        "content-type": "text/event-stream",
        "content-length": str(len(data)),
        "request-id": "bedrockcache-offline",
    }
    return CannedResponse(200, headers, data)


def _invoke_events(model_id: str, usage: Usage, reply: str) -> list[bytes]:
    return [
        event_stream_message("chunk", {"bytes": base64.b64encode(json.dumps(e).encode()).decode()})
        for e in _message_events(model_id, usage, reply, invocation_metrics=True)
    ]


def _message_events(
    model_id: str, usage: Usage, reply: str, *, invocation_metrics: bool = False
) -> list[dict[str, object]]:
    """The Anthropic streaming events; InvokeModel adds Bedrock's metrics to the last one."""
    counts = usage.anthropic()
    start = {
        **_message(model_id, usage, reply),
        "content": [],
        "stop_reason": None,
        "usage": {**counts, "output_tokens": 0},
    }
    metrics = {
        "inputTokenCount": usage.input_tokens,
        "outputTokenCount": usage.output_tokens,
        "invocationLatency": 0,
        "firstByteLatency": 0,
        "cacheReadInputTokenCount": usage.cache_read_input_tokens,
        "cacheWriteInputTokenCount": usage.cache_write_input_tokens,
    }
    events = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": reply}},
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": usage.output_tokens},
        },
        {"type": "message_stop"},
    ]
    if invocation_metrics:
        events[-1]["amazon-bedrock-invocationMetrics"] = metrics
    return events
