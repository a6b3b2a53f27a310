"""BC404/BC405 fixes: the exact text after ``--fix``, and the cases that get no fix because the
elements or keys are not known strings, or the call is not a plain place to edit."""

from __future__ import annotations

import pytest

from bedrockcache.lint.checker import check_source
from bedrockcache.lint.fixes.apply import fix_text

HEAD = """\
import json

import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
CACHE_POINT = {"cachePoint": {"type": "default"}}
"""


def source(constants: str, text: str) -> str:
    return (
        HEAD
        + constants
        + "\n\n\ndef f(q: str):\n"
        + f'    system = [{{"text": {text}}}, CACHE_POINT]\n'
        + '    return client.converse(modelId=MODEL, system=system, messages=[{"role": "user",'
        + ' "content": [{"text": q}]}])\n'
    )


def fix(text: str) -> str:
    return fix_text(text, lambda t: check_source(t, "t.py").diagnostics).text


def autofixes(text: str, code: str) -> list[object]:
    found = [d for d in check_source(text, "t.py").diagnostics if d.code == code]
    assert found, f"no {code} to test"
    return [d.autofix for d in found]


TAGS = 'TAGS = {"billing", "refunds"}'


# ---- BC405 -------------------------------------------------------------------------------------


def test_bc405_adds_sort_keys_to_the_dumps_call_safely() -> None:
    before = source(TAGS + "\nLIMITS = {t: 1 for t in TAGS}", 'f"{json.dumps(LIMITS)} {POLICY}"')
    after = fix(before)
    assert after == before.replace("json.dumps(LIMITS)", "json.dumps(LIMITS, sort_keys=True)")
    assert "BC405" not in {d.code for d in check_source(after, "t.py").diagnostics}
    [autofix] = autofixes(before, "BC405")
    assert autofix is not None and autofix.applicability == "safe"


def test_bc405_fromkeys_and_other_arguments_are_kept() -> None:
    before = source(
        TAGS + "\nLIMITS = dict.fromkeys(TAGS, 0)", 'f"{json.dumps(LIMITS, indent=2)} {POLICY}"'
    )
    assert fix(before) == before.replace("indent=2)", "indent=2, sort_keys=True)")


def test_bc405_multi_line_call_with_a_trailing_comma() -> None:
    constants = TAGS + "\nLIMITS = {t: 1 for t in TAGS}\nTEXT = json.dumps(\n    LIMITS,  # c\n)"
    before = source(constants, 'f"{TEXT} {POLICY}"')
    expected = before.replace("    LIMITS,  # c\n)", "    LIMITS,  # c\n    sort_keys=True,\n)")
    assert fix(before) == expected


@pytest.mark.parametrize(
    ("constants", "call"),
    [
        # explicit sort_keys is the user's choice
        (TAGS + "\nLIMITS = {t: 1 for t in TAGS}", "json.dumps(LIMITS, sort_keys=False)"),
        # **kwargs might already say sort_keys
        (TAGS + "\nLIMITS = {t: 1 for t in TAGS}\nOPTS = {}", "json.dumps(LIMITS, **OPTS)"),
        # 1 and "a" do not compare: sort_keys=True would raise
        ('MIXED = {1, "a"}\nLIMITS = {t: 1 for t in MIXED}', "json.dumps(LIMITS)"),
        # a nested dict's keys are sorted too, and they are not known
        (TAGS + "\nLIMITS = {t: {1: 2} for t in TAGS}", "json.dumps(LIMITS)"),
    ],
)
def test_bc405_no_fix(constants: str, call: str) -> None:
    before = source(constants, f'f"{{{call}}} {{POLICY}}"')
    if "BC405" in {d.code for d in check_source(before, "t.py").diagnostics}:
        assert autofixes(before, "BC405") == [None]
    assert fix(before) == before


# ---- BC404 -------------------------------------------------------------------------------------


def test_bc404_sorts_a_joined_set_of_string_literals() -> None:
    before = source(TAGS, '", ".join(TAGS) + POLICY')
    after = fix(before)
    assert after == before.replace(".join(TAGS)", ".join(sorted(TAGS))")
    assert "BC404" not in {d.code for d in check_source(after, "t.py").diagnostics}
    [autofix] = autofixes(before, "BC404")
    assert autofix is not None and autofix.applicability == "safe"


def test_bc404_sorts_the_for_clause_of_a_tools_comprehension() -> None:
    before = (
        HEAD
        + TAGS
        + "\n\n\ndef f(q: str):\n"
        + '    tools = [{"toolSpec": {"name": t, "inputSchema": {"json": {}}}} for t in TAGS]\n'
        + '    return client.converse(modelId=MODEL, toolConfig={"tools": tools},'
        + ' system=[{"text": POLICY}, CACHE_POINT], messages=[{"role": "user",'
        + ' "content": [{"text": q}]}])\n'
    )
    assert fix(before) == before.replace("for t in TAGS]", "for t in sorted(TAGS)]")


def test_bc404_frozenset_of_a_literal_list() -> None:
    before = source('TAGS = frozenset(["a", "b"])', '" ".join(TAGS) + POLICY')
    assert fix(before) == before.replace(".join(TAGS)", ".join(sorted(TAGS))")


@pytest.mark.parametrize(
    ("constants", "text"),
    [
        # elements that may not compare
        ('TAGS = {"a", 1.5}', '" ".join(str(t) for t in TAGS) + POLICY'),
        # changed after binding: its elements are no longer known
        (TAGS + "\nTAGS.add(object())", '" ".join(map(str, TAGS)) + POLICY'),
        (TAGS + "\nTAGS.add('x')", '" ".join(TAGS) + POLICY'),
        # bound twice
        (TAGS + '\nTAGS = {"x", "y"}', '" ".join(TAGS) + POLICY'),
        # ``sorted`` is not the builtin here
        (TAGS + "\nfrom mylib import sorted", '" ".join(TAGS) + POLICY'),
    ],
)
def test_bc404_no_fix(constants: str, text: str) -> None:
    before = source(constants, text)
    for autofix in [
        d.autofix for d in check_source(before, "t.py").diagnostics if d.code == "BC404"
    ]:
        assert autofix is None
    assert fix(before) == before


def test_bc404_an_annotated_parameter_is_not_evidence() -> None:
    before = (
        HEAD
        + "\n\ndef f(q: str, tags: set[str]):\n"
        + '    system = [{"text": POLICY + " ".join(tags)}, CACHE_POINT]\n'
        + '    return client.converse(modelId=MODEL, system=system, messages=[{"role": "user",'
        + ' "content": [{"text": q}]}])\n'
    )
    assert autofixes(before, "BC404") == [None]
    assert fix(before) == before
