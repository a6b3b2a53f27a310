"""What every backend returns, and the small helpers they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrockcache.facts import Facts
from bedrockcache.findings import Finding
from bedrockcache.rules.model import Rule
from bedrockcache.wire import WireRequest

__all__ = ["Context", "Translation"]


@dataclass
class Translation:
    """A layer's input, as the library really sends it to Bedrock.

    ``wire`` is None when the library raises before anything is sent (the findings say why).
    ``findings`` are the layer's own: directives it drops, rewrites or refuses (BC2xx).
    ``missing`` is the layer's BC1xx code, reported when no directive reaches Bedrock at all.
    """

    wire: WireRequest | None
    missing: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    """One translation's input and what it has found so far."""

    request: Mapping[str, Any]
    facts: Facts
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def report(self, rule: Rule, message: str, path: str | None = None) -> None:
        self.findings.append(rule.finding(message, path=path))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
