"""audit(): one request through its layer's backend, then the Bedrock rules, into an AuditReport."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrockcache.backends import Backend, detect_backend, parse_backend, translate
from bedrockcache.facts import Facts, ModelRef, default_facts
from bedrockcache.findings import Finding, Outcome, Severity
from bedrockcache.rules.bedrock import EXPLAINS_MISSING, check_request, honoured_breakpoints
from bedrockcache.rules.catalogue import rule
from bedrockcache.tokens import TokenBand
from bedrockcache.wire import WireRequest, refusing_what_python_cannot_write

__all__ = ["AuditReport", "audit"]


@dataclass
class AuditReport:
    """Will Anthropic prompt caching apply to this request on Bedrock, and if not, why.

    ``will_cache`` is True only on positive evidence: at least one breakpoint reaches Bedrock, on a
    model known to cache, over the model's minimum even by the low token estimate, and nothing in
    the request makes Bedrock or the library refuse it. ``reasons`` keeps bedrockcache 0.1.0's
    (severity, message) pairs, one per finding, each message starting with its code; ``notes``
    says how the request was read (the backend detected, the route a library takes, what was
    left unaudited and why, the tokens cached), which no code names.
    """

    backend: Backend
    will_cache: bool
    breakpoint_count: int
    reasons: list[tuple[str, str]] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cached_tokens: TokenBand | None = None
    model: ModelRef | None = None
    backend_detected: bool = False
    unaudited: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    wire: WireRequest | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.will_cache

    @property
    def errors(self) -> list[str]:
        return [m for sev, m in self.reasons if sev == "error"]

    @property
    def warnings(self) -> list[str]:
        return [m for sev, m in self.reasons if sev == "warn"]

    @property
    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def assert_caches(self) -> None:
        """Raise AssertionError, naming every reason, unless caching will apply.

        Use it in tests to lock caching in: ``audit(request, Backend.LITELLM).assert_caches()``.
        """
        if self.will_cache:
            return
        lines = [m for _, m in self.reasons] + self.notes
        lines = lines or ["no breakpoint is known to reach Bedrock"]
        lines += [f"could not audit: {u}" for u in self.unaudited]
        joined = "\n  - ".join(lines)
        raise AssertionError(
            f"bedrockcache: caching will NOT apply on backend {self.backend.value}:\n  - {joined}"
        )


def audit(
    request: Mapping[str, Any] | Any,
    backend: Backend | str | None = None,
    *,
    facts: Facts | None = None,
) -> AuditReport:
    """Audit the keyword arguments you would pass to ``backend`` (see the README for each shape).

    With ``backend=None`` the backend is detected from the request's shape and the report says so.
    An unknown backend, or no backend's shape matching, raises ValueError; a request Bedrock could
    never receive raises RequestError (a ValueError too). Nothing else escapes, whatever the
    request holds (the README's "Errors" lists the cases).
    """
    with refusing_what_python_cannot_write():
        return _audit(request, backend, facts or default_facts())


def _audit(request: Any, backend: Backend | str | None, facts: Facts) -> AuditReport:
    detected = backend is None
    chosen = detect_backend(request) if backend is None else parse_backend(backend)
    translation = translate(request, chosen, facts)
    findings = list(translation.findings)
    wire = translation.wire
    model: ModelRef | None = None
    honoured = []
    if wire is not None:
        if isinstance(wire.model_id, str):
            model = facts.resolve(wire.model_id)
        findings += check_request(wire, facts, model)
        honoured = honoured_breakpoints(wire, model)
        if not wire.breakpoints and not wire.blocking_holes and not _explains_missing(findings):
            findings.insert(0, rule(translation.missing).finding())
    refused = any(f.outcome is Outcome.REJECTED for f in findings)
    # A hole could hold anything, a fifth breakpoint or a refused value: no promise past one.
    # The per-call question is read as text (see Hole.per_call).
    holes = wire.blocking_holes if wire else ()
    will_cache = bool(honoured) and not refused and not holes
    cached = max((bp.tokens for bp in honoured), key=lambda band: band.low, default=None)
    unaudited = [f"{h.path} ({h.source})" for h in holes]
    notes = list(translation.notes)
    if detected:
        notes.insert(0, f"backend detected from the request's shape: {chosen.value}")
    reasons = [(f.severity.legacy, _reason(f)) for f in findings]
    recommendations = list(dict.fromkeys(f.fix for f in findings if f.fix))
    if will_cache and cached is not None:
        notes.append(f"{len(honoured)} breakpoint(s) cache {cached} tokens")
    return AuditReport(
        backend=chosen,
        will_cache=will_cache,
        breakpoint_count=len(wire.breakpoints) if wire else 0,
        reasons=reasons,
        recommendations=recommendations,
        findings=findings,
        cached_tokens=cached if will_cache else None,
        model=model,
        backend_detected=detected,
        unaudited=unaudited,
        notes=notes,
        wire=wire,
    )


def _explains_missing(findings: list[Finding]) -> bool:
    """A finding about a directive the user did write makes the layer's BC1xx redundant.

    That is a layer's own drop or refusal at error level (the BC2xx family), or a Bedrock rule
    about a written directive that is no breakpoint. Other problems (an invalid model id, a beta
    flag) are independent of whether a directive exists, and BC1xx is reported beside them.
    """
    return any(
        f.code in EXPLAINS_MISSING
        or (
            f.code.startswith("BC2")
            and f.severity is Severity.ERROR
            and f.outcome in (Outcome.DROPPED, Outcome.REJECTED)
        )
        for f in findings
    )


def _reason(finding: Finding) -> str:
    where = f" (at {finding.path})" if finding.path else ""
    return f"{finding.code} {finding.message}{where}"
