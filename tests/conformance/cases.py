"""A harness Variant whose lint side may leave a named part unresolved (Strands, pydantic-ai).

Framework programs register tools as decorated functions and name models the data may not know.
The linter does not size a function's spec and reports an unknown model id as unresolved (BC304)
where ``audit()``, given the same inputs, reports a finding: neither is a disagreement about the
verdict. ``check_case`` compares everything ``harness.check`` does, and on the lint side accepts
exactly the unresolved reasons the case names (each a code prefix) and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from bedrockcache import audit
from bedrockcache.findings import Severity
from bedrockcache.lint.checker import check_source
from conformance.harness import Variant, breakpoints, check, reported, run

__all__ = ["Case", "check_case", "params"]


@dataclass(frozen=True)
class Case:
    variant: Variant
    lint_unresolved: tuple[str, ...] = ()  # reason prefixes (codes) lint may leave open
    marks: tuple[Any, ...] = ()


def params(cases: list[Case]) -> list[Any]:
    return [pytest.param(case, id=case.variant.id, marks=case.marks) for case in cases]


def check_case(case: Case) -> None:
    variant = case.variant
    if not case.lint_unresolved:
        check(variant)
        return
    captured = run(variant.source, variant.id.replace("-", "_"))
    assert len(captured.requests) == variant.requests, [r.describe() for r in captured.requests]
    on_wire = breakpoints(captured.requests[-1].report.wire)
    assert on_wire == variant.wire, f"the library sent {on_wire}, FACTS claim {variant.wire}"
    layer = audit(variant.request, variant.backend)
    predicted = breakpoints(layer.wire)
    assert predicted == on_wire, f"backend predicts {predicted}, the library sent {on_wire}"
    assert reported(layer) == variant.codes, f"audit() reports {sorted(reported(layer))}"
    result = check_source(variant.source, "variant.py")
    codes = frozenset(d.code for d in result.diagnostics if d.severity is not Severity.INFO)
    # A code lint leaves unresolved is not among its diagnostics (audit() reports BC304 for a
    # model id the data does not know; lint says it could not decide).
    assert codes == variant.codes - set(case.lint_unresolved), "lint and audit() disagree"
    reasons = [reason for item in result.unresolved for reason in item.reasons]
    assert reasons, "expected lint to leave the unseen part unresolved"
    assert all(reason.startswith(case.lint_unresolved) for reason in reasons), reasons
