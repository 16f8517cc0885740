"""Reading documents must never reach the network, not even loopback."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading documents must never reach the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("documents tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
