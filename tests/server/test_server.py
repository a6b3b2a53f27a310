"""End to end: the real server in a subprocess, a real LSP client over stdio (pytest-lsp)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from bedrockcache.config import load_settings
from bedrockcache.lint.checker import check_source
from bedrockcache.output import rule_url
from bedrockcache.rules.catalogue import rule

from .session import (
    BOT,
    SERVER,
    apply_edit,
    change_document,
    initialize,
    make_client,
    open_document,
    project,
    published,
)

pytestmark = pytest.mark.asyncio


def _codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics if d.code is not None)


def _relint(path: Path, text: str) -> list[tuple[str, int]]:
    """(code, line) of what ``bedrockcache lint`` reports for ``text`` at ``path``."""
    settings = load_settings(path.parent)
    return [(d.code, d.line) for d in check_source(text, str(path), settings).diagnostics]


async def _actions(
    client: LanguageClient, path: Path, text: str, only: list[str] | None = None
) -> list[types.CodeAction]:
    end = types.Position(line=len(text.splitlines()), character=0)
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
            range=types.Range(start=types.Position(line=0, character=0), end=end),
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


async def test_initialize_advertises_the_features(client: LanguageClient, tmp_path: Path):
    result = await initialize(client, tmp_path)
    capabilities = result.capabilities
    assert result.server_info is not None and result.server_info.name == "bedrockcache"
    assert capabilities.hover_provider
    assert isinstance(capabilities.code_action_provider, types.CodeActionOptions)
    kinds = capabilities.code_action_provider.code_action_kinds or []
    assert types.CodeActionKind.QuickFix in kinds
    assert "source.fixAll.bedrockcache" in kinds
    assert capabilities.code_action_provider.resolve_provider
    # The client can watch files: the server asks it to report config changes.
    await _eventually(lambda: client.registrations)
    registration = client.registrations[0]
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    watchers = registration.register_options["watchers"]
    assert [w["globPattern"] for w in watchers] == ["**/pyproject.toml"]


async def _eventually(condition, timeout: float = 30) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met")
        await asyncio.sleep(0.02)


async def test_diagnostics_on_open_match_lint(client: LanguageClient, tmp_path: Path):
    module = project(tmp_path)
    await initialize(client, tmp_path)
    open_document(client, module, BOT)
    diagnostics = await published(client, module, version=1)
    assert _codes(diagnostics) == ["BC101", "BC201", "BC310"]
    by_code = {d.code: d for d in diagnostics}
    bc101 = by_code["BC101"]
    # lint: bot.py:11:12 BC101 -> 0-based line 10, character 11
    assert (bc101.range.start.line, bc101.range.start.character) == (10, 11)
    assert bc101.severity == types.DiagnosticSeverity.Error
    assert bc101.source == "bedrockcache"
    assert bc101.message == "no cachePoint block anywhere in the Converse request"
    assert bc101.code_description is not None
    assert bc101.code_description.href == rule_url("BC101")


async def test_diagnostics_follow_edits_and_saves(client: LanguageClient, tmp_path: Path):
    module = project(tmp_path)
    await initialize(client, tmp_path)
    open_document(client, module, BOT)
    assert "BC101" in _codes(await published(client, module, version=1))
    fixed = BOT.replace(
        'system=[{"text": POLICY}],',
        'system=[{"text": POLICY}, {"cachePoint": {"type": "default"}}],',
    )
    change_document(client, module, fixed, version=2)
    # The buffer is linted, not the file on disk (which still has the finding).
    assert _codes(await published(client, module, version=2)) == ["BC201", "BC310"]
    assert "BC101" in {code for code, _ in _relint(module, module.read_text())}
    module.write_text(fixed)
    count = len(client.published)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(module.as_uri()))
    )
    assert _codes(await published(client, module, after=count)) == ["BC201", "BC310"]


async def test_each_quick_fix_applies_cleanly(client: LanguageClient, tmp_path: Path):
    module = project(tmp_path)
    await initialize(client, tmp_path)
    open_document(client, module, BOT)
    diagnostics = await published(client, module, version=1)
    actions = await _actions(client, module, BOT)
    fixes = [a for a in actions if a.title.startswith("BC")]
    assert sorted(a.title.split(":")[0] for a in fixes) == _codes(diagnostics)
    for action in fixes:
        code = action.title.split(":")[0]
        assert action.kind == types.CodeActionKind.QuickFix
        assert [d.code for d in action.diagnostics or []] == [code]
        unsafe = not rule(code).autofix.safe
        assert action.is_preferred is not unsafe
        assert action.title.endswith("(unsafe fix)") is unsafe
        line = action.diagnostics[0].range.start.line + 1
        new = apply_edit(BOT, action.edit)
        ast.parse(new)
        remaining = _relint(module, new)
        assert code not in {c for c, _ in remaining}, (code, remaining)
        assert len(remaining) == len(diagnostics) - 1, (code, remaining, line)


async def test_suppress_with_noqa_for_each_finding(client: LanguageClient, tmp_path: Path):
    # An existing directive of another tool on the reported line is extended, not duplicated.
    source = BOT.replace(
        '"cache_control": {"type": "ephemeral"},\n',
        '"cache_control": {"type": "ephemeral"},  # noqa: E501\n',
    )
    module = project(tmp_path, source=source)
    await initialize(client, tmp_path)
    open_document(client, module, source)
    diagnostics = await published(client, module, version=1)
    actions = [a for a in await _actions(client, module, source) if "noqa" in a.title]
    assert sorted(a.title for a in actions) == [
        f"Suppress with `# noqa: {code}`" for code in _codes(diagnostics)
    ]
    for action in actions:
        code = action.diagnostics[0].code
        new = apply_edit(source, action.edit)
        ast.parse(new)
        remaining = _relint(module, new)
        assert {c for c, _ in remaining} == set(_codes(diagnostics)) - {code}  # no BC002 either
        if code == "BC201":
            assert "# noqa: E501, BC201" in new
    bc101 = next(a for a in actions if a.diagnostics[0].code == "BC101")
    assert "    return bedrock.converse(  # noqa: BC101\n" in apply_edit(source, bc101.edit)


async def test_fix_all_in_this_file(client: LanguageClient, tmp_path: Path):
    module = project(tmp_path)
    await initialize(client, tmp_path)
    open_document(client, module, BOT)
    await published(client, module, version=1)
    actions = await _actions(client, module, BOT, only=["source.fixAll"])
    assert [a.title for a in actions] == ["Fix all bedrockcache findings in this file"]
    resolved = await client.code_action_resolve_async(actions[0])
    new = apply_edit(BOT, resolved.edit)
    ast.parse(new)
    # Safe fixes only, as `lint --fix`: the unsafe BC310 fix waits for unsafe-fixes = true.
    assert [code for code, _ in _relint(module, new)] == ["BC310"]


async def test_fix_all_comes_with_its_edit_when_the_client_cannot_resolve(
    client: LanguageClient, tmp_path: Path
):
    capabilities = client_capabilities("visual-studio-code")
    capabilities.text_document.code_action.resolve_support = None
    module = project(tmp_path)
    await initialize(client, tmp_path, capabilities=capabilities)
    open_document(client, module, BOT)
    await published(client, module, version=1)
    (action,) = await _actions(client, module, BOT, only=["source.fixAll.bedrockcache"])
    assert action.edit is not None
    assert [code for code, _ in _relint(module, apply_edit(BOT, action.edit))] == ["BC310"]


async def test_fix_all_takes_unsafe_fixes_when_configured(client: LanguageClient, tmp_path: Path):
    module = project(tmp_path, config="unsafe-fixes = true\n")
    await initialize(client, tmp_path)
    open_document(client, module, BOT)
    await published(client, module, version=1)
    actions = await _actions(client, module, BOT, only=["source.fixAll.bedrockcache"])
    resolved = await client.code_action_resolve_async(actions[0])
    assert _relint(module, apply_edit(BOT, resolved.edit)) == []


async def test_hover_shows_the_rule(client: LanguageClient, tmp_path: Path):
    source = BOT.replace(
        '        system=[{"text": POLICY}],\n',
        '        system=[{"text": POLICY}],\n        # noqa: E501, BC310\n',
    )
    module = project(tmp_path, source=source)
    await initialize(client, tmp_path)
    open_document(client, module, source)
    await published(client, module, version=1)
    uri = types.TextDocumentIdentifier(module.as_uri())
    # Over the finding's range (line 11, the converse call).
    over = await client.text_document_hover_async(
        types.HoverParams(text_document=uri, position=types.Position(line=10, character=20))
    )
    entry = rule("BC101")
    assert over is not None and isinstance(over.contents, types.MarkupContent)
    assert entry.why in over.contents.value
    assert f"**Use instead:** {entry.fix}" in over.contents.value
    assert rule_url("BC101") in over.contents.value
    # Over a code in a noqa comment.
    line = source.splitlines().index("        # noqa: E501, BC310")
    column = source.splitlines()[line].index("BC310") + 2
    on_code = await client.text_document_hover_async(
        types.HoverParams(text_document=uri, position=types.Position(line=line, character=column))
    )
    assert on_code is not None and rule("BC310").why in on_code.contents.value
    assert on_code.range.start == types.Position(line=line, character=column - 2)
    # Anywhere else: nothing.
    blank = await client.text_document_hover_async(
        types.HoverParams(text_document=uri, position=types.Position(line=1, character=3))
    )
    assert blank is None


async def test_config_change_is_picked_up(client: LanguageClient, tmp_path: Path):
    module = project(tmp_path)
    await initialize(client, tmp_path)
    open_document(client, module, BOT)
    assert "BC310" in _codes(await published(client, module, version=1))
    config = tmp_path / "pyproject.toml"
    # The watcher the server registered reports the change.
    config.write_text('[tool.bedrockcache]\nignore = ["BC310"]\n')
    count = len(client.published)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert _codes(await published(client, module, after=count)) == ["BC101", "BC201"]
    # Saving the config in the editor does too.
    config.write_text('[tool.bedrockcache]\nignore = ["BC2"]\n')
    count = len(client.published)
    open_document(client, config, config.read_text(), language="toml")
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(config.as_uri()))
    )
    assert _codes(await published(client, module, after=count)) == ["BC101", "BC310"]
    # A config lint refuses is said on the document, and the server goes on.
    config.write_text("[tool.bedrockcache]\nselekt = []\n")
    count = len(client.published)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(config.as_uri()))
    )
    broken = await published(client, module, after=count)
    assert len(broken) == 1 and "configuration error" in broken[0].message
    assert "selekt" in broken[0].message and broken[0].severity == types.DiagnosticSeverity.Error


async def test_unresolved_call_sites_as_hints_when_asked(client: LanguageClient, tmp_path: Path):
    source = BOT + (
        "\n\ndef ask(model_id: str, question: str) -> dict:\n"
        "    return bedrock.converse(\n"
        "        modelId=model_id,\n"
        '        messages=[{"role": "user", "content": [{"text": question}]}],\n'
        "    )\n"
    )
    module = project(tmp_path, source=source)
    await initialize(client, tmp_path, {"showUnresolved": True})
    open_document(client, module, source)
    diagnostics = await published(client, module, version=1)
    hints = [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Hint]
    assert len(hints) == 1
    assert "not fully audited" in hints[0].message and "model_id" in hints[0].message
    assert (
        hints[0].range.start.line
        == source.splitlines().index("def ask(model_id: str, question: str) -> dict:") + 1
    )
    # Turned off through the settings: gone.
    count = len(client.published)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"bedrockcache": {"showUnresolved": False}})
    )
    after = await published(client, module, after=count)
    assert not [d for d in after if d.severity == types.DiagnosticSeverity.Hint]
    assert _codes(after) == _codes(diagnostics)


async def test_broken_buffer_is_a_diagnostic_not_a_crash(client: LanguageClient, tmp_path: Path):
    module = project(tmp_path)
    await initialize(client, tmp_path)
    broken = BOT.replace("def answer(question: str) -> dict:", "def answer(question: str -> dict:")
    open_document(client, module, broken)
    diagnostics = await published(client, module, version=1)
    assert _codes(diagnostics) == ["BC001"]
    assert "invalid syntax" in diagnostics[0].message
    change_document(client, module, BOT, version=2)
    assert _codes(await published(client, module, version=2)) == ["BC101", "BC201", "BC310"]


async def test_shutdown_and_exit(tmp_path: Path):
    client = await ClientServerConfig(server_command=SERVER, client_factory=make_client).start()
    await initialize(client, tmp_path)
    await client.shutdown_session()
    assert client._server is not None and client._server.returncode == 0
    await client.stop()


@pytest.mark.parametrize(
    ("marker", "fault"),
    [
        ("CRASH_IN_ANALYSIS", "injected fault in the analysis"),
        ("CRASH_IN_CHECKER", "injected fault outside the analysis"),
    ],
)
async def test_a_crash_in_one_analysis_is_reported_and_the_server_goes_on(
    faulty: LanguageClient, tmp_path: Path, marker: str, fault: str
):
    module = project(tmp_path)
    await initialize(faulty, tmp_path)
    crashing = BOT + f"\n# {marker}\n"
    open_document(faulty, module, crashing)
    diagnostics = await published(faulty, module, version=1)
    assert len(diagnostics) == 1
    assert diagnostics[0].severity == types.DiagnosticSeverity.Error
    assert f"internal error (RuntimeError: {fault})" in diagnostics[0].message
    assert any(fault in m.message for m in faulty.log_messages)
    # The same server lints the next version, and another document, as usual.
    change_document(faulty, module, BOT, version=2)
    assert _codes(await published(faulty, module, version=2)) == ["BC101", "BC201", "BC310"]
    other = tmp_path / "other.py"
    other.write_text(BOT)
    open_document(faulty, other, BOT)
    assert _codes(await published(faulty, other, version=1)) == ["BC101", "BC201", "BC310"]


async def test_related_information_links_to_the_definition(client: LanguageClient, tmp_path: Path):
    from tests.lint.test_related import MAIN, PROMPTS, WRAP

    app = tmp_path / "app"
    app.mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.bedrockcache]\n")
    for name, text in {"__init__.py": "", "prompts.py": PROMPTS, "wrap.py": WRAP}.items():
        (app / name).write_text(text)
    main = app / "main.py"
    main.write_text(MAIN)
    await initialize(client, tmp_path)
    open_document(client, main, MAIN)
    diagnostics = {(d.code, d.range.start.line): d for d in await published(client, main, 1)}
    (defined,) = diagnostics[("BC310", 12)].related_information
    assert defined.location.uri == (app / "prompts.py").as_uri()
    assert defined.location.range == types.Range(
        start=types.Position(line=3, character=19), end=types.Position(line=3, character=52)
    )
    assert defined.message == "the value is defined here"
    (sent,) = diagnostics[("BC101", 18)].related_information
    assert sent.location.uri == (app / "wrap.py").as_uri()
    assert sent.location.range.start == types.Position(line=7, character=11)
    assert diagnostics[("BC101", 22)].related_information is None
