"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.postgres import PrivatePostgres

# --- Local servers for the notification channels (tests/servers/) ---------------------------
from tests.servers.smtp import SMTPServer, self_signed
from tests.servers.zalo import ZaloServer


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tls_contexts(tmp_path: Path) -> tuple:  # type: ignore[type-arg]
    return self_signed(tmp_path)


@pytest.fixture
def smtp_tls_server(tls_contexts: tuple) -> Iterator[SMTPServer]:  # type: ignore[type-arg]
    server = SMTPServer(tls=tls_contexts[0])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def zalo_server() -> Iterator[ZaloServer]:
    with ZaloServer() as server:
        yield server
@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the test's own, that it may stop and start (``tests/servers/postgres.py``)."""
    try:
        server = PrivatePostgres()
    except FileNotFoundError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true needs PostgreSQL's binaries: {exc}")
        pytest.skip(str(exc))
    with server:
        yield server
# --- end of local servers --------------------------------------------------------------------
