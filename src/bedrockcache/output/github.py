"""``github``: workflow commands that GitHub Actions turns into annotations on the PR diff.

Escaping follows the Actions toolkit (``@actions/core`` command.ts): data escapes ``%``, CR and
LF; property values also escape ``:`` and ``,``, which would otherwise end the property.
"""

from __future__ import annotations

from bedrockcache.findings import Severity
from bedrockcache.lint.diagnostic import Diagnostic, LintResult, Unresolved
from bedrockcache.output import internal_error_message, sorted_diagnostics

__all__ = ["escape_data", "escape_property", "render"]

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _annotation(d: Diagnostic) -> str:
    properties = {
        "title": f"bedrockcache ({d.code})",
        "file": d.path,
        "line": str(d.line),
        "col": str(d.column),
        "endLine": str(d.end_line),
        "endColumn": str(d.end_column),
    }
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    message = escape_data(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}")
    return f"::{_COMMAND.get(d.severity, 'warning')} {props}::{message}"


def _internal(error: Unresolved) -> str:
    props = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("title", "bedrockcache (internal error)"),
            ("file", error.path),
            ("line", str(error.line)),
            ("col", str(error.column)),
        )
    )
    return f"::error {props}::{escape_data(f'{error.path}: {internal_error_message(error)}')}"


def render(result: LintResult) -> str:
    lines = [_annotation(d) for d in sorted_diagnostics(result.diagnostics)]
    lines += [_internal(u) for u in result.internal_errors]
    return "".join(line + "\n" for line in lines)
