"""Time one audit() call on small and large requests, in microseconds per call.

Run: python benchmarks/audit_bench.py [--repeat 5]
Speed is reported here, never asserted in tests: timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import timeit

from bedrockcache import Backend, audit

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
PARA = "Refunds are granted within 30 days of purchase with a receipt. " * 20
CP = {"cachePoint": {"type": "default"}}


def small() -> dict:
    return {
        "modelId": MODEL,
        "system": [{"text": PARA * 8}, CP],
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    }


def large() -> dict:
    tools = [
        {
            "toolSpec": {
                "name": f"tool_{i}",
                "description": PARA,
                "inputSchema": {"json": {"type": "object"}},
            }
        }
        for i in range(40)
    ]
    turns = []
    for i in range(200):
        role = "user" if i % 2 == 0 else "assistant"
        turns.append({"role": role, "content": [{"text": PARA}]})
    turns[-1]["content"].append(CP)
    return {
        "modelId": MODEL,
        "toolConfig": {"tools": [*tools, CP]},
        "system": [{"text": PARA * 20}, CP],
        "messages": turns,
    }


def litellm_request() -> dict:
    return {
        "model": "bedrock/" + MODEL,
        "messages": [
            {
                "role": "system",
                "content": [
                    {"type": "text", "text": PARA * 8, "cache_control": {"type": "ephemeral"}}
                ],
            },
            {"role": "user", "content": "hi"},
        ],
    }


CASES = {
    "converse small (1 breakpoint, ~10 KB)": (small, Backend.BEDROCK_CONVERSE),
    "converse large (40 tools, 200 turns, ~300 KB)": (large, Backend.BEDROCK_CONVERSE),
    "litellm small": (litellm_request, Backend.LITELLM),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'case':<48} {'median us/call':>15} {'min us/call':>12}")
    for label, (build, backend) in CASES.items():
        request = build()
        audit(request, backend)  # warm up: facts and modules load once per process
        timer = timeit.Timer(lambda r=request, b=backend: audit(r, b))
        number, _ = timer.autorange()
        runs = [t / number * 1e6 for t in timer.repeat(repeat=args.repeat, number=number)]
        print(f"{label:<48} {statistics.median(runs):>15.1f} {min(runs):>12.1f}")


if __name__ == "__main__":
    main()
