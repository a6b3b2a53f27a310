"""Time one audit() call on small and large requests, in microseconds per call, and audit()
beside suggest_breakpoints() on long conversations (4,000 and 20,000 messages), in milliseconds.

Run: python benchmarks/audit_bench.py [--repeat 5] [--skip-long]
Speed is reported here, never asserted in tests: timings on a shared 2-core machine are noisy.
"""

from __future__ import annotations

import argparse
import statistics
import timeit

from bedrockcache import Backend, audit, suggest_breakpoints

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


def conversation(turns: int) -> dict:
    """A long agent conversation: a system prompt, then ``turns`` alternating messages."""
    messages = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": [{"text": PARA}]}
        for i in range(turns)
    ]
    return {"modelId": MODEL, "system": [{"text": PARA * 20}], "messages": messages}


CASES = {
    "converse small (1 breakpoint, ~10 KB)": (small, Backend.BEDROCK_CONVERSE),
    "converse large (40 tools, 200 turns, ~300 KB)": (large, Backend.BEDROCK_CONVERSE),
    "litellm small": (litellm_request, Backend.LITELLM),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-long", action="store_true", help="skip the long conversations")
    args = parser.parse_args()
    print(f"{'case':<48} {'median us/call':>15} {'min us/call':>12}")
    for label, (build, backend) in CASES.items():
        request = build()
        audit(request, backend)  # warm up: facts and modules load once per process
        timer = timeit.Timer(lambda r=request, b=backend: audit(r, b))
        number, _ = timer.autorange()
        runs = [t / number * 1e6 for t in timer.repeat(repeat=args.repeat, number=number)]
        print(f"{label:<48} {statistics.median(runs):>15.1f} {min(runs):>12.1f}")
    if not args.skip_long:
        long_conversations(args.repeat)


def long_conversations(repeat: int) -> None:
    """audit() and suggest_breakpoints() read the same view; both should grow linearly."""
    print(f"\n{'conversation':<20} {'audit median ms':>16} {'suggest median ms':>18}")
    backend = Backend.BEDROCK_CONVERSE
    for turns in (4_000, 20_000):
        request = conversation(turns)
        calls = {
            "audit": lambda r=request: audit(r, backend),
            "suggest": lambda r=request: suggest_breakpoints(r, backend=backend),
        }
        medians = {}
        for name, call in calls.items():
            runs = timeit.Timer(call).repeat(repeat=repeat, number=1)
            medians[name] = statistics.median(runs) * 1e3
        print(f"{turns:>7,} messages     {medians['audit']:>16.0f} {medians['suggest']:>18.0f}")


if __name__ == "__main__":
    main()
