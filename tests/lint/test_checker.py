"""check_source: one file in, diagnostics at source positions and unresolved call sites out."""

from __future__ import annotations

import textwrap
from pathlib import Path

import libcst
import pytest

from bedrockcache.config import Settings
from bedrockcache.facts import load_facts
from bedrockcache.findings import Severity
from bedrockcache.lint import checker
from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.checker import check_source

HEAD = """\
import json

import boto3

client = boto3.client("bedrock-runtime")
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
CP = {"cachePoint": {"type": "default"}}
"""

UNCACHED = """
def ask(question: str):
    return client.converse(
        modelId=MODEL,
        system=[{"text": POLICY}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
"""

CACHED = """
def ask(question: str):
    return client.converse(
        modelId=MODEL,
        system=[{"text": POLICY}, CP],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
"""

LITELLM_SCOPE = """\
import litellm
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
MARK = {"type": "ephemeral", "scope": "global"}
litellm.completion(
    model="bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    messages=[
        {"role": "system", "content": [{"type": "text", "text": POLICY, "cache_control": MARK}]},
        {"role": "user", "content": "hi"},
    ],
)
"""


def source(body: str) -> str:
    return HEAD + textwrap.dedent(body)


def lint(body: str, settings: Settings | None = None, path: str = "app.py") -> FileResult:
    return check_source(source(body), path, settings)


def codes(result: FileResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the n-th occurrence of ``needle`` in ``text``."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


# ---- the prefilter -----------------------------------------------------------------------------


def test_a_file_without_any_call_site_word_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    parses: list[str] = []
    real = libcst.parse_module

    def counting(text: str, *args: object, **kwargs: object) -> libcst.Module:
        parses.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting)
    result = check_source("def broken(:\n    import os\n", "plain.py")
    assert result == FileResult()
    assert not result.parsed
    assert parses == []


def test_without_the_prefilter_the_same_file_is_parsed() -> None:
    result = check_source("def broken(:\n    import os\n", "plain.py", prefilter=False)
    assert codes(result) == ["BC001"]


def test_a_file_that_passes_the_prefilter_is_counted_as_parsed() -> None:
    result = lint(CACHED)
    assert result.parsed
    assert result.call_sites == 1
    assert result.diagnostics == []


# ---- files that cannot be checked --------------------------------------------------------------


def test_a_syntax_error_is_one_bc001_error_diagnostic() -> None:
    result = lint(UNCACHED + "\ndef broken(:\n    pass\n")
    assert codes(result) == ["BC001"]
    diagnostic = result.diagnostics[0]
    assert diagnostic.severity is Severity.ERROR
    assert diagnostic.message.startswith("invalid syntax")
    assert diagnostic.path == "app.py"
    assert not result.parsed


def test_bc001_points_at_the_line_of_the_syntax_error() -> None:
    text = "import boto3  # converse\nb = = 2\nc = 3\n"
    result = check_source(text, "t.py")
    assert [(d.code, d.line) for d in result.diagnostics] == [("BC001", 2)]


def test_a_file_that_is_not_utf8_is_one_bc004_at_the_bad_byte() -> None:
    data = b"import boto3  # converse\nx = '\xff'\n"
    result = check_source(data, "latin.py")
    assert [(d.code, d.line, d.column) for d in result.diagnostics] == [("BC004", 2, 6)]
    assert result.diagnostics[0].severity is Severity.ERROR


def test_a_declared_encoding_is_honoured() -> None:
    data = source(UNCACHED).replace("import json", "# -*- coding: latin-1 -*-\nimport json", 1)
    result = check_source(data.replace("refund", "r\xe9fund").encode("latin-1"), "old.py")
    assert codes(result) == ["BC101"]


def test_a_utf8_bom_changes_nothing() -> None:
    plain = check_source(source(UNCACHED).encode(), "a.py")
    with_bom = check_source(b"\xef\xbb\xbf" + source(UNCACHED).encode(), "a.py")
    assert with_bom == plain
    assert codes(plain) == ["BC101"]


def test_text_and_bytes_give_the_same_result() -> None:
    assert check_source(source(UNCACHED), "a.py") == check_source(source(UNCACHED).encode(), "a.py")


def test_a_character_libcst_rejects_as_a_name_is_bc001_not_an_exception() -> None:
    result = check_source("import boto3  # converse\nx = \U00011f02\n", "t.py")
    assert codes(result) == ["BC001"]


# ---- positions ---------------------------------------------------------------------------------


def test_a_finding_about_the_whole_request_is_placed_on_the_call() -> None:
    text = source(UNCACHED)
    [diagnostic] = lint(UNCACHED).diagnostics
    assert diagnostic.code == "BC101"
    assert (diagnostic.line, diagnostic.column) == position(text, "client.converse(")
    # The range ends just after the call's closing parenthesis (exclusive, 1-based).
    close = text.rindex(")")
    close_line = text.count("\n", 0, close) + 1
    close_column = close - text.rfind("\n", 0, close)  # 1-based column of the ")"
    assert (diagnostic.end_line, diagnostic.end_column) == (close_line, close_column + 1)


def test_a_finding_about_one_element_is_placed_on_that_element() -> None:
    body = """
    def ask(question: str):
        return client.converse(
            modelId=MODEL,
            system=[{"text": POLICY}, {"cachePoint": {"type": "ephemeral"}}],
            messages=[{"role": "user", "content": [{"text": question}]}],
        )
    """
    text = source(body)
    [diagnostic] = lint(body).diagnostics
    assert diagnostic.code == "BC309"
    line, column = position(text, '{"cachePoint": {"type": "ephemeral"}}')
    assert diagnostic.line == line
    # On the block or inside it (its `type` value), never on the call.
    assert column <= diagnostic.column < column + len('{"cachePoint": {"type": "ephemeral"}}')


def test_an_element_built_elsewhere_is_placed_where_it_is_written() -> None:
    body = """
    def ask(question: str):
        system = [{"text": POLICY, "cache_control": {"type": "ephemeral"}}]
        return client.converse(modelId=MODEL, system=system, messages=[])
    """
    text = source(body)
    [diagnostic] = lint(body).diagnostics
    assert diagnostic.code == "BC312"
    assert diagnostic.line == position(text, '"cache_control"')[0]
    assert diagnostic.line != position(text, "client.converse(")[0]


def test_columns_are_one_based_characters() -> None:
    text = LITELLM_SCOPE.replace("POLICY = ", "POLICY = 'é' + ")
    [diagnostic] = check_source(text, "t.py", Settings(select=("BC207",))).diagnostics
    assert (diagnostic.line, diagnostic.column) == position(text, "MARK}")


# ---- unresolved call sites ---------------------------------------------------------------------


def test_hidden_keyword_arguments_make_an_unresolved_entry_not_a_diagnostic() -> None:
    body = """
    def ask(kwargs):
        return client.converse(modelId=MODEL, **kwargs)
    """
    result = lint(body)
    assert result.diagnostics == []
    [entry] = result.unresolved
    assert entry.kind == "boto3 converse"
    assert (entry.line, entry.column) == position(source(body), "client.converse(")
    assert any("**kwargs" in reason for reason in entry.reasons)
    assert result.call_sites == 1


def test_a_fully_known_request_has_no_unresolved_entry() -> None:
    result = lint(CACHED)
    assert result.unresolved == []


def test_an_auditor_failure_is_listed_as_unresolved(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(checker, "audit", broken)
    result = lint(UNCACHED)
    assert result.diagnostics == []
    [entry] = result.unresolved
    assert any("boom" in reason for reason in entry.reasons)


# ---- severities, outcomes and selection --------------------------------------------------------


def test_info_findings_are_hidden_by_default() -> None:
    assert check_source(LITELLM_SCOPE, "t.py").diagnostics == []


@pytest.mark.parametrize(
    "settings",
    [Settings(select=("BC207",)), Settings(extend_select=("BC207",))],
    ids=["select", "extend-select"],
)
def test_info_findings_are_shown_when_their_full_code_is_selected(settings: Settings) -> None:
    [diagnostic] = check_source(LITELLM_SCOPE, "t.py", settings).diagnostics
    assert diagnostic.code == "BC207"
    assert diagnostic.severity is Severity.INFO


@pytest.mark.parametrize("selector", ["ALL", "BC", "BC2", "BC20"])
def test_info_findings_stay_hidden_under_a_prefix(selector: str) -> None:
    assert check_source(LITELLM_SCOPE, "t.py", Settings(select=(selector,))).diagnostics == []


@pytest.mark.parametrize("select", [("BC",), ("BC304",), ("ALL",)])
def test_unaudited_findings_never_become_diagnostics(select: tuple[str, ...]) -> None:
    body = """
    client.converse(
        modelId="anthropic.claude-imaginary-9-v1:0",
        system=[{"text": POLICY}, CP],
        messages=[],
    )
    """
    result = lint(body, Settings(select=select))
    assert result.diagnostics == []
    [entry] = result.unresolved
    assert any(reason.startswith("BC304") for reason in entry.reasons)


def test_ignore_and_select() -> None:
    assert codes(lint(UNCACHED, Settings(ignore=("BC101",)))) == []
    assert codes(lint(UNCACHED, Settings(ignore=("BC1",)))) == []
    assert codes(lint(UNCACHED, Settings(select=("BC3",)))) == []
    assert codes(lint(UNCACHED, Settings(select=("BC3",), extend_select=("BC101",)))) == ["BC101"]


def test_facts_given_by_the_caller_change_the_verdict() -> None:
    assert codes(lint(CACHED)) == []
    strict = load_facts({"claude-sonnet-4-5": {"min_tokens": 100_000}})
    result = check_source(source(CACHED), "app.py", facts=strict)
    assert codes(result) == ["BC305"]


def test_model_overrides_in_settings_change_the_verdict() -> None:
    settings = Settings(models={"claude-sonnet-4-5": {"min_tokens": 100_000}})
    assert codes(lint(CACHED, settings)) == ["BC305"]


# ---- noqa and per-file-ignores -----------------------------------------------------------------


def test_noqa_on_the_first_line_of_the_call_suppresses() -> None:
    body = UNCACHED.replace("client.converse(", "client.converse(  # noqa: BC101")
    assert lint(body).diagnostics == []


def test_blanket_noqa_suppresses() -> None:
    body = UNCACHED.replace("client.converse(", "client.converse(  # noqa")
    assert lint(body).diagnostics == []


def test_noqa_on_another_line_suppresses_nothing_and_is_reported_unused() -> None:
    body = UNCACHED.replace("modelId=MODEL,", "modelId=MODEL,  # noqa: BC101")
    text = source(body)
    result = lint(body)
    assert codes(result) == ["BC101", "BC002"]
    unused = result.diagnostics[1]
    assert (unused.line, unused.column) == position(text, "# noqa")


def test_noqa_cannot_silence_a_syntax_error() -> None:
    result = check_source("import boto3  # converse\ndef broken(:  # noqa\n    pass\n", "t.py")
    assert codes(result) == ["BC001"]


def test_per_file_ignores_apply_to_matching_paths_only(tmp_path: Path) -> None:
    settings = Settings(per_file_ignores=(("tests/*", ("BC1",)),), root=tmp_path)
    ignored = lint(UNCACHED, settings, path=str(tmp_path / "tests" / "test_app.py"))
    kept = lint(UNCACHED, settings, path=str(tmp_path / "app.py"))
    assert codes(ignored) == []
    assert codes(kept) == ["BC101"]


def test_per_file_ignores_leave_other_codes_alone(tmp_path: Path) -> None:
    settings = Settings(per_file_ignores=(("*.py", ("BC3",)),), root=tmp_path)
    assert codes(lint(UNCACHED, settings, path=str(tmp_path / "app.py"))) == ["BC101"]


# ---- order -------------------------------------------------------------------------------------


def test_diagnostics_are_sorted_by_position() -> None:
    result = lint(UNCACHED + UNCACHED.replace("def ask", "def ask_again"))
    assert [d.code for d in result.diagnostics] == ["BC101", "BC101"]
    assert result.diagnostics == sorted(result.diagnostics)
    assert result.diagnostics[0].line < result.diagnostics[1].line
    assert result.call_sites == 2


# ---- precision: false "missing directive" reports --------------------------------------------
# Each request below carries a cache directive when it reaches Bedrock; a BC101/BC102 on it is
# a false positive (see test_bindings.py for the evaluator-level cases).

INVOKE_CALL = """
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 512,
        "system": system,
        "messages": [{"role": "user", "content": question}],
    }
    return client.invoke_model(modelId=MODEL, body=json.dumps(body))
"""


def test_a_plain_invoke_body_without_cache_control_is_reported() -> None:
    # The control for the cases below: without the marking loop it is a true BC102.
    body = 'def ask(question: str):\n    system = [{"type": "text", "text": POLICY}]' + INVOKE_CALL
    assert codes(lint(body)) == ["BC102"]


def test_blocks_marked_in_a_loop_are_not_reported() -> None:
    body = (
        "def ask(question: str):\n"
        '    system = [{"type": "text", "text": POLICY}]\n'
        "    for block in system:\n"
        '        block["cache_control"] = {"type": "ephemeral"}' + INVOKE_CALL
    )
    assert codes(lint(body)) == []


def test_a_block_marked_by_nested_item_assignment_is_not_reported() -> None:
    body = (
        "def ask(question: str):\n"
        '    system = [{"type": "text", "text": POLICY}]\n'
        '    system[-1]["cache_control"] = {"type": "ephemeral"}' + INVOKE_CALL
    )
    assert codes(lint(body)) == []


def test_a_cache_point_appended_to_the_last_message_is_not_reported() -> None:
    body = """
    def ask(question: str):
        messages = [{"role": "user", "content": [{"text": POLICY}, {"text": question}]}]
        messages[-1]["content"].insert(1, CP)
        messages[-1]["content"].append(CP)
        return client.converse(modelId=MODEL, messages=messages)
    """
    assert codes(lint(body)) == []


def test_messages_read_from_a_store_are_not_reported() -> None:
    body = """
    def ask(store):
        messages = store.read()
        return client.converse(modelId=MODEL, system=[{"text": POLICY}], messages=messages)
    """
    assert codes(lint(body)) == []
