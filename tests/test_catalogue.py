"""The catalogue: every entry's examples are executed, so the documentation cannot rot."""

import json
import re
import tempfile
from pathlib import Path

import pytest

from bedrockcache import Severity, audit
from bedrockcache.backends import Backend, translator
from bedrockcache.cli import explain_text
from bedrockcache.config import Settings
from bedrockcache.lint.checker import check_source
from bedrockcache.rules import catalogue
from conftest import run_bedrockcache

RULES = list(catalogue().values())


def _examples(kind):
    return [
        pytest.param(rule, example, id=f"{rule.code}-{kind}{i}")
        for rule in RULES
        for i, example in enumerate(getattr(rule, kind))
    ]


def _lint_files(files):
    """Codes and error diagnostics of ``bedrockcache lint`` on a tree built from ``files``
    (name -> source, None for a file with mode 000), run bound by permissions even as root."""
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        for name, content in files.items():
            (root / name).write_text("" if content is None else content, encoding="utf-8")
            if content is None:
                (root / name).chmod(0)
        args = ["lint", "--isolated", "--no-cache", "--output-format", "json", "."]
        done = run_bedrockcache(args, root)
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)
    return [d["code"] for d in found], [d for d in found if d["severity"] == "error"]


def _run(example):
    """(codes, error findings) of an example: lint examples are sources, others are requests."""
    if example.backend == "lint-files":
        return _lint_files(example.request)
    if example.backend == "lint":
        # A lint example's options are settings (an info rule is selected by its full code).
        report = check_source(example.request, "example.py", Settings(**example.options))
        errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
        return [d.code for d in report.diagnostics], errors
    report = audit(example.request, example.backend, **example.options)
    return report.codes, [f for f in report.findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize(("rule", "example"), _examples("bad"))
def test_bad_example_triggers_its_code(rule, example):
    codes, _ = _run(example)
    assert rule.code in codes


@pytest.mark.parametrize(("rule", "example"), _examples("good"))
def test_good_example_does_not_trigger_and_caches(rule, example):
    codes, errors = _run(example)
    assert rule.code not in codes
    assert not errors


REQUESTS = [
    p
    for p in _examples("bad") + _examples("good")
    if p.values[1].backend in {b.value for b in Backend}
]


@pytest.mark.parametrize(("rule", "example"), REQUESTS)
def test_every_reason_starts_with_its_code(rule, example):
    """AuditReport.reasons is one (severity, message) pair per finding, the message starting
    with the finding's code; what no code names (how the request was read) is in ``notes``."""
    for backend in (example.backend, None):
        try:
            report = audit(example.request, backend, **example.options)
        except ValueError:  # a shape that cannot be detected without its backend
            assert backend is None
            continue
        assert len(report.reasons) == len(report.findings)
        for (severity, message), finding in zip(report.reasons, report.findings, strict=True):
            assert re.match(r"BC\d{3} ", message), message
            assert message.startswith(f"{finding.code} {finding.message}")
            assert severity == finding.severity.legacy


def test_the_examples_cover_every_backend():
    assert {b.value for b in Backend} <= {p.values[1].backend for p in REQUESTS}


def test_every_entry_is_complete():
    for rule in RULES:
        assert re.fullmatch(r"BC[0-4]\d\d", rule.code), rule.code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.summary and rule.why and rule.fix, rule.code
        assert rule.bad and rule.good, rule.code
        assert rule.sources, rule.code
        for example in rule.bad + rule.good:
            if example.backend not in ("lint", "lint-files"):
                Backend(example.backend)


def test_names_are_unique():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))


def test_every_backend_has_its_missing_directive_code():
    for backend in Backend:
        module = translator(backend)
        code = module.MISSING
        assert code in catalogue() and code.startswith("BC1"), backend


def test_card_codes_keep_their_meaning():
    assert catalogue()["BC101"].name == "converse-missing-cache-point"
    assert "Strands" in catalogue()["BC204"].summary or "strands" in catalogue()["BC204"].layer


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_explain_page_has_why_example_and_use_instead(rule):
    page = explain_text(rule)
    for heading in ("## Why", "## Example", "## Use instead", "## Fix"):
        assert heading in page
    assert page.startswith(f"# {rule.code} {rule.name}")
