"""Clients connected to ``bedrockcache server`` in a subprocess over stdio (pytest-lsp)."""

from __future__ import annotations

import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from .session import FAULTY, SERVER, make_client


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    """A client connected to ``bedrockcache server``; each test initializes it."""
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=FAULTY, client_factory=make_client))
async def faulty(lsp_client: LanguageClient):
    """A client connected to the server with faults injected into its analysis."""
    yield
    await lsp_client.shutdown_session()
