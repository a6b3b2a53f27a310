"""A catalogue entry: code, name, severity, the why, the fix, and executable examples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrockcache.findings import Finding, Outcome, Severity

__all__ = ["Autofix", "Example", "Rule"]


@dataclass(frozen=True)
class Example:
    """A request for ``audit(request, backend)``; the tests run every one of them."""

    backend: str
    request: Any
    note: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Autofix:
    """What ``bedrockcache lint --fix`` does for this rule's findings, as ruff documents it.

    ``always`` when every finding gets an edit; ``sometimes`` when only findings on literals the
    linter located exactly do (a value built at run time is not rewritten). A safe fix changes
    only what is cached; an unsafe one (``--unsafe-fixes``) may change what the program does.
    """

    does: str  # what the edit does, in words
    safe: bool = True
    availability: str = "sometimes"  # "always" | "sometimes"
    why_unsafe: str = ""

    @property
    def applicability(self) -> str:
        return "safe" if self.safe else "unsafe"

    def describe(self) -> str:
        """ruff's sentence: "Fix is sometimes available." plus its safety."""
        text = f"Fix is {self.availability} available: {self.does}."
        if self.safe:
            return f"{text} The fix is safe (`--fix`)."
        return f"{text} The fix is unsafe (`--fix --unsafe-fixes`): {self.why_unsafe}."


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    outcome: Outcome
    summary: str
    why: str
    fix: str
    bad: tuple[Example, ...]
    good: tuple[Example, ...]
    layer: str = "bedrock"
    sources: tuple[str, ...] = ()
    autofix: Autofix | None = None  # None: no mechanical fix

    def finding(
        self,
        message: str | None = None,
        *,
        path: str | None = None,
        severity: Severity | None = None,
        outcome: Outcome | None = None,
        fix: str | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            outcome=outcome or self.outcome,
            message=message or self.summary,
            path=path,
            fix=fix or self.fix,
        )
