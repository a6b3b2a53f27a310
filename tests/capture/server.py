"""A fake Bedrock runtime on 127.0.0.1 that records every request reaching it.

A request that a capture answers in-process never gets here; one that leaks, or passes through on
purpose, does. Tests point real boto3 and httpx clients at it with ``endpoint_url`` / a base URL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = b"""{"output": {"message": {"role": "assistant", "content": [{"text": "real"}]}},
 "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
 "metrics": {"latencyMs": 1}}"""


@dataclass
class RecordingServer:
    url: str
    seen: list[str] = field(default_factory=list)  # request paths, in arrival order


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.recording.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(REPLY)))
        self.end_headers()
        self.wfile.write(REPLY)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    recording: RecordingServer


@contextmanager
def recording_server() -> Iterator[RecordingServer]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.recording = RecordingServer(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.recording
    finally:
        server.shutdown()
        server.server_close()
