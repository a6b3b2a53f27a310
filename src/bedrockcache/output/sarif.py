"""``sarif``: SARIF 2.1.0 shaped for GitHub code scanning.

GitHub keys alerts on the rule id, a repo-relative path and ``primaryLocationLineHash``; if any
of them moves between runs, every alert is closed and reopened. So URIs are relative to the
source root (``%SRCROOT%``), and the fingerprint hashes the text of the reported line rather
than its number: adding a line above a finding keeps the alert. Columns are code points, as
``Diagnostic`` counts them, and the run says so (``columnKind``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

import bedrockcache
from bedrockcache.findings import Severity
from bedrockcache.lint.diagnostic import Diagnostic, LintResult
from bedrockcache.output import (
    HOMEPAGE,
    internal_error_message,
    rule_for,
    rule_url,
    sorted_diagnostics,
)

__all__ = ["render", "sarif_log"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}
_TEXT_LIMIT = 1024  # GitHub's limit for shortDescription and fullDescription


def render(result: LintResult, *, cwd: Path) -> str:
    return json.dumps(sarif_log(result, cwd=cwd), indent=2) + "\n"


def sarif_log(result: LintResult, *, cwd: Path) -> dict[str, Any]:
    """The whole log as plain data; ``cwd`` is the source root that relative paths start from."""
    root = Path(os.path.abspath(cwd))
    diagnostics = sorted_diagnostics(result.diagnostics)
    first_by_code: dict[str, Diagnostic] = {}
    for d in diagnostics:
        first_by_code.setdefault(d.code, d)
    codes = sorted(first_by_code)
    index = {code: i for i, code in enumerate(codes)}
    sources = _SourceLines()
    occurrences: Counter[tuple[str, str, str]] = Counter()
    results = []
    for d in diagnostics:
        path, artifact = _artifact_location(d.path, root)
        text = sources.line(path, d.line)
        key = (d.code, artifact["uri"], " ".join(text.split()) if text is not None else "")
        occurrences[key] += 1
        results.append(_result(d, index[d.code], artifact, _line_hash(key, occurrences[key])))
    root_uri = root.as_uri()
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "bedrockcache",
                        "version": bedrockcache.__version__,
                        "informationUri": HOMEPAGE,
                        "rules": [_rule(code, first_by_code[code]) for code in codes],
                    }
                },
                "originalUriBaseIds": {
                    SRCROOT: {"uri": root_uri if root_uri.endswith("/") else root_uri + "/"}
                },
                "columnKind": "unicodeCodePoints",
                "invocations": [_invocation(result, root)],
                "results": results,
            }
        ],
    }


def _invocation(result: LintResult, root: Path) -> dict[str, Any]:
    """SARIF 3.20: ``executionSuccessful`` is false when a crash stopped the checking of a file,
    and each such file is a tool execution notification (3.58), so code scanning shows that
    the run was incomplete instead of a clean result."""
    notifications = []
    for error in result.internal_errors:
        _, artifact = _artifact_location(error.path, root)
        notifications.append(
            {
                "level": "error",
                "message": {"text": internal_error_message(error)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact}}],
                "descriptor": {"id": "internal-error"},
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _limit(text: str) -> str:
    return text if len(text) <= _TEXT_LIMIT else text[: _TEXT_LIMIT - 1] + "…"


def _rule(code: str, first: Diagnostic) -> dict[str, Any]:
    """Full metadata from the catalogue; a code it lacks still gets a valid, non-empty entry."""
    entry = rule_for(code)
    if entry is None:
        message = first.message or code
        help_text = f"{message}\n\nFix: {first.fix}" if first.fix else message
        return {
            "id": code,
            "shortDescription": {"text": _limit(message)},
            "fullDescription": {"text": _limit(message)},
            "help": {"text": help_text, "markdown": help_text},
            "defaultConfiguration": {"level": _LEVEL.get(first.severity, "warning")},
            "properties": {
                "tags": ["bedrock", "prompt-caching"],
                "precision": "high",
                "problem.severity": _PROBLEM_SEVERITY.get(first.severity, "warning"),
            },
        }
    url = rule_url(code)
    summary = entry.summary or entry.name or code
    why = entry.why or summary
    help_text = f"{why}\n\nFix: {entry.fix}\n\nSee {url}" if entry.fix else f"{why}\n\nSee {url}"
    markdown = [f"**{code} {entry.name}**: {summary}", why]
    if entry.fix:
        markdown.append(f"**Fix:** {entry.fix}")
    markdown.append(f"[Rule documentation]({url})")
    tags = ["bedrock", "prompt-caching"]
    if entry.layer and entry.layer not in tags:
        tags.append(entry.layer)
    descriptor: dict[str, Any] = {"id": code}
    if entry.name:
        descriptor["name"] = entry.name[:255]
    descriptor.update(
        {
            "shortDescription": {"text": _limit(summary)},
            "fullDescription": {"text": _limit(why)},
            "help": {"text": help_text, "markdown": "\n\n".join(markdown)},
            "helpUri": url,
            "defaultConfiguration": {"level": _LEVEL.get(entry.severity, "warning")},
            "properties": {
                "tags": tags,
                "precision": "high",
                "problem.severity": _PROBLEM_SEVERITY.get(entry.severity, "warning"),
            },
        }
    )
    return descriptor


def _result(
    d: Diagnostic, rule_index: int, artifact: dict[str, str], line_hash: str
) -> dict[str, Any]:
    start_line = max(1, d.line)
    start_column = max(1, d.column)
    end_line = max(start_line, d.end_line)
    end_column = max(1, d.end_column)
    if end_line == start_line:
        end_column = max(start_column, end_column)
    return {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL.get(d.severity, "warning"),
        "message": {"text": d.message or d.code},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {
                        "startLine": start_line,
                        "startColumn": start_column,
                        "endLine": end_line,
                        "endColumn": end_column,
                    },
                }
            }
        ],
        "partialFingerprints": {"primaryLocationLineHash": line_hash},
        **({"fixes": [_fix(d, artifact)]} if d.autofix is not None else {}),
    }


def _fix(d: Diagnostic, artifact: dict[str, str]) -> dict[str, Any]:
    """SARIF's fix object (3.55): the edits as replacements, with their applicability, which
    SARIF has no field for, in the property bag."""
    assert d.autofix is not None
    return {
        "description": {"text": d.autofix.message},
        "artifactChanges": [
            {
                "artifactLocation": artifact,
                "replacements": [
                    {
                        "deletedRegion": {
                            "startLine": e.line,
                            "startColumn": e.column,
                            "endLine": e.end_line,
                            "endColumn": e.end_column,
                        },
                        "insertedContent": {"text": e.content},
                    }
                    for e in d.autofix.edits
                ],
            }
        ],
        "properties": {"applicability": d.autofix.applicability},
    }


def _artifact_location(path: str, root: Path) -> tuple[Path, dict[str, str]]:
    """The file on disk and its SARIF location: relative to ``%SRCROOT%`` when under it."""
    absolute = Path(os.path.normpath(path if os.path.isabs(path) else root / path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return absolute, {"uri": absolute.as_uri()}
    return absolute, {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def _line_hash(key: tuple[str, str, str], occurrence: int) -> str:
    digest = hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()[:16]
    return f"{digest}:{occurrence}"


class _SourceLines:
    """Reads each reported file once; a file that cannot be read hashes without its text."""

    def __init__(self) -> None:
        self._files: dict[Path, list[str] | None] = {}

    def line(self, path: Path, number: int) -> str | None:
        if path not in self._files:
            try:
                with open(
                    path, encoding="utf-8-sig"
                ) as handle:  # universal newlines, as line numbers
                    self._files[path] = handle.read().split("\n")
            except (OSError, UnicodeDecodeError):
                self._files[path] = None
        lines = self._files[path]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]
