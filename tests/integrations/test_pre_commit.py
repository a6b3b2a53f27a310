"""The pre-commit hook, run by the real ``pre-commit`` on a scratch repository.

The hook repository is a fresh git repository holding a copy of this checkout's pyproject.toml,
README.md, src/ and .pre-commit-hooks.yaml (the checkout itself may have uncommitted work).
pre-commit installs the hook's environment with pip; to keep that install offline and repeatable,
pip reads only a wheelhouse (``PIP_NO_INDEX``), filled once with ``pip download`` from the
configured package index and kept in the pytest cache. With no wheelhouse and no index reachable,
the end-to-end test is skipped, saying so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src")

BAD = """\
import boto3

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120

bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")


def answer(question: str) -> dict:
    return bedrock.converse(
        modelId=MODEL,
        system=[{"text": POLICY}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
"""
FIXED = BAD.replace(
    'system=[{"text": POLICY}]', 'system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}]'
)
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"


def _environ(**extra: str) -> dict[str, str]:
    """The caller's environment minus what would steer git, pre-commit or the linter."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT", "BEDROCKCACHE_")) and key != "SKIP"
    }
    env.update(
        GIT_AUTHOR_NAME="bedrockcache tests",
        GIT_AUTHOR_EMAIL="tests@example.invalid",
        GIT_COMMITTER_NAME="bedrockcache tests",
        GIT_COMMITTER_EMAIL="tests@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    env.update(extra)
    return env


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=repo,
        env=_environ(),
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def _commit_all(repo: Path) -> str:
    _git(repo, "add", "--all")
    _git(repo, "commit", "--quiet", "--message", "snapshot")
    return _git(repo, "rev-parse", "HEAD")


def _pre_commit(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=_environ(**env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_manifest_validates() -> None:
    result = _pre_commit("validate-manifest", str(MANIFEST), cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_manifest_rejects_a_hook_without_entry(tmp_path: Path) -> None:
    # The check above can fail: a hook missing a required key is refused.
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    del hooks[0]["entry"]
    broken = tmp_path / ".pre-commit-hooks.yaml"
    broken.write_text(yaml.safe_dump(hooks), encoding="utf-8")
    result = _pre_commit("validate-manifest", str(broken), cwd=tmp_path)
    assert result.returncode != 0
    assert "entry" in result.stdout + result.stderr


def test_manifest_declares_the_documented_hook() -> None:
    (hook,) = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert hook["id"] == "bedrockcache"
    assert hook["entry"] == "bedrockcache lint --force-exclude"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["python", "pyi"]
    assert hook["require_serial"] is True
    assert hook["args"] == []
    # types_or exists since pre-commit 2.9.0 and got its working default in 2.9.2.
    assert hook["minimum_pre_commit_version"] == "2.9.2"
    assert hook["name"] and hook["description"]


@pytest.fixture(scope="session")
def wheelhouse(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels for building and running the hook: offline after the first successful run."""
    cache = getattr(request.config, "cache", None)
    house = cache.mkdir("bedrockcache-wheelhouse") if cache else tmp_path_factory.mktemp("wheels")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wanted = [*project["build-system"]["requires"], *project["project"]["dependencies"]]
    download = [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(house)]
    offline = [*download, "--no-index", "--find-links", str(house), *wanted]
    env = _environ()
    if subprocess.run(offline, env=env, capture_output=True, text=True).returncode == 0:
        return house
    online = [*download, "--retries", "1", "--timeout", "20", *wanted]
    try:
        fetched = subprocess.run(online, env=env, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.skip(f"package index unreachable: cannot fetch {', '.join(wanted)} (timed out)")
    if fetched.returncode != 0:
        reason = (fetched.stderr.strip().splitlines() or ["pip download failed"])[-1]
        pytest.skip(
            f"package index unreachable: cannot fetch {', '.join(wanted)} for the hook's "
            f"environment ({reason})"
        )
    return house


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository with this checkout's package and manifest, and its HEAD sha."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("hook-repo")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in HOOK_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=ignore)
        else:
            shutil.copy2(source, repo / name)
    _git(repo, "init", "--quiet")
    return repo, _commit_all(repo)


def _project(root: Path, hook: tuple[Path, str]) -> Path:
    repo, rev = hook
    root.mkdir()
    (root / "legacy").mkdir()
    (root / "app.py").write_text(BAD, encoding="utf-8")
    (root / "clean.py").write_text(CLEAN, encoding="utf-8")
    (root / "legacy" / "old.py").write_text(BAD, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[tool.bedrockcache]\nextend-exclude = ["legacy"]\n', encoding="utf-8"
    )
    config = {"repos": [{"repo": repo.as_posix(), "rev": rev, "hooks": [{"id": "bedrockcache"}]}]}
    (root / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _git(root, "init", "--quiet")
    _commit_all(root)
    return root


def test_hook_fails_on_a_finding_and_passes_once_it_is_fixed(
    tmp_path: Path, wheelhouse: Path, hook_repo: tuple[Path, str]
) -> None:
    project = _project(tmp_path / "project", hook_repo)
    env = {
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
    }

    failed = _pre_commit("run", "--all-files", "--color", "never", cwd=project, **env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "bedrockcache" in output and "Failed" in output
    assert "app.py:10:12: BC101 no cachePoint block anywhere in the Converse request" in output
    # --force-exclude: pre-commit named legacy/old.py, the project's extend-exclude skipped it.
    assert "legacy" not in output

    (project / "app.py").write_text(FIXED, encoding="utf-8")
    _commit_all(project)
    passed = _pre_commit("run", "--all-files", "--color", "never", cwd=project, **env)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "bedrockcache" in output and "Passed" in output
