"""Snapshots of every output format on a hand-built result; SARIF against the official schema."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest

import bedrockcache
from bedrockcache.findings import Severity
from bedrockcache.lint.diagnostic import Diagnostic, LintResult, Unresolved
from bedrockcache.output import FORMATS, render, rule_url
from bedrockcache.output.github import escape_data, escape_property
from bedrockcache.rules import rule

# The official OASIS SARIF 2.1.0 schema ($id .../oasis-tcs/sarif-spec/master/Schemata/
# sarif-schema-2.1.0.json, JSON Schema draft-07), vendored from the sdist of the PyPI package
# sarif-pydantic 0.6.2 (file sarif_pydantic-0.6.2/sarif-schema-2.1.0.json), fetched with
# `pip download --no-deps --no-binary :all: sarif-pydantic==0.6.2`.
SCHEMA_PATH = Path(__file__).with_name("sarif-2.1.0.schema.json")
SCHEMA_SHA256 = "6352a05f9d03f181b8d9c71a46bdacc4fcff9d8ade5364858b425ba0c0994ed7"

URL_101 = "https://github.com/bedrockcache/bedrockcache/blob/main/docs/rules.md#bc101"
URL_205 = "https://github.com/bedrockcache/bedrockcache/blob/main/docs/rules.md#bc205"

APP_SOURCE = """import boto3

client = boto3.client("bedrock-runtime")
client.converse(modelId=MODEL, system=SYSTEM, messages=[])
client.converse(modelId=MODEL, system=SYSTEM, messages=[])
"""


def _d(path, line, col, code, message, *, severity=Severity.ERROR, fix=None, end_col=None):
    return Diagnostic(
        path=path,
        line=line,
        column=col,
        code=code,
        message=message,
        end_line=line,
        end_column=end_col if end_col is not None else col + 10,
        severity=severity,
        fix=fix,
    )


def _result() -> LintResult:
    """Deliberately out of order: every format must sort."""
    return LintResult(
        diagnostics=[
            _d("src/app.py", 5, 1, "BC101", "no cachePoint in this converse call", fix="add one"),
            _d("lib/util.py", 7, 3, "BC205", "ttl 1h is removed", severity=Severity.WARNING),
            _d("src/app.py", 4, 1, "BC101", "no cachePoint in this converse call", fix="add one"),
            _d("lib/util.py", 2, 9, "BC999", "a code the catalogue lacks", severity=Severity.INFO),
        ],
        unresolved=[
            Unresolved("src/app.py", 9, 5, "boto3 converse", ("system (parameter 'prompt')",)),
            Unresolved("lib/util.py", 3, 1, "litellm completion", ("model", "messages")),
        ],
        files_checked=3,
        files_parsed=2,
        call_sites=4,
    )


SORTED_LINES = [
    "lib/util.py:2:9: BC999 a code the catalogue lacks",
    "lib/util.py:7:3: BC205 ttl 1h is removed",
    "src/app.py:4:1: BC101 no cachePoint in this converse call",
    "src/app.py:5:1: BC101 no cachePoint in this converse call",
]
SUMMARY = (
    "Found 4 errors.\n"
    "4 Bedrock call sites checked in 3 files, 2 fully audited\n"
    "2 call sites not fully audited (--show-unresolved lists them)\n"
)


def test_formats_are_the_documented_set():
    assert FORMATS == ("text", "concise", "json", "json-lines", "sarif", "github")


def test_rule_url_lowercases_the_code():
    assert rule_url("BC101") == URL_101


def test_text_snapshot():
    expected = (
        "lib/util.py:2:9: BC999 a code the catalogue lacks\n"
        "lib/util.py:7:3: BC205 ttl 1h is removed\n"
        "src/app.py:4:1: BC101 no cachePoint in this converse call\n"
        "  help: add one\n"
        "src/app.py:5:1: BC101 no cachePoint in this converse call\n"
        "  help: add one\n"
        "\n" + SUMMARY
    )
    assert render("text", _result()) == expected


def test_concise_snapshot():
    assert render("concise", _result()) == "\n".join(SORTED_LINES) + "\n\n" + SUMMARY


def test_text_show_unresolved_lists_them_and_drops_the_hint():
    expected = (
        "\n".join(SORTED_LINES) + "\n\n"
        "lib/util.py:3:1: litellm completion: not fully audited: model; messages\n"
        "src/app.py:9:5: boto3 converse: not fully audited: system (parameter 'prompt')\n"
        "\n"
        "Found 4 errors.\n"
        "4 Bedrock call sites checked in 3 files, 2 fully audited\n"
        "2 call sites not fully audited\n"
    )
    assert render("concise", _result(), show_unresolved=True) == expected


def test_statistics_replace_the_diagnostics():
    expected = (
        "2  BC101  converse-missing-cache-point\n"
        "1  BC205  litellm-ttl-removed\n"
        "1  BC999\n"
        "\n" + SUMMARY
    )
    assert render("text", _result(), statistics=True) == expected


def test_quiet_prints_diagnostics_only():
    assert render("concise", _result(), quiet=True) == "\n".join(SORTED_LINES) + "\n"
    assert render("text", LintResult(files_checked=2), quiet=True) == ""


def test_clean_run_summary_uses_singulars():
    result = LintResult(files_checked=1, files_parsed=1, call_sites=1)
    expected = "All checks passed!\n1 Bedrock call site checked in 1 file, 1 fully audited\n"
    assert render("text", result) == expected
    assert render("concise", result) == expected


def test_clean_run_still_reports_unaudited_call_sites():
    result = LintResult(
        unresolved=[Unresolved("a.py", 1, 1, "boto3 converse", ())], files_checked=1, call_sites=1
    )
    assert render("text", result, show_unresolved=True) == (
        "a.py:1:1: boto3 converse: not fully audited\n"
        "\n"
        "All checks passed!\n"
        "1 Bedrock call site checked in 1 file, 0 fully audited\n"
        "1 call site not fully audited\n"
    )


def test_a_line_break_in_a_message_does_not_split_the_line():
    result = LintResult(diagnostics=[_d("a.py", 1, 1, "BC101", "first\nsecond", fix="x\ny")])
    assert render("text", result, quiet=True) == "a.py:1:1: BC101 first second\n  help: x y\n"


def test_json_has_ruffs_fields_sorted():
    objects = json.loads(render("json", _result()))
    assert [(o["filename"], o["location"]["row"]) for o in objects] == [
        ("lib/util.py", 2),
        ("lib/util.py", 7),
        ("src/app.py", 4),
        ("src/app.py", 5),
    ]
    assert objects[2] == {
        "code": "BC101",
        "name": "converse-missing-cache-point",
        "message": "no cachePoint in this converse call",
        "url": URL_101,
        "filename": "src/app.py",
        "location": {"row": 4, "column": 1},
        "end_location": {"row": 4, "column": 11},
        "severity": "error",
        "fix": {"message": "add one"},
    }
    assert objects[1]["fix"] is None
    assert objects[1]["severity"] == "warning"
    assert objects[1]["url"] == URL_205
    # A code missing from the catalogue still renders, with no name or link to invent.
    assert objects[0]["name"] is None
    assert objects[0]["url"] is None
    assert objects[0]["severity"] == "info"


def test_json_lines_is_one_object_per_line_in_the_same_order():
    lines = render("json-lines", _result()).splitlines()
    assert len(lines) == 4
    assert [json.loads(line) for line in lines] == json.loads(render("json", _result()))


def test_json_of_a_clean_run_is_an_empty_array():
    assert json.loads(render("json", LintResult())) == []
    assert render("json-lines", LintResult()) == ""


def test_json_statistics():
    assert json.loads(render("json", _result(), statistics=True)) == [
        {"code": "BC101", "name": "converse-missing-cache-point", "count": 2},
        {"code": "BC205", "name": "litellm-ttl-removed", "count": 1},
        {"code": "BC999", "name": None, "count": 1},
    ]


def test_github_snapshot():
    expected = (
        "::notice title=bedrockcache (BC999),file=lib/util.py,line=2,col=9,endLine=2,"
        "endColumn=19::lib/util.py:2:9: BC999 a code the catalogue lacks\n"
        "::warning title=bedrockcache (BC205),file=lib/util.py,line=7,col=3,endLine=7,"
        "endColumn=13::lib/util.py:7:3: BC205 ttl 1h is removed\n"
        "::error title=bedrockcache (BC101),file=src/app.py,line=4,col=1,endLine=4,"
        "endColumn=11::src/app.py:4:1: BC101 no cachePoint in this converse call\n"
        "::error title=bedrockcache (BC101),file=src/app.py,line=5,col=1,endLine=5,"
        "endColumn=11::src/app.py:5:1: BC101 no cachePoint in this converse call\n"
    )
    assert render("github", _result()) == expected


def test_github_escapes_workflow_command_syntax():
    assert escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert escape_property("dir:x,y%\n") == "dir%3Ax%2Cy%25%0A"
    result = LintResult(diagnostics=[_d("we:ird,dir/a.py", 1, 1, "BC101", "100%\nsure: yes")])
    assert render("github", result) == (
        "::error title=bedrockcache (BC101),file=we%3Aird%2Cdir/a.py,line=1,col=1,endLine=1,"
        "endColumn=11::we:ird,dir/a.py:1:1: BC101 100%25%0Asure: yes\n"
    )


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_statistics_is_a_usage_error_for_ci_formats(fmt):
    with pytest.raises(ValueError, match="--statistics"):
        render(fmt, _result(), statistics=True)


def test_unknown_format_is_a_one_line_error():
    with pytest.raises(ValueError) as info:
        render("xml", _result())
    assert "\n" not in str(info.value)
    assert "'xml'" in str(info.value)


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_does_not_depend_on_input_order(fmt, tmp_path):
    result = _result()
    shuffled = _result()
    shuffled.diagnostics.reverse()
    shuffled.unresolved.reverse()
    kwargs = {"cwd": tmp_path} if fmt == "sarif" else {"show_unresolved": True}
    assert render(fmt, result, **kwargs) == render(fmt, shuffled, **kwargs)


# --- SARIF -------------------------------------------------------------------------------------


def _project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir(parents=True)
    (tmp_path / "src" / "app.py").write_text(APP_SOURCE, encoding="utf-8")
    return tmp_path


def _sarif(result: LintResult, cwd: Path) -> dict:
    return json.loads(render("sarif", result, cwd=cwd))


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_vendored_schema_is_the_official_one():
    assert hashlib.sha256(SCHEMA_PATH.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"


def test_sarif_validates_against_the_schema(tmp_path):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for result in (_result(), LintResult()):
        log = _sarif(result, _project(tmp_path / str(len(result.diagnostics))))
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
        assert errors == []
    # The validator is not vacuous: a result without a message is rejected.
    log = _sarif(_result(), tmp_path / "4")
    del log["runs"][0]["results"][0]["message"]
    assert list(validator.iter_errors(log))


def test_sarif_has_no_empty_strings(tmp_path):
    log = _sarif(_result(), _project(tmp_path))
    assert "" not in set(_strings(log))


def test_sarif_driver_and_rules(tmp_path):
    run = _sarif(_result(), _project(tmp_path))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "bedrockcache"
    assert driver["version"] == bedrockcache.__version__
    assert driver["informationUri"] == "https://github.com/bedrockcache/bedrockcache"
    assert [rule["id"] for rule in driver["rules"]] == ["BC101", "BC205", "BC999"]
    bc101 = driver["rules"][0]
    assert bc101["name"] == "converse-missing-cache-point"
    assert bc101["shortDescription"]["text"] == rule("BC101").summary
    assert bc101["fullDescription"]["text"] == rule("BC101").why
    assert bc101["helpUri"] == URL_101
    assert rule("BC101").fix in bc101["help"]["markdown"]
    assert bc101["help"]["text"]
    assert bc101["defaultConfiguration"] == {"level": "error"}
    assert bc101["properties"]["precision"] == "high"
    assert "bedrock-converse" in bc101["properties"]["tags"]
    assert driver["rules"][1]["defaultConfiguration"] == {"level": "warning"}
    unknown = driver["rules"][2]
    assert unknown["defaultConfiguration"] == {"level": "note"}
    assert "helpUri" not in unknown
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_sarif_results(tmp_path):
    run = _sarif(_result(), _project(tmp_path))["runs"][0]
    results = run["results"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["ruleId"] for r in results] == ["BC999", "BC205", "BC101", "BC101"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert [r["level"] for r in results] == ["note", "warning", "error", "error"]
    first = results[2]
    assert first["message"] == {"text": "no cachePoint in this converse call"}
    assert first["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 1, "endLine": 4, "endColumn": 11},
    }


def test_sarif_uris_are_relative_posix_and_escaped(tmp_path):
    (tmp_path / "my dir").mkdir()
    result = LintResult(
        diagnostics=[
            _d(str(tmp_path / "my dir" / "a.py"), 1, 1, "BC101", "m"),
            _d("./src/../b.py", 1, 1, "BC101", "m"),
        ]
    )
    locations = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]
        for r in _sarif(result, tmp_path)["runs"][0]["results"]
    ]
    assert {loc["uri"] for loc in locations} == {"b.py", "my%20dir/a.py"}
    assert all(loc["uriBaseId"] == "%SRCROOT%" for loc in locations)


def test_sarif_path_outside_the_root_is_an_absolute_file_uri(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "elsewhere.py"
    result = LintResult(diagnostics=[_d(str(outside), 1, 1, "BC101", "m")])
    location = _sarif(result, root)["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {"uri": outside.as_uri()}


def _hashes(result: LintResult, cwd: Path) -> list[str]:
    results = _sarif(result, cwd)["runs"][0]["results"]
    return [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]


def test_fingerprints_count_identical_lines(tmp_path):
    project = _project(tmp_path)
    result = LintResult(
        diagnostics=[
            _d("src/app.py", 4, 1, "BC101", "m"),
            _d("src/app.py", 5, 1, "BC101", "m"),
        ]
    )
    first, second = _hashes(result, project)
    # Lines 4 and 5 hold the same text: same hash, told apart by the occurrence counter.
    assert first.split(":")[0] == second.split(":")[0]
    assert (first.split(":")[1], second.split(":")[1]) == ("1", "2")


def test_fingerprints_survive_lines_added_above_and_reindenting(tmp_path):
    project = _project(tmp_path)
    before = _hashes(LintResult(diagnostics=[_d("src/app.py", 4, 1, "BC101", "m")]), project)
    shifted = "# a new comment\n\n" + APP_SOURCE.replace("client.converse", "  client.converse", 1)
    (project / "src" / "app.py").write_text(shifted, encoding="utf-8")
    after = _hashes(LintResult(diagnostics=[_d("src/app.py", 6, 3, "BC101", "m")]), project)
    assert before == after


def test_fingerprints_depend_on_rule_path_and_text(tmp_path):
    project = _project(tmp_path)
    (project / "src" / "other.py").write_text(APP_SOURCE, encoding="utf-8")
    hashes = _hashes(
        LintResult(
            diagnostics=[
                _d("src/app.py", 4, 1, "BC101", "m"),
                _d("src/app.py", 4, 1, "BC205", "m"),
                _d("src/app.py", 3, 1, "BC101", "m"),
                _d("src/other.py", 4, 1, "BC101", "m"),
            ]
        ),
        project,
    )
    assert len(set(hashes)) == 4


def test_fingerprint_of_an_unreadable_file_is_still_stable(tmp_path):
    result = LintResult(diagnostics=[_d("missing.py", 3, 1, "BC101", "m")])
    hashes = _hashes(result, tmp_path)
    assert hashes == _hashes(result, tmp_path)
    assert hashes[0].endswith(":1")
    (tmp_path / "binary.py").write_bytes(b"\xff\xfe\x00garbage\n")
    assert _hashes(LintResult(diagnostics=[_d("binary.py", 1, 1, "BC101", "m")]), tmp_path)


# ---- internal errors ---------------------------------------------------------------------------

ISSUES = "https://github.com/bedrockcache/bedrockcache/issues"
CRASH = (
    "src/app.py: internal error (RuntimeError: boom): the file was not fully checked; "
    f"please report it at {ISSUES}"
)


def _crashed(*, diagnostics: bool = False) -> LintResult:
    return LintResult(
        diagnostics=[_d("lib/util.py", 7, 3, "BC205", "ttl 1h is removed")] if diagnostics else [],
        unresolved=[
            Unresolved("src/app.py", 1, 1, "file", ("RuntimeError: boom",), internal=True),
            Unresolved("lib/util.py", 3, 1, "litellm completion", ("model",)),
        ],
        files_checked=2,
        files_parsed=2,
        call_sites=1,
    )


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_text_says_a_file_was_not_fully_checked_and_never_all_checks_passed(fmt):
    out = render(fmt, _crashed())
    assert out == (
        f"{CRASH}\n\n"
        "Found 0 errors.\n"
        "1 Bedrock call site checked in 2 files, 0 fully audited\n"
        "1 call site not fully audited (--show-unresolved lists them)\n"
        "1 file not fully checked because of an internal error (listed above)\n"
    )
    assert "All checks passed!" not in out
    # Quiet drops the summary, never the crash; --show-unresolved does not list it twice.
    assert render(fmt, _crashed(), quiet=True) == f"{CRASH}\n"
    listed = render(fmt, _crashed(), show_unresolved=True)
    assert listed.count("RuntimeError: boom") == 1
    assert "lib/util.py:3:1: litellm completion: not fully audited: model" in listed


def test_json_carries_an_internal_error_with_a_null_code():
    for fmt in ("json", "json-lines"):
        out = render(fmt, _crashed(diagnostics=True))
        objects = json.loads(out) if fmt == "json" else [json.loads(x) for x in out.splitlines()]
        assert [o["code"] for o in objects] == ["BC205", None]
        assert objects[1] == {
            "code": None,
            "name": "internal-error",
            "message": CRASH.removeprefix("src/app.py: "),
            "url": ISSUES,
            "filename": "src/app.py",
            "location": {"row": 1, "column": 1},
            "end_location": {"row": 1, "column": 1},
            "severity": "error",
            "fix": None,
        }


def test_github_annotates_an_internal_error():
    lines = render("github", _crashed()).splitlines()
    assert lines == [
        "::error title=bedrockcache (internal error),file=src/app.py,line=1,col=1::"
        + escape_data(CRASH)
    ]


def test_sarif_reports_an_internal_error_as_an_unsuccessful_invocation(tmp_path):
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    log = _sarif(_crashed(), _project(tmp_path))
    assert list(validator.iter_errors(log)) == []
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"] == CRASH.removeprefix("src/app.py: ")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "src/app.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert log["runs"][0]["results"] == []
    clean = _sarif(_result(), tmp_path)["runs"][0]["invocations"]
    assert clean == [{"executionSuccessful": True}]
