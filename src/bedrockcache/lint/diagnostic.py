"""What a lint run produces: diagnostics at source positions, and call sites it could not audit.

The output formats, the cache and the flake8 plugin all read these types, so they carry plain data
(paths as the user wrote them, 1-based lines and columns) and nothing tied to libcst.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bedrockcache.findings import Severity

__all__ = ["Diagnostic", "Edit", "Fix", "LintResult", "Related", "Unresolved", "internal_error"]


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text from (line, column) to (end_line, end_column) with ``content``.

    Same coordinates as a Diagnostic (1-based, columns in characters, end exclusive), so an editor
    or ``--fix`` can apply it to the file without parsing it again; an insertion is an empty range.
    """

    line: int
    column: int
    end_line: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    """The edits that correct one diagnostic. ``applicability`` is ruff's: a "safe" fix changes
    only what is cached and applies with ``--fix``; an "unsafe" one may change what the program
    does (it moves content or changes a library setting) and needs ``--unsafe-fixes``."""

    message: str
    applicability: str  # "safe" | "unsafe"
    edits: tuple[Edit, ...]


@dataclass(frozen=True, order=True)
class Related:
    """Another place a finding concerns: the value is defined there (a constant of another
    module), or the request is sent there (the Bedrock call inside a wrapper). ``path`` is
    absolute, since it may lie outside what the run displays; the editor links to it."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str


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
    # The change as edits, when it is mechanical. Not compared: a diagnostic is the same finding
    # whatever its edits, and sorting must never compare a Fix with None.
    autofix: Fix | None = field(default=None, compare=False)
    related: tuple[Related, ...] = field(default=(), compare=False)


@dataclass(frozen=True, order=True)
class Unresolved:
    """A Bedrock call site whose request is only partly known: what could not be audited there.

    ``internal`` marks a file that a bug of bedrockcache's stopped checking: not a limit of what
    static analysis can see but a crash, so the run says so and exits 3 instead of passing.
    """

    path: str
    line: int
    column: int
    kind: str  # the call site kind, e.g. "boto3 converse", "litellm completion"
    reasons: tuple[str, ...]  # the unknown parts, e.g. "system (parameter 'prompt')"
    internal: bool = False


def internal_error(path: str, exc: BaseException) -> Unresolved:
    """The record of an exception that stopped the checking of one file (the run goes on)."""
    text = " ".join(str(exc).split())
    reason = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return Unresolved(path, 1, 1, "file", (reason,), internal=True)


@dataclass
class LintResult:
    """Everything a run found, in a stable order, with the counts the summary line prints."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    files_checked: int = 0  # files read (after discovery and excludes)
    files_parsed: int = 0  # files that passed the prefilter and were parsed
    call_sites: int = 0  # Bedrock call sites found and audited
    fixed: int = 0  # diagnostics fixed by --fix (the ones left are in ``diagnostics``)
    unsafe_fixes: bool = False  # whether unsafe fixes count as available (--unsafe-fixes)
    # Paths named on the command line that are not regular files (a FIFO, a device): never read.
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    @property
    def internal_errors(self) -> list[Unresolved]:
        """The files a crash of bedrockcache stopped checking (exit code 3)."""
        return [u for u in self.unresolved if u.internal]

    @property
    def fully_audited(self) -> int:
        """Call sites whose whole request was known: nothing about them was left unaudited."""
        partly = {(u.path, u.line, u.column) for u in self.not_audited if u.kind != "file"}
        return max(self.call_sites - len(partly), 0)

    @property
    def not_audited(self) -> list[Unresolved]:
        """The call sites (and files) that could not be fully audited, crashes excluded."""
        return [u for u in self.unresolved if not u.internal]
