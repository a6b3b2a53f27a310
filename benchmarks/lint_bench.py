"""Time `bedrockcache lint` against ruff, flake8 and semgrep on three real corpora.

Issue 3 asks for a linter that is "fast on a real monorepo". Speed only means something next to
tools people already run, measured on the same files on the same machine, so this script times
them side by side. The method follows /work/shared/research/perf.md: the same corpora (the
interpreter's standard library, and the site-packages of a venv holding the Bedrock client
libraries), the same tool flags, wall time plus CPU time (which contention disturbs far less), and
medians. Issue 12 adds a third corpus, `bedrockapps`: the own code of open-source apps and agent
frameworks that call Claude on Bedrock, where its targets are stated (cold within 3x `ruff check`
with default rules, warm at or below `ruff check --select E9`). Nothing here asserts a speed:
timings on a shared 2-core machine are noisy.

  python benchmarks/lint_bench.py --setup              # build corpora and tool venvs (PyPI)
  python benchmarks/lint_bench.py [--corpus bedrockapps] [--runs 5 | --quick] [--skip flake8]
  python benchmarks/lint_bench.py --crash-check         # one JSON run over site-packages

Standard library and subprocess only, so it runs with any Python; use the repo venv's.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPORA = HERE / ".corpora"
STDLIB_DIR = CORPORA / "stdlib"
LIBS_VENV = CORPORA / "venv-libs"
APPS_DIR = CORPORA / "apps"
TOOLS_VENV = CORPORA / "venv-tools"
RESULTS_DIR = HERE / "results"
CORPUS_REQUIREMENTS = HERE / "corpus-requirements.txt"
APPS_REQUIREMENTS = HERE / "apps-requirements.txt"
TOOLS_REQUIREMENTS = HERE / "tools-requirements.txt"
SEMGREP_RULE = HERE / "semgrep-converse.yml"
BEDROCKCACHE = REPO / ".venv" / "bin" / "bedrockcache"
STAMP = ".bench-stamp"

# Unpinned on purpose: when corpus-requirements.txt is missing, --setup installs what pip
# resolves that day and freezes it, so the corpus is reproducible from then on.
CORPUS_PACKAGES = [
    "boto3",
    "anthropic",
    "litellm",
    "strands-agents",
    "pydantic-ai-slim[bedrock]",
    "langchain-aws",
]
# The versions perf.md measured, so our figures can be read next to its tables.
TOOL_PACKAGES = ["ruff==0.17.6", "flake8==7.5.0", "semgrep==1.170.1"]
CORPUS_NAMES = ("stdlib", "sitepackages", "bedrockapps")
TOOL_NAMES = ("bedrockcache", "ruff", "flake8", "semgrep")
TRACEBACK = "Traceback (most recent call last)"
OUTPUT_TAIL = 1 << 20  # bytes of a tool's output kept in memory (enough for a traceback)
# perf.md's semgrep flags, plus what it takes here to scan every file: the corpora sit under a
# git-ignored directory of this git repo, so semgrep (which lists targets through git) would scan
# none, and it reads .semgrepignore only at the project root, which the corpus must therefore be.
SEMGREP_FLAGS = ["--metrics=off", "--disable-version-check", "--max-target-bytes=0", "--quiet"]
SEMGREP_FLAGS += ["--no-git-ignore", "--semgrepignore-v2"]


class BenchError(Exception):
    """A problem the user can fix (missing setup, failed install); printed as one line."""


# --------------------------------------------------------------------------- setup


def _run_checked(argv: list[str], what: str) -> str:
    """Run a setup step; on failure raise with the last line of its output, not a traceback."""
    print(f"  $ {' '.join(_show(a) for a in argv)}", flush=True)
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
        raise BenchError(f"{what} failed (exit {proc.returncode}): {tail}")
    return proc.stdout


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_stamp(directory: Path, value: str) -> None:
    (directory / STAMP).write_text(value + "\n")


def _stamp_matches(directory: Path, value: str) -> bool:
    stamp = directory / STAMP
    return stamp.is_file() and stamp.read_text().strip() == value


def stdlib_source() -> Path:
    """The running interpreter's stdlib, as perf.md took it (sysconfig, minus site-packages)."""
    return Path(sysconfig.get_paths()["stdlib"])


def build_stdlib_corpus() -> None:
    """Copy every .py file of the stdlib (tests included, site-packages excluded), no symlinks.

    A copy rather than the live directory: it cannot change under us, and a pip install into the
    base interpreter cannot leak into it.
    """
    source = stdlib_source()
    key = f"{source} {platform.python_version()}"
    if _stamp_matches(STDLIB_DIR, key):
        print(f"stdlib: up to date ({STDLIB_DIR.relative_to(REPO)})")
        return
    print(f"stdlib: copying .py files from {source}")
    tmp = STDLIB_DIR.with_name(STDLIB_DIR.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for dirpath, dirnames, filenames in os.walk(source):
        rel = Path(dirpath).relative_to(source)
        dirnames[:] = sorted(d for d in dirnames if not (rel == Path() and d == "site-packages"))
        for name in filenames:
            if name.endswith(".py") and not os.path.islink(os.path.join(dirpath, name)):
                (tmp / rel).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(os.path.join(dirpath, name), tmp / rel / name)
    _add_semgrepignore(tmp)
    _write_stamp(tmp, key)
    shutil.rmtree(STDLIB_DIR, ignore_errors=True)
    tmp.rename(STDLIB_DIR)


def _add_semgrepignore(root: Path) -> None:
    """An empty .semgrepignore turns off semgrep's default ignores (tests/, build/...): perf.md."""
    (root / ".semgrepignore").write_text("")


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path, requirements: Path, packages: list[str]) -> None:
    """Create `venv` from the pinned `requirements`, pinning `packages` first if there are none.

    The stamp holds the requirements' hash: a changed pin rebuilds the venv from scratch, so a
    corpus never carries packages left over from an earlier pin set.
    """
    if requirements.is_file() and _stamp_matches(venv, _sha256(requirements)):
        print(f"{venv.name}: up to date")
        return
    print(f"{venv.name}: building")
    shutil.rmtree(venv, ignore_errors=True)
    _run_checked([sys.executable, "-m", "venv", str(venv)], f"creating {venv.name}")
    pip = [str(_venv_python(venv)), "-m", "pip", "install", "--quiet"]
    if requirements.is_file():
        _run_checked([*pip, "-r", str(requirements)], f"installing into {venv.name}")
    else:
        _run_checked([*pip, *packages], f"installing into {venv.name}")
        freeze = _run_checked([str(_venv_python(venv)), "-m", "pip", "freeze"], "pip freeze")
        header = (
            f"# Pinned by `lint_bench.py --setup` on {dt.date.today()} from: {' '.join(packages)}\n"
            "# Delete this file and re-run --setup to re-resolve today's versions.\n"
        )
        requirements.write_text(header + freeze)
        print(f"  pinned {len(freeze.splitlines())} packages in {requirements.name}")
    _write_stamp(venv, _sha256(requirements))


def site_packages(venv: Path) -> Path:
    """The venv's site-packages directory (lib/pythonX.Y/site-packages)."""
    found = sorted((venv / "lib").glob("python*/site-packages"))
    if len(found) != 1:
        raise BenchError(f"expected one site-packages in {venv}; run --setup")
    return found[0]


def build_apps_corpus() -> None:
    """Install the pinned apps into one plain directory: their own files, no dependency.

    `pip install --target --no-deps` puts each distribution's packages side by side, as in a
    site-packages that holds nothing else. Wheels only, so that no build step runs. The console
    scripts pip writes into bin/ are pip's, not the apps' code, so they go.
    """
    if not APPS_REQUIREMENTS.is_file():
        raise BenchError(f"missing {APPS_REQUIREMENTS.relative_to(REPO)}")
    key = f"{_sha256(APPS_REQUIREMENTS)} {platform.python_version()}"
    if _stamp_matches(APPS_DIR, key):
        print(f"apps: up to date ({APPS_DIR.relative_to(REPO)})")
        return
    print("apps: installing the pinned apps without their dependencies")
    tmp = APPS_DIR.with_name(APPS_DIR.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--only-binary", ":all:"]
    pip += ["--no-compile", "--target", str(tmp), "-r", str(APPS_REQUIREMENTS)]
    _run_checked(pip, "installing the apps corpus")
    shutil.rmtree(tmp / "bin", ignore_errors=True)
    _add_semgrepignore(tmp)
    _write_stamp(tmp, key)
    shutil.rmtree(APPS_DIR, ignore_errors=True)
    tmp.rename(APPS_DIR)


def setup() -> None:
    """Build everything the benchmark needs; each step skips itself when already done."""
    CORPORA.mkdir(parents=True, exist_ok=True)
    build_stdlib_corpus()
    ensure_venv(LIBS_VENV, CORPUS_REQUIREMENTS, CORPUS_PACKAGES)
    _add_semgrepignore(site_packages(LIBS_VENV))
    build_apps_corpus()
    ensure_venv(TOOLS_VENV, TOOLS_REQUIREMENTS, TOOL_PACKAGES)
    for name in CORPUS_NAMES:
        stats = corpus_stats(corpus_path(name))
        print(f"corpus {name}: {stats['files']} .py files, {stats['bytes'] / 1e6:.1f} MB")
    print("versions:", json.dumps(tool_versions()))


# --------------------------------------------------------------------------- corpora and tools


def corpus_path(name: str) -> Path:
    """Where corpus `name` lives; raises if --setup has not built it."""
    if name == "stdlib":
        path = STDLIB_DIR
    elif name == "bedrockapps":
        path = APPS_DIR
    else:
        path = site_packages(LIBS_VENV)
    if not (path / ".semgrepignore").is_file():
        raise BenchError(f"corpus {name} is not built; run: lint_bench.py --setup")
    return path


def _py_files(root: Path) -> list[Path]:
    return [
        Path(dirpath) / name
        for dirpath, _, filenames in os.walk(root)
        for name in filenames
        if name.endswith(".py")
    ]


def corpus_stats(root: Path) -> dict:
    files = _py_files(root)
    return {"files": len(files), "bytes": sum(f.stat().st_size for f in files)}


def files_seen_by_ruff(root: Path) -> int | None:
    """How many files ruff's own discovery picks in the corpus (.py and .pyi, minus excludes)."""
    argv = [_tool("ruff"), "check", "--isolated", "--show-files", str(root)]
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO, env=_env())
    return (
        sum(1 for line in proc.stdout.splitlines() if line.strip())
        if proc.returncode == 0
        else None
    )


def warm_page_cache(root: Path) -> None:
    """Read every file once so that the first tool timed does not pay for cold disk reads."""
    for path in _py_files(root):
        path.read_bytes()


def _tool(name: str) -> str:
    return str(TOOLS_VENV / "bin" / name)


def tool_versions() -> dict[str, str]:
    """Each tool's own --version line, recorded next to the figures it produced."""
    versions = {}
    commands = {
        "bedrockcache": [str(BEDROCKCACHE), "--version"],
        "ruff": [_tool("ruff"), "--version"],
        "flake8": [_tool("flake8"), "--version"],
        "semgrep": [_tool("semgrep"), "--version", "--disable-version-check"],
    }
    for name, argv in commands.items():
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=_env())
            text = " ".join((proc.stdout.strip() or proc.stderr.strip()).split())
            versions[name] = text if proc.returncode == 0 and text else "unavailable"
        except (OSError, subprocess.TimeoutExpired):
            versions[name] = "unavailable"
    return versions


def source_fingerprint() -> str:
    """The git commit plus a hash of the package source, so a figure names the code it timed.

    The repo venv installs bedrockcache in editable mode: an edit during a run changes what is
    being measured, and comparing the source hash before and after catches that (a commit of
    unchanged source does not count).
    """
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "bedrockcache").rglob("*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    try:
        argv = ["git", "-C", str(REPO), "describe", "--always", "--dirty"]
        commit = subprocess.run(argv, capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        commit = "?"
    return f"{commit} src:{digest.hexdigest()[:12]}"


def _env() -> dict[str, str]:
    """The environment every tool runs in: no update checks, no telemetry, no colour."""
    env = dict(os.environ)
    env.update({"SEMGREP_ENABLE_VERSION_CHECK": "0", "NO_COLOR": "1"})
    for name in ("RUFF_OUTPUT_FORMAT", "BEDROCKCACHE_OUTPUT_FORMAT"):
        env.pop(name, None)
    return env


@dataclass
class Tool:
    """One timed command. `prime` runs once, untimed, before the measured runs (warm cache)."""

    name: str  # the row label, e.g. "ruff E9"
    family: str  # the name --skip matches: bedrockcache, ruff, flake8 or semgrep
    argv: list[str]
    prime: bool = False


def tools_for(corpus: Path) -> list[Tool]:
    """The commands of the brief, with perf.md's flags where it measured the same tool.

    Each tool keeps its own file discovery: ruff, semgrep and bedrockcache read .py and .pyi
    (ruff and bedrockcache honour the corpus' own nested .gitignore files), flake8 reads .py only.
    ruff's default rules run twice: as issue 12 states its target (full output, a code frame per
    finding) and with concise output, because rendering tens of thousands of findings is a large
    share of ruff's time on these corpora.
    """
    c = str(corpus)
    lint = [str(BEDROCKCACHE), "lint", c, "--exit-zero", "--quiet"]
    ruff_default = [_tool("ruff"), "check", "--no-cache", "--isolated", c, "--exit-zero"]
    concise = [*ruff_default, "--output-format", "concise"]
    ruff = [_tool("ruff"), "check", "--no-cache", "--isolated", "--select", "E9", c, "--exit-zero"]
    semgrep = [_tool("semgrep"), "scan", "--config", str(SEMGREP_RULE), *SEMGREP_FLAGS]
    flake8 = [_tool("flake8"), "--select", "E9", c, "--exit-zero"]
    return [
        Tool("ruff E9", "ruff", ruff),
        Tool("ruff default", "ruff", ruff_default),
        Tool("ruff default concise", "ruff", concise),
        Tool("semgrep converse", "semgrep", [*semgrep, "--project-root", c, c]),
        Tool("bedrockcache cold", "bedrockcache", [*lint, "--no-cache"]),
        Tool("bedrockcache warm", "bedrockcache", lint, prime=True),
        Tool("flake8 E9", "flake8", flake8),
    ]


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One execution: wall and CPU seconds, peak RSS of the largest process, and machine noise."""

    exit_code: int
    wall_s: float
    cpu_s: float  # user + sys of the process and the children it waited for
    max_rss_mb: float
    other_cpu_s: float  # busy CPU on the machine during the run that was not ours
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)
    timed_out: bool = False


def _busy_cpu_s() -> float:
    """Machine-wide busy CPU seconds so far (from /proc/stat), to tell noise from slowness."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _read_tail(file: IO[bytes], limit: int | None) -> str:
    """What a tool printed, or only its last `limit` bytes."""
    size = file.seek(0, os.SEEK_END)
    file.seek(0 if limit is None else max(0, size - limit))
    return file.read().decode("utf-8", "replace")


def run_once(argv: list[str], timeout: float, *, full_output: bool = False) -> Run:
    """Run `argv` once from the repo root and measure it (wait4 gives the exact rusage).

    Only the tail of stdout is kept unless `full_output`: Linux counts the parent's memory at
    fork time into the child's peak RSS, so this process must stay small, and ruff with its
    default rules prints tens of MB of findings on the corpora.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        busy0, t0 = _busy_cpu_s(), time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv, stdout=out, stderr=err, cwd=REPO, env=_env(), start_new_session=True
            )
        except OSError as exc:
            return Run(127, 0.0, 0.0, 0.0, 0.0, stderr=f"cannot run {argv[0]}: {exc.strerror}")
        timer = threading.Timer(timeout, _kill_group, (proc.pid,))
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        timed_out = not timer.is_alive()
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        other = max(0.0, _busy_cpu_s() - busy0 - cpu)
        return Run(
            exit_code=proc.returncode,
            wall_s=wall,
            cpu_s=cpu,
            max_rss_mb=usage.ru_maxrss / 1024,
            other_cpu_s=other,
            stdout=_read_tail(out, None if full_output else OUTPUT_TAIL),
            stderr=_read_tail(err, OUTPUT_TAIL),
            timed_out=timed_out,
        )


def _kill_group(pid: int) -> None:
    """Kill the timed-out tool and the workers it started (its own session, nothing else)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def failure(run: Run, ok_codes: tuple[int, ...] = (0,)) -> str | None:
    """Why a run does not count, in one line, or None when it is good."""
    if run.timed_out:
        return "timed out"
    if run.exit_code not in ok_codes or TRACEBACK in run.stderr:
        lines = (run.stderr.strip() or run.stdout.strip() or "no output").splitlines()
        return f"exit {run.exit_code}: {lines[-1][:200]}"
    return None


@dataclass
class Result:
    """The measured runs of one tool on one corpus; `error` set means the tool failed."""

    tool: str
    family: str
    corpus: str
    command: list[str]
    runs: list[Run] = field(default_factory=list)
    error: str | None = None

    def to_row(self, version: str) -> dict:
        """The JSON row: medians first, then every run (without its output)."""
        ok = bool(self.runs) and not self.error
        walls = [r.wall_s for r in self.runs]
        runs = [
            {k: _round(v) for k, v in asdict(r).items() if k not in ("stdout", "stderr")}
            for r in self.runs
        ]
        return {
            "tool": self.tool,
            "version": version,
            "measured_at": _now(),
            "command": [_show(a) for a in self.command],
            "status": "ok" if ok else "failed",
            "error": self.error,
            "median_s": _round(statistics.median(walls)) if ok else None,
            "min_s": _round(min(walls)) if ok else None,
            "max_s": _round(max(walls)) if ok else None,
            "median_cpu_s": _round(statistics.median(r.cpu_s for r in self.runs)) if ok else None,
            "max_other_cpu_s": _round(max(r.other_cpu_s for r in self.runs)) if ok else None,
            "max_rss_mb": _round(max(r.max_rss_mb for r in self.runs)) if ok else None,
            "runs": runs,
        }


def _round(value: object) -> object:
    return round(value, 3) if isinstance(value, float) else value


def _show(arg: str) -> str:
    """A command argument with the repo path cut off, so results read the same on any clone."""
    return arg.replace(str(REPO) + os.sep, "")


def measure_corpus(
    corpus: str, runs: int, skip: set[str], timeout: float, log: Callable[[str], None]
) -> list[Result]:
    """Time every tool on one corpus, round-robin so a burst of noise hits all tools alike."""
    path = corpus_path(corpus)
    warm_page_cache(path)
    tools = [t for t in tools_for(path) if t.family not in skip]
    results = {t.name: Result(t.name, t.family, corpus, t.argv) for t in tools}
    for tool in tools:
        if tool.prime:
            error = failure(run_once(tool.argv, timeout))
            results[tool.name].error = error
            log(f"{corpus}: primed {tool.name}" + (f" FAILED ({error})" if error else ""))
    for round_no in range(1, runs + 1):
        for tool in tools:
            result = results[tool.name]
            if result.error:
                continue
            run = run_once(tool.argv, timeout)
            result.error = failure(run)
            if not result.error:
                result.runs.append(run)
            log(
                f"{corpus} run {round_no}/{runs}: {tool.name} {run.wall_s:.2f} s"
                + (f" FAILED ({result.error})" if result.error else "")
            )
    for result in results.values():
        if result.error:
            result.runs = []
    return list(results.values())


# --------------------------------------------------------------------------- reporting

RUFF_ROW, RUFF_DEFAULT_ROW, SEMGREP_ROW = "ruff E9", "ruff default", "semgrep converse"
COLD_ROW, WARM_ROW = "bedrockcache cold", "bedrockcache warm"
# Issue 12's targets: cold within 3x ruff's default rules and warm at or below ruff E9 on the
# bedrockapps corpus, and peak memory on site-packages no worse than the 223 MB measured before it.
TARGET_COLD_X_RUFF_DEFAULT = 3.0
TARGET_WARM_X_RUFF_E9 = 1.0
BASELINE_SITEPACKAGES_RSS_MB = 223.0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def results_path() -> Path:
    return RESULTS_DIR / f"lint-{dt.datetime.now(dt.timezone.utc):%Y-%m-%d}.json"


def load_results(path: Path) -> dict:
    """Today's results so far, so a later run (say with --skip flake8) keeps earlier rows."""
    if not path.is_file():
        return {"schema": 2, "corpora": {}}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BenchError(f"{path.name} is not valid JSON ({exc.msg}); move it away") from exc
    if data.get("schema") != 2:
        raise BenchError(f"{path.name} has an older layout; move it away")
    return data


def merge_corpus(
    data: dict,
    corpus: str,
    rows: list[dict],
    coverage: dict | None = None,
    rss_floor_mb: float | None = None,
) -> dict:
    """Put this run's rows for `corpus` into `data`, replacing rows of the same tool.

    Ratios and issue 12's targets are recomputed over the merged rows, so they always divide by
    the ruff and semgrep figures that sit beside them in the file. Without a fresh `coverage`,
    the earlier one stays.
    """
    path = corpus_path(corpus)
    old = data["corpora"].get(corpus, {}).get("results", [])
    if coverage is None:
        coverage = data["corpora"].get(corpus, {}).get("coverage")
    fresh = {row["tool"] for row in rows}
    merged = [row for row in old if row["tool"] not in fresh] + rows
    order = [t.name for t in tools_for(path)]
    merged.sort(key=lambda row: order.index(row["tool"]) if row["tool"] in order else len(order))
    medians = {row["tool"]: row["median_s"] for row in merged}
    for row in merged:
        row["ratio_ruff_e9"] = _ratio(row["median_s"], medians.get(RUFF_ROW))
        row["ratio_ruff_default"] = _ratio(row["median_s"], medians.get(RUFF_DEFAULT_ROW))
        row["ratio_semgrep"] = _ratio(row["median_s"], medians.get(SEMGREP_ROW))
    data["corpora"][corpus] = {
        "corpus": {
            "path": _show(str(path)),
            **corpus_stats(path),
            "files_seen_by_ruff": files_seen_by_ruff(path),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            # A child's peak RSS is never below this script's at fork time (see run_once).
            "bench_process_peak_rss_mb": rss_floor_mb or own_peak_rss_mb(),
        },
        "results": merged,
    }
    data["corpora"][corpus]["targets"] = targets(data, corpus)
    if coverage is not None:
        data["corpora"][corpus]["coverage"] = coverage
    return data


def own_peak_rss_mb() -> float | None:
    """This process's peak RSS (VmHWM): the floor of every peak RSS measured from it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else round(value / base, 2)


def targets(data: dict, corpus: str) -> dict:
    """Issue 12's figures for one corpus: each with its target and whether it is met.

    The verdict is on wall time, as the issue states its targets; the same ratio of CPU times
    sits beside it, because on a busy machine CPU time is disturbed far less. A figure whose
    rows are missing (a skipped or failed tool) is None, and so is its verdict.
    """
    rows = {row["tool"]: row for row in data["corpora"][corpus]["results"]}

    def ratio(tool: str, base: str, key: str) -> float | None:
        if tool not in rows or base not in rows:
            return None
        return _ratio(rows[tool].get(key), rows[base].get(key))

    def verdict(value: float | None, limit: float) -> bool | None:
        return None if value is None else value <= limit

    figures = {}
    for key, tool, base, limit in (
        ("cold_x_ruff_default", COLD_ROW, RUFF_DEFAULT_ROW, TARGET_COLD_X_RUFF_DEFAULT),
        ("warm_x_ruff_e9", WARM_ROW, RUFF_ROW, TARGET_WARM_X_RUFF_E9),
    ):
        value = ratio(tool, base, "median_s")
        figures[key] = {
            "value": value,
            "cpu_value": ratio(tool, base, "median_cpu_s"),
            "target": limit,
            "met": verdict(value, limit),
        }
    if corpus == "sitepackages":
        rss = rows[COLD_ROW].get("max_rss_mb") if COLD_ROW in rows else None
        figures["cold_peak_rss_mb"] = {
            "value": rss,
            "target": BASELINE_SITEPACKAGES_RSS_MB,
            "met": verdict(rss, BASELINE_SITEPACKAGES_RSS_MB),
        }
    return figures


def targets_lines(data: dict, corpora: list[str]) -> list[str]:
    """One line per corpus: issue 12's ratios next to their targets."""
    names = {
        "cold_x_ruff_default": "cold / ruff default",
        "warm_x_ruff_e9": "warm / ruff E9",
        "cold_peak_rss_mb": "cold peak RSS MB",
    }
    lines = []
    for corpus in corpora:
        parts = []
        for key, figure in data["corpora"][corpus].get("targets", {}).items():
            value = "-" if figure["value"] is None else f"{figure['value']:.4g}"
            if figure.get("cpu_value") is not None:
                value += f" (CPU {figure['cpu_value']:.4g})"
            met = {True: "met", False: "NOT met", None: "not measured"}[figure["met"]]
            parts.append(f"{names[key]} {value}, target <= {figure['target']:g}: {met}")
        lines.append(f"issue 12 targets, {corpus}: " + "; ".join(parts))
    return lines


def table(data: dict, corpora: list[str], started: str) -> str:
    """The rows of `corpora` as a fixed-width table; rows from an earlier run say so."""
    head = (
        f"{'tool':<22}{'corpus':<14}{'median s':>10}{'min..max s':>16}{'CPU s':>9}{'RSS MB':>8}"
        f"{'x ruff E9':>11}{'x default':>11}{'x semgrep':>11}  note"
    )
    lines = [head, "-" * len(head)]
    for corpus in corpora:
        floor = data["corpora"][corpus]["machine"].get("bench_process_peak_rss_mb")
        for row in data["corpora"][corpus]["results"]:
            earlier = (
                f"from {row['measured_at'][11:16]} UTC; " if row["measured_at"] < started else ""
            )
            start = f"{row['tool']:<22}{corpus:<14}"
            if row["status"] != "ok":
                lines.append(f"{start}{'failed':>10}{'':>66}  {earlier}{row['error']}")
                continue
            spread = f"{row['min_s']:.2f}..{row['max_s']:.2f}"
            note = f"{earlier}n={len(row['runs'])}, other-CPU up to {row['max_other_cpu_s']:.1f} s"
            lines.append(
                f"{start}{row['median_s']:>10.2f}{spread:>16}{row['median_cpu_s']:>9.2f}"
                f"{_fmt_rss(row.get('max_rss_mb'), floor):>8}"
                f"{_fmt_ratio(row['ratio_ruff_e9']):>11}"
                f"{_fmt_ratio(row.get('ratio_ruff_default')):>11}"
                f"{_fmt_ratio(row['ratio_semgrep']):>11}  {note}"
            )
    return "\n".join(lines)


def _fmt_rss(value: float | None, floor: float | None) -> str:
    """A peak RSS, or "<=floor" when it is no higher than this script's own (see run_once)."""
    if value is None:
        return "-"
    return f"<={floor:.0f}" if floor and value <= floor * 1.02 else f"{value:.0f}"


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


# --------------------------------------------------------------------------- coverage

# A rough grep for files that hold a Bedrock call of a kind the linter understands: a
# bedrock-runtime method called (or handed to a retry helper), a Bedrock client or model class
# built, a LiteLLM "bedrock/" model, a pydantic-ai "bedrock:" agent, or a Strands Agent (whose
# default model is Bedrock). It reads comments and docstrings too: an upper bound, to set the
# linter's own count against, not a second linter.
CALL_SITE_PATTERNS = [
    re.compile(
        r"\.(?:converse|converse_stream|invoke_model|invoke_model_with_response_stream)\s*[(,)]"
    ),
    re.compile(r"\b(?:Async)?AnthropicBedrock\("),
    re.compile(
        r"\b(?:BedrockModel|BedrockConverseModel|ChatBedrockConverse|ChatBedrock|BedrockConverse)\("
    ),
    re.compile(r"\bmodel\s*=\s*[fr]?[\"']bedrock/"),
    re.compile(r"\bAgent\(\s*[\"']bedrock:"),
]
STRANDS_AGENT_IMPORT = re.compile(r"^from strands(?:\.agent)? import \(?[^)]*?\bAgent\b", re.M)
STRANDS_AGENT_CALL = re.compile(r"\bAgent\(")
SUMMARY_SITES = re.compile(
    r"^(\d+) Bedrock call sites? checked in (\d+) files?(?:, (\d+) fully audited)?$", re.M
)
SUMMARY_UNRESOLVED = re.compile(r"^(\d+) call sites? not fully audited", re.M)
STATISTICS_LINE = re.compile(r"^\s*(\d+)\s+([A-Z]+\d+)\b", re.M)


def holds_call_site(text: str) -> bool:
    """Whether the rough grep finds a Bedrock call in this file's text."""
    if any(pattern.search(text) for pattern in CALL_SITE_PATTERNS):
        return True
    return bool(STRANDS_AGENT_IMPORT.search(text) and STRANDS_AGENT_CALL.search(text))


def parse_lint_summary(stdout: str) -> dict | None:
    """Call sites, unaudited sites and diagnostics per rule from `lint --statistics` output.

    The JSON output holds diagnostics only; the text summary is where the linter says how many
    call sites it checked and how many it could not fully audit. None when it has no summary.
    """
    sites = SUMMARY_SITES.search(stdout)
    if sites is None:
        return None
    unresolved = SUMMARY_UNRESOLVED.search(stdout)
    call_sites = int(sites.group(1))
    if sites.group(3) is not None:  # the summary says it (since issue 12)
        fully = int(sites.group(3))
    else:
        fully = call_sites - (int(unresolved.group(1)) if unresolved else 0)
    by_rule = {code: int(n) for n, code in STATISTICS_LINE.findall(stdout)}
    return {
        "files_checked": int(sites.group(2)),
        "call_sites": call_sites,
        "fully_audited": fully,
        "not_fully_audited": call_sites - fully,
        "diagnostics": sum(by_rule.values()),
        "diagnostics_by_rule": by_rule,
    }


def lint_coverage(paths: list[Path], timeout: float) -> dict:
    """Lint `paths` once, cold and untimed, and say what the linter saw there."""
    argv = [
        str(BEDROCKCACHE),
        "lint",
        *map(str, paths),
        "--exit-zero",
        "--no-cache",
        "--statistics",
    ]
    run = run_once(argv, timeout, full_output=True)
    error = failure(run)
    summary = None if error else parse_lint_summary(run.stdout)
    if summary is None:
        return {"error": error or "no call-site summary in the output"}
    return summary


def app_distributions(root: Path) -> list[tuple[str, str, list[Path]]]:
    """Each installed app's name, version and own top-level paths, read from its RECORD.

    A top-level directory that two apps share (a namespace package) is split one level down,
    so that each app is linted on its own files only.
    """
    dists = []
    for info in sorted(root.glob("*.dist-info")):
        dist = importlib.metadata.PathDistribution(info)
        parts = [f.parts for f in dist.files or () if f.suffix in (".py", ".pyi")]
        parts = [p for p in parts if p[0] != ".." and not p[0].endswith(".dist-info")]
        dists.append((dist.metadata["Name"], dist.version, parts))
    owners: dict[str, set[str]] = {}
    for name, _, parts in dists:
        for p in parts:
            owners.setdefault(p[0], set()).add(name)
    found = []
    for name, version, parts in dists:
        tops = {p[:1] if len(owners[p[0]]) == 1 else p[:2] for p in parts}
        found.append((name, version, sorted(root.joinpath(*top) for top in tops)))
    return found


def _files_under(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        files.extend(_py_files(path) if path.is_dir() else [path] if path.suffix == ".py" else [])
    return files


def corpus_coverage(corpus: str, timeout: float) -> dict:
    """What the linter checks on a corpus, and for the apps corpus, per app.

    Issue 12 is about auditing more of real code; these counts let each change show how much
    more it reaches (call sites found, and how many of them were fully audited).
    """
    path = corpus_path(corpus)
    coverage = {"whole corpus": lint_coverage([path], timeout)}
    if corpus == "bedrockapps":
        apps = {}
        for name, version, tops in app_distributions(path):
            files = _files_under(tops)
            texts = (f.read_text("utf-8", "replace") for f in files)
            apps[f"{name}=={version}"] = {
                "paths": [str(top.relative_to(path)) for top in tops],
                "py_files": len(files),
                "grep_call_site_files": sum(1 for text in texts if holds_call_site(text)),
                **lint_coverage(tops, timeout),
            }
        coverage["apps"] = apps
    return coverage


def coverage_lines(coverage: dict) -> list[str]:
    """The coverage of one corpus as lines: one for the whole, one per app."""
    lines = []
    entries = [("whole corpus", coverage["whole corpus"]), *coverage.get("apps", {}).items()]
    for name, entry in entries:
        if "error" in entry:
            lines.append(f"  {name}: lint failed: {entry['error']}")
            continue
        grep = (
            f", grep: {entry['grep_call_site_files']} files"
            if "grep_call_site_files" in entry
            else ""
        )
        lines.append(
            f"  {name}: {entry['call_sites']} call sites, {entry['fully_audited']} fully audited, "
            f"{entry['diagnostics']} diagnostics{grep}"
        )
    return lines


# --------------------------------------------------------------------------- crash check


def count_diagnostics(stdout: str) -> int | None:
    """Diagnostics in `lint --output-format json` output: a list, or an object holding one."""
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError:
        return None
    if isinstance(data, list):
        return len(data)
    if isinstance(data, dict) and isinstance(data.get("diagnostics"), list):
        return len(data["diagnostics"])
    return None


def crash_check(corpus: str, timeout: float) -> int:
    """Lint a big real corpus once: any exit besides 0/1, or a traceback, is a crash."""
    path = corpus_path(corpus)
    argv = [
        str(BEDROCKCACHE),
        "lint",
        str(path),
        "--exit-zero",
        "--no-cache",
        "--output-format",
        "json",
    ]
    print(f"crash-check: {' '.join(_show(a) for a in argv)}", flush=True)
    run = run_once(argv, timeout, full_output=True)
    count = count_diagnostics(run.stdout)
    shown = "unknown (stdout is not a JSON list of diagnostics)" if count is None else count
    print(
        f"crash-check: exit {run.exit_code}, {run.wall_s:.1f} s, "
        f"peak RSS {run.max_rss_mb:.0f} MB, diagnostics: {shown}"
    )
    crashed = run.timed_out or run.exit_code not in (0, 1)
    crashed = crashed or TRACEBACK in run.stderr or TRACEBACK in run.stdout
    if crashed:
        print(f"crash-check: FAILED: {failure(run, (0, 1)) or 'traceback printed'}")
        return 1
    print("crash-check: ok")
    return 0


# --------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--setup", action="store_true", help="build corpora and tool venvs")
    mode.add_argument("--crash-check", action="store_true", help="one JSON lint run, no timing")
    parser.add_argument("--corpus", choices=CORPUS_NAMES, help="only this corpus (default: all)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs per tool (default 5)")
    parser.add_argument("--quick", action="store_true", help="one run per tool")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="TOOL",
        help=f"leave out a tool, repeatable or comma-separated: {', '.join(TOOL_NAMES)}",
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds before one run is killed"
    )
    args = parser.parse_args(argv)
    args.skip = {s.strip() for item in args.skip for s in item.split(",") if s.strip()}
    unknown = args.skip - set(TOOL_NAMES)
    if unknown:
        parser.error(f"unknown tool in --skip: {', '.join(sorted(unknown))}")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.quick:
        args.runs = 1
    return args


def benchmark(args: argparse.Namespace) -> int:
    """The default mode: measure, merge into today's JSON, print the table."""
    corpora = [args.corpus] if args.corpus else list(CORPUS_NAMES)
    for name in corpora:
        corpus_path(name)  # fail before any timing if setup is missing
    if not SEMGREP_RULE.is_file():
        raise BenchError(f"missing {SEMGREP_RULE.relative_to(REPO)}")
    path = results_path()
    data = load_results(path)  # fail before any timing if the file is unreadable
    started = _now()
    versions = tool_versions()
    print("versions:", json.dumps(versions), flush=True)
    for name in corpora:
        before = source_fingerprint()
        results = measure_corpus(
            name, args.runs, args.skip, args.timeout, lambda m: print(m, flush=True)
        )
        after = source_fingerprint()
        rss_floor_mb = own_peak_rss_mb()  # before the coverage step reads the corpus
        rows = []
        for result in results:
            version = versions.get(result.family, "?")
            if result.family == "bedrockcache":
                version += f" ({after})"
            row = result.to_row(version)
            if result.family == "bedrockcache" and before.split()[-1] != after.split()[-1]:
                row["source_changed_during_run"] = f"{before} -> {after}"
                print(f"warning: bedrockcache source changed while {name} was measured")
            rows.append(row)
        coverage = None
        if "bedrockcache" not in args.skip:
            print(f"{name}: call-site coverage (one more cold lint, untimed)", flush=True)
            coverage = corpus_coverage(name, args.timeout)
            print("\n".join(coverage_lines(coverage)), flush=True)
        merge_corpus(data, name, rows, coverage, rss_floor_mb)
        RESULTS_DIR.mkdir(exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")  # after each corpus: a crash loses less
    print()
    print(table(data, corpora, started))
    print("\n".join(targets_lines(data, corpora)))
    print(f"\nwrote {_show(str(path))}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.setup:
            setup()
            return 0
        if args.crash_check:
            return crash_check(args.corpus or "sitepackages", args.timeout)
        return benchmark(args)
    except BenchError as exc:
        print(f"lint_bench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lint_bench: interrupted", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
