"""The store suite runs against every database kehoach supports (APScheduler's contract-test style).

PostgreSQL comes from ``KEHOACH_TEST_POSTGRES_URL`` (``.ci/postgres.sh`` prints it): missing on
a laptop, the PostgreSQL cases are skipped; missing when ``CI=true``, they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kehoach.store.db import make_engine


def _postgres_url() -> str:
    url = os.environ.get("KEHOACH_TEST_POSTGRES_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail("KEHOACH_TEST_POSTGRES_URL is not set but CI=true: PostgreSQL is required in CI")
    pytest.skip("PostgreSQL not configured (set KEHOACH_TEST_POSTGRES_URL; .ci/postgres.sh prints it)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
        yield eng
        eng.dispose()
        return
    # One schema per test keeps PostgreSQL tests independent without dropping the database.
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    eng = make_engine(f"{base}{sep}options=-csearch_path%3D{schema}")
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()
