"""Every fixture under ``fixtures/`` is linted; its diagnostics must be exactly its marks.

A line marked ``# expect: BC101, BC305`` must carry those codes and no other; every unmarked line
must carry none. A missing diagnostic and an extra one both fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bedrockcache.lint.checker import check_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>BC\d{3}(?:\s*,\s*BC\d{3})*)")


def _fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py"))


def expected(source: str) -> set[tuple[int, str]]:
    marks = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            marks |= {(number, code.strip()) for code in match.group("codes").split(",")}
    return marks


@pytest.mark.parametrize("path", _fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_diagnostics_are_exactly_the_marked_ones(path: Path) -> None:
    source = path.read_bytes()
    report = check_source(source, str(path))
    found = {(d.line, d.code) for d in report.diagnostics}
    assert found == expected(source.decode("utf-8")), [
        f"{d.line}:{d.column} {d.code} {d.message}" for d in report.diagnostics
    ]
    # The service package's shared modules (prompts, clients) hold no call site of their own.
    assert report.parsed or (path.parent.name == "service" and not expected(source.decode()))


def test_there_are_fixtures_for_every_layer() -> None:
    # ``service/`` is one project spread over modules (the project-wide evaluation's fixtures).
    layers = {p.relative_to(FIXTURES).parts[0] for p in _fixture_files()} - {"service"}
    assert layers == {
        "boto3",
        "anthropic",
        "litellm",
        "strands",
        "pydantic_ai",
        "langchain",
        "llamaindex",
    }


def test_the_expect_marker_parser_reads_several_codes() -> None:
    assert expected("x = 1\ny = 2  # expect: BC101, BC305\n") == {(2, "BC101"), (2, "BC305")}
