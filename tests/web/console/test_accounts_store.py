"""Accounts and sessions on both databases kehoach supports (the store suite's contract style)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kehoach.plans.directory import Directory
from kehoach.store.db import make_engine, session
from kehoach.web.console.accounts import AccountError, add_user, authenticate, disable_user
from kehoach.web.console.sessions import LIFETIME, close_session, open_session, user_for
from tests.web.console.conftest import NOW, PASSWORD

DIRECTORY = Directory.model_validate({"units": [{"id": "van-phong", "name": "Văn phòng"}]})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
        yield eng
        eng.dispose()
        return
    base = os.environ.get("KEHOACH_TEST_POSTGRES_URL")
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail("KEHOACH_TEST_POSTGRES_URL is not set but CI=true: PostgreSQL is required in CI")
        pytest.skip("PostgreSQL not configured (set KEHOACH_TEST_POSTGRES_URL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    eng = make_engine(f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}")
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_accounts_lock_and_sessions_expire_on_every_database(any_engine: Engine) -> None:
    with session(any_engine) as s:
        # Given an account, and a second one refused for the same email in other letter case
        add_user(s, DIRECTORY, username="vanthu", office="van-phong", role="van_thu", password=PASSWORD,
                 email="VanThu@vp.example", now=NOW)
        with pytest.raises(AccountError, match="email 'vanthu@vp.example' đã được dùng"):
            add_user(s, DIRECTORY, username="khac", office="van-phong", role="van_thu", password=PASSWORD,
                     email="vanthu@VP.example", now=NOW)
        # Then the email logs in whatever its case; five wrong passwords lock it for 15 minutes
        assert authenticate(s, "VANTHU@vp.example", PASSWORD, NOW) is not None
        for _ in range(5):
            assert authenticate(s, "vanthu", "sai-mat-khau-1", NOW) is None
        assert authenticate(s, "vanthu", PASSWORD, NOW + timedelta(minutes=14)) is None
        user = authenticate(s, "vanthu", PASSWORD, NOW + timedelta(minutes=15, seconds=1))
        assert user is not None
        # A session holds until its lifetime ends, and not after logout or a disabled account
        token = open_session(s, user, NOW)
        assert user_for(s, token, NOW + LIFETIME - timedelta(seconds=1)) is not None
        assert user_for(s, token, NOW + LIFETIME) is None
        close_session(s, token)
        assert user_for(s, token, NOW) is None
        token = open_session(s, user, NOW)
        disable_user(s, "vanthu")
        assert user_for(s, token, NOW) is None
        assert authenticate(s, "vanthu", PASSWORD, NOW) is None
