"""Predictions that depend on the installed release of a library (backends/installed.py)."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import pytest

from bedrockcache import audit
from bedrockcache.backends import installed
from bedrockcache.lint import cache

TTL_BETA = "extended-cache-ttl-2025-04-11"
SPACED = {"anthropic-beta": f"context-1m-2025-08-07, {TTL_BETA}"}
REQUEST = {
    "model": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "max_tokens": 16,
    "system": [{"type": "text", "text": "x " * 3000, "cache_control": {"type": "ephemeral"}}],
    "messages": [{"role": "user", "content": "hi"}],
}


@pytest.fixture
def anthropic_release(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Pretend another anthropic release (or none) is installed."""

    def pretend(release: str | None) -> None:
        def version(name: str) -> str:
            if name != "anthropic" or release is None:
                raise metadata.PackageNotFoundError(name)
            return release

        monkeypatch.setattr(installed.metadata, "version", version)
        installed.installed_version.cache_clear()

    yield pretend
    installed.installed_version.cache_clear()


@pytest.mark.parametrize(
    ("release", "sent"),
    [
        ("2.13.0", ["context-1m-2025-08-07", f" {TTL_BETA}"]),
        ("2.16.0", ["context-1m-2025-08-07", f" {TTL_BETA}"]),
        ("2.17.0", ["context-1m-2025-08-07", TTL_BETA]),
        ("2.17.1rc1", ["context-1m-2025-08-07", TTL_BETA]),
        (None, ["context-1m-2025-08-07", TTL_BETA]),  # not installed: the newest behaviour
    ],
)
def test_spaced_betas_follow_the_installed_release(anthropic_release, release, sent) -> None:
    anthropic_release(release)
    report = audit({**REQUEST, "extra_headers": SPACED}, "anthropic-bedrock")
    assert report.wire is not None and report.wire.raw["anthropic_beta"] == sent
    assert ("BC313" in report.codes) is (sent[1] == TTL_BETA)


def test_the_betas_list_is_joined_then_split_as_the_header_is(anthropic_release) -> None:
    anthropic_release("2.17.0")
    report = audit({**REQUEST, "betas": ["a,b", f" {TTL_BETA}"]}, "anthropic-bedrock")
    assert report.wire is not None and report.wire.raw["anthropic_beta"] == ["a", "b", TTL_BETA]


def test_extra_headers_replace_the_betas_header(anthropic_release) -> None:
    anthropic_release("2.17.0")
    request = {**REQUEST, "betas": [TTL_BETA], "extra_headers": {"anthropic-beta": "x"}}
    report = audit(request, "anthropic-bedrock")
    assert report.wire is not None and report.wire.raw["anthropic_beta"] == ["x"]


def test_the_lint_cache_key_changes_with_the_installed_release(anthropic_release) -> None:
    keys = []
    for release in ("2.13.0", "2.17.0"):
        anthropic_release(release)
        cache.code_version.cache_clear()
        keys.append(cache.code_version())
    cache.code_version.cache_clear()
    assert keys[0] != keys[1]
