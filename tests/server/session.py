"""Helpers for driving ``bedrockcache server`` with a real LSP client (pytest-lsp) over stdio."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

HERE = Path(__file__).parent
SERVER = [sys.executable, "-m", "bedrockcache", "server"]
# The same server with faults injected into its analysis (see faulty_server.py).
FAULTY = [sys.executable, str(HERE / "faulty_server.py")]
TIMEOUT = 60  # seconds: a loaded machine, never a speed assertion

BOT = """\
import boto3
import litellm

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
POLICY = "Follow the refund policy step by step and cite the section you used. " * 120

bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")


def answer(question: str) -> dict:
    return bedrock.converse(
        modelId=MODEL,
        system=[{"text": POLICY}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )


def answer_via_gateway(question: str) -> dict:
    return litellm.completion(
        model=f"bedrock/{MODEL}",
        messages=[
            {
                "role": "system",
                "content": [{"type": "text", "text": POLICY}],
                "cache_control": {"type": "ephemeral"},
            },
            {"role": "user", "content": question},
        ],
    )


def answer_ttl(question: str) -> dict:
    return bedrock.converse(
        modelId=MODEL,
        system=[{"text": POLICY}, {"cachePoint": {"type": "default", "ttl": "10m"}}],
        messages=[{"role": "user", "content": [{"text": question}]}],
    )
"""


def make_client() -> LanguageClient:
    """pytest-lsp's test client, recording every publish (with its version) and every
    registration the server asks for."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    register_lsp_features(client, features)
    return client


async def initialize(
    client: LanguageClient,
    root: Path,
    options: dict[str, Any] | None = None,
    capabilities: types.ClientCapabilities | None = None,
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities or client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options=options,
        )
    )


def project(root: Path, config: str = "", source: str = BOT) -> Path:
    """A project with a ``[tool.bedrockcache]`` config and one module; returns the module."""
    (root / "pyproject.toml").write_text(f"[tool.bedrockcache]\n{config}")
    module = root / "bot.py"
    module.write_text(source)
    return module


def open_document(
    client: LanguageClient, path: Path, text: str, version: int = 1, language: str = "python"
) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(), language_id=language, version=version, text=text
            )
        )
    )


def change_document(client: LanguageClient, path: Path, text: str, version: int) -> None:
    """Replace the whole buffer (an edit the user makes, not yet saved)."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def published(
    client: LanguageClient, path: Path, version: int | None = None, after: int = 0
) -> list[types.Diagnostic]:
    """The diagnostics of the first publish for ``path`` (at ``version`` when given) among those
    received after the first ``after`` publishes."""
    uri = path.as_uri()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while loop.time() < deadline:
        for params in client.published[after:]:  # type: ignore[attr-defined]
            if params.uri == uri and (version is None or params.version == version):
                return list(params.diagnostics)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no diagnostics published for {uri} (version {version})")


def apply_edit(text: str, edit: types.WorkspaceEdit) -> str:
    """What a client does with a WorkspaceEdit for one document (UTF-16 positions)."""
    changes = edit.document_changes or []
    assert len(changes) == 1
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line]
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return starts[position.line] + index
            units += len(char.encode("utf-16-le")) // 2
        return starts[position.line] + len(line.rstrip("\r\n"))

    edits = sorted(
        changes[0].edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    )
    for e in edits:
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text
