"""What a lint run produces: diagnostics at source positions, and call sites it could not audit.

The output formats, the cache and the flake8 plugin all read these types, so they carry plain data
(paths as the user wrote them, 1-based lines and columns) and nothing tied to libcst.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bedrockcache.findings import Severity

__all__ = ["Diagnostic", "LintResult", "Unresolved"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding at a place in a file; sorts by path, then position, then code."""

    path: str  # as displayed: relative to the working directory when under it
    line: int  # 1-based
    column: int  # 1-based, in characters (as ruff and flake8 print it)
    code: str
    message: str
    end_line: int
    end_column: int  # 1-based, exclusive
    severity: Severity = Severity.WARNING
    fix: str | None = None  # the change to make, in words (the catalogue's "use instead")


@dataclass(frozen=True, order=True)
class Unresolved:
    """A Bedrock call site whose request is only partly known: what could not be audited there."""

    path: str
    line: int
    column: int
    kind: str  # the call site kind, e.g. "boto3 converse", "litellm completion"
    reasons: tuple[str, ...]  # the unknown parts, e.g. "system (parameter 'prompt')"


@dataclass
class LintResult:
    """Everything a run found, in a stable order, with the counts the summary line prints."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    files_checked: int = 0  # files read (after discovery and excludes)
    files_parsed: int = 0  # files that passed the prefilter and were parsed
    call_sites: int = 0  # Bedrock call sites found and audited
