"""The console over the three seed plans (config/), on a temporary database and data directory.

Accounts: a clerk of Văn phòng Sở Tư pháp Đồng Tháp, a clerk of Phòng Văn hóa - Xã hội xã
Yết Kiêu, and an admin. The clock is a value the test moves.
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

with warnings.catch_warnings():  # starlette 1.x nudges towards httpx2, which is not installed here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config, load_config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import make_engine, session
from kehoach.web.app import create_app
from kehoach.web.console.accounts import add_user

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=VN_TZ)
PASSWORD = "mat-khau-du-dai-1"
DT_PLAN, LS_PLAN, YK_PLAN = "2026-stp-dong-thap-bdg", "2026-stp-lang-son-bdg", "2026-xa-yet-kieu-bdg"
ACCOUNTS = {  # username: (office, role)
    "vt-dongthap": ("stp-dt-van-phong", "van_thu"),
    "vt-yetkieu": ("xa-yk-vhxh", "van_thu"),
    "lanhdao-dt": ("stp-dt-van-phong", "lanh_dao"),
    "quantri": ("stp-dt-van-phong", "quan_tri"),
}


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> None:
        self.now += by


def settings_at(tmp_path: Path, config_dir: Path = REPO_ROOT / "config") -> Settings:
    return Settings(config_dir=config_dir, data_dir=tmp_path / "data",
                    portal_secret=SecretStr("test-secret"), portal_base_url="http://testserver")


def settings_with_own_config(tmp_path: Path) -> Settings:
    """Settings over a copy of config/, for tests whose uploads write plan files."""
    shutil.copytree(REPO_ROOT / "config", tmp_path / "config")
    return settings_at(tmp_path, tmp_path / "config")


@pytest.fixture
def console_settings(tmp_path: Path) -> Settings:
    return settings_at(tmp_path)


@pytest.fixture
def engine(console_settings: Settings) -> Iterator[Engine]:
    e = make_engine(console_settings.resolved_database_url)
    yield e
    e.dispose()


@pytest.fixture
def config(console_settings: Settings, engine: Engine) -> Config:
    return load_config(console_settings, engine=engine, now=NOW)


@pytest.fixture
def accounts(engine: Engine, config: Config) -> dict[str, tuple[str, str]]:
    with session(engine) as s:
        for username, (office, role) in ACCOUNTS.items():
            add_user(s, config.directory, username=username, office=office, role=role, password=PASSWORD,
                     email=f"{username}@kehoach.example", now=NOW)
    return ACCOUNTS


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(console_settings: Settings, config: Config, engine: Engine, clock: Clock,
           accounts: dict[str, tuple[str, str]]) -> Iterator[TestClient]:
    app = create_app(console_settings, config, engine, clock=clock)
    with TestClient(app, follow_redirects=False) as c:
        yield c


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def log_in(client: TestClient, login: str, password: str = PASSWORD, back: str = "/quan-ly/"):  # type: ignore[no-untyped-def]
    """Open the login page (its CSRF cookie and token) and post the form; returns the response."""
    page = client.get("/quan-ly/dang-nhap", params={"tiep": back})
    return client.post("/quan-ly/dang-nhap", data={"csrf_token": csrf_of(page.text), "tiep": back,
                                                    "ten_dang_nhap": login, "mat_khau": password})
