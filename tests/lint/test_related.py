"""A finding about a value defined elsewhere names that place too (editors link to it).

An imported constant is reported where this file uses it, with the constant's definition as the
related place; a finding at a wrapper's caller names the Bedrock call inside the wrapper.
"""

from __future__ import annotations

from pathlib import Path

from bedrockcache.config import Settings
from bedrockcache.lint.cache import Cache
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.diagnostic import Related

PROMPTS = """\
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
SYSTEM = [
    {"text": POLICY},
    {"cachePoint": {"type": "default", "ttl": "10m"}},
]
"""

WRAP = """\
import boto3

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
client = boto3.client("bedrock-runtime")


def ask(system, question):
    return client.converse(
        modelId=MODEL,
        system=system,
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
"""

MAIN = """\
import boto3

from .prompts import POLICY, SYSTEM
from .wrap import ask

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
client = boto3.client("bedrock-runtime")


def direct(question):
    return client.converse(
        modelId=MODEL,
        system=SYSTEM,
        messages=[{"role": "user", "content": [{"text": question}]}],
    )


def through(question):
    return ask([{"text": POLICY}], question)


def local(question):
    return client.converse(
        modelId=MODEL,
        system=[{"text": POLICY}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
"""


def _lint(tmp_path: Path):
    app = tmp_path / "app"
    app.mkdir()
    for name, text in {"__init__.py": "", "prompts.py": PROMPTS, "wrap.py": WRAP}.items():
        (app / name).write_text(text)
    main = app / "main.py"
    main.write_text(MAIN)
    result = check_source(MAIN, str(main), Settings(root=tmp_path))
    return app, {(d.code, d.line): d for d in result.diagnostics}, result


def test_an_imported_constant_names_its_definition(tmp_path: Path):
    app, found, _ = _lint(tmp_path)
    # Reported on `system=SYSTEM`, where this file uses it; related: the cachePoint dict.
    bc310 = found[("BC310", 13)]
    assert bc310.related == (
        Related(str(app / "prompts.py"), 4, 20, 4, 53, "the value is defined here"),
    )


def test_a_finding_at_a_wrappers_caller_names_the_wrapped_call(tmp_path: Path):
    app, found, _ = _lint(tmp_path)
    bc101 = found[("BC101", 19)]
    assert bc101.related == (
        Related(str(app / "wrap.py"), 8, 12, 12, 6, "the request is sent to Bedrock here"),
    )


def test_a_finding_on_this_files_own_literal_names_nothing_else(tmp_path: Path):
    _, found, _ = _lint(tmp_path)
    assert found[("BC101", 23)].related == ()


def test_related_places_survive_the_cache(tmp_path: Path):
    _, _, result = _lint(tmp_path)
    cache = Cache(tmp_path / "cache", "key")
    cache.put("app/main.py", MAIN.encode(), result)
    again = cache.get("app/main.py", MAIN.encode())
    assert again is not None
    assert [d.related for d in again.diagnostics] == [d.related for d in result.diagnostics]
    assert any(d.related for d in again.diagnostics)
