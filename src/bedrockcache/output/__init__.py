"""Renderers for ``bedrockcache lint`` results, one module per family of formats.

Every format reads the same ``LintResult`` and the same rule metadata, so the docs URL, the
ordering and the lookup of catalogue entries live here, once. The renderers are imported lazily:
a run that prints text never imports the SARIF code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bedrockcache.lint.diagnostic import Diagnostic, LintResult, Unresolved
from bedrockcache.rules import Rule, catalogue

__all__ = [
    "FORMATS",
    "HOMEPAGE",
    "ISSUES",
    "code_counts",
    "internal_error_message",
    "plural",
    "render",
    "rule_for",
    "rule_url",
    "sorted_diagnostics",
]

FORMATS = ("text", "concise", "json", "json-lines", "sarif", "github")

HOMEPAGE = "https://github.com/bedrockcache/bedrockcache"
ISSUES = HOMEPAGE + "/issues"
_RULE_URL = HOMEPAGE + "/blob/main/docs/rules.md#{anchor}"


def internal_error_message(error: Unresolved) -> str:
    """What every format says about a file a crash of bedrockcache stopped checking."""
    reason = "; ".join(error.reasons)
    return (
        f"internal error ({reason}): the file was not fully checked; please report it at {ISSUES}"
    )


def rule_url(code: str) -> str:
    """The one place the docs URL of a rule is spelled; json, sarif and the CLI all link here."""
    return _RULE_URL.format(anchor=code.lower())


def rule_for(code: str) -> Rule | None:
    """The catalogue entry, or None: a code this version does not know must not crash output."""
    return catalogue().get(code)


def sorted_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Output order is path, position, code: stable across runs and parallel workers."""
    return sorted(
        diagnostics,
        key=lambda d: (d.path, d.line, d.column, d.code, d.end_line, d.end_column, d.message),
    )


def code_counts(diagnostics: Iterable[Diagnostic]) -> list[tuple[str, int]]:
    """Per-code counts, most frequent first (ties by code), as ``--statistics`` prints them."""
    counts = Counter(d.code for d in diagnostics)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render(
    fmt: str,
    result: LintResult,
    *,
    show_unresolved: bool = False,
    statistics: bool = False,
    quiet: bool = False,
    cwd: Path | None = None,
) -> str:
    """Render ``result`` as ``fmt``; the text ends with a newline unless it is empty.

    ``show_unresolved`` and ``quiet`` shape the human formats only: machine formats carry
    diagnostics and nothing else. ``statistics`` has a text and a JSON form; it is refused for
    sarif and github, which feed CI systems that expect findings. Raises ``ValueError`` (one
    line, for a usage error) on an unknown format or that combination.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")
    if statistics and fmt in ("sarif", "github"):
        raise ValueError(f"--statistics cannot be combined with output format {fmt!r}")
    if fmt in ("text", "concise"):
        from bedrockcache.output import text

        return text.render(
            result,
            concise=fmt == "concise",
            show_unresolved=show_unresolved,
            statistics=statistics,
            quiet=quiet,
        )
    if fmt in ("json", "json-lines"):
        from bedrockcache.output import json

        return json.render(result, lines=fmt == "json-lines", statistics=statistics)
    if fmt == "github":
        from bedrockcache.output import github

        return github.render(result)
    from bedrockcache.output import sarif

    return sarif.render(result, cwd=cwd if cwd is not None else Path.cwd())
