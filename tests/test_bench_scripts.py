"""The benchmark scripts' parsing, never their timing: speed is measured in benchmarks/ only.

lint_bench.py reads the linter's own text summary to record call-site coverage on real code, so
the contract that matters is between that parser and what `bedrockcache lint` really prints: a
reworded summary must fail here, not silently record nothing in a benchmark run.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from bedrockcache.cli import main as cli
from bedrockcache.lint.checker import check_source

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "strands" / "dynamic_agents.py"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, ModuleType]:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    modules = importlib.import_module("lint_bench"), importlib.import_module("latency_bench")
    yield modules
    for name in ("lint_bench", "latency_bench"):
        sys.modules.pop(name, None)


def test_lint_bench_accepts_the_apps_corpus_and_rejects_unknown_tools(bench, capsys) -> None:
    lint_bench, _ = bench
    args = lint_bench.parse_args(["--corpus", "bedrockapps", "--runs", "3", "--skip", "flake8"])
    assert (args.corpus, args.runs, args.skip) == ("bedrockapps", 3, {"flake8"})
    with pytest.raises(SystemExit):
        lint_bench.parse_args(["--skip", "pylint"])
    assert "unknown tool in --skip: pylint" in capsys.readouterr().err


def test_latency_bench_rejects_zero_runs(bench, capsys) -> None:
    _, latency_bench = bench
    assert latency_bench.parse_args(["--runs", "2"]).runs == 2
    with pytest.raises(SystemExit):
        latency_bench.parse_args(["--runs", "0"])
    assert "--runs must be at least 1" in capsys.readouterr().err


def test_coverage_parser_reads_what_the_linter_prints(bench) -> None:
    lint_bench, _ = bench
    argv = ["lint", str(FIXTURE), "--no-cache", "--exit-zero", "--statistics"]
    output = CliRunner().invoke(cli, argv).output
    expected = check_source(FIXTURE.read_bytes(), str(FIXTURE))
    summary = lint_bench.parse_lint_summary(output)
    assert expected.call_sites > 0 and expected.unresolved
    assert summary["files_checked"] == 1
    assert summary["call_sites"] == expected.call_sites
    assert summary["not_fully_audited"] == len(expected.unresolved)
    assert summary["fully_audited"] == expected.call_sites - len(expected.unresolved)
    assert summary["diagnostics"] == len(expected.diagnostics)


def test_coverage_parser_says_none_without_a_summary(bench) -> None:
    lint_bench, _ = bench
    assert lint_bench.parse_lint_summary("Traceback (most recent call last):\n") is None


@pytest.mark.parametrize(
    ("source", "holds"),
    [
        ('client = boto3.client("bedrock-runtime")\nclient.converse(modelId=m)\n', True),
        ("retry(self.client.converse, **kwargs)\n", True),
        ("llm = ChatBedrockConverse(model=m)\n", True),
        ('litellm.completion(model="bedrock/anthropic.claude", messages=m)\n', True),
        ("from strands import (\n    Agent,\n    tool,\n)\nagent = Agent(tools=[])\n", True),
        ("agent = Agent(tools=[])\n", False),  # an Agent, but not Strands'
        ("model = AmazonBedrockModelConfig()\n", False),
        ('SERVICE = "bedrock-runtime"\n', False),
    ],
)
def test_call_site_grep(bench, source: str, holds: bool) -> None:
    lint_bench, _ = bench
    assert lint_bench.holds_call_site(source) is holds


def test_apps_are_split_by_their_record(bench, tmp_path: Path) -> None:
    """Two apps sharing a namespace package are each linted on their own directory only."""
    lint_bench, _ = bench
    for name, files in {
        "alpha": ["alpha/__init__.py", "ns/alpha_part/x.py", "tests/test_a.py"],
        "beta": ["ns/beta_part/y.py", "../../bin/beta"],
    }.items():
        info = tmp_path / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        record = [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"]
        (info / "RECORD").write_text("".join(f"{f},,\n" for f in record))
    found = {
        name: (version, [str(p.relative_to(tmp_path)) for p in paths])
        for name, version, paths in lint_bench.app_distributions(tmp_path)
    }
    assert found == {
        "alpha": ("1.0", ["alpha", "ns/alpha_part", "tests"]),
        "beta": ("1.0", ["ns/beta_part"]),
    }


def test_percentile_interpolates(bench) -> None:
    _, latency_bench = bench
    samples = [float(n) for n in range(1, 101)]
    assert latency_bench.percentile(samples, 0.95) == pytest.approx(95.05)
    assert latency_bench.percentile([7.0], 0.95) == 7.0


def test_server_bench_generates_the_file_it_describes(monkeypatch: pytest.MonkeyPatch, tmp_path):
    import shutil

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    server_bench = importlib.import_module("server_bench")
    try:
        text = server_bench.generate(2000, 40)
        assert 1900 <= text.count("\n") <= 2000
        edited = server_bench.edit(server_bench.edit(text, 1), 2)
        assert edited.count("\n") == text.count("\n") + 1 and "# edit 2\n" in edited
        shutil.copytree(server_bench.SERVICE, tmp_path / "service")
        module = tmp_path / "service" / "big.py"
        module.write_text(text)
        from bedrockcache.config import Settings

        result = check_source(text, str(module), Settings(root=tmp_path), fixes=False)
        assert result.call_sites == 40
        assert {d.code for d in result.diagnostics} == {"BC101"}
        with pytest.raises(SystemExit):
            server_bench.parse_args(["--runs", "0"])
    finally:
        sys.modules.pop("server_bench", None)
        sys.modules.pop("latency_bench", None)
        sys.modules.pop("lint_bench", None)
