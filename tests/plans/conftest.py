"""The plans suite shares the store's database fixture (SQLite and PostgreSQL)."""

from tests.store.conftest import engine  # noqa: F401
