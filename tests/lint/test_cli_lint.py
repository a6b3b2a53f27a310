"""``bedrockcache lint`` and ``bedrockcache clean`` end to end, on small temporary projects.

Each option is checked for being honoured; the output formats' own details are tested in
test_output.py. Every run asserts that no traceback is printed and that nothing but a clean exit
(``SystemExit``) leaves the command.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bedrockcache.cli import main
from bedrockcache.lint import runner
from bedrockcache.lint.cache import CACHE_DIR_NAME
from bedrockcache.output import FORMATS

HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
UNCACHED = HEAD + 'client.converse(modelId=MODEL, system=[{"text": POLICY}], messages=[])\n'
CACHED = HEAD + (
    "client.converse(modelId=MODEL, "
    'system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}], messages=[])\n'
)
HIDDEN = HEAD + "def f(kw):\n    client.converse(modelId=MODEL, **kw)\n"
_DIAGNOSTIC = re.compile(r"^(?P<path>[^:\s]+):(?P<line>\d+):(?P<column>\d+): (?P<code>BC\d{3}) ")


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture(autouse=True)
def _no_format_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BEDROCKCACHE_OUTPUT_FORMAT", raising=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with a (empty) config table, as most users have; the working directory."""
    write(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'demo'\n\n[tool.bedrockcache]\n",
            "app/uncached.py": UNCACHED,
            "app/cached.py": CACHED,
            "app/hidden.py": HIDDEN,
            "tests/test_app.py": UNCACHED,
            "generated/gen.py": UNCACHED,
            "build/out.py": UNCACHED,  # excluded by default
        },
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The same files without any config file."""
    write(tmp_path, {"app/uncached.py": UNCACHED, "generated/gen.py": UNCACHED})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    result = CliRunner().invoke(main, list(args), env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def lint(*args: str, env: dict[str, str] | None = None) -> Result:
    return invoke("lint", "--no-cache", *args, env=env)


def reported(result: Result) -> list[tuple[str, str]]:
    """(path, code) of each diagnostic line of text or concise output."""
    found = []
    for line in result.stdout.splitlines():
        match = _DIAGNOSTIC.match(line)
        if match:
            found.append((match["path"], match["code"]))
    return found


def one_line_error(result: Result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0]


# ---- paths and exit codes ----------------------------------------------------------------------


def test_the_default_path_is_the_working_directory(project: Path) -> None:
    result = lint()
    assert result.exit_code == 1
    assert reported(result) == [
        ("app/uncached.py", "BC101"),
        ("generated/gen.py", "BC101"),
        ("tests/test_app.py", "BC101"),
    ]
    assert "Found 3 errors." in result.stdout


def test_explicit_paths(project: Path) -> None:
    result = lint("app/uncached.py", "tests")
    assert reported(result) == [("app/uncached.py", "BC101"), ("tests/test_app.py", "BC101")]


def test_a_clean_run_exits_0(project: Path) -> None:
    result = lint("app/cached.py")
    assert result.exit_code == 0
    assert "All checks passed!" in result.stdout


def test_a_missing_path_is_a_one_line_usage_error(project: Path) -> None:
    one_line_error(lint("app/nope.py"), "app/nope.py")


def test_an_unreadable_and_an_unparseable_file_are_reported_and_the_run_goes_on(
    project: Path,
) -> None:
    write(
        project,
        {
            "app/latin.py": b"import boto3  # converse\nx = '\xe9'\n",
            "app/broken.py": "import boto3\nclient.converse(\ndef broken(:\n",
        },
    )
    result = lint("app")
    assert result.exit_code == 1
    assert reported(result) == [
        ("app/broken.py", "BC001"),
        ("app/latin.py", "BC004"),
        ("app/uncached.py", "BC101"),
    ]


def test_a_file_libcst_cannot_build_is_a_diagnostic_not_a_traceback(project: Path) -> None:
    write(project, {"app/odd.py": "import boto3  # converse\nx = \U00011f02\n"})
    result = lint("app")
    assert ("app/odd.py", "BC001") in reported(result)


# ---- output formats ----------------------------------------------------------------------------


def _well_formed(fmt: str, out: str) -> list[str]:
    """The codes a run printed in ``fmt``; fails if the output is not that format."""
    if fmt == "json":
        return [item["code"] for item in json.loads(out)]
    if fmt == "json-lines":
        return [json.loads(line)["code"] for line in out.splitlines()]
    if fmt == "sarif":
        log = json.loads(out)
        assert log["version"] == "2.1.0"
        return [r["ruleId"] for run in log["runs"] for r in run["results"]]
    if fmt == "github":
        lines = out.splitlines()
        assert all(line.startswith("::error ") for line in lines)
        return [re.search(r"\(([A-Z]+\d+)\)", line)[1] for line in lines]
    codes = [m["code"] for m in map(_DIAGNOSTIC.match, out.splitlines()) if m]
    if fmt == "concise":
        assert "  help:" not in out
    else:
        assert "  help:" in out
    assert "Found 2 errors." in out
    return codes


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_output_format_is_selected_and_well_formed(project: Path, fmt: str) -> None:
    result = lint("app", "tests", "--output-format", fmt)
    assert result.exit_code == 1
    assert _well_formed(fmt, result.stdout) == ["BC101", "BC101"]


def test_the_output_format_can_come_from_the_environment(project: Path) -> None:
    result = lint("app", env={"BEDROCKCACHE_OUTPUT_FORMAT": "json"})
    assert [item["code"] for item in json.loads(result.stdout)] == ["BC101"]


def test_the_option_wins_over_the_environment(project: Path) -> None:
    result = lint("app", "--output-format", "concise", env={"BEDROCKCACHE_OUTPUT_FORMAT": "json"})
    assert reported(result) == [("app/uncached.py", "BC101")]


def test_an_unknown_output_format_is_a_usage_error(project: Path) -> None:
    result = lint("--output-format", "xml")
    assert result.exit_code == 2
    assert "xml" in result.stderr


def test_output_file(project: Path) -> None:
    printed = lint("app", "--output-format", "json").stdout
    result = lint("app", "--output-format", "json", "-o", "out.json")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert (project / "out.json").read_text(encoding="utf-8") == printed


def test_an_output_file_that_cannot_be_written_is_a_one_line_error(project: Path) -> None:
    one_line_error(lint("app", "-o", "no/such/dir/out.txt"), "no/such/dir/out.txt")


# ---- selection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--select", "BC3"], []),
        (["--select", "BC1"], ["BC101"]),
        (["--select", "BC101"], ["BC101"]),
        (["--select", "BC3,BC101"], ["BC101"]),
        (["--select", "BC3", "--select", "BC10"], ["BC101"]),
        (["--select", "ALL"], ["BC101"]),
        (["--ignore", "BC101"], []),
        (["--ignore", "BC1"], []),
        (["--ignore", "BC3,BC1"], []),
        (["--ignore", "BC3"], ["BC101"]),
        (["--select", "BC3", "--extend-select", "BC101"], ["BC101"]),
        (["--select", "BC3", "--extend-select", "BC2,BC1"], ["BC101"]),
        (["--ignore", "BC1", "--extend-select", "BC101"], ["BC101"]),
    ],
)
def test_select_ignore_extend_select(
    project: Path, options: list[str], expected: list[str]
) -> None:
    result = lint("app", *options)
    assert [code for _, code in reported(result)] == expected
    assert result.exit_code == (1 if expected else 0)


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize("selector", ["BC999", "XYZ1", "BC1,E501"])
def test_an_unknown_selector_is_a_one_line_error_naming_it(
    project: Path, option: str, selector: str
) -> None:
    bad = selector.split(",")[-1]
    one_line_error(lint(option, selector), option, repr(bad))


def test_per_file_ignores(project: Path) -> None:
    result = lint("app", "tests", "--per-file-ignores", "tests/*:BC3,BC101")
    assert reported(result) == [("app/uncached.py", "BC101")]


def test_per_file_ignores_by_file_name(project: Path) -> None:
    result = lint("app", "tests", "--per-file-ignores", "test_*.py:BC1")
    assert reported(result) == [("app/uncached.py", "BC101")]


def test_per_file_ignores_without_codes_is_a_one_line_error(project: Path) -> None:
    one_line_error(lint("--per-file-ignores", "tests/*"), "--per-file-ignores")


# ---- excludes ----------------------------------------------------------------------------------


def test_default_excludes_skip_build_directories(project: Path) -> None:
    assert ("build/out.py", "BC101") not in reported(lint())


def test_exclude_replaces_the_defaults(project: Path) -> None:
    paths = [path for path, _ in reported(lint("--exclude", "generated"))]
    assert "generated/gen.py" not in paths
    assert "build/out.py" in paths


def test_extend_exclude_adds_to_the_defaults(project: Path) -> None:
    paths = [path for path, _ in reported(lint("--extend-exclude", "generated"))]
    assert paths == ["app/uncached.py", "tests/test_app.py"]


def test_extend_exclude_with_a_path_pattern(project: Path) -> None:
    paths = [path for path, _ in reported(lint("--extend-exclude", "app/unc*.py"))]
    assert "app/uncached.py" not in paths
    assert "generated/gen.py" in paths


def test_an_explicit_file_is_linted_unless_force_exclude(project: Path) -> None:
    explicit = lint("--extend-exclude", "generated", "generated/gen.py")
    assert reported(explicit) == [("generated/gen.py", "BC101")]
    forced = lint("--extend-exclude", "generated", "--force-exclude", "generated/gen.py")
    assert reported(forced) == []
    assert forced.exit_code == 0


def test_force_exclude_applies_the_default_excludes_too(project: Path) -> None:
    assert reported(lint("build/out.py")) == [("build/out.py", "BC101")]
    assert reported(lint("--force-exclude", "build/out.py")) == []


def test_force_exclude_without_a_config_file(bare: Path) -> None:
    forced = lint("--extend-exclude", "generated", "--force-exclude", "generated/gen.py")
    assert reported(forced) == []


def test_per_file_ignores_without_a_config_file_for_one_file(bare: Path) -> None:
    result = lint("--per-file-ignores", "generated/*:BC101", "generated/gen.py")
    assert reported(result) == []


# ---- what is printed ---------------------------------------------------------------------------


def test_statistics(project: Path) -> None:
    result = lint("app", "tests", "--statistics")
    assert result.exit_code == 1
    assert reported(result) == []
    assert re.search(r"^2\s+BC101\s+converse-missing-cache-point$", result.stdout, re.M)


def test_statistics_as_json(project: Path) -> None:
    result = lint("app", "tests", "--statistics", "--output-format", "json")
    assert json.loads(result.stdout) == [
        {"code": "BC101", "name": "converse-missing-cache-point", "count": 2}
    ]


def test_statistics_with_sarif_is_a_one_line_error(project: Path) -> None:
    one_line_error(lint("--statistics", "--output-format", "sarif"), "--statistics")


def test_exit_zero(project: Path) -> None:
    result = lint("app", "--exit-zero")
    assert result.exit_code == 0
    assert reported(result) == [("app/uncached.py", "BC101")]


def test_exit_zero_does_not_hide_usage_errors(project: Path) -> None:
    assert lint("--exit-zero", "--select", "BC999").exit_code == 2


def test_show_unresolved(project: Path) -> None:
    hidden = lint("app/hidden.py")
    assert "not fully audited (--show-unresolved lists them)" in hidden.stdout
    assert hidden.exit_code == 0  # an unresolved call site is not a finding
    shown = lint("app/hidden.py", "--show-unresolved")
    assert re.search(
        r"^app/hidden\.py:\d+:\d+: boto3 converse: not fully audited", shown.stdout, re.M
    )
    assert "**kw" in shown.stdout


def test_quiet_prints_diagnostics_only(project: Path) -> None:
    result = lint("app", "--quiet")
    assert reported(result) == [("app/uncached.py", "BC101")]
    assert "Found" not in result.stdout
    assert "call site" not in result.stdout
    assert lint("app/cached.py", "-q").stdout == ""


# ---- the cache and `bedrockcache clean` --------------------------------------------------------


def test_the_cache_is_created_at_the_project_root(project: Path) -> None:
    invoke("lint", "app")
    assert (project / CACHE_DIR_NAME / "CACHEDIR.TAG").is_file()


def test_no_cache_creates_no_cache_directory(project: Path) -> None:
    invoke("lint", "--no-cache", "app")
    assert not any(p.name == CACHE_DIR_NAME for p in project.rglob("*"))


def test_cache_dir(project: Path) -> None:
    first = invoke("lint", "--cache-dir", "here", "app")
    assert (project / "here" / "CACHEDIR.TAG").is_file()
    assert not (project / CACHE_DIR_NAME).exists()
    second = invoke("lint", "--cache-dir", "here", "app")
    assert second.stdout == first.stdout
    assert second.exit_code == first.exit_code == 1


def test_clean_removes_the_cache(project: Path) -> None:
    invoke("lint", "app")
    result = invoke("clean")
    assert result.exit_code == 0
    assert "removed" in result.stdout
    assert not (project / CACHE_DIR_NAME).exists()
    again = invoke("clean")
    assert again.exit_code == 0
    assert "no cache at" in again.stdout


def test_clean_with_a_cache_dir(project: Path) -> None:
    invoke("lint", "--cache-dir", "here", "app")
    assert "removed" in invoke("clean", "--cache-dir", "here").stdout
    assert not (project / "here").exists()


def test_clean_refuses_a_directory_that_is_not_a_cache_in_one_line(project: Path) -> None:
    write(project, {"keep/data.txt": "precious"})
    result = CliRunner().invoke(main, ["clean", "--cache-dir", "keep"])
    assert (project / "keep" / "data.txt").read_text() == "precious"
    one_line_error(result, "keep")


def test_clean_finds_the_cache_of_a_run_on_a_subdirectory(bare: Path) -> None:
    invoke("lint", "app/uncached.py")
    invoke("clean")
    assert [p for p in bare.rglob(CACHE_DIR_NAME)] == []


def test_clean_from_a_subdirectory_finds_the_cache_lint_made_there(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "app")
    invoke("lint", ".")  # the cache goes to the project root, beside pyproject.toml
    assert (project / CACHE_DIR_NAME).is_dir()
    result = invoke("clean")
    assert result.stdout == f"removed {project / CACHE_DIR_NAME}\n"
    assert not (project / CACHE_DIR_NAME).exists()


def test_clean_with_config_and_isolated_finds_the_same_cache_as_lint(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"other/pyproject.toml": "[tool.bedrockcache]\n"})
    invoke("lint", "--config", "other/pyproject.toml", "app")
    assert (project / "other" / CACHE_DIR_NAME).is_dir()
    assert "removed" in invoke("clean", "--config", "other/pyproject.toml").stdout
    monkeypatch.chdir(project / "app")
    invoke("lint", "--isolated", ".")
    assert (project / "app" / CACHE_DIR_NAME).is_dir()
    assert "removed" in invoke("clean", "--isolated").stdout
    assert not any(project.rglob(CACHE_DIR_NAME))


@pytest.mark.parametrize("command", ["lint", "clean"])
def test_the_cache_dir_help_says_where_the_cache_goes(command: str) -> None:
    text = " ".join(invoke(command, "--help").stdout.split())
    assert (
        "Default: .bedrockcache_cache in the directory of the pyproject.toml with a "
        "[tool.bedrockcache] table (found upward), else in the working directory." in text
    )


# ---- config ------------------------------------------------------------------------------------


def test_pyproject_select_and_ignore(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.bedrockcache]\nignore = ["BC101"]\n'})
    assert lint("app").exit_code == 0
    write(project, {"pyproject.toml": '[tool.bedrockcache]\nselect = ["BC3"]\n'})
    assert lint("app").exit_code == 0
    assert lint("app", "--extend-select", "BC101").exit_code == 1


def test_pyproject_per_file_ignores_and_extend_exclude(project: Path) -> None:
    write(
        project,
        {
            "pyproject.toml": (
                '[tool.bedrockcache]\nextend-exclude = ["generated"]\n'
                '[tool.bedrockcache.per-file-ignores]\n"tests/*" = ["BC1"]\n'
            )
        },
    )
    assert reported(lint()) == [("app/uncached.py", "BC101")]


def test_a_model_override_changes_a_verdict(project: Path) -> None:
    assert lint("app/cached.py").exit_code == 0
    write(
        project,
        {"pyproject.toml": "[tool.bedrockcache.models.claude-sonnet-4-5]\nmin_tokens = 100000\n"},
    )
    result = lint("app/cached.py")
    assert result.exit_code == 1
    assert reported(result) == [("app/cached.py", "BC305")]
    assert "100,000" in result.stdout


def test_config_is_found_from_a_subdirectory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"pyproject.toml": '[tool.bedrockcache]\nignore = ["BC101"]\n'})
    monkeypatch.chdir(project / "app")
    assert lint("uncached.py").exit_code == 0


@pytest.mark.parametrize(
    ("config", "needles"),
    [
        ('[tool.bedrockcache]\nselekt = ["BC"]\n', ["selekt", "unknown key"]),
        ("[tool.bedrockcache.models.claude-sonnet-4-5]\nmin_tokenz = 1\n", ["min_tokenz"]),
        ('[tool.bedrockcache]\nselect = ["BC999"]\n', ["BC999"]),
        ("[tool.bedrockcache]\nselect = 'BC'\n", ["select"]),
        ("[tool.bedrockcache\n", ["invalid TOML"]),
    ],
)
def test_a_bad_config_is_a_one_line_error_naming_the_problem(
    project: Path, config: str, needles: list[str]
) -> None:
    write(project, {"pyproject.toml": config})
    one_line_error(lint("app"), "pyproject.toml", *needles)


def test_config_option_with_a_toml_file(project: Path) -> None:
    write(project, {"lint.toml": 'ignore = ["BC101"]\n'})
    assert lint("app").exit_code == 1
    assert lint("app", "--config", "lint.toml").exit_code == 0


def test_config_option_replaces_the_discovered_config(project: Path) -> None:
    write(
        project,
        {"pyproject.toml": '[tool.bedrockcache]\nignore = ["BC101"]\n', "other.toml": ""},
    )
    assert lint("app").exit_code == 0
    assert lint("app", "--config", "other.toml").exit_code == 1


def test_a_missing_config_file_is_a_one_line_error(project: Path) -> None:
    one_line_error(lint("--config", "nope.toml"), "nope.toml")


def test_isolated_ignores_the_config(project: Path) -> None:
    write(project, {"pyproject.toml": '[tool.bedrockcache]\nselekt = ["BC"]\n'})
    assert lint("app").exit_code == 2
    result = lint("app", "--isolated")
    assert result.exit_code == 1
    assert reported(result) == [("app/uncached.py", "BC101")]


def test_isolated_with_config_is_a_one_line_error(project: Path) -> None:
    write(project, {"lint.toml": ""})
    one_line_error(lint("--isolated", "--config", "lint.toml"), "--isolated")


# ---- jobs --------------------------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_jobs_on_a_small_project(project: Path, jobs: str) -> None:
    assert reported(lint("--jobs", jobs)) == reported(lint("-j", "1"))


def test_jobs_must_be_positive(project: Path) -> None:
    result = lint("--jobs", "0")
    assert result.exit_code == 2
    assert "--jobs" in result.stderr


def test_a_large_project_gives_the_same_diagnostics_in_parallel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pools: list[Any] = []
    real_pool = runner.ProcessPoolExecutor

    def recording_pool(*args: Any, **kwargs: Any) -> Any:
        pool = real_pool(*args, **kwargs)
        pools.append(pool)
        return pool

    monkeypatch.setattr(runner, "ProcessPoolExecutor", recording_pool)
    # Enough candidate source to cross the runner's threshold: a long comment costs little to parse.
    padding = "# " + "x" * (runner._PARALLEL_BYTES // 10) + "\n"
    files: dict[str, str | bytes] = {"pyproject.toml": "[tool.bedrockcache]\n"}
    for i in range(12):
        files[f"pkg/m{i:02}.py"] = (CACHED if i % 3 else UNCACHED) + padding + HIDDEN[len(HEAD) :]
    write(tmp_path, files)
    assert sum(len(c) for c in files.values()) > runner._PARALLEL_BYTES
    monkeypatch.chdir(tmp_path)

    serial = lint("--jobs", "1", "--output-format", "json", "--show-unresolved")
    assert pools == []
    parallel = lint("--jobs", "2", "--output-format", "json", "--show-unresolved")
    assert len(pools) == 1
    assert parallel.exit_code == serial.exit_code == 1
    assert parallel.stdout == serial.stdout
    assert [d["filename"] for d in json.loads(serial.stdout)] == [
        f"pkg/m{i:02}.py" for i in range(0, 12, 3)
    ]
    text_serial = lint("--jobs", "1", "--show-unresolved")
    text_parallel = lint("--jobs", "2", "--show-unresolved")
    assert text_parallel.stdout == text_serial.stdout
    assert "12 call sites not fully audited" in text_serial.stdout


# ---- the real entry point ----------------------------------------------------------------------


def test_the_installed_command_exit_codes_and_streams(project: Path) -> None:
    write(project, {"app/latin.py": b"import boto3  # converse\nx = '\xe9'\n"})
    env = {k: v for k, v in os.environ.items() if k != "BEDROCKCACHE_OUTPUT_FORMAT"}
    command = [sys.executable, "-m", "bedrockcache", "lint", "--no-cache"]
    found = subprocess.run([*command, "app"], capture_output=True, text=True, env=env)
    assert found.returncode == 1
    assert "app/latin.py:2:6: BC004" in found.stdout
    assert "app/uncached.py" in found.stdout
    usage = subprocess.run([*command, "--select", "BC999"], capture_output=True, text=True, env=env)
    assert usage.returncode == 2
    assert usage.stdout == ""
    assert len(usage.stderr.strip().splitlines()) == 1
    for run in (found, usage):
        assert "Traceback" not in run.stdout + run.stderr
