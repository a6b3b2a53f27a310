"""Code actions: each finding's fix, "fix all" for the file, and a ``# noqa`` for one finding.

Every edit is computed from the text the action produces (``apply_edits``, ``fix_text``: the code
``lint --fix`` runs), so an editor applies exactly what the command line would write, and an
action whose result would not parse is not offered.
"""

from __future__ import annotations

from collections.abc import Callable

from lsprotocol import types

from bedrockcache.lint.diagnostic import Diagnostic
from bedrockcache.lint.fixes.apply import applicable, apply_edits, parses
from bedrockcache.lint.noqa import UNKNOWN_NOQA_CODE, UNUSED_NOQA, parse_noqa
from bedrockcache.server.positions import Lines, text_edit

__all__ = ["FIX_ALL_KIND", "FIX_ALL_TITLE", "fix_action", "noqa_action", "noqa_text", "whole_edit"]

FIX_ALL_KIND = "source.fixAll.bedrockcache"
FIX_ALL_TITLE = "Fix all bedrockcache findings in this file"
# A file that did not parse or decode was not checked (no comment may hide that), and the noqa
# findings are reported on the directive itself, after suppression.
_UNSUPPRESSIBLE = frozenset({"BC001", "BC004", UNUSED_NOQA, UNKNOWN_NOQA_CODE})

ToLsp = Callable[[Diagnostic], types.Diagnostic]


def whole_edit(uri: str, lines: Lines, new: str, version: int | None) -> types.WorkspaceEdit:
    """The change of the document's text to ``new``, for this version of it."""
    edit = text_edit(lines, new)
    document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    edits = [edit] if edit is not None else []
    return types.WorkspaceEdit(
        document_changes=[types.TextDocumentEdit(text_document=document, edits=edits)]
    )


def fix_action(
    uri: str, lines: Lines, diagnostic: Diagnostic, to_lsp: ToLsp, version: int | None
) -> types.CodeAction | None:
    """The quick fix of one finding: preferred when safe, labelled when unsafe."""
    fix = diagnostic.autofix
    if fix is None or not applicable(diagnostic, unsafe=True):
        return None
    new = apply_edits(lines.text, fix.edits)
    if new == lines.text or not parses(new):
        return None
    safe = fix.applicability == "safe"
    title = f"{diagnostic.code}: {fix.message}" + ("" if safe else " (unsafe fix)")
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(diagnostic)],
        is_preferred=safe,
        edit=whole_edit(uri, lines, new, version),
    )


def noqa_text(text: str, lines: Lines, line: int, code: str) -> str | None:
    """``text`` with ``code`` added to the noqa directive of ``line`` (one is appended when the
    line has none); None when no directive can be written there (the line ends inside a string,
    or the result would not suppress the code)."""
    comment = parse_noqa(text).lines.get(line)
    start = lines.starts[line - 1] if line - 1 < len(lines.starts) else len(text)
    source_line = lines.line_text(line - 1)
    if comment is not None:
        if comment.codes is None or comment.end_column is None or code in comment.codes:
            return None  # a blanket noqa already covers the line
        at = start + comment.end_column - 1
        new = text[:at] + f", {code}" + text[at:]
    else:
        at = start + len(source_line.rstrip())
        new = text[:at] + f"  # noqa: {code}" + text[at:]
    found = parse_noqa(new).lines.get(line)
    if found is None or found.codes is None or code not in found.codes or not parses(new):
        return None
    return new


def noqa_action(
    uri: str, lines: Lines, diagnostic: Diagnostic, to_lsp: ToLsp, version: int | None
) -> types.CodeAction | None:
    if diagnostic.code in _UNSUPPRESSIBLE:
        return None
    new = noqa_text(lines.text, lines, diagnostic.line, diagnostic.code)
    if new is None:
        return None
    return types.CodeAction(
        title=f"Suppress with `# noqa: {diagnostic.code}`",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(diagnostic)],
        edit=whole_edit(uri, lines, new, version),
    )
