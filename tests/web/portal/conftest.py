"""The portal over the Yết Kiêu world, on a temporary database and data directory."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Page

with warnings.catch_warnings():  # starlette 1.x nudges towards httpx2, which is not installed here
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config
from kehoach.web.app import create_app
from kehoach.settings import Settings
from kehoach.store.db import make_engine
from tests import reporting_world as world
from tests.web.browser import base_url, chromium_page, served

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ)


@pytest.fixture
def portal_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", portal_secret=SecretStr("test-secret"),
                    portal_base_url="http://testserver", portal_max_upload_mb=1)


@pytest.fixture
def engine(portal_settings: Settings) -> Iterator[Engine]:
    e = make_engine(portal_settings.resolved_database_url)
    yield e
    e.dispose()


@pytest.fixture
def config() -> Config:
    p, c = world.plan(), world.city_plan()
    return Config(world.directory(), {p.id: p, c.id: c})


@pytest.fixture
def client(portal_settings: Settings, config: Config, engine: Engine) -> Iterator[TestClient]:
    app = create_app(portal_settings, config, engine, clock=lambda: NOW)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def live_portal(portal_settings: Settings, config: Config, engine: Engine) -> Iterator[str]:
    base = base_url()
    settings = portal_settings.model_copy(update={"portal_base_url": base})
    with served(create_app(settings, config, engine, clock=lambda: NOW), base):
        yield base


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page() as p:
        yield p
