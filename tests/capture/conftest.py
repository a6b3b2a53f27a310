"""Fixtures of the capture tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from capture.server import RecordingServer, recording_server


@pytest.fixture
def local_server() -> Iterator[RecordingServer]:
    """A fake Bedrock runtime on 127.0.0.1 that records the path of every request it gets."""
    with recording_server() as server:
        yield server
