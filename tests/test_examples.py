"""The request files shipped in examples/ give the verdicts the README shows."""

import json
from pathlib import Path

import pytest

from bedrockcache import audit

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

VERDICTS = {
    "litellm_message_level_cache_control.json": ("litellm", False, {"BC201"}),
    "litellm_cached.json": ("litellm", True, set()),
    "converse_haiku_below_minimum.json": ("bedrock-converse", False, {"BC305"}),
    "invoke_ttl_order.json": ("bedrock-invoke-anthropic", False, {"BC307"}),
}


def test_every_example_has_a_verdict():
    assert {p.name for p in EXAMPLES.glob("*.json")} == set(VERDICTS)


@pytest.mark.parametrize("name", sorted(VERDICTS))
def test_example_verdict(name):
    backend, will_cache, codes = VERDICTS[name]
    report = audit(json.loads((EXAMPLES / name).read_text()))
    assert report.backend.value == backend
    assert report.will_cache is will_cache
    assert {f.code for f in report.findings if f.severity.value != "info"} == codes


def test_readme_shows_what_linting_the_examples_prints(monkeypatch):
    from click.testing import CliRunner

    from bedrockcache.cli import main

    readme = (EXAMPLES.parent / "README.md").read_text()
    shown = readme.split("The first prints", 1)[1].split("```\n", 2)[1]
    monkeypatch.chdir(EXAMPLES.parent)
    result = CliRunner().invoke(main, ["lint", "examples/", "--no-cache"])
    assert result.exit_code == 1
    assert result.output == shown


def test_readme_shows_the_fixes_for_the_examples(monkeypatch):
    from click.testing import CliRunner

    from bedrockcache.cli import main

    readme = (EXAMPLES.parent / "README.md").read_text()
    shown = readme.split("`bedrockcache lint --diff examples/` prints", 1)[1]
    shown = shown.split("```diff\n", 1)[1].split("```\n", 1)[0]
    monkeypatch.chdir(EXAMPLES.parent)
    result = CliRunner().invoke(main, ["lint", "--diff", "examples/", "--no-cache"])
    assert result.exit_code == 1
    assert result.stdout == shown
    assert "Would fix 2 errors." in result.stderr
