"""Per-file latency of linting one file in a long-lived process, as an editor would.

Issue 12 sets an editor target: p95 <= 100 ms per file on the fixture files with call sites. An
editor (or a language server, or flake8's plugin) keeps one process and lints a file each time it
changes, so this script imports bedrockcache once and calls the same in-process function the CLI
workers and the flake8 plugin call, `bedrockcache.lint.checker.check_source`, on each fixture
file: one untimed warm-up call per file, then `--runs` timed calls, round-robin over the files so
that a burst of machine load hits all of them alike. The very first call in the process (imports
done, nothing else warm) is reported apart: an editor pays it once per session. Nothing here
asserts a speed: timings on a shared 2-core machine are noisy.

  python benchmarks/latency_bench.py [--runs 30] [--fixtures fixtures]

Writes results/latency-<UTC date>.json; run it with the repo venv's Python (bedrockcache is
imported from there). Standard library otherwise; it shares lint_bench.py's helpers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from lint_bench import _busy_cpu_s, source_fingerprint

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS_DIR = HERE / "results"
TARGET_P95_MS = 100.0


class BenchError(Exception):
    """A problem the user can fix (no fixtures, bedrockcache not importable); one line."""


def fixture_files(root: Path) -> list[Path]:
    """Every fixture source file; the `.py.fixed` twins are `--fix` output, not inputs."""
    if not root.is_dir():
        raise BenchError(f"no fixture directory at {root}")
    files = sorted(root.rglob("*.py"))
    if not files:
        raise BenchError(f"no .py files under {root}")
    return files


def percentile(samples: list[float], fraction: float) -> float:
    """The `fraction` quantile, interpolated between the nearest samples (numpy's default)."""
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[round(fraction * 100) - 1]


def summary(wall_ms: list[float], cpu_ms: list[float]) -> dict:
    """Wall-time quantiles (what the editor waits), and the CPU time's, which a busy machine
    disturbs far less: a wall p95 far above the CPU p95 means the machine was busy."""
    return {
        "n": len(wall_ms),
        "p50_ms": round(statistics.median(wall_ms), 2),
        "p95_ms": round(percentile(wall_ms, 0.95), 2),
        "max_ms": round(max(wall_ms), 2),
        "cpu_p50_ms": round(statistics.median(cpu_ms), 2),
        "cpu_p95_ms": round(percentile(cpu_ms, 0.95), 2),
    }


def measure(files: list[Path], runs: int) -> dict:
    """Time check_source on each file in this process; files with no call site are left out."""
    try:
        from bedrockcache.config import Settings
        from bedrockcache.lint.checker import check_source
    except ImportError as exc:
        raise BenchError(f"cannot import bedrockcache ({exc}); run with the repo venv") from exc
    settings = Settings()
    sources = {path: path.read_bytes() for path in files}
    shown = {
        path: str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
        for path in files
    }

    first = files[0]
    t0 = time.perf_counter()
    check_source(sources[first], shown[first], settings)
    first_call_ms = (time.perf_counter() - t0) * 1000

    sites, skipped = {}, []
    for path in files:  # the warm-up call also says which files hold a call site
        result = check_source(sources[path], shown[path], settings)
        if result.call_sites:
            sites[path] = result.call_sites
        else:
            skipped.append(shown[path])
    if not sites:
        raise BenchError("no fixture file holds a call site the linter finds")

    walls: dict[Path, list[float]] = {path: [] for path in sites}
    cpus: dict[Path, list[float]] = {path: [] for path in sites}
    cpu_start, busy0 = time.process_time(), _busy_cpu_s()
    for _ in range(runs):
        for path in walls:
            c0, t0 = time.process_time(), time.perf_counter()
            check_source(sources[path], shown[path], settings)
            walls[path].append((time.perf_counter() - t0) * 1000)
            cpus[path].append((time.process_time() - c0) * 1000)
    cpu = time.process_time() - cpu_start
    overall = summary(
        [ms for values in walls.values() for ms in values],
        [ms for values in cpus.values() for ms in values],
    )
    return {
        "target_p95_ms": TARGET_P95_MS,
        "target_met": overall["p95_ms"] <= TARGET_P95_MS,
        "overall": overall,
        "first_call_in_process_ms": {"file": shown[first], "ms": round(first_call_ms, 2)},
        "other_cpu_s": round(max(0.0, _busy_cpu_s() - busy0 - cpu), 2),
        "files": [
            {
                "file": shown[path],
                "bytes": len(sources[path]),
                "call_sites": sites[path],
                **summary(walls[path], cpus[path]),
            }
            for path in walls
        ],
        "files_without_call_sites": skipped,
    }


def report(result: dict) -> str:
    head = f"{'file':<40}{'sites':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    rows = [f"{head}{'CPU p50':>9}{'CPU p95':>9}"]
    rows.append("-" * len(rows[0]))

    def line(name: str, sites: str, row: dict) -> str:
        return (
            f"{name:<40}{sites:>6}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['max_ms']:>9.1f}"
            f"{row['cpu_p50_ms']:>9.1f}{row['cpu_p95_ms']:>9.1f}"
        )

    for row in sorted(result["files"], key=lambda r: -r["p95_ms"]):
        rows.append(line(row["file"].removeprefix("fixtures/"), str(row["call_sites"]), row))
    o = result["overall"]
    verdict = "met" if result["target_met"] else "NOT met"
    rows.append("-" * len(rows[0]))
    rows.append(line("all files", "", o))
    first = result["first_call_in_process_ms"]
    rows.append(
        f"p95 {o['p95_ms']:.1f} ms (CPU {o['cpu_p95_ms']:.1f} ms) over {o['n']} calls: "
        f"target <= {TARGET_P95_MS:g} ms {verdict}; "
        f"first call in the process {first['ms']:.0f} ms; "
        f"other-CPU {result['other_cpu_s']:.1f} s; "
        f"{len(result['files_without_call_sites'])} fixture files hold no call site"
    )
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=30, help="timed calls per file (default 30)")
    parser.add_argument(
        "--fixtures", type=Path, default=REPO / "fixtures", help="directory of fixture files"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print only; do not write results/latency-*.json"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    args.fixtures = args.fixtures.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        files = fixture_files(args.fixtures)
        result = measure(files, args.runs)
    except BenchError as exc:
        print(f"latency_bench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("latency_bench: interrupted", file=sys.stderr)
        return 2
    print(report(result))
    if not args.no_write:
        now = dt.datetime.now(dt.timezone.utc)
        data = {
            "measured_at": now.isoformat(timespec="seconds"),
            "bedrockcache": source_fingerprint(),
            "runs_per_file": args.runs,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            },
            **result,
        }
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"latency-{now:%Y-%m-%d}.json"
        path.write_text(json.dumps(data, indent=2) + "\n")
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
