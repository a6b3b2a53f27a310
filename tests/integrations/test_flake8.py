"""The flake8 plugin, run through the real ``flake8`` command (entry point ``BC``).

flake8 must report the same positions, codes and messages as ``bedrockcache lint``, and flake8's
own selection and ``# noqa`` handling must be the only ones applied.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bedrockcache.flake8 import Plugin
from bedrockcache.lint.checker import check_source

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SUPPORT_BOT = FIXTURES / "boto3" / "support_bot.py"
_LINE = re.compile(
    r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?:\[\*\] )?(?P<code>BC\d+) (?P<text>.*)$"
)
_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>BC\d{3}(?:\s*,\s*BC\d{3})*)")
_SONNET = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
# A Converse call without a cachePoint (BC101 at 3:5) behind a non-ASCII string on the same line.
_LATIN1 = (
    "# -*- coding: latin-1 -*-\n"
    "import boto3\n"
    f'c = boto3.client("bedrock-runtime"); t = "caf\xe9"; x = c.converse(modelId="{_SONNET}", '
    'system=[{"text": "Follow the policy. " * 600}], messages=[])\n'
)

Diag = tuple[str, int, int, str, str]


def _run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def flake8(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``flake8 --isolated``: no setup.cfg / tox.ini / .flake8 of the checkout can interfere."""
    return _run("-m", "flake8", "--isolated", *args, cwd=cwd)


def parse(output: str) -> list[Diag]:
    found = []
    for line in output.splitlines():
        match = _LINE.match(line)
        assert match, f"not a diagnostic line: {line!r}"
        row, col = int(match["row"]), int(match["col"])
        found.append((match["path"], row, col, match["code"], match["text"]))
    return found


def marks(path: Path) -> set[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {
        (number, code.strip())
        for number, line in enumerate(lines, start=1)
        if (match := _EXPECT.search(line))
        for code in match["codes"].split(",")
    }


def test_the_plugin_is_registered_under_its_distribution_name() -> None:
    result = flake8("--require-plugins", "bedrockcache", "--version")
    assert result.returncode == 0, result.stderr
    assert "bedrockcache: " in result.stdout


def test_flake8_prints_exactly_the_marked_lines_of_the_fixture() -> None:
    result = flake8("--select", "BC", SUPPORT_BOT.relative_to(ROOT))
    assert result.returncode == 1, result.stderr
    found = parse(result.stdout)
    assert {(row, code) for _, row, _, code, _ in found} == marks(SUPPORT_BOT)
    assert {path for path, *_ in found} == {"fixtures/boto3/support_bot.py"}


def test_flake8_and_bedrockcache_print_the_same_lines_for_every_fixture(tmp_path: Path) -> None:
    # A snapshot, so that both tools read the same bytes while fixtures are being edited.
    shutil.copytree(FIXTURES, tmp_path / "fixtures", ignore=shutil.ignore_patterns("__pycache__"))
    ours = _run(
        "-m", "bedrockcache", "lint", "--isolated", "--no-cache", "--output-format", "concise",
        "-q", "--exit-zero", "fixtures", cwd=tmp_path,
    )  # fmt: skip
    theirs = flake8("--select", "BC", "fixtures", cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert theirs.returncode == 1, theirs.stderr
    # flake8 runs plugins only on files the running Python parses (3.12 syntax is its E999).
    expected = sorted(row for row in parse(ours.stdout) if _parses(tmp_path / row[0]))
    assert len(expected) >= len(marks(SUPPORT_BOT))
    assert sorted(parse(theirs.stdout)) == expected


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
    except SyntaxError:
        return False
    return True


def test_columns_are_those_of_check_source(tmp_path: Path) -> None:
    # The plugin yields 0-based columns; flake8 adds one on output, so they meet check_source's.
    source = SUPPORT_BOT.read_bytes()
    direct = [(d.line, d.column, d.code) for d in check_source(source, "x.py").diagnostics]
    (tmp_path / "x.py").write_bytes(source)
    via_flake8 = [
        (row, col, code)
        for _, row, col, code, _ in parse(flake8("--select", "BC", "x.py", cwd=tmp_path).stdout)
    ]
    assert via_flake8 == direct
    assert direct


def test_noqa_is_flake8s_alone(tmp_path: Path) -> None:
    lines = SUPPORT_BOT.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "# expect: BC101" in lines[15]
    lines[15] = lines[15].replace("# expect: BC101", "# noqa: BC101")
    (tmp_path / "bot.py").write_text("".join(lines), encoding="utf-8")

    suppressed = {
        (row, code)
        for _, row, _, code, _ in parse(flake8("--select", "BC", "bot.py", cwd=tmp_path).stdout)
    }
    assert suppressed == marks(SUPPORT_BOT) - {(16, "BC101")}
    # --disable-noqa brings it back: the plugin did not suppress it a second time.
    shown = flake8("--select", "BC", "--disable-noqa", "bot.py", cwd=tmp_path)
    assert {(row, code) for _, row, _, code, _ in parse(shown.stdout)} == marks(SUPPORT_BOT)


def test_a_noqa_for_another_code_suppresses_nothing_and_is_not_judged(tmp_path: Path) -> None:
    lines = SUPPORT_BOT.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[15] = lines[15].replace("# expect: BC101", "# noqa: BC102")
    (tmp_path / "bot.py").write_text("".join(lines), encoding="utf-8")
    found = parse(flake8("--select", "BC", "bot.py", cwd=tmp_path).stdout)
    # BC101 stays, and no BC002 (unused noqa): under flake8, noqa bookkeeping is flake8's.
    assert {(row, code) for _, row, _, code, _ in found} == marks(SUPPORT_BOT)


def test_the_file_level_directive_of_bedrockcache_still_skips_the_file(tmp_path: Path) -> None:
    source = SUPPORT_BOT.read_text(encoding="utf-8")
    (tmp_path / "bot.py").write_text("# bedrockcache: noqa\n" + source, encoding="utf-8")
    result = flake8("--select", "BC", "bot.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.parametrize(
    ("ignored", "gone"),
    [("BC101", {"BC101"}), ("BC3", {"BC309", "BC312"})],
)
def test_extend_ignore_works_by_code_and_prefix(ignored: str, gone: set[str]) -> None:
    result = flake8("--select", "BC", "--extend-ignore", ignored, SUPPORT_BOT.relative_to(ROOT))
    found = {(row, code) for _, row, _, code, _ in parse(result.stdout)}
    assert found == {(row, code) for row, code in marks(SUPPORT_BOT) if code not in gone}
    assert result.returncode == 1


def test_a_clean_file_passes(tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("import boto3\n\nclient = boto3.client('bedrock-runtime')\n")
    result = flake8("--select", "BC", "clean.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_a_latin1_file_keeps_its_columns(tmp_path: Path) -> None:
    data = _LATIN1.encode("latin-1")
    direct = [(d.line, d.column, d.code) for d in check_source(data, "l1.py").diagnostics]
    assert direct == [(3, _LATIN1.splitlines()[2].index("c.converse") + 1, "BC101")]
    (tmp_path / "l1.py").write_bytes(data)
    result = flake8("--select", "BC", "l1.py", cwd=tmp_path)
    assert [(row, col, code) for _, row, col, code, _ in parse(result.stdout)] == direct


def test_importing_the_plugin_does_not_load_libcst() -> None:
    result = _run("-c", "import sys, bedrockcache.flake8; print('libcst' in sys.modules)")
    assert result.stdout.strip() == "False", result.stderr


def test_run_yields_flake8_tuples() -> None:
    source = SUPPORT_BOT.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    plugin = Plugin(ast.parse(source), "bot.py", lines)
    results = list(plugin.run())
    expected = check_source(source, "bot.py").diagnostics
    assert [(r[0], r[1] + 1, r[2].split()[0]) for r in results] == [
        (d.line, d.column, d.code) for d in expected
    ]
    assert all(
        r[3] is Plugin and r[2] == f"{d.code} {d.message}"
        for r, d in zip(results, expected, strict=True)
    )


def test_a_file_without_bedrock_yields_nothing() -> None:
    assert list(Plugin(ast.parse("x = 1\n"), "x.py", ["x = 1\n"]).run()) == []


def test_check_source_can_leave_inline_noqa_to_the_caller() -> None:
    from bedrockcache.lint.checker import check_source

    source = (
        (FIXTURES / "boto3" / "support_bot.py")
        .read_text()
        .replace("# expect: BC101", "# noqa: BC101")
    )
    assert "BC101" not in {d.code for d in check_source(source, "a.py").diagnostics}
    kept = check_source(source, "a.py", noqa=False).diagnostics
    assert "BC101" in {d.code for d in kept}
    assert "BC002" not in {d.code for d in kept}
    whole = "# bedrockcache: noqa\n" + source
    assert check_source(whole, "a.py", noqa=False).diagnostics == []
