"""Which of an audit's findings lint reports: a finding means money lost or a request that fails.

``audit()`` judges one request. In source code a request is rarely whole, and a missing directive
loses nothing when the model may not be Claude, when the request holds only the per-call question,
or when even all of its stable prefix is certainly below the minimum (a literal "hi" in demo code).
Findings that cannot be decided (``Outcome.UNAUDITED``) are reasons the call site was not fully
audited, not diagnostics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bedrockcache.audit import AuditReport
from bedrockcache.facts import Facts
from bedrockcache.findings import Finding, Outcome
from bedrockcache.unknown import Unknown

__all__ = ["Verdict", "verdict"]


@dataclass
class Verdict:
    reported: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why the call site is not fully audited


def verdict(audited: AuditReport, facts: Facts) -> Verdict:
    found = Verdict()
    model_id = audited.wire.model_id if audited.wire is not None else None
    if isinstance(model_id, Unknown):
        found.reasons.append(
            f"model id unknown ({model_id.source}): Claude caching rules may not apply"
        )
    for finding in audited.findings:
        if finding.code.startswith("BC1") and (
            isinstance(model_id, Unknown) or not could_cache(audited, facts)
        ):
            continue
        if finding.outcome is Outcome.UNAUDITED:
            found.reasons.append(f"{finding.code} {finding.message}")
            continue
        found.reported.append(finding)
    found.reasons += [f"unknown: {u}" for u in audited.unaudited]
    return found


def could_cache(report: AuditReport, facts: Facts) -> bool:
    """Whether a directive could cache anything across calls: there is a stable prefix (more than
    the per-call question), and it is not certainly below the model's minimum (or, for a model
    the data does not know, below every caching model's minimum)."""
    if report.wire is None:
        return True
    stable = report.wire.stable_tokens
    if stable.high == 0:
        return False
    model = report.model.model if report.model is not None else None
    if model is not None and model.min_tokens:
        minimum = model.min_tokens
    else:
        minimum = min((m.min_tokens or 0 for m in facts.models if m.caching == "yes"), default=0)
    return not stable.below(minimum)
