"""A finding means money lost or a request that fails: what lint must not report on real code.

Each case pairs the code a real project holds with what a default run says about it. A case
that is silent here is silent because nothing is lost, never because the linter gave up: the
call site is then listed as not fully audited when something could not be seen.
"""

from __future__ import annotations

import textwrap

import pytest

from bedrockcache.config import Settings
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


def lint(body: str, settings: Settings | None = None) -> FileResult:
    return check_source(HEAD + textwrap.dedent(body), "app.py", settings)


def codes(body: str, settings: Settings | None = None) -> list[str]:
    return [d.code for d in lint(body, settings).diagnostics]


# ---- bodies and models that are not Claude's ---------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"inputText": text}',  # Titan embeddings
        '{"inputText": text, "textGenerationConfig": {"maxTokenCount": 200}}',  # Titan text
        '{"prompt": text, "max_gen_len": 200}',  # Llama
        '{"prompt": text, "max_tokens": 200}',  # Mistral
        '{"texts": [text], "input_type": "search_document"}',  # Cohere embed
    ],
)
def test_an_invoke_model_body_of_another_model_is_not_audited_as_anthropic(body: str) -> None:
    result = lint(
        f"""
        def call(text: str, model_id):
            return client.invoke_model(modelId=model_id, body=json.dumps({body}))
        """
    )
    assert result.diagnostics == []
    assert result.call_sites == 0


def test_an_anthropic_body_with_an_unknown_model_is_still_audited() -> None:
    result = lint(
        """
        def call(text: str, model_id):
            body = {"max_tokens": 10, "messages": [{"role": "user", "content": text}]}
            return client.invoke_model(modelId=model_id, body=json.dumps(body))
        """
    )
    assert [d.code for d in result.diagnostics] == ["BC316"]  # refused by Bedrock on any model


def test_an_unknown_model_reports_no_missing_directive_and_is_listed() -> None:
    result = lint(
        """
        def ask(question: str, model_id: str):
            return client.converse(
                modelId=model_id,
                system=[{"text": POLICY}],
                messages=[{"role": "user", "content": [{"text": question}]}],
            )
        """
    )
    assert result.diagnostics == []
    [entry] = result.unresolved
    assert any("model id unknown (parameter 'model_id')" in r for r in entry.reasons)


def test_a_directive_shape_error_is_reported_whatever_the_model() -> None:
    body = """
        def ask(question: str, model_id: str):
            return client.converse(
                modelId=model_id,
                system=[{"text": POLICY}, {"cachePoint": {"type": "ephemeral"}}],
                messages=[{"role": "user", "content": [{"text": question}]}],
            )
        """
    assert codes(body) == ["BC309"]


def test_a_model_that_is_not_claude_is_not_audited() -> None:
    body = """
        def ask(question: str):
            return client.converse(
                modelId="amazon.nova-pro-v1:0",
                system=[{"text": POLICY}],
                messages=[{"role": "user", "content": [{"text": question}]}],
            )
        """
    assert lint(body).call_sites == 0


# ---- BC301 is an error only where a directive is written ---------------------------------------

OLD = '"anthropic.claude-3-haiku-20240307-v1:0"'


def test_bc301_without_a_directive_is_advice_and_off_by_default() -> None:
    body = f"""
        def ask(question: str):
            return client.converse(
                modelId={OLD},
                system=[{{"text": POLICY}}],
                messages=[{{"role": "user", "content": [{{"text": question}}]}}],
            )
        """
    assert codes(body) == []
    assert codes(body, Settings(extend_select=("BC301",))) == ["BC301"]


def test_bc301_with_a_directive_is_an_error() -> None:
    body = f"""
        def ask(question: str):
            return client.converse(
                modelId={OLD},
                system=[{{"text": POLICY}}, CP],
                messages=[{{"role": "user", "content": [{{"text": question}}]}}],
            )
        """
    assert codes(body) == ["BC301"]


# ---- BC1xx only where a stable prefix could be cached ------------------------------------------


def test_a_request_holding_only_the_per_call_question_has_nothing_to_cache() -> None:
    body = """
        def ask(question: str):
            return client.converse(
                modelId=MODEL, messages=[{"role": "user", "content": [{"text": question}]}]
            )
        """
    assert codes(body) == []
    assert lint(body).unresolved == []  # fully audited: the question is text, read as such


def test_an_unknown_question_does_not_excuse_a_stable_prefix_without_a_breakpoint() -> None:
    # ``content`` is not shown to be a list: it is read as the question's text, and a breakpoint
    # inside it could not make the system prompt hit across calls anyway.
    body = """
        def ask(question):
            return client.converse(
                modelId=MODEL,
                system=[{"text": POLICY}],
                messages=[{"role": "user", "content": question}],
            )
        """
    assert codes(body) == ["BC101"]


def test_a_document_sent_before_the_question_is_a_stable_prefix() -> None:
    body = """
        def ask(question: str):
            return client.converse(
                modelId=MODEL,
                messages=[{"role": "user", "content": [{"text": POLICY + question}]}],
            )
        """
    assert codes(body) == ["BC101"]


def test_a_stable_prefix_certainly_below_the_minimum_loses_nothing() -> None:
    body = """
        def ask(question: str):
            return client.converse(
                modelId=MODEL,
                system=[{"text": "Answer in one sentence."}],
                messages=[{"role": "user", "content": [{"text": question}]}],
            )
        """
    assert codes(body) == []


def test_earlier_turns_are_part_of_the_stable_prefix() -> None:
    body = """
        def ask(question: str):
            return client.converse(
                modelId=MODEL,
                messages=[
                    {"role": "user", "content": [{"text": POLICY}]},
                    {"role": "assistant", "content": [{"text": "Understood."}]},
                    {"role": "user", "content": [{"text": question}]},
                ],
            )
        """
    assert codes(body) == ["BC101"]


# ---- an inert breakpoint next to one that caches -----------------------------------------------


def test_a_small_breakpoint_before_one_that_caches_is_advice() -> None:
    body = """
        def ask(question: str):
            return client.converse(
                modelId=MODEL,
                system=[{"text": "You are terse."}, CP, {"text": POLICY}, CP],
                messages=[{"role": "user", "content": [{"text": question}]}],
            )
        """
    assert codes(body) == []
    assert codes(body, Settings(extend_select=("BC305",))) == ["BC305"]


# ---- syntax of every supported Python version --------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        'label = f"{", ".join(["a", "b"])}"',  # 3.12: quotes reused inside an f-string
        "type Blocks = list[dict[str, str]]",  # 3.12: type alias statement
        "def first[T](items: list[T]) -> T:\n    return items[0]",  # 3.12: generics
        'note = t"checked {MODEL}"',  # 3.14: template string
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass",  # 3.14: unparenthesised
    ],
    ids=["pep701-fstring", "type-alias", "pep695-generic", "t-string", "pep758-except"],
)
def test_newer_syntax_is_not_bc001_and_its_call_sites_are_audited(statement: str) -> None:
    body = (
        statement
        + "\n\n\ndef ask(question: str):\n"
        + "    return client.converse(\n"
        + '        modelId=MODEL, system=[{"text": POLICY}],\n'
        + '        messages=[{"role": "user", "content": [{"text": question}]}],\n'
        + "    )\n"
    )
    assert codes(body) == ["BC101"]


def test_invalid_syntax_in_every_version_is_still_bc001() -> None:
    assert codes("def broken(:\n    client.converse(modelId=MODEL, messages=[])\n") == ["BC001"]
