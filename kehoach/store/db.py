"""The engine from ``KEHOACH_DATABASE_URL`` (SQLite under the data directory by default)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event
from sqlmodel import Session, SQLModel, create_engine

from kehoach.store.files import private_file


def make_engine(url: str, *, busy_timeout: float = 30.0) -> Engine:
    """An engine with the tables created; SQLite gets WAL so readers never block the dispatcher.

    The SQLite file and its folder are created private (0600, 0700). ``busy_timeout``: how
    long an SQLite write waits for another writer's lock before failing.
    """
    if url.startswith("sqlite:///"):
        if (path := url.removeprefix("sqlite:///")) != ":memory:":
            private_file(Path(path))  # 0600: SQLite gives its -wal and -shm the same mode
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy_timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    else:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = create_engine(url, pool_pre_ping=True)
    import kehoach.store.account_tables  # noqa: F401
    import kehoach.store.beats  # noqa: F401
    import kehoach.store.directory_tables  # noqa: F401
    import kehoach.store.documents  # noqa: F401
    import kehoach.store.followup_tables  # noqa: F401
    import kehoach.store.leases  # noqa: F401
    import kehoach.store.plan_tables  # noqa: F401
    import kehoach.store.report_tables  # noqa: F401
    import kehoach.store.submission_tables  # noqa: F401
    import kehoach.store.tables  # noqa: F401  (registers every table on SQLModel.metadata)

    SQLModel.metadata.create_all(engine)
    return engine


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
