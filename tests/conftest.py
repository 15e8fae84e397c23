"""Shared fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.postgres import PrivatePostgres

# What a developer's shell may hold that would point a test at real people or a real server:
# an SMTP relay, Zalo credentials, a production database or Prefect API. Tests name their own.
HOST_SETTINGS = ("KEHOACH_", "PREFECT_API_", "PREFECT_PROFILE")


def pytest_configure(config: pytest.Config) -> None:
    """Drop the shell's kehoach and Prefect API settings before any test or child process reads them.

    Settings read the environment, and the CLI tests pass it on to subprocesses: with
    ``KEHOACH_ZALO_REFRESH_TOKEN`` or ``KEHOACH_SMTP_HOST`` set for real work, a test would
    otherwise send the seed plans' reminders through them. ``KEHOACH_TEST_*`` (the test
    PostgreSQL) is kept.
    """
    for name in [n for n in os.environ if n.startswith(HOST_SETTINGS) and not n.startswith("KEHOACH_TEST_")]:
        del os.environ[name]
    # The command line's rich consoles are made once per process, and one made while COLUMNS is
    # set keeps that width for good: made here without it, they follow each test's COLUMNS
    # whichever test in this worker happens to import the command line first.
    columns = os.environ.pop("COLUMNS", None)
    import kehoach.cli.common  # noqa: F401
    if columns is not None:
        os.environ["COLUMNS"] = columns

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
