"""The language server: pygls handlers around the lint of one buffer.

Edits are debounced per document; analyses run one at a time on a worker thread (the project's
module memo is not shared across threads), and a result is published only when the document is
still at the version that was linted, so a slow lint never overwrites a newer one. Every
handler's failure is logged and shown as a diagnostic of the document: the server never stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path, uri_scheme
from pygls.workspace import TextDocument

from bedrockcache import __version__
from bedrockcache.config import ConfigError
from bedrockcache.findings import Severity
from bedrockcache.lint.diagnostic import Diagnostic, Unresolved, internal_error
from bedrockcache.lint.fixes.apply import applicable
from bedrockcache.output import internal_error_message, rule_for, rule_url
from bedrockcache.server.actions import (
    FIX_ALL_KIND,
    FIX_ALL_TITLE,
    fix_action,
    noqa_action,
    whole_edit,
)
from bedrockcache.server.analysis import Analysis, analyse, fix_all
from bedrockcache.server.hover import hover
from bedrockcache.server.incremental import ChunkedParser
from bedrockcache.server.positions import Lines
from bedrockcache.server.settings import ConfigCache, Options

__all__ = ["SOURCE", "BedrockcacheServer", "create_server"]

SOURCE = "bedrockcache"
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
_PYTHON_SUFFIXES = (".py", ".pyi")
log = logging.getLogger(__name__)


class BedrockcacheServer(LanguageServer):
    """The state of one editor session: options, configs, the last analysis per document."""

    def __init__(self) -> None:
        super().__init__(SOURCE, __version__)
        self.options = Options()
        self.configs = ConfigCache()
        self.analyses: dict[str, Analysis] = {}
        self.parsers: dict[str, ChunkedParser] = {}  # per document, used on the worker only
        self._pending: dict[str, asyncio.Task[None]] = {}
        # One worker: analyses share the process's project memo, which is not thread-safe.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bedrockcache-lint")

    # ---- analysis ------------------------------------------------------------------------------

    def lines(self, text: str) -> Lines:
        return Lines(text, self.workspace.position_codec.client_num_units)

    def is_python(self, document: TextDocument) -> bool:
        return document.language_id == "python" or document.uri.endswith(_PYTHON_SUFFIXES)

    def _analyse(self, uri: str, text: str, fixes: bool) -> Analysis:
        """Runs on the worker thread; never raises."""
        path = _path(uri)
        try:
            settings = self.configs.settings_for(path, self.options.config)
        except ConfigError as exc:
            return Analysis(text, fixes, config_error=str(exc))
        parser = self.parsers.setdefault(uri, ChunkedParser())
        try:
            return analyse(text, path or "untitled.py", settings, fixes, parser)
        except Exception as exc:  # analyse guards itself; a bug here must not stop the server
            return Analysis(text, fixes, unresolved=[internal_error(path or uri, exc)])

    async def analysis(self, document: TextDocument, fixes: bool = False) -> Analysis:
        """The analysis of the document's current text (linted now when not known yet), with
        the findings' edits when ``fixes``."""
        text = document.source
        known = self.analyses.get(document.uri)
        if known is not None and known.text == text and (known.fixes or not fixes):
            return known
        loop = asyncio.get_running_loop()
        run = self._analyse
        found = await loop.run_in_executor(self._worker, run, document.uri, text, fixes)
        self.analyses[document.uri] = found
        for error in found.internal_errors:
            self.log(types.MessageType.Error, f"{document.uri}: {internal_error_message(error)}")
        if found.config_error is not None:
            self.log(types.MessageType.Error, f"configuration error: {found.config_error}")
        return found

    def schedule(self, uri: str, delay: float) -> None:
        """Lint ``uri`` after ``delay`` seconds, replacing any lint of it still waiting."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._pending[uri] = asyncio.get_running_loop().create_task(self._later(uri, delay))

    async def _later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        try:
            await self.publish(uri)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug of the server's own: say so where the user looks
            self.log(types.MessageType.Error, f"{uri}: bedrockcache server error: {exc!r}")
            error = internal_error(_path(uri) or uri, exc)
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[self._internal(error)])
            )
        finally:
            if self._pending.get(uri) is asyncio.current_task():
                del self._pending[uri]

    async def publish(self, uri: str) -> None:
        document = self.workspace.text_documents.get(uri)
        if document is None or not self.is_python(document):
            return
        version = document.version
        found = await self.analysis(document)
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != version or current.source != found.text:
            return  # closed or edited meanwhile: that edit has its own lint scheduled
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=self.lsp_diagnostics(found)
            )
        )

    def relint_all(self) -> None:
        """After a config change: forget every answer and lint the open documents again."""
        self.configs.clear()
        self.analyses.clear()
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    def log(self, kind: types.MessageType, message: str) -> None:
        log.warning(message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    # ---- conversion ----------------------------------------------------------------------------

    def lsp_diagnostics(self, found: Analysis) -> list[types.Diagnostic]:
        lines = self.lines(found.text)
        out = [self.to_lsp(lines, d) for d in found.diagnostics]
        if found.config_error is not None:
            out.append(
                types.Diagnostic(
                    range=lines.range(1, 1, 1, len(lines.line_text(0)) + 1),
                    message=f"configuration error, the file was not checked: {found.config_error}",
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
            )
        for unresolved in found.unresolved:
            if unresolved.internal:
                out.append(self._internal(unresolved, lines))
            elif self.options.show_unresolved:
                out.append(self._hint(unresolved, lines))
        return out

    def to_lsp(self, lines: Lines, d: Diagnostic) -> types.Diagnostic:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=from_fs_path(r.path) or r.path, range=_range_in(r)),
                message=r.message,
            )
            for r in d.related
        ]
        return types.Diagnostic(
            range=lines.range(d.line, d.column, d.end_line, d.end_column),
            message=d.message,
            severity=_SEVERITY.get(d.severity, types.DiagnosticSeverity.Warning),
            code=d.code,
            code_description=types.CodeDescription(href=rule_url(d.code)),
            source=SOURCE,
            related_information=related or None,
        )

    def _internal(self, error: Unresolved, lines: Lines | None = None) -> types.Diagnostic:
        lines = lines or self.lines("")
        return types.Diagnostic(
            range=lines.range(1, 1, 1, len(lines.line_text(0)) + 1),
            message=internal_error_message(error),
            severity=types.DiagnosticSeverity.Error,
            source=SOURCE,
        )

    def _hint(self, unresolved: Unresolved, lines: Lines) -> types.Diagnostic:
        end = len(lines.line_text(unresolved.line - 1)) + 1
        return types.Diagnostic(
            range=lines.range(unresolved.line, unresolved.column, unresolved.line, end),
            message=f"{unresolved.kind} not fully audited: {'; '.join(unresolved.reasons)}",
            severity=types.DiagnosticSeverity.Hint,
            source=SOURCE,
        )


def _path(uri: str) -> str | None:
    """The file of a ``file:`` URI; None for an unsaved buffer or another scheme."""
    if uri_scheme(uri) != "file":
        return None
    return to_fs_path(uri)


def _range_in(place: Any) -> types.Range:
    """A range in another file, converted with that file's text when it can be read."""
    try:
        with open(place.path, encoding="utf-8", newline="") as handle:
            lines = Lines(handle.read())
    except (OSError, UnicodeDecodeError):
        lines = Lines("")
    return lines.range(place.line, place.column, place.end_line, place.end_column)


def create_server() -> BedrockcacheServer:
    """A server with every handler registered (a new one per call, for tests)."""
    server = BedrockcacheServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: BedrockcacheServer, params: types.InitializeParams) -> None:
        ls.options = Options.parse(params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: BedrockcacheServer, params: types.InitializedParams) -> None:
        await _watch_config_files(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: BedrockcacheServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: BedrockcacheServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _is_config(ls, uri):
            return  # a config takes effect when saved
        ls.schedule(uri, ls.options.debounce_ms / 1000)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: BedrockcacheServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if _is_config(ls, uri):
            ls.relint_all()
        else:
            ls.schedule(uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: BedrockcacheServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = ls._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        ls.analyses.pop(uri, None)
        ls.parsers.pop(uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched(ls: BedrockcacheServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_is_config(ls, change.uri) for change in params.changes):
            ls.relint_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def configuration(ls: BedrockcacheServer, params: types.DidChangeConfigurationParams) -> None:
        ls.options = Options.parse(params.settings, ls.options)
        ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=True,
        ),
    )
    async def code_action(
        ls: BedrockcacheServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        document = ls.workspace.get_text_document(params.text_document.uri)
        if not ls.is_python(document):
            return []
        found = await ls.analysis(document)
        lines = ls.lines(found.text)
        start = lines.lint_position(params.range.start)
        end = lines.lint_position(params.range.end)

        def in_range(d: Diagnostic) -> bool:
            return (d.line, d.column) <= end and start <= (d.end_line, d.end_column)

        only = params.context.only
        quick = not only or any(k.startswith(types.CodeActionKind.QuickFix) for k in only)
        explicit_all = bool(only) and any(
            FIX_ALL_KIND.startswith(k) and k != "" for k in only or ()
        )
        # The edits cost one more printing of the module: found only when a fix may be shown.
        if explicit_all or (quick and any(_fixable(d) for d in found.diagnostics if in_range(d))):
            found = await ls.analysis(document, fixes=True)
        actions: list[types.CodeAction] = []
        if quick:
            for d in found.diagnostics:
                if in_range(d):
                    for make in (fix_action, noqa_action):
                        action = make(
                            document.uri,
                            lines,
                            d,
                            lambda x: ls.to_lsp(lines, x),
                            document.version,
                        )
                        if action is not None:
                            actions.append(action)
        if found.fixes and any(applicable(d, _unsafe(ls, document)) for d in found.diagnostics):
            fix_all_action = types.CodeAction(
                title=FIX_ALL_TITLE,
                kind=FIX_ALL_KIND,
                data={"uri": document.uri, "version": document.version},
            )
            if not _resolves_edits(ls):  # the client cannot ask for the edit later: make it now
                fix_all_action.edit = await _fix_all_edit(ls, document, found)
            actions.append(fix_all_action)
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: BedrockcacheServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        uri = data.get("uri")
        if action.title != FIX_ALL_TITLE or not isinstance(uri, str):
            return action
        document = ls.workspace.get_text_document(uri)
        found = await ls.analysis(document, fixes=True)
        action.edit = await _fix_all_edit(ls, document, found)
        return action

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: BedrockcacheServer, params: types.HoverParams) -> types.Hover | None:
        document = ls.workspace.get_text_document(params.text_document.uri)
        if not ls.is_python(document):
            return None
        found = await ls.analysis(document)
        lines = ls.lines(found.text)
        line, column = lines.lint_position(params.position)
        shown = hover(lines, found.diagnostics, line, column)
        if shown is None:
            return None
        markdown, (first, start, last, end) = shown
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
            range=lines.range(first, start, last, end),
        )

    return server


async def _fix_all_edit(
    ls: BedrockcacheServer, document: TextDocument, found: Analysis
) -> types.WorkspaceEdit:
    """The edit of "fix all": ``lint --fix`` on the buffer, re-linting between passes."""
    path = _path(document.uri)
    settings = ls.configs.settings_for(path, ls.options.config)
    loop = asyncio.get_running_loop()
    outcome = await loop.run_in_executor(
        ls._worker, fix_all, found.text, path or "untitled.py", settings, found.diagnostics
    )
    return whole_edit(document.uri, ls.lines(found.text), outcome.text, document.version)


def _fixable(d: Diagnostic) -> bool:
    """Whether the rule of a finding has a fix (the finding itself may still have none)."""
    entry = rule_for(d.code)
    return entry is not None and entry.autofix is not None


def _resolves_edits(ls: BedrockcacheServer) -> bool:
    """Whether the client resolves a code action's edit when it is chosen (LSP 3.16)."""
    document = ls.client_capabilities.text_document
    actions = document.code_action if document else None
    support = actions.resolve_support if actions else None
    return support is not None and "edit" in support.properties


def _unsafe(ls: BedrockcacheServer, document: TextDocument) -> bool:
    try:
        return ls.configs.settings_for(_path(document.uri), ls.options.config).unsafe_fixes
    except ConfigError:
        return False


def _is_config(ls: BedrockcacheServer, uri: str) -> bool:
    path = _path(uri)
    return path is not None and ls.configs.is_config(path)


async def _watch_config_files(ls: BedrockcacheServer) -> None:
    """Ask the client to report changes to config files, when it can watch files for us."""
    workspace = ls.client_capabilities.workspace
    watching = workspace.did_change_watched_files if workspace else None
    if watching is None or not watching.dynamic_registration:
        return  # such a client reloads the config on save of an open config file only
    watchers = [types.FileSystemWatcher(glob_pattern="**/pyproject.toml")]
    if ls.options.config:
        path = os.path.abspath(ls.options.config)
        watchers.append(types.FileSystemWatcher(glob_pattern=path))
    registration = types.Registration(
        id="bedrockcache-config",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
    )
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(registrations=[registration])
        )
    except Exception as exc:  # a client that refuses still gets reloads on save
        ls.log(types.MessageType.Warning, f"could not watch config files: {exc}")
