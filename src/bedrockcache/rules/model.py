"""A catalogue entry: code, name, severity, the why, the fix, and executable examples."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrockcache.findings import Finding, Outcome, Severity

__all__ = ["Example", "Rule"]


@dataclass(frozen=True)
class Example:
    """A request for ``audit(request, backend)``; the tests run every one of them."""

    backend: str
    request: Any
    note: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


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
