"""Hostile input: lint (and ``--fix``) on mutated fixtures and generated worst shapes ends only in
documented outcomes: diagnostics with catalogue codes at places in the file, and files or call
sites listed as not audited with a reason. Never an exception, never an internal error.

The mutations are what editing, merging and generating code produce: lines deleted, duplicated,
swapped, re-indented or cut short, a bracket, quote, keyword or odd character dropped in. The
shapes are the ones issue 13 measured: deep nesting, large literals, many calls in one file.
Runtime is kept modest (derandomized, tens of examples).
"""

from __future__ import annotations

import ast
import warnings
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bedrockcache.config import Settings
from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text
from bedrockcache.rules.catalogue import catalogue

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
# Low limits, so that generated shapes cross them without costing the suite seconds each.
LIMITS = Settings(max_file_size=40_000, max_literal_size=60, max_nesting_depth=60)


@cache
def fixtures() -> tuple[str, ...]:
    return tuple(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.py")))


def documented(result: FileResult, text: str) -> None:
    """The only outcomes lint may have: catalogue findings inside the file, and entries for
    what it could not audit, each with a reason that is not a bug of ours."""
    assert isinstance(result, FileResult)
    lines = text.count("\n") + 2
    codes = catalogue()
    for d in result.diagnostics:
        assert d.code in codes, d
        assert 1 <= d.line <= lines and d.column >= 1, d
        assert (d.end_line, d.end_column) >= (d.line, d.column), d
        if d.autofix is not None:
            assert d.autofix.edits and d.autofix.applicability in ("safe", "unsafe"), d
    for u in result.unresolved:
        assert u.reasons and all(r.strip() for r in u.reasons), u
        assert not any("internal error" in r for r in u.reasons), u


def parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


# ---- mutated fixtures ------------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "(", ")", "[", "]", "{", "}", ":", ",", "**", "*", "=", "\\", "'", '"', '"""', "#",
        "lambda", "await ", "yield", "async ", "\t", " ", "\n", "\r\n", "\x0c", "é", "\u2028",
        "\x00", "cachePoint", '{"cachePoint": {"type": "default"}}', "None", "...",
    ]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(fixtures())).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "cut", "insert"]))
        if kind == "delete":
            del lines[at : at + draw(st.integers(1, 5))]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "indent":
            lines[at] = draw(st.sampled_from(["    ", "\t", ""])) + lines[at].lstrip(" ")
        elif kind == "cut":
            lines = lines[: at + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        else:
            line = lines[at]
            column = draw(st.integers(0, len(line)))
            lines[at] = line[:column] + draw(PIECES) + line[column:]
    return "".join(lines)


@FUZZ
@given(mutated())
def test_lint_on_mutated_fixtures_has_only_documented_outcomes(text: str) -> None:
    documented(check_source(text, "fuzz.py"), text)


@settings(FUZZ, max_examples=12)
@given(mutated())
def test_fix_on_mutated_fixtures_never_breaks_a_file_that_parsed(text: str) -> None:
    outcome = fix_text(text, lambda t: check_source(t, "fuzz.py").diagnostics, unsafe=True)
    if parses(text):
        assert parses(outcome.text)
    else:
        assert outcome.text == text  # a file lint cannot read is never rewritten


# ---- generated worst shapes --------------------------------------------------------------------

HEAD = """\
import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
WRAPS = {
    "list": ("[", "]"),
    "tuple": ("(", ",)"),
    "dict": ('{"k": ', "}"),
    "call": ("f(", ")"),
    "block": ("[{'text': ", "}]"),
    "await": ("(await ", ")"),
}


@st.composite
def nested(draw: st.DrawFn) -> str:
    """A value nested up to 250 levels deep, each level one of several brackets."""
    kinds = draw(st.lists(st.sampled_from(sorted(WRAPS)), min_size=0, max_size=250))
    inner = draw(st.sampled_from(["POLICY", "1", "x", '{"cachePoint": {"type": "default"}}']))
    for kind in kinds:
        head, tail = WRAPS[kind]
        inner = head + inner + tail
    return inner


@st.composite
def hostile(draw: st.DrawFn) -> str:
    """A file of calls whose arguments hold deep values, long literals and many blocks."""
    calls = []
    for n in range(draw(st.integers(1, 6))):
        size = draw(st.integers(0, 120))
        blocks = ", ".join(['{"text": POLICY}'] + [f'{{"text": "rule {i}"}}' for i in range(size)])
        system = draw(st.sampled_from([f"[{blocks}]", f"[{blocks}, {nested_value(draw)}]"]))
        calls.append(
            f"\n\nasync def answer_{n}(question, x):\n"
            f"    return client.converse(modelId=MODEL, system={system}, "
            'messages=[{"role": "user", "content": [{"text": question}]}], '
            f"additionalModelRequestFields={{'v': {draw(nested())}}})\n"
        )
    return HEAD + "".join(calls)


def nested_value(draw: st.DrawFn) -> str:
    return draw(nested())


@settings(FUZZ, max_examples=15)
@given(hostile())
def test_lint_on_generated_worst_shapes_has_only_documented_outcomes(text: str) -> None:
    for limits in (LIMITS, Settings()):
        documented(check_source(text, "fuzz.py", limits), text)


@settings(FUZZ, max_examples=10)
@given(hostile())
def test_fix_on_generated_worst_shapes_keeps_the_file_parsing(text: str) -> None:
    outcome = fix_text(text, lambda t: check_source(t, "fuzz.py", LIMITS).diagnostics)
    assert parses(outcome.text) == parses(text)
