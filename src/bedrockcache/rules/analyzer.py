"""BC0xx: what the linter reports about the files and comments it reads, not about a request.

Their examples are Python sources (``Example("lint", source)``): the catalogue tests lint them.
BC005 is about the file system, so its examples are small trees (``Example("lint-files",
{name: source, or None for a file that cannot be read})``) that the tests build and lint.
Like every check, they run on the files the prefilter lets through: files that can hold a Bedrock
call site or name a BC code in a ``noqa`` comment. A syntax error elsewhere is left to ruff/flake8.
"""

from __future__ import annotations

from bedrockcache.findings import Outcome, Severity
from bedrockcache.rules.model import Example, Rule

_FLAKE8_NOQA = "https://flake8.pycqa.org/en/latest/user/violations.html#in-line-ignoring-errors"
_RUFF_NOQA = "https://docs.astral.sh/ruff/rules/unused-noqa/"

_CLIENT = (
    'import boto3\n\nbedrock = boto3.client("bedrock-runtime")\nconverse = bedrock.converse\n\n'
)
_CONVERSE_WITHOUT_CACHE = (
    "import boto3\n"
    "\n"
    'client = boto3.client("bedrock-runtime")\n'
    'client.converse(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0", '
    'messages=[{"role": "user", "content": [{"text": "hi"}]}], '
    'system=[{"text": "You are terse."}])'
)

RULES = (
    Rule(
        code="BC001",
        name="invalid-syntax",
        severity=Severity.ERROR,
        outcome=Outcome.UNAUDITED,
        summary="the file is not valid Python, so none of its call sites were checked",
        why=(
            "A file the parser rejects cannot be audited. Reporting it (as ruff and flake8 do) "
            "keeps a broken file from passing CI as if it were clean. Valid Python of any "
            "version from 3.10 to 3.14 is never BC001, whatever Python runs bedrockcache: "
            "syntax the running interpreter does not know (3.12 f-strings, 3.14 t-strings) is "
            "parsed with libcst's grammar."
        ),
        fix="fix the syntax error; the position points at where parsing stopped",
        bad=(Example("lint", _CLIENT + "def broken(:\n    pass\n"),),
        good=(Example("lint", _CLIENT + "def fine():\n    pass\n"),),
        layer="analyzer",
        sources=("https://docs.astral.sh/ruff/rules/invalid-syntax/",),
    ),
    Rule(
        code="BC002",
        name="unused-noqa",
        severity=Severity.WARNING,
        outcome=Outcome.ADVICE,
        summary="a `# noqa` comment names a bedrockcache code that is not reported on its line",
        why=(
            "A stale suppression hides the next real finding on that line. Only BC codes are "
            "judged; other tools' codes and a blanket `# noqa` are left alone."
        ),
        fix="remove the code from the `# noqa` comment (or the comment itself)",
        bad=(Example("lint", "x = 1  # noqa: BC101\n"),),
        good=(Example("lint", "x = 1  # noqa: E501\n"),),
        layer="analyzer",
        sources=(_RUFF_NOQA, _FLAKE8_NOQA),
    ),
    Rule(
        code="BC003",
        name="unknown-noqa-code",
        severity=Severity.WARNING,
        outcome=Outcome.ADVICE,
        summary="a `# noqa` comment names a BC code that does not exist",
        why="A misspelt code suppresses nothing, while the comment suggests it does.",
        fix="use a code listed by `bedrockcache rules`",
        bad=(Example("lint", "x = 1  # noqa: BC999\n"),),
        good=(Example("lint", _CONVERSE_WITHOUT_CACHE + "  # noqa: BC101\n"),),
        layer="analyzer",
        sources=(_RUFF_NOQA, _FLAKE8_NOQA),
    ),
    Rule(
        code="BC004",
        name="not-utf8",
        severity=Severity.ERROR,
        outcome=Outcome.UNAUDITED,
        summary="the file is not UTF-8 text, so none of its call sites were checked",
        why=(
            "Python source is UTF-8 unless it declares another encoding (PEP 263); a file that "
            "cannot be decoded cannot be audited, and is reported rather than skipped."
        ),
        fix="save the file as UTF-8 (or declare its encoding in a coding comment)",
        bad=(Example("lint", _CLIENT.encode() + b"x = '\xff'\n"),),
        good=(Example("lint", (_CLIENT + "x = 'ÿ'\n").encode()),),
        layer="analyzer",
        sources=("https://peps.python.org/pep-0263/",),
    ),
    Rule(
        code="BC005",
        name="unreadable",
        severity=Severity.ERROR,
        outcome=Outcome.UNAUDITED,
        summary="a file or directory cannot be read, so none of its call sites were checked",
        why=(
            "A file the linter cannot open (permissions, an I/O error) or a directory it cannot "
            "list may hold call sites. Skipping it in silence would let CI pass on code nobody "
            "checked, so it is reported (as ruff's E902) and the rest of the run goes on."
        ),
        fix=(
            "make the file or directory readable by the user that runs the linter, or exclude "
            "it (`extend-exclude`)"
        ),
        bad=(Example("lint-files", {"app.py": None}, note="mode 000"),),
        good=(Example("lint-files", {"app.py": _CLIENT}),),
        layer="analyzer",
        sources=("https://docs.astral.sh/ruff/rules/io-error/",),
    ),
)
