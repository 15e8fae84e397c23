"""Prefect's alert webhook: only Prefect (the token) may post, and the admin gets an email."""

from __future__ import annotations

import email
import warnings
from collections.abc import Iterator
from datetime import datetime
from email import policy
from pathlib import Path

import pytest
from pydantic import SecretStr

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config
from kehoach.settings import Settings
from kehoach.store.db import make_engine
from kehoach.web.app import create_app
from tests import reporting_world as world
from tests.servers.smtp import SMTPServer

TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=VN_TZ)
TUESDAY_21 = datetime(2026, 12, 1, 21, 0, tzinfo=VN_TZ)


def client_at(tmp_path: Path, smtp: SMTPServer, now: datetime, admin: str | None = "quantri@so.example",
              ) -> Iterator[tuple[TestClient, Settings]]:
    s = Settings(data_dir=tmp_path / "data", portal_secret=SecretStr("s"), admin_email=admin,
                 smtp_host=smtp.hostname, smtp_port=smtp.port, smtp_starttls=False)
    p = world.plan()
    app = create_app(s, Config(world.directory(), {p.id: p}), make_engine(s.resolved_database_url), clock=lambda: now)
    with TestClient(app) as c:
        yield c, s


@pytest.fixture
def daytime(tmp_path: Path, smtp_server: SMTPServer) -> Iterator[tuple[TestClient, Settings]]:
    yield from client_at(tmp_path, smtp_server, TUESDAY_10)


def post(c: TestClient, token: str, kind: str = "failure") -> int:
    return c.post("/canh-bao/prefect", headers={"Authorization": f"Bearer {token}"},
                  json={"kind": kind, "subject": "[kehoach] dispatch @ 2026-12-01 10:00: Failed",
                        "body": "Lý do: 3 thông báo lỗi"}).status_code


def test_a_failed_run_alert_emails_the_admin(daytime: tuple[TestClient, Settings], smtp_server: SMTPServer) -> None:
    c, s = daytime
    assert post(c, s.alert_token()) == 200
    [msg] = smtp_server.recorder.messages
    assert msg.rcpt_tos == ["quantri@so.example"]
    parsed = email.message_from_bytes(msg.content, policy=policy.default)
    assert "dispatch @ 2026-12-01 10:00: Failed" in str(parsed["Subject"])
    assert "3 thông báo lỗi" in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_post_without_the_token_is_refused_and_sends_nothing(daytime: tuple[TestClient, Settings],
                                                               smtp_server: SMTPServer) -> None:
    c, _ = daytime
    assert post(c, "not-the-token") == 403
    assert smtp_server.recorder.messages == []


def test_a_silent_dispatch_at_night_is_not_worth_an_email(tmp_path: Path, smtp_server: SMTPServer) -> None:
    for c, s in client_at(tmp_path, smtp_server, TUESDAY_21):
        assert post(c, s.alert_token(), kind="silence") == 200
        assert smtp_server.recorder.messages == []
        assert post(c, s.alert_token(), kind="failure") == 200  # a failure is, at any hour
        assert len(smtp_server.recorder.messages) == 1
