"""How much does ``bedrockcache.capture()`` add to a request? Printed as a table, saved as JSON.

Each row sends the same request to a loopback HTTP server, in batches, alternating between
"capture off" and "capture on" so that a burst of machine load hits both alike; the figure is the
median per-request time over the batches. Rows:

- httpx, not Bedrock: a POST capture must leave alone (the cost when no Bedrock request is made);
- botocore, not Bedrock: a Bedrock control-plane call (``bedrock`` ListFoundationModels);
- boto3 converse, pass-through: a Bedrock runtime request that capture records and lets through;
- boto3 converse, offline: answered in-process (no server at all), for scale.

Usage: ``.venv/bin/python benchmarks/capture_bench.py [--batches 15] [--size 200]``
(needs the test extra: boto3 and httpx).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

import boto3
import httpx

from bedrockcache import capture

SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
CONVERSE = b'{"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}}, "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}, "metrics": {"latencyMs": 1}}'  # noqa: E501
REQUEST = {
    "modelId": SONNET,
    "system": [{"text": "Follow the policy. " * 500}, {"cachePoint": {"type": "default"}}],
    "messages": [{"role": "user", "content": [{"text": "hi"}]}],
}


class _Server(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else delayed ACKs add 40 ms to every request

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(CONVERSE)

    def do_GET(self) -> None:
        self._send(b'{"modelSummaries": []}')

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _per_request(send: Callable[[], object], size: int, captured: bool, offline: bool) -> float:
    start = time.perf_counter()
    if captured:
        with capture(passthrough=not offline):
            for _ in range(size):
                send()
    else:
        for _ in range(size):
            send()
    return (time.perf_counter() - start) / size * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--size", type=int, default=200, help="requests per batch")
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    keys = {"aws_access_key_id": "x", "aws_secret_access_key": "y", "region_name": "us-east-1"}
    http = httpx.Client()
    control = boto3.client("bedrock", endpoint_url=url, **keys)
    runtime = boto3.client("bedrock-runtime", endpoint_url=url, **keys)

    rows: dict[str, tuple[Callable[[], object], bool]] = {
        "httpx POST, not Bedrock": (lambda: http.post(f"{url}/v1/other", content=b"{}"), False),
        "botocore, Bedrock control plane": (control.list_foundation_models, False),
        "boto3 converse, pass-through": (lambda: runtime.converse(**REQUEST), False),
    }
    results = {}
    for name, (send, offline) in rows.items():
        send()  # warm up connections and botocore's loaders
        off, on = [], []
        for _ in range(args.batches):
            off.append(_per_request(send, args.size, captured=False, offline=offline))
            on.append(_per_request(send, args.size, captured=True, offline=offline))
        results[name] = {"off_us": statistics.median(off), "on_us": statistics.median(on)}
    offline_runs = [
        _per_request(lambda: runtime.converse(**REQUEST), args.size, captured=True, offline=True)
        for _ in range(args.batches)
    ]
    results["boto3 converse, offline (no server)"] = {
        "off_us": None,
        "on_us": statistics.median(offline_runs),
    }
    server.shutdown()

    print(f"{'request':38} {'capture off':>12} {'capture on':>12} {'added':>10} {'ratio':>7}")
    for name, row in results.items():
        off, on = row["off_us"], row["on_us"]
        if off is None:
            print(f"{name:38} {'-':>12} {on:>10.0f}µs {'-':>10} {'-':>7}")
            continue
        row["added_us"], row["ratio"] = on - off, on / off
        print(f"{name:38} {off:>10.0f}µs {on:>10.0f}µs {on - off:>8.0f}µs {on / off:>7.2f}")
    day = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    out = Path(__file__).parent / "results" / f"capture-{day}.json"
    meta = {"python": platform.python_version(), "cores": os.cpu_count(), **vars(args)}
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
    print(f"saved {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")


if __name__ == "__main__":
    main()
