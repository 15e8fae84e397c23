"""The dispatcher tests' database (SQLite in the test's folder) and the repository's config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kehoach.plans.config import Config, load_config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import make_engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """The seed plans and contacts of ``config/``."""
    return load_config(Settings(config_dir=REPO_ROOT / "config", data_dir=tmp_path_factory.mktemp("data")))
