"""Run a variant through the real library inside ``capture()``; compare the wire, audit() and lint.

A variant is a small program that sends one request through one library, written the way a user
would write it, plus the same inputs in ``audit()``'s shape for that layer's backend, plus what we
claim arrives on the wire. The suite asserts three things per variant:

1. the real library put exactly the claimed breakpoints on the wire (path and ttl);
2. our backend for that layer predicts the same breakpoints from the audit inputs;
3. ``audit()`` on the layer inputs and ``bedrockcache lint`` on the program report the same codes.

A failure of (1) or (2) means a fact in FACTS.md or in our data is wrong for the pinned version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrockcache import audit
from bedrockcache.audit import AuditReport
from bedrockcache.backends import Backend
from bedrockcache.capturing import Capture, CapturedRequest, capture
from bedrockcache.findings import Severity
from bedrockcache.lint.checker import check_source
from bedrockcache.wire import WireRequest

__all__ = ["Variant", "breakpoints", "check", "lint_codes", "run"]

Points = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Variant:
    id: str
    source: str  # a module that sends one request through the library at import time
    backend: Backend  # the layer's backend for audit()
    request: Mapping[str, Any]  # the same inputs in audit()'s shape for that backend
    wire: Points  # claimed breakpoints on the wire: (path, ttl as sent or None)
    codes: frozenset[str] = field(default_factory=frozenset)  # codes audit() and lint report
    requests: int = 1  # how many Bedrock requests the program sends (the last is compared)


def run(source: str, name: str = "variant") -> Capture:
    """Execute ``source`` as a fresh module inside an offline capture."""
    namespace: dict[str, Any] = {"__name__": name}
    with capture() as captured:
        exec(compile(source, f"<{name}>", "exec"), namespace)
    return captured


def breakpoints(wire: WireRequest | None) -> Points:
    if wire is None:
        return ()
    return tuple((bp.path, bp.ttl) for bp in wire.breakpoints)


def reported(report: AuditReport) -> frozenset[str]:
    """The codes a default lint run shows: info-level findings need an explicit --select."""
    return frozenset(f.code for f in report.findings if f.severity is not Severity.INFO)


def lint_codes(source: str) -> frozenset[str]:
    result = check_source(source, "variant.py")
    assert not result.unresolved, result.unresolved
    return frozenset(d.code for d in result.diagnostics if d.severity is not Severity.INFO)


def check(variant: Variant) -> tuple[CapturedRequest, AuditReport]:
    captured = run(variant.source, variant.id.replace("-", "_"))
    assert len(captured.requests) == variant.requests, [r.describe() for r in captured.requests]
    sent = captured.requests[-1]
    on_wire = breakpoints(sent.report.wire)
    assert on_wire == variant.wire, f"the library sent {on_wire}, FACTS claim {variant.wire}"
    layer = audit(variant.request, variant.backend)
    predicted = breakpoints(layer.wire)
    assert predicted == on_wire, f"backend predicts {predicted}, the library sent {on_wire}"
    assert reported(layer) == variant.codes, f"audit() reports {sorted(reported(layer))}"
    assert lint_codes(variant.source) == variant.codes, "lint and audit() disagree"
    return sent, layer
