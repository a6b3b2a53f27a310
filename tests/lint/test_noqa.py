"""noqa directives: flake8's syntax, comments only, and BC002/BC003 bookkeeping like ruff's RUF100.

Every directive under test lives inside a string: written as a real comment here, it would be
read by the linters that check this file.
"""

from __future__ import annotations

import pytest

from bedrockcache.findings import Severity
from bedrockcache.lint.diagnostic import Diagnostic
from bedrockcache.lint.noqa import NoqaComment, NoqaMap, apply_noqa, parse_noqa

KNOWN = frozenset({"BC001", "BC002", "BC003", "BC004", "BC101", "BC204", "BC205"})


def _diag(line: int, code: str = "BC101", *, end_line: int | None = None) -> Diagnostic:
    return Diagnostic(
        path="a.py",
        line=line,
        column=1,
        code=code,
        message=f"{code} fired",
        end_line=end_line or line,
        end_column=5,
        severity=Severity.ERROR,
    )


def _run(source: str, diagnostics: list[Diagnostic], *, enabled=lambda code: True):
    noqa = parse_noqa(source)
    return apply_noqa(diagnostics, noqa, "a.py", known_codes=KNOWN, enabled=enabled)


def _codes(diagnostics: list[Diagnostic]) -> list[tuple[int, str]]:
    return [(d.line, d.code) for d in diagnostics]


def test_blanket_noqa_suppresses_everything_on_its_line_only():
    source = "x = call()  # noqa\ny = call()\n"
    kept = _run(source, [_diag(1), _diag(1, "BC204"), _diag(2)])
    assert _codes(kept) == [(2, "BC101")]


def test_blanket_noqa_is_never_reported_as_unused():
    assert _run("x = 1  # noqa\n", []) == []


def test_listed_codes_suppress_only_those_codes():
    source = "x = call()  # noqa: BC101\n"
    assert _codes(_run(source, [_diag(1), _diag(1, "BC204")])) == [(1, "BC204")]


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa:BC101",
        "# noqa: BC101",
        "# noqa:BC101,BC204",
        "# noqa: BC101, BC204",
        "# noqa:BC101 BC204",
        "# noqa: BC204,BC101",
        "# noqa: BC101 -- the prefix is built elsewhere",
        "# type: ignore  # noqa: BC101",
    ],
)
def test_spacing_variants(comment):
    source = f"x = call()  {comment}\n"
    kept = _run(source, [_diag(1), _diag(1, "BC204")])
    assert "BC101" in parse_noqa(source).lines[1].codes
    assert (1, "BC101") not in _codes(kept)


@pytest.mark.parametrize("comment", ["# NOQA: bc101", "# NoQa:Bc101", "# noqa: BC101"])
def test_case_insensitive(comment):
    source = f"x = call()  {comment}\n"
    assert parse_noqa(source).lines[1].codes == ("BC101",)
    assert _run(source, [_diag(1)]) == []


@pytest.mark.parametrize("comment", ["# noqa : BC101", "# noqa:  BC101", "# noqa:"])
def test_flake8_reads_a_malformed_code_list_as_blanket(comment):
    # flake8's regex allows at most one space after the colon and none before it; what does not
    # match the code list leaves a blanket noqa, which is what flake8 itself would apply.
    source = f"x = call()  {comment}\n"
    assert parse_noqa(source).lines[1].codes is None
    assert _run(source, [_diag(1), _diag(1, "BC204")]) == []


def test_noqa_without_space_after_hash_is_not_a_directive():
    source = "x = call()  #noqa\n"
    assert parse_noqa(source) == NoqaMap()
    assert _codes(_run(source, [_diag(1)])) == [(1, "BC101")]


def test_comment_position_and_codes_are_recorded():
    source = "x = 1  # type: ignore  # noqa: bc101,BC204, E501\n"
    assert parse_noqa(source).lines == {
        1: NoqaComment(line=1, column=24, codes=("BC101", "BC204", "E501"), end_column=49)
    }


def test_multiline_call_is_matched_on_its_first_line():
    first = "client.converse(  # noqa: BC101\n    modelId=MODEL,\n)\n"
    assert _run(first, [_diag(1, end_line=3)]) == []
    last = "client.converse(\n    modelId=MODEL,\n)  # noqa: BC101\n"
    kept = _run(last, [_diag(1, end_line=3)])
    # Not suppressed, and the directive on the closing line is reported as unused.
    assert _codes(kept) == [(1, "BC101"), (3, "BC002")]


@pytest.mark.parametrize(
    "source",
    [
        'x = call("# noqa")\n',
        "x = call('''\n# noqa: BC101\n''')\n",
        'x = call(f"{y} # noqa")\n',
    ],
)
def test_noqa_inside_a_string_does_nothing(source):
    assert parse_noqa(source).lines == {}
    assert _codes(_run(source, [_diag(1), _diag(2)])) == [(1, "BC101"), (2, "BC101")]


def test_a_file_that_does_not_tokenize_suppresses_nothing():
    source = "x = call(  # noqa\n"  # unclosed bracket: tokenize fails at end of file
    assert parse_noqa(source) == NoqaMap()
    assert _codes(_run(source, [_diag(1)])) == [(1, "BC101")]


@pytest.mark.parametrize(
    "directive", ["# bedrockcache: noqa", "# BedrockCache: NOQA", "# flake8: noqa", "# flake8=noqa"]
)
def test_file_level_blanket(directive):
    source = f"{directive}\nx = call()\ny = call()  # noqa: BC204\n"
    assert parse_noqa(source).whole_file
    # Everything goes, including what the unused directive on line 3 would have reported.
    assert _run(source, [_diag(2), _diag(3)]) == []


def test_file_level_codes():
    source = "import boto3\n\n    # bedrockcache: noqa: BC101, bc204\nx = call()\n"
    noqa = parse_noqa(source)
    assert not noqa.whole_file
    assert noqa.file_codes == {"BC101", "BC204"}
    kept = _run(source, [_diag(4), _diag(4, "BC204"), _diag(4, "BC205"), _diag(1)])
    assert _codes(kept) == [(4, "BC205")]


def test_file_level_directive_after_code_is_not_file_level():
    source = "x = call()  # bedrockcache: noqa\ny = call()\n"
    assert parse_noqa(source) == NoqaMap()
    assert _codes(_run(source, [_diag(1), _diag(2)])) == [(1, "BC101"), (2, "BC101")]


def test_unused_code_is_reported_at_the_comment():
    source = "x = call()  # noqa: BC101, BC204\n"
    kept = _run(source, [_diag(1)])
    assert len(kept) == 1
    (unused,) = kept
    assert unused.code == "BC002"
    assert unused.message == "Unused noqa directive (unused: BC204)"
    assert (unused.path, unused.line, unused.column) == ("a.py", 1, 13)
    assert (unused.end_line, unused.end_column) == (1, 33)
    assert unused.severity == Severity.WARNING


def test_every_unused_code_is_listed_once():
    kept = _run("x = 1  # noqa: BC101, BC204, BC101\n", [])
    assert [d.message for d in kept] == ["Unused noqa directive (unused: BC101, BC204)"]


def test_unknown_code_is_reported_and_not_also_as_unused():
    kept = _run("x = call()  # noqa: BC999, BC101\n", [_diag(1)])
    assert _codes(kept) == [(1, "BC003")]
    assert kept[0].message == "Unknown rule code in noqa directive: BC999"
    assert kept[0].column == 13


def test_unknown_code_in_a_file_level_directive_is_reported():
    kept = _run("# bedrockcache: noqa: BC9999\nx = 1\n", [])
    assert _codes(kept) == [(1, "BC003")]
    assert kept[0].message == "Unknown rule code in noqa directive: BC9999"


def test_other_tools_codes_are_never_judged():
    source = "x = call()  # noqa: E501, F401, RUF100\n"
    # Not suppressed (BC101 is not listed), and E501/F401/RUF100 are somebody else's business.
    assert _codes(_run(source, [_diag(1)])) == [(1, "BC101")]


def test_a_disabled_rules_noqa_is_not_judged():
    source = "x = call()  # noqa: BC204\n"
    assert _run(source, [], enabled=lambda code: code != "BC204") == []


def test_bc002_and_bc003_obey_selection():
    source = "x = call()  # noqa: BC204, BC999\n"
    assert _codes(_run(source, [])) == [(1, "BC002"), (1, "BC003")]
    assert _run(source, [], enabled=lambda code: code not in ("BC002", "BC003")) == []


def test_unused_noqa_is_not_suppressed_by_its_own_comment():
    kept = _run("x = call()  # noqa: BC204, BC002\n", [])
    assert _codes(kept) == [(1, "BC002")]
    assert kept[0].message == "Unused noqa directive (unused: BC204, BC002)"


def test_file_level_code_can_silence_unused_noqa():
    source = "# bedrockcache: noqa: BC002\nx = call()  # noqa: BC204\n"
    assert _run(source, []) == []


def test_every_diagnostic_on_the_line_uses_the_same_code():
    source = "x = call(), call()  # noqa: BC101\n"
    assert _run(source, [_diag(1), _diag(1)]) == []


def test_result_is_sorted_and_diagnostics_elsewhere_are_untouched():
    source = "a = 1\nb = call()  # noqa: BC204\n"
    kept = _run(source, [_diag(5), _diag(1)])
    assert _codes(kept) == [(1, "BC101"), (2, "BC002"), (5, "BC101")]


def test_source_without_any_noqa_is_an_empty_map():
    assert parse_noqa("x = 1\n") == NoqaMap()
    assert parse_noqa("") == NoqaMap()


def test_unparseable_and_undecodable_files_are_never_suppressed():
    # print "x" tokenizes but does not parse: the parse error must survive every kind of noqa.
    for directive in ("# flake8: noqa\n", "# bedrockcache: noqa: BC001, BC004\n", ""):
        source = directive + 'print "x"  # noqa\n'
        line = 2 if directive else 1
        kept = _run(source, [_diag(line, "BC001"), _diag(line, "BC004"), _diag(line)])
        assert {"BC001", "BC004"} <= {d.code for d in kept}
        assert "BC101" not in {d.code for d in kept}
