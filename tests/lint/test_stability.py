"""Prefix stability (BC4xx): which values are marked, how marks travel, where they are reported."""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from bedrockcache import audit
from bedrockcache.config import ConfigError, Settings, _validate, load_settings
from bedrockcache.lint import volatile as vol
from bedrockcache.lint.checker import check_source
from bedrockcache.lint.evaluate import Evaluator
from bedrockcache.lint.index import ModuleIndex
from bedrockcache.rules.stability import check_prefix
from bedrockcache.unknown import PartialText, Unknown, Volatile
from bedrockcache.wire import from_anthropic_body, from_converse

POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
CP = {"cachePoint": {"type": "default"}}


def _value(source: str, expr: str = "RESULT") -> object:
    """The value of ``expr`` at the end of ``source`` (module level, or inside ``def f()``)."""
    module = cst.parse_module(textwrap.dedent(source) + f"\n_probe = {expr}\n")
    index = ModuleIndex.build(module)
    statement = module.body[-1]
    assert isinstance(statement, cst.SimpleStatementLine)
    small = statement.body[0]
    assert isinstance(small, cst.Assign)
    return Evaluator(index, {}).value(small.value, statement)


def _in_function(body: str, expr: str = "result", imports: str = "") -> object:
    """The value of ``expr`` as seen at the end of a function body (a per-call context)."""
    source = imports + "\ndef f(question: str):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    source += f"    return {expr}\n"
    module = cst.parse_module(source)
    index = ModuleIndex.build(module)
    function = next(
        s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == "f"
    )
    statement = function.body.body[-1]
    ret = statement.body[0]
    assert isinstance(ret, cst.Return) and ret.value is not None
    return Evaluator(index, {}).value(ret.value, statement)


def _lint(body: str, settings: Settings | None = None) -> list[tuple[int, str, str]]:
    source = textwrap.dedent(body)
    report = check_source(source, "app.py", settings)
    return [(d.line, d.code, d.message) for d in report.diagnostics]


# ---- sources ------------------------------------------------------------------------------------


def test_a_clock_is_a_volatile_unknown_with_the_same_source_text():
    value = _in_function("result = datetime.now()\n", imports="from datetime import datetime\n")
    assert isinstance(value, Volatile) and isinstance(value, Unknown)
    assert value.source == "call datetime.now()"  # holes and 'unknown:' lines read as before
    assert (value.origin, value.scope, value.kind) == ("datetime.now()", "call", "value")


@pytest.mark.parametrize(
    ("qualified", "scope"),
    [
        ("datetime.datetime.now", "call"),
        ("datetime.date.today", "day"),
        ("time.time_ns", "call"),
        ("uuid.uuid4", "call"),
        ("random.shuffle", "call"),
        ("secrets.token_urlsafe", "call"),
        ("os.urandom", "call"),
        ("os.getpid", "process"),
        ("uuid.uuid5", None),
        ("random.seed", None),
        ("random.Random", None),
        ("json.dumps", None),
        ("myapp.clock.now", None),
    ],
)
def test_source_table(qualified, scope):
    assert vol.source_scope(qualified) == scope


def test_user_sources_are_per_call():
    assert vol.source_scope("myapp.clock.now", {"myapp.clock.now"}) == "call"


@pytest.mark.parametrize(
    ("fmt", "scope"),
    [("%Y-%m-%d", "day"), ("%A %d %B", "day"), ("%H:%M", "call"), ("%c", "call"), ("", "call")],
)
def test_a_time_formatted_to_the_day_changes_daily(fmt, scope):
    assert vol.granularity(fmt, "call") == scope


def test_a_partly_known_format_is_not_trusted_to_be_daily():
    assert vol.granularity(PartialText(("%Y", Unknown("x"))), "call") == "call"


def test_a_time_argument_makes_strftime_deterministic():
    fixed = _in_function('result = time.strftime("%H", time.gmtime(0))\n', imports="import time\n")
    assert not isinstance(fixed, Volatile)
    moving = _in_function(
        'result = time.strftime("%H", time.localtime())\n', imports="import time\n"
    )
    assert isinstance(moving, Volatile) and moving.origin == "time.localtime()"


def test_seeding_random_in_the_function_makes_its_draws_repeat():
    seeded = _in_function(
        "random.seed(3)\nresult = random.choice(['a', 'b'])\n", imports="import random\n"
    )
    assert not isinstance(seeded, Volatile)
    assert not isinstance(
        _in_function("result = random.Random(4).random()\n", "result", "import random\n"), Volatile
    )
    drawn = _in_function(
        "rng = random.Random()\nresult = rng.choice(['a', 'b'])\n", imports="import random\n"
    )
    assert isinstance(drawn, Volatile) and drawn.scope == "call"


def test_a_source_at_import_time_differs_per_process_not_per_call():
    value = _value("import uuid\nRESULT = uuid.uuid4()\n")
    assert isinstance(value, Volatile) and value.scope == "process"


# ---- propagation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "now = datetime.now()\nresult = f'at {now}'\n",
        "result = 'at ' + str(datetime.now())\n",
        "result = 'at %s' % datetime.now()\n",
        "result = 'at {}'.format(datetime.now())\n",
        "result = 'at {t}'.format(t=datetime.now())\n",
        "result = ', '.join(['at', str(datetime.now())])\n",
        "result = datetime.now().isoformat()[:10] + 'x'\n",
        "result = [{'text': f'{datetime.now()}'}]\n",
        "items = []\nitems.extend(random.sample(['a', 'b', 'c'], 2))\nresult = items\n",
        "result = ['a', 'b'][random.randrange(2)]\n",
        "result = uuid.uuid4().hex\n",
    ],
)
def test_marks_travel_through_text_and_containers(body):
    value = _in_function(body, imports="import random, uuid\nfrom datetime import datetime\n")
    assert vol.find_volatile(value) is not None, value


def test_a_conditional_does_not_carry_a_mark():
    # Which branch runs is unknown: say less.
    value = _in_function(
        "result = f'{datetime.now()}' if question else ''\n",
        imports="from datetime import datetime\n",
    )
    assert vol.find_volatile(value) is None


def test_known_text_stays_known_and_unmarked():
    value = _in_function("now = 'fixed'\nresult = f'at {now}'\n")
    assert value == "at fixed" and vol.find_volatile(value) is None


def test_helpers_of_the_module_are_evaluated_and_carry_their_marks():
    source = """\
        import time
        from functools import cache

        def stamp():
            return f"t={time.time()}"

        @cache
        def boot():
            return f"t={time.time()}"

        def plain():
            return "fixed"

        def shadowed(stamp):
            return stamp()
    """
    value = _value(source, "stamp()")
    assert str(value) == "t="  # the helper's text, with its per-call part
    assert vol.find_volatile(value).scope == "process"  # type: ignore[union-attr]  # at import
    assert vol.find_volatile(_value(source, "boot()")).scope == "process"  # type: ignore[union-attr]
    assert _value(source, "plain()") == "fixed"


def test_a_parameter_named_like_a_helper_is_not_the_helper():
    value = _in_function(
        "result = stamp()\n", imports="import time\ndef stamp():\n    return str(time.time())\n"
    )
    assert vol.find_volatile(value).scope == "call"  # type: ignore[union-attr]
    shadowed = _in_function(
        "stamp = question\nresult = stamp()\n",
        imports="import time\ndef stamp():\n    return str(time.time())\n",
    )
    assert vol.find_volatile(shadowed) is None


def test_a_nested_helper_is_followed_and_a_rebound_one_is_not():
    nested = "def stamp():\n    return str(uuid.uuid4())\nresult = stamp()\n"
    assert vol.find_volatile(_in_function(nested, imports="import uuid\n")) is not None
    rebound = "import uuid\ndef stamp():\n    return str(uuid.uuid4())\nif X:\n    stamp = str\n"
    assert vol.find_volatile(_in_function("result = stamp()\n", imports=rebound)) is None


def test_set_order():
    imports = 'TAGS = {"a", "b"}\nONE = {"a"}\nNUMS = {1, 2, 3}\n'
    assert _in_function("result = ', '.join(TAGS)\n", imports=imports).parts[0].kind == "order"  # type: ignore[union-attr]
    assert (
        vol.find_volatile(_in_function("result = ', '.join(sorted(TAGS))\n", imports=imports))
        is None
    )
    assert vol.find_volatile(_in_function("result = ', '.join(ONE)\n", imports=imports)) is None
    assert vol.find_volatile(_in_function("result = list(NUMS)\n", imports=imports)) is None
    keys = _in_function("result = {t: 1 for t in TAGS}\n", imports=imports)
    assert isinstance(keys, Volatile) and keys.kind == "keys"
    registry = "REGISTRY = {t: {'name': t} for t in TAGS}\n"
    tools = _in_function("result = list(REGISTRY.values())\n", imports=imports + registry)
    assert isinstance(tools, Volatile) and tools.kind == "order"
    assert tools.origin == "REGISTRY.values()"


def test_sort_keys_removes_only_the_key_order():
    imports = 'import json\nTAGS = {"a", "b"}\nLIMITS = {t: 1 for t in TAGS}\n'
    unsorted = _in_function("result = f'{json.dumps(LIMITS)}'\n", imports=imports)
    assert vol.find_volatile(unsorted).kind == "keys"  # type: ignore[union-attr]
    fixed = _in_function("result = f'{json.dumps(LIMITS, sort_keys=True)}'\n", imports=imports)
    assert vol.find_volatile(fixed) is None
    listed = _in_function("result = f'{json.dumps(list(TAGS), sort_keys=True)}'\n", imports=imports)
    assert vol.find_volatile(listed).kind == "order"  # type: ignore[union-attr]


# ---- the rule over the wire view ---------------------------------------------------------------


def _mark(scope: str = "call", kind: str = "value") -> Volatile:
    return Volatile("{now}", "datetime.now()", scope, kind)


def _converse(system: list, messages: list | None = None) -> list:
    request = {"modelId": MODEL, "system": system}
    request["messages"] = messages or [{"role": "user", "content": [{"text": "hi"}]}]
    return [f.finding for f in check_prefix(from_converse(request), lambda node: 12)]


def test_a_mark_before_the_breakpoint_is_reported_with_its_line():
    text = PartialText(("Now ", _mark(), POLICY))
    (finding,) = _converse([{"text": text}, CP])
    assert finding.code == "BC401" and finding.path == "system[0]"
    assert "`datetime.now()` (line 12)" in finding.message and "breakpoint 1" in finding.message


def test_a_mark_after_the_last_breakpoint_or_without_breakpoint_is_not_reported():
    text = PartialText(("Now ", _mark()))
    assert _converse([{"text": POLICY}, CP, {"text": text}]) == []
    assert _converse([{"text": text}, {"text": POLICY}]) == []


@pytest.mark.parametrize(
    ("mark", "code"),
    [
        (_mark("process"), "BC402"),
        (_mark("day"), "BC403"),
        (_mark("process", "order"), "BC404"),
        (_mark("process", "keys"), "BC405"),
    ],
)
def test_codes_by_scope_and_kind(mark, code):
    (finding,) = _converse([{"text": PartialText((mark, POLICY))}, CP])
    assert finding.code == code


def test_the_latest_turn_is_exempt_only_from_the_breakpoint_that_closes_it():
    stamped = {"text": PartialText((_mark(), " question"))}
    closing = [{"role": "user", "content": [stamped, CP]}]
    assert _converse([{"text": POLICY}, CP], closing) == []
    document = [{"role": "user", "content": [stamped, {"text": POLICY}, CP, {"text": "q"}]}]
    (finding,) = _converse([{"text": "be brief"}], document)
    assert "the latest turn" in finding.message
    earlier = [
        {"role": "user", "content": [stamped]},
        {"role": "assistant", "content": [{"text": "ok"}]},
        {"role": "user", "content": [{"text": "q"}, CP]},
    ]
    (finding,) = _converse([{"text": POLICY}], earlier)
    assert "an earlier turn" in finding.message


def test_the_invoke_dialect_and_a_plain_json_request():
    body = {
        "system": [{"type": "text", "text": PartialText((_mark(), POLICY)), "cache_control": {}}],
        "messages": [{"role": "user", "content": "hi"}],
    }
    assert [f.finding.code for f in check_prefix(from_anthropic_body(body))] == ["BC401"]
    plain = {
        "modelId": MODEL,
        "system": [{"text": "Now 2026-01-01T10:00:00. " + POLICY}, CP],
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
    }
    report = audit(plain, "bedrock-converse")
    assert report.will_cache and not any(c.startswith("BC4") for c in report.codes)


# ---- end to end: config, placement, noqa -------------------------------------------------------

_APP = """\
import boto3
from myapp.clock import now

POLICY = "Follow the refund policy step by step and cite the section you used. " * 120
bedrock = boto3.client("bedrock-runtime")


def answer(question: str) -> dict:
    return bedrock.converse(
        modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        system=[{"text": f"{now()} {POLICY}"}, {"cachePoint": {"type": "default"}}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
"""


def test_configured_volatile_sources_are_reported():
    assert _lint(_APP) == []
    ((line, code, message),) = _lint(_APP, Settings(volatile_sources=("myapp.clock.now",)))
    assert (line, code) == (11, "BC401") and "`now()` (line 11)" in message


def test_the_volatile_sources_key_is_validated_and_part_of_the_cache_key():
    assert _validate({"volatile-sources": ["myapp.clock.now"]}, "")["volatile_sources"] == (
        "myapp.clock.now",
    )
    with pytest.raises(ConfigError, match="volatile-sources"):
        _validate({"volatile-sources": ["now"]}, "")
    with pytest.raises(ConfigError, match="volatile-sources"):
        _validate({"volatile-sources": "myapp.clock.now"}, "")
    assert Settings().key() != Settings(volatile_sources=("a.b",)).key()


def test_volatile_sources_are_read_from_pyproject(tmp_path):
    config = '[tool.bedrockcache]\nvolatile-sources = ["myapp.clock.now"]\n'
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    settings = load_settings(tmp_path)
    assert settings.volatile_sources == ("myapp.clock.now",)
    assert [code for _, code, _ in _lint(_APP, settings)] == ["BC401"]


def test_a_finding_is_silenced_by_noqa_and_info_needs_its_full_code():
    source = _APP.replace("from myapp.clock import now", "from datetime import date as d")
    source = source.replace("{now()}", "{d.today()}")
    assert _lint(source) == []
    assert [c for _, c, _ in _lint(source, Settings(extend_select=("BC403",)))] == ["BC403"]
    noisy = _APP.replace("from myapp.clock import now", "from time import time as now")
    assert [c for _, c, _ in _lint(noisy)] == ["BC401"]
    quiet = noisy.replace(
        '{"cachePoint": {"type": "default"}}],',
        '{"cachePoint": {"type": "default"}}],  # noqa: BC401',
    )
    assert _lint(quiet) == []
