"""Fixtures shared by every test: no network, no model downloads."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

# Set at import, before any test module imports huggingface_hub (it reads these once).
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
for _name in OFFLINE_VARIABLES:
    os.environ[_name] = "1"


class NetworkBlocked(RuntimeError):
    """A test tried to reach a host other than this machine."""


def _is_local(address: Any) -> bool:
    """Loopback addresses, ``localhost`` and Unix sockets are allowed; nothing else."""
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard(original: Any) -> Any:
    def guarded(sock: socket.socket, address: Any, *args: Any) -> Any:
        if sock.family != socket.AF_UNIX and not _is_local(address):
            raise NetworkBlocked(f"tests must not reach the network: connection to {address!r}")
        return original(sock, address, *args)

    return guarded


def _guard_sendto(original: Any) -> Any:
    def guarded(sock: socket.socket, data: bytes, *args: Any) -> Any:
        address = args[-1]
        if sock.family != socket.AF_UNIX and not _is_local(address):
            raise NetworkBlocked(f"tests must not reach the network: datagram to {address!r}")
        return original(sock, data, *args)

    return guarded


@pytest.fixture(autouse=True, scope="session")
def no_network() -> Iterator[None]:
    """Make outbound connections fail loudly (loopback is fine) and keep Hugging Face offline."""
    with pytest.MonkeyPatch.context() as mp:
        for name in OFFLINE_VARIABLES:
            mp.setenv(name, "1")
        mp.setattr(socket.socket, "connect", _guard(socket.socket.connect))
        mp.setattr(socket.socket, "connect_ex", _guard(socket.socket.connect_ex))
        mp.setattr(socket.socket, "sendto", _guard_sendto(socket.socket.sendto))
        yield

from tests.index_fixtures import (  # noqa: F401
    HashingEncoder,
    collection_qa,
    real_encoder,
    seed_corpus,
    seed_qa,
    seed_settings,
)
