"""``# noqa`` suppressions with flake8's syntax and ruff's bookkeeping of unused codes.

Only real comments count: the source is tokenized, so ``"# noqa"`` inside a string does nothing.
A suppression is judged by the physical line the diagnostic is reported on (its start line), as
flake8 does. A listed code that suppressed nothing is reported (BC002), so stale suppressions do
not pile up and hide the next real finding on that line; a blanket ``# noqa`` and other tools'
codes are never reported, because they may serve another linter.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from bedrockcache.findings import Severity
from bedrockcache.lint.diagnostic import Diagnostic
from bedrockcache.rules import catalogue

__all__ = [
    "UNKNOWN_NOQA_CODE",
    "UNUSED_NOQA",
    "NoqaComment",
    "NoqaMap",
    "apply_noqa",
    "parse_noqa",
]

UNUSED_NOQA = "BC002"
UNKNOWN_NOQA_CODE = "BC003"
_OWN_PREFIX = "BC"
# A file that cannot be parsed or decoded was not checked; no comment may turn that into a pass.
_UNSUPPRESSIBLE = frozenset({"BC001", "BC004"})

# flake8's NOQA_INLINE_REGEX (6.1+), searched within each comment.
_CODES = r"(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+)"
_INLINE = re.compile(r"# noqa(?::[\s]?" + _CODES + r")?", re.IGNORECASE)
# File level, only as a comment on a line of its own, at its start: "bedrockcache: noqa" with
# optional codes, and flake8's own file-level form (with codes, read as ruff reads it: those
# codes, whole file). Spelled out here without the hash so that linters of this file skip it.
_FILE = re.compile(
    r"#\s*(?:bedrockcache:|flake8[:=])\s*noqa(?::[\s]?" + _CODES + r")?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_MENTIONS_NOQA = re.compile("noqa", re.IGNORECASE)


@dataclass(frozen=True)
class NoqaComment:
    """One directive; ``column`` is the 1-based column of its ``#``, ``codes`` None = blanket."""

    line: int
    column: int
    codes: tuple[str, ...] | None
    end_column: int | None = None  # 1-based, exclusive: where the directive text ends


@dataclass(frozen=True)
class NoqaMap:
    """The directives of one file: per physical line, and those that cover the whole file."""

    lines: Mapping[int, NoqaComment] = field(default_factory=dict)
    file: tuple[NoqaComment, ...] = ()

    @property
    def whole_file(self) -> bool:
        return any(comment.codes is None for comment in self.file)

    @property
    def file_codes(self) -> frozenset[str]:
        return frozenset(code for comment in self.file for code in comment.codes or ())


def _codes(match: re.Match[str]) -> tuple[str, ...] | None:
    raw = match.group("codes")
    if raw is None:
        return None
    return tuple(dict.fromkeys(code.upper() for code in _CODE.findall(raw)))


def _comment(match: re.Match[str], line: int, column0: int) -> NoqaComment:
    start = column0 + match.start()
    end = start + len(match.group(0).rstrip(", \t"))
    return NoqaComment(line=line, column=start + 1, codes=_codes(match), end_column=end + 1)


def parse_noqa(source: str) -> NoqaMap:
    """Collect the directives in ``source``; a file that does not tokenize suppresses nothing."""
    if not _MENTIONS_NOQA.search(source):
        return NoqaMap()
    source = source.removeprefix("\ufeff")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return NoqaMap()
    lines: dict[int, NoqaComment] = {}
    file_level: list[NoqaComment] = []
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        row, col = tok.start
        own_line = tok.line[:col].strip() == ""
        file_match = _FILE.match(tok.string) if own_line else None
        if file_match is not None:
            file_level.append(_comment(file_match, row, col))
            continue
        inline = _INLINE.search(tok.string)
        if inline is not None:
            lines[row] = _comment(inline, row, col)
    return NoqaMap(lines=lines, file=tuple(file_level))


def apply_noqa(
    diagnostics: list[Diagnostic],
    noqa: NoqaMap,
    path: str,
    *,
    known_codes: Collection[str],
    enabled: Callable[[str], bool],
) -> list[Diagnostic]:
    """Drop suppressed diagnostics of the file at ``path``; add BC002/BC003 for its directives.

    A code counts as unused only when this run could have reported it (known and enabled): a
    suppression for a rule the user switched off is not judged. BC002 and BC003 are added after
    suppression, so the directive they point at cannot hide them; a file-level directive can.
    BC001 and BC004 (the file could not be parsed or decoded) are never suppressed.
    """
    if noqa.whole_file:
        return [d for d in diagnostics if d.code in _UNSUPPRESSIBLE]
    file_codes = noqa.file_codes
    used: dict[int, set[str]] = {}
    kept: list[Diagnostic] = []
    for d in diagnostics:
        if d.code in _UNSUPPRESSIBLE:
            kept.append(d)
            continue
        if d.code in file_codes:
            continue
        comment = noqa.lines.get(d.line)
        if comment is not None and (comment.codes is None or d.code in comment.codes):
            used.setdefault(d.line, set()).add(d.code)
            continue
        kept.append(d)
    known = frozenset(known_codes)
    added: list[Diagnostic] = []
    for comment in sorted(noqa.lines.values(), key=lambda c: (c.line, c.column)):
        own = [code for code in comment.codes or () if code.startswith(_OWN_PREFIX)]
        unused = [
            code
            for code in own
            if code in known and enabled(code) and code not in used.get(comment.line, ())
        ]
        if unused:
            message = f"Unused noqa directive (unused: {', '.join(unused)})"
            added.append(_directive_diagnostic(UNUSED_NOQA, message, comment, path))
        added.extend(_unknown(comment, known, path))
    for comment in noqa.file:
        added.extend(_unknown(comment, known, path))
    added = [d for d in added if d.code not in file_codes and enabled(d.code)]
    return sorted(
        kept + added,
        key=lambda d: (d.path, d.line, d.column, d.code, d.end_line, d.end_column, d.message),
    )


def _unknown(comment: NoqaComment, known: frozenset[str], path: str) -> list[Diagnostic]:
    codes = [c for c in comment.codes or () if c.startswith(_OWN_PREFIX) and c not in known]
    if not codes:
        return []
    message = f"Unknown rule code in noqa directive: {', '.join(codes)}"
    return [_directive_diagnostic(UNKNOWN_NOQA_CODE, message, comment, path)]


def _directive_diagnostic(code: str, message: str, comment: NoqaComment, path: str) -> Diagnostic:
    entry = catalogue().get(code)
    return Diagnostic(
        path=path,
        line=comment.line,
        column=comment.column,
        code=code,
        message=message,
        end_line=comment.line,
        end_column=comment.end_column or comment.column + 1,
        severity=entry.severity if entry else Severity.WARNING,
        fix=entry.fix if entry else None,
    )
