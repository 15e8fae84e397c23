"""Accounts and sessions on both databases kehoach supports (the store suite's contract style)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from kehoach.plans.directory import Directory
from kehoach.store.db import session
from kehoach.web.console.accounts import AccountError, add_user, authenticate, disable_user
from kehoach.web.console.sessions import LIFETIME, close_session, open_session, user_for
from tests.store.conftest import engine  # noqa: F401,F811  (SQLite and PostgreSQL, a schema per test)
from tests.web.console.conftest import NOW, PASSWORD

DIRECTORY = Directory.model_validate({"units": [{"id": "van-phong", "name": "Văn phòng"}]})


def test_accounts_lock_and_sessions_expire_on_every_database(engine: Engine) -> None:
    with session(engine) as s:
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
