"""The network guard in tests/conftest.py must refuse remote hosts and allow loopback."""

from __future__ import annotations

import socket
import threading

import pytest

import conftest


def test_a_remote_address_is_refused_and_recorded() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="network guard"):
            sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routable
    finally:
        sock.close()
    assert conftest._attempts == ["192.0.2.1:443"]
    conftest._attempts.clear()  # this test provoked it on purpose


def test_loopback_is_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted: list[bool] = []
    thread = threading.Thread(target=lambda: accepted.append(bool(server.accept())))
    thread.start()
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    thread.join(5)
    server.close()
    assert accepted == [True]
