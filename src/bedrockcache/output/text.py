"""The human formats: ``text`` (with a help line per fix) and ``concise`` (one line per finding).

Both end with a ruff-style summary plus the coverage lines: a linter that cannot see every
request must say how much it saw, or a clean run reads as a guarantee it is not.
"""

from __future__ import annotations

from bedrockcache.lint.diagnostic import Diagnostic, LintResult, Unresolved
from bedrockcache.output import (
    code_counts,
    internal_error_message,
    plural,
    rule_for,
    sorted_diagnostics,
)

__all__ = ["render"]


def render(
    result: LintResult,
    *,
    concise: bool = False,
    show_unresolved: bool = False,
    statistics: bool = False,
    quiet: bool = False,
) -> str:
    diagnostics = sorted_diagnostics(result.diagnostics)
    sections: list[list[str]] = []
    if statistics:
        sections.append(_statistics(diagnostics))
    else:
        sections.append([line for d in diagnostics for line in _diagnostic(d, concise=concise)])
    # A crash is never quiet: a run that could not check a file must not read as a pass.
    sections.append([f"{u.path}: {internal_error_message(u)}" for u in result.internal_errors])
    if show_unresolved:
        sections.append([_unresolved(u) for u in sorted(result.not_audited)])
    if not quiet:
        sections.append(_summary(result, listed=show_unresolved))
    blocks = ["\n".join(lines) for lines in sections if lines]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _one_line(text: str) -> str:
    """Editors and grep read one finding per line; a line break in a message must not split it."""
    return " ".join(text.splitlines())


def _diagnostic(d: Diagnostic, *, concise: bool) -> list[str]:
    lines = [f"{d.path}:{d.line}:{d.column}: {d.code} {_one_line(d.message)}"]
    if d.fix and not concise:
        lines.append(f"  help: {_one_line(d.fix)}")
    return lines


def _unresolved(u: Unresolved) -> str:
    what = "not audited" if u.kind == "file" else "not fully audited"
    head = f"{u.path}:{u.line}:{u.column}: {u.kind}: {what}"
    return f"{head}: {_one_line('; '.join(u.reasons))}" if u.reasons else head


def _statistics(diagnostics: list[Diagnostic]) -> list[str]:
    counts = code_counts(diagnostics)
    if not counts:
        return []
    count_width = max(len(str(n)) for _, n in counts)
    code_width = max(len(code) for code, _ in counts)
    lines = []
    for code, n in counts:
        entry = rule_for(code)
        name = entry.name if entry else ""
        lines.append(f"{n:>{count_width}}  {code:<{code_width}}  {name}".rstrip())
    return lines


def _summary(result: LintResult, *, listed: bool) -> list[str]:
    found = len(result.diagnostics)
    if result.fixed:
        total = found + result.fixed
        lines = [f"Found {plural(total, 'error')} ({result.fixed} fixed, {found} remaining)."]
    elif found or result.internal_errors:
        lines = [f"Found {plural(found, 'error')}."]
    else:
        lines = ["All checks passed!"]
    lines += _fixable(result.diagnostics, result.unsafe_fixes)
    checked = (
        f"{plural(result.call_sites, 'Bedrock call site')} checked in "
        f"{plural(result.files_checked, 'file')}"
    )
    if result.call_sites:
        checked += f", {result.fully_audited} fully audited"
    lines.append(checked)
    if result.not_audited:
        files = sum(1 for u in result.not_audited if u.kind == "file")
        sites = len(result.not_audited) - files
        counts = []
        if sites:
            counts.append(f"{plural(sites, 'call site')} not fully audited")
        if files:
            counts.append(f"{plural(files, 'file')} not audited")
        line = ", ".join(counts)
        lines.append(line if listed else f"{line} (--show-unresolved lists them)")
    if result.internal_errors:
        crashed = plural(len(result.internal_errors), "file")
        lines.append(f"{crashed} not fully checked because of an internal error (listed above)")
    return lines


def _fixable(diagnostics: list[Diagnostic], unsafe: bool) -> list[str]:
    """ruff's hint line: how many findings ``--fix`` would correct, and how many more
    ``--unsafe-fixes`` would."""
    safe = sum(1 for d in diagnostics if d.autofix and d.autofix.applicability == "safe")
    hidden = sum(1 for d in diagnostics if d.autofix and d.autofix.applicability == "unsafe")
    if unsafe:
        safe, hidden = safe + hidden, 0
    more = f"{hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the "
    more += "`--unsafe-fixes` option"
    if safe:
        line = f"[*] {safe} fixable with the `--fix` option"
        return [f"{line} ({more})." if hidden else f"{line}."]
    return [f"No fixes available ({more})."] if hidden else []
