"""The fixers, one case each where the right edit is known by hand, and the edit machinery.

Each case states the exact text after ``--fix`` (or ``--fix --unsafe-fixes``), and the cases
where no fix may be offered: a value the linter cannot see, a shared constant, a prefix not
known to reach the model's minimum.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bedrockcache.lint.cache import Cache, FileResult
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.diagnostic import Diagnostic, Edit, Fix, LintResult
from bedrockcache.lint.fixes import fixers
from bedrockcache.lint.fixes.apply import MAX_ITERATIONS, apply_edits, fix_text
from bedrockcache.output import render
from bedrockcache.rules.catalogue import catalogue

HEAD = """\
import json

import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
"""
USER = '[{"role": "user", "content": [{"text": t}]}]'


def fix(source: str, *, unsafe: bool = False) -> str:
    return fix_text(source, lambda t: check_source(t, "t.py").diagnostics, unsafe=unsafe).text


def codes(source: str) -> list[str]:
    return [d.code for d in check_source(source, "t.py").diagnostics]


def converse(system: str, model: str = "MODEL") -> str:
    call = f"client.converse(modelId={model}, system={system}, messages={USER})"
    return HEAD + f"\n\ndef f(t: str):\n    {call}\n"


# ---- the catalogue and the fixers agree ---------------------------------------------------------


def test_every_fixer_has_a_catalogue_entry_saying_so_and_back():
    documented = {code for code, rule in catalogue().items() if rule.autofix is not None}
    assert set(fixers()) == documented


def test_an_emitted_fix_has_the_catalogue_applicability():
    source = converse('[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "2h"}}]')
    [diagnostic] = [d for d in check_source(source, "t.py").diagnostics if d.code == "BC310"]
    assert diagnostic.autofix is not None
    assert (
        diagnostic.autofix.applicability == "unsafe" == catalogue()["BC310"].autofix.applicability
    )


# ---- Bedrock's rules ----------------------------------------------------------------------------


def test_bc309_sets_the_cache_point_type():
    source = converse('[{"text": POLICY}, {"cachePoint": {"type": "ephemeral"}}]')
    assert fix(source) == source.replace('"type": "ephemeral"', '"type": "default"')
    assert "BC309" not in codes(fix(source))


def test_bc309_keeps_the_quote_style():
    source = converse("[{'text': POLICY}, {'cachePoint': {'type': 'ephemeral'}}]")
    assert fix(source) == source.replace("'type': 'ephemeral'", "'type': 'default'")


def test_a_shared_constant_is_not_rewritten():
    # The constant serves every call that uses it: the finding is at the use, with no fix.
    source = (
        HEAD
        + 'CP = {"cachePoint": {"type": "ephemeral"}}\n'
        + converse('[{"text": POLICY}, CP]').removeprefix(HEAD)
    )
    assert "BC309" in codes(source)
    assert fix(source, unsafe=True) == source


def test_bc310_is_unsafe_and_drops_the_ttl():
    source = converse('[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "2h"}}]')
    assert fix(source) == source
    assert fix(source, unsafe=True) == source.replace(', "ttl": "2h"', "")


def test_bc307_drops_the_ttl_of_the_later_one_hour_point():
    system = (
        '[{"text": POLICY}, {"cachePoint": {"type": "default"}}, {"text": POLICY}, '
        '{"cachePoint": {"type": "default", "ttl": "1h"}}]'
    )
    source = converse(system)
    assert "BC307" in codes(source)
    assert fix(source) == source
    assert fix(source, unsafe=True) == source.replace(', "ttl": "1h"', "")


def test_bc312_becomes_a_cache_point_block_with_the_same_ttl():
    source = converse('[{"text": POLICY, "cache_control": {"type": "ephemeral", "ttl": "1h"}}]')
    expected = source.replace(
        '[{"text": POLICY, "cache_control": {"type": "ephemeral", "ttl": "1h"}}]',
        '[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "1h"}}]',
    )
    assert fix(source) == expected
    assert codes(expected) == []


def test_bc312_keeps_a_multi_line_list_and_its_comments():
    source = HEAD + (
        "\n\ndef f(t: str):\n"
        "    client.converse(\n"
        "        modelId=MODEL,\n"
        "        system=[\n"
        "            # the policy\n"
        '            {"text": POLICY, "cache_control": {"type": "ephemeral"}},  # cached\n'
        "        ],\n"
        f"        messages={USER},\n"
        "    )\n"
    )
    expected = source.replace(
        '            {"text": POLICY, "cache_control": {"type": "ephemeral"}},  # cached\n',
        '            {"text": POLICY},  # cached\n'
        '            {"cachePoint": {"type": "default"}},\n',
    )
    assert fix(source) == expected


def test_bc101_adds_the_suggested_cache_point():
    source = converse('[{"text": POLICY}]')
    assert codes(source) == ["BC101"]
    expected = source.replace(
        'system=[{"text": POLICY}]',
        'system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}]',
    )
    assert fix(source) == expected
    assert codes(expected) == []


def test_bc101_no_fix_when_the_prefix_is_not_known_to_reach_the_minimum():
    # ~3,200-8,000 tokens of system prompt: it may or may not reach Haiku 4.5's 4,096, so the
    # missing point is reported but no fix is offered (a point below the minimum caches nothing).
    haiku = '"us.anthropic.claude-haiku-4-5-20251001-v1:0"'
    source = converse('[{"text": "Answer briefly. " * 1000}]', model=haiku)
    assert "BC101" in codes(source)
    assert fix(source, unsafe=True) == source


def test_no_bc101_when_only_the_per_call_question_could_reach_the_minimum():
    # ~300-800 tokens of system prompt, certainly below Haiku 4.5's 4,096: only the unknown user
    # text could make the request long enough, and a point there would move with every call.
    haiku = '"us.anthropic.claude-haiku-4-5-20251001-v1:0"'
    source = converse('[{"text": "Answer briefly. " * 100}]', model=haiku)
    assert codes(source) == []


def test_no_bc101_for_an_unknown_model():
    # The model may not be Claude: a missing directive is not known to lose anything.
    source = HEAD + (
        "\n\ndef f(t: str, model):\n"
        f'    client.converse(modelId=model, system=[{{"text": POLICY}}], messages={USER})\n'
    )
    assert codes(source) == []
    assert fix(source, unsafe=True) == source


def test_bc102_turns_a_string_system_prompt_into_a_marked_block():
    body = (
        '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, "system": POLICY, '
        '"messages": [{"role": "user", "content": t}]}'
    )
    source = invoke(body)
    expected = source.replace(
        '"system": POLICY',
        '"system": [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}]',
    )
    assert fix(source) == expected
    assert codes(expected) == []


def invoke(body: str) -> str:
    return HEAD + (
        f"\n\ndef f(t: str):\n    body = {body}\n"
        "    client.invoke_model(modelId=MODEL, body=json.dumps(body))\n"
    )


def test_bc315_moves_the_directive_onto_the_last_block():
    body = (
        '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, '
        '"system": [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}], '
        '"messages": [{"role": "user", "content": [{"type": "text", "text": t}], '
        '"cache_control": {"type": "ephemeral"}}]}'
    )
    source = invoke(body)
    assert "BC315" in codes(source)
    expected = source.replace(
        '"content": [{"type": "text", "text": t}], "cache_control": {"type": "ephemeral"}}',
        '"content": [{"type": "text", "text": t, "cache_control": {"type": "ephemeral"}}]}',
    )
    assert fix(source) == expected
    assert "BC315" not in codes(expected)


def test_bc316_adds_the_version_first_and_is_unsafe():
    body = (
        '{"max_tokens": 5, '
        '"system": [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}], '
        '"messages": [{"role": "user", "content": t}]}'
    )
    source = invoke(body)
    assert codes(source) == ["BC316"]
    assert fix(source) == source
    fixed = fix(source, unsafe=True)
    assert fixed == source.replace(
        '{"max_tokens"', '{"anthropic_version": "bedrock-2023-05-31", "max_tokens"'
    )
    assert codes(fixed) == []


# ---- layers -------------------------------------------------------------------------------------

LITELLM = """\
import litellm

SONNET = "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120


def f(t: str):
"""


def test_bc201_moves_a_litellm_message_directive_onto_its_last_block():
    source = LITELLM + (
        '    litellm.completion(model=SONNET, messages=[{"role": "system", '
        '"content": [{"type": "text", "text": POLICY}], "cache_control": {"type": "ephemeral"}}, '
        '{"role": "user", "content": t}])\n'
    )
    assert codes(source) == ["BC201"]
    expected = source.replace(
        '"content": [{"type": "text", "text": POLICY}], "cache_control": {"type": "ephemeral"}}',
        '"content": [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}]}',
    )
    assert fix(source) == expected
    assert codes(expected) == []


STRANDS = """\
from strands import Agent
from strands.models import BedrockModel

MODEL_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 200

agent = Agent(model=BedrockModel(model_id=MODEL_ID, cache_points=["system"]), system_prompt=POLICY)
"""


def test_bc210_uses_cache_config_and_adds_the_import():
    assert "BC210" in codes(STRANDS)
    assert fix(STRANDS) == STRANDS
    fixed = fix(STRANDS, unsafe=True)
    assert fixed == STRANDS.replace(
        "from strands.models import BedrockModel\n",
        "from strands.models import BedrockModel\nfrom strands.models import CacheConfig\n",
    ).replace('cache_points=["system"]', 'cache_config=CacheConfig(strategy="auto")')
    assert "BC210" not in codes(fixed)


def test_bc210_no_fix_when_the_name_cache_config_is_taken():
    source = STRANDS.replace("MODEL_ID =", "CacheConfig = dict\nMODEL_ID =")
    assert "BC210" in codes(source)
    assert fix(source, unsafe=True) == source


# ---- applying edits -----------------------------------------------------------------------------


def test_apply_edits_replaces_inserts_and_dedupes_identical_edits():
    text = "ab\ncd\nef"
    edits = [Edit(1, 2, 2, 2, "X"), Edit(3, 1, 3, 1, ">"), Edit(3, 1, 3, 1, ">")]
    assert apply_edits(text, edits) == "aXd\n>ef"


def test_apply_edits_reads_crlf_and_cr_line_breaks_like_python():
    assert apply_edits("a\r\nb\rc\n", [Edit(2, 1, 2, 2, "B"), Edit(3, 1, 3, 2, "C")]) == (
        "a\r\nB\rC\n"
    )


def test_an_insertion_after_a_last_line_without_newline_starts_a_line():
    assert apply_edits("x = 1", [Edit(2, 1, 2, 1, "import y\n")]) == "x = 1\nimport y\n"


def test_crlf_files_keep_their_line_breaks():
    source = converse('[{"text": POLICY, "cache_control": {"type": "ephemeral"}}]').replace(
        "\n", "\r\n"
    )
    fixed = fix(source)
    assert "cachePoint" in fixed
    assert fixed.count("\n") == fixed.count("\r\n") == source.count("\r\n")


def _fake(edit: Edit, applicability: str = "safe") -> Diagnostic:
    return Diagnostic("t.py", 1, 1, "BC309", "m", 1, 2, autofix=Fix("f", applicability, (edit,)))


def test_a_fix_that_breaks_the_syntax_is_rejected():
    outcome = fix_text(
        "x = 1\n", lambda t: [_fake(Edit(1, 1, 1, 1, "("))] if t == "x = 1\n" else []
    )
    assert outcome.text == "x = 1\n"
    assert not outcome.changed
    assert [d.code for d in outcome.rejected] == ["BC309"]


def test_fixing_stops_after_the_iteration_cap():
    calls = []

    def check(text: str) -> list[Diagnostic]:
        calls.append(text)
        return [_fake(Edit(1, 1, 1, 1, "#\n"))]  # a fix that re-creates its own finding

    outcome = fix_text("x = 1\n", check)
    assert outcome.fixed["BC309"] == MAX_ITERATIONS
    assert len(calls) == MAX_ITERATIONS + 1


def test_overlapping_fixes_wait_for_the_next_pass():
    first = _fake(Edit(1, 1, 1, 6, "y = 2"))
    second = _fake(Edit(1, 5, 1, 6, "3"))
    seen = []

    def check(text: str) -> list[Diagnostic]:
        seen.append(text)
        return [first, second] if text == "x = 1\n" else []

    outcome = fix_text("x = 1\n", check)
    assert outcome.text == "y = 2\n"
    assert sum(outcome.fixed.values()) == 1


# ---- the edits travel with the diagnostic -------------------------------------------------------


def _with_fix() -> Diagnostic:
    source = converse('[{"text": POLICY}, {"cachePoint": {"type": "ephemeral"}}]')
    [d] = check_source(source, "t.py").diagnostics
    assert d.autofix is not None
    return d


def test_the_cache_keeps_the_edits(tmp_path: Path):
    d = _with_fix()
    cache = Cache(tmp_path / "cache", "settings")
    cache.put("t.py", b"source", FileResult(diagnostics=[d], parsed=True))
    loaded = cache.get("t.py", b"source")
    assert loaded is not None
    assert loaded.diagnostics[0].autofix == d.autofix


def test_json_output_carries_ruff_fix_object():
    d = _with_fix()
    [obj] = json.loads(render("json", LintResult(diagnostics=[d]), cwd=Path.cwd()))
    assert obj["fix"]["applicability"] == "safe"
    [edit] = obj["fix"]["edits"]
    assert edit["content"] == "default"
    assert set(edit) == {"content", "location", "end_location"}


def test_sarif_output_carries_the_fix(tmp_path: Path):
    import jsonschema

    d = _with_fix()
    log = json.loads(render("sarif", LintResult(diagnostics=[d]), cwd=tmp_path))
    schema = json.loads(Path(__file__).with_name("sarif-2.1.0.schema.json").read_text("utf-8"))
    jsonschema.validate(log, schema)
    [result] = log["runs"][0]["results"]
    [change] = result["fixes"][0]["artifactChanges"]
    assert change["replacements"][0]["insertedContent"] == {"text": "default"}
    assert result["fixes"][0]["properties"] == {"applicability": "safe"}


def test_text_summary_counts_safe_and_hidden_fixes():
    d = _with_fix()
    unsafe = Diagnostic("t.py", 3, 1, "BC310", "m", 3, 2, autofix=Fix("f", "unsafe", ()))
    text = render("text", LintResult(diagnostics=[d, unsafe]), cwd=Path.cwd())
    assert (
        "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the "
        "`--unsafe-fixes` option)." in text
    )
    fixed = render("text", LintResult(diagnostics=[unsafe], fixed=2), cwd=Path.cwd())
    assert "Found 3 errors (2 fixed, 1 remaining)." in fixed


@pytest.mark.parametrize("code", sorted(fixers()))
def test_explain_says_whether_the_fix_is_safe(code: str):
    from bedrockcache.cli import explain_text

    rule = catalogue()[code]
    page = explain_text(rule)
    assert "Fix is sometimes available" in page
    assert ("The fix is safe" in page) == (rule.autofix.applicability == "safe")


def test_bc313_removes_the_rejected_flag_and_keeps_the_others():
    body = (
        '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, '
        '"anthropic_beta": ["extended-cache-ttl-2025-04-11", "context-1m-2025-08-07"], '
        '"system": [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}], '
        '"messages": [{"role": "user", "content": t}]}'
    )
    source = invoke(body)
    assert "BC313" in codes(source)
    expected = source.replace('"extended-cache-ttl-2025-04-11", ', "")
    assert fix(source) == expected
    assert "BC313" not in codes(expected)


def test_bc313_removes_an_emptied_entry():
    body = (
        '{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, '
        '"anthropic_beta": ["prompt-caching-2024-07-31"], '
        '"system": [{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}], '
        '"messages": [{"role": "user", "content": t}]}'
    )
    source = invoke(body)
    assert "BC313" in codes(source)
    assert fix(source) == source.replace('"anthropic_beta": ["prompt-caching-2024-07-31"], ', "")


def test_a_wire_path_through_litellm_names_the_wire_element_not_the_call_argument():
    # LiteLLM moves the system message out of `messages`: the wire's messages[0] is the user
    # turn, which is the call's messages[1]. Reading the path in the call would put BC310 on the
    # system block and its fix would remove a valid "1h".
    system = '{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral", "ttl": "1h"}}'
    user = '{"type": "text", "text": t, "cache_control": {"type": "ephemeral", "ttl": "2h"}}'
    source = (
        "import litellm\n\n"
        'POLICY = "Follow the refund policy step by step and cite the section you used. " * 120\n'
        "\n\ndef f(t: str):\n"
        "    litellm.completion(\n"
        '        model="bedrock/invoke/us.anthropic.claude-sonnet-4-5-20250929-v1:0",\n'
        "        messages=[\n"
        f'            {{"role": "system", "content": [{system}]}},\n'
        f'            {{"role": "user", "content": [{user}]}},\n'
        "        ],\n"
        "    )\n"
    )
    [diagnostic] = [d for d in check_source(source, "t.py").diagnostics if d.code == "BC310"]
    assert diagnostic.line == 11  # the user turn, not the system block on line 10
    assert fix(source, unsafe=True) == source.replace(', "ttl": "2h"', "")
