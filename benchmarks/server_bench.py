"""Latency of `bedrockcache server`: from an edit (didChange) to its diagnostics (publish).

Issue 17 asks that an edit in a 2,000-line file with call sites get its diagnostics fast enough
to feel live. This script copies the `fixtures/service` package (prompts, clients, a wrapper) into
a temporary project, adds a generated module of `--lines` lines holding `--sites` Bedrock call
sites that use the package's constants and wrapper (so the project summaries of the other modules
are read from disk, as in an editor), starts the real server over stdio with pygls's client, opens
the module, then sends `--runs` edits one at a time (each changes one line) and times each from
the didChange to the publishDiagnostics of that version. The server's debounce is set to
`--debounce` ms (0 by default: what is timed is the lint itself; an editor adds its debounce,
150 ms by default, once per pause in typing). Nothing here asserts a speed.

  python benchmarks/server_bench.py [--runs 40] [--lines 2000] [--sites 40] [--debounce 0]

Writes results/server-<UTC date>.json; run it with the repo venv's Python (with the `lsp` extra).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from latency_bench import percentile

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"
SERVICE = REPO / "fixtures" / "service"

HEADER = '''\
"""A generated module of the benchmark: call sites among ordinary code."""

from .clients import runtime
from .llm import call_claude
from .prompts import CACHED_SYSTEM, CP, MODEL, POLICY

'''

SITES = """

def ask_{i}(question: str):
    return call_claude([{{"text": POLICY}}], question)


def ask_cached_{i}(question: str):
    return runtime.converse(
        modelId=MODEL,
        system=CACHED_SYSTEM,
        messages=[{{"role": "user", "content": [{{"text": question}}]}}],
    )
"""

FILLER = """

def helper_{i}(values: list[int], scale: int = {i}) -> dict[str, int]:
    total = 0
    for value in values:
        if value % 2:
            total += value * scale
        else:
            total -= value
    return {{"total": total, "count": len(values)}}
"""


def generate(lines: int, sites: int) -> str:
    """A module of about ``lines`` lines: ``sites`` call sites (two per block) spread evenly
    through filler functions."""
    blocks = max(sites // 2, 1)
    site_lines = SITES.count("\n")
    filler_lines = FILLER.count("\n")
    budget = lines - HEADER.count("\n") - blocks * site_lines
    fillers = max(budget // filler_lines, 0)
    parts = [HEADER]
    for i in range(max(blocks, fillers)):
        if i < blocks:
            parts.append(SITES.format(i=i))
        if i < fillers:
            parts.append(FILLER.format(i=i))
    return "".join(parts)


def edit(text: str, n: int) -> str:
    """The n-th edit: one line in the middle of the module changes, as when typing there."""
    lines = text.splitlines(keepends=True)
    middle = len(lines) // 2
    lines[middle] = f"# edit {n}\n" if lines[middle].startswith("# edit ") else lines[middle]
    if not lines[middle].startswith("# edit "):
        lines.insert(middle, f"# edit {n}\n")
    return "".join(lines)


async def run(root: Path, text: str, runs: int, debounce: int) -> dict:
    from lsprotocol import types
    from pygls.lsp.client import BaseLanguageClient

    module = root / "service" / "big.py"
    uri = module.as_uri()
    client = BaseLanguageClient("server-bench", "1")
    arrived: dict[int, float] = {}
    counts: dict[int, int] = {}
    waiting: dict[int, asyncio.Future[None]] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        if params.uri == uri and params.version is not None:
            arrived[params.version] = time.perf_counter()
            counts[params.version] = len(params.diagnostics)
            future = waiting.pop(params.version, None)
            if future is not None and not future.done():
                future.set_result(None)

    async def until(version: int) -> None:
        if version not in arrived:
            waiting[version] = asyncio.get_running_loop().create_future()
            await asyncio.wait_for(waiting[version], timeout=120)

    await client.start_io(sys.executable, "-m", "bedrockcache", "server")
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root.as_uri(),
            initialization_options={"debounce": debounce},
        )
    )
    client.initialized(types.InitializedParams())
    started = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=0, text=text
            )
        )
    )
    await until(0)
    first_ms = (arrived[0] - started) * 1000
    samples: list[float] = []
    current = text
    for n in range(1, runs + 1):
        current = edit(current, n)
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=n),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=current)],
            )
        )
        await until(n)
        samples.append((arrived[n] - sent) * 1000)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return {
        "first_open_ms": round(first_ms, 2),
        "n": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "max_ms": round(max(samples), 2),
        "diagnostics": counts[runs],
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=40)
    parser.add_argument("--debounce", type=int, default=0, help="the server's debounce, in ms")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    text = generate(args.lines, args.sites)
    with tempfile.TemporaryDirectory(prefix="bedrockcache-server-bench-") as tmp:
        root = Path(tmp)
        (root / "pyproject.toml").write_text("[tool.bedrockcache]\n")
        shutil.copytree(SERVICE, root / "service", ignore=shutil.ignore_patterns("*.fixed"))
        (root / "service" / "big.py").write_text(text)
        timings = asyncio.run(run(root, text, args.runs, args.debounce))
    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "file": {
            "lines": text.count("\n"),
            "call_sites": text.count("call_claude(") + text.count("runtime.converse("),
        },
        "debounce_ms": args.debounce,
        "edit_to_publish": timings,
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"server-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
