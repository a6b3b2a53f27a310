"""``json`` and ``json-lines``: ruff's field names, so tools that read ruff's JSON read ours.

A diagnostic with a mechanical fix carries ruff's fix object (applicability, message, edits);
one without carries its advice as ``{"message": ...}``.
"""

from __future__ import annotations

import json
from typing import Any

from bedrockcache.lint.diagnostic import Diagnostic, LintResult, Unresolved
from bedrockcache.output import (
    ISSUES,
    code_counts,
    internal_error_message,
    rule_for,
    rule_url,
    sorted_diagnostics,
)

__all__ = ["diagnostic_object", "internal_error_object", "render"]


def diagnostic_object(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic as ruff's JSON shape; ``name`` and ``url`` are null for an unknown code."""
    entry = rule_for(d.code)
    return {
        "code": d.code,
        "name": entry.name if entry else None,
        "message": d.message,
        "url": rule_url(d.code) if entry else None,
        "filename": d.path,
        "location": {"row": d.line, "column": d.column},
        "end_location": {"row": d.end_line, "column": d.end_column},
        "severity": d.severity.value,
        "fix": _fix(d),
    }


def _fix(d: Diagnostic) -> dict[str, Any] | None:
    """ruff's fix object when there is an edit; the advice alone (no edits) otherwise."""
    if d.autofix is None:
        return {"message": d.fix} if d.fix else None
    return {
        "applicability": d.autofix.applicability,
        "message": d.autofix.message,
        "edits": [
            {
                "content": e.content,
                "location": {"row": e.line, "column": e.column},
                "end_location": {"row": e.end_line, "column": e.end_column},
            }
            for e in d.autofix.edits
        ],
    }


def _statistic_objects(result: LintResult) -> list[dict[str, Any]]:
    objects = []
    for code, count in code_counts(result.diagnostics):
        entry = rule_for(code)
        objects.append({"code": code, "name": entry.name if entry else None, "count": count})
    return objects


def internal_error_object(error: Unresolved) -> dict[str, Any]:
    """A file a crash stopped checking, in the diagnostic shape with ``code`` null (as ruff
    reports a syntax error), so a reader of ruff's JSON sees it without a new schema."""
    return {
        "code": None,
        "name": "internal-error",
        "message": internal_error_message(error),
        "url": ISSUES,
        "filename": error.path,
        "location": {"row": error.line, "column": error.column},
        "end_location": {"row": error.line, "column": error.column},
        "severity": "error",
        "fix": None,
    }


def render(result: LintResult, *, lines: bool = False, statistics: bool = False) -> str:
    if statistics:
        objects = _statistic_objects(result)
    else:
        objects = [diagnostic_object(d) for d in sorted_diagnostics(result.diagnostics)]
        objects += [internal_error_object(u) for u in result.internal_errors]
    if lines:
        return "".join(json.dumps(obj) + "\n" for obj in objects)
    return json.dumps(objects, indent=2) + "\n"
