"""Lint one open buffer: its text as the editor holds it, the rest of the project from disk.

``check_source`` is the same function ``lint`` runs per file; the project it is given is the
process-wide one of those settings (``project_for``), so the modules a buffer imports are parsed
once and read again only when their files change, and a keystroke re-lints one buffer, never the
project; within the buffer, only the top-level statements an edit changed are parsed again
(``incremental``). Nothing here may raise: an exception in the analysis becomes the buffer's
internal-error record, which the editor shows, and the server goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bedrockcache.config import Settings
from bedrockcache.lint.cache import FileResult
from bedrockcache.lint.checker import ModuleParser, check_source, project_for
from bedrockcache.lint.diagnostic import Diagnostic, Unresolved, internal_error
from bedrockcache.lint.fixes.apply import FixOutcome, fix_text

__all__ = ["Analysis", "analyse", "fix_all"]


@dataclass
class Analysis:
    """The result for one version of a buffer's text."""

    text: str
    fixes: bool = False  # whether the diagnostics carry their edits
    diagnostics: list[Diagnostic] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    config_error: str | None = None  # the config file lint would refuse, when there is one

    @property
    def internal_errors(self) -> list[Unresolved]:
        return [u for u in self.unresolved if u.internal]


def _check(
    text: str,
    path: str,
    settings: Settings,
    fixes: bool = True,
    parser: ModuleParser | None = None,
) -> FileResult:
    try:
        project = project_for(settings)
        return check_source(text, path, settings, project=project, fixes=fixes, parser=parser)
    except Exception as exc:  # the checker guards its analysis; this guards the rest of it
        return FileResult(unresolved=[internal_error(path, exc)])


def analyse(
    text: str,
    path: str,
    settings: Settings,
    fixes: bool = False,
    parser: ModuleParser | None = None,
) -> Analysis:
    """The buffer's diagnostics and unaudited call sites, as ``bedrockcache lint`` reports them
    for a file holding ``text``; with their edits when ``fixes`` (finding the edits prints the
    module once more: a publish goes without, a code action asks for them). ``parser`` is the
    buffer's piecewise parser, for the lints without fixes."""
    result = _check(text, path, settings, fixes, None if fixes else parser)
    return Analysis(text, fixes, result.diagnostics, result.unresolved)


def fix_all(text: str, path: str, settings: Settings, first: list[Diagnostic]) -> FixOutcome:
    """Every fix ``lint --fix`` would apply to this text (unsafe ones too when the config says
    ``unsafe-fixes = true``), re-linting between passes as it does."""
    return fix_text(
        text,
        lambda new: _check(new, path, settings).diagnostics,
        unsafe=settings.unsafe_fixes,
        first=first,
    )
