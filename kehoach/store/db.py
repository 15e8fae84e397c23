"""The engine from ``KEHOACH_DATABASE_URL`` (SQLite under the data directory by default)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event, inspect
from sqlalchemy.schema import CreateColumn
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
    add_missing_columns(engine)
    return engine


def add_missing_columns(engine: Engine) -> None:
    """Add to tables made by an older kehoach the nullable columns added since (``create_all``
    makes missing tables only). A column must be added nullable: an old row has no value for it,
    and code reads a missing value as "not known" (``PlanSync.synced_to``: a full sync)."""
    present = inspect(engine)
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            have = {c["name"] for c in present.get_columns(table.name)}
            for column in table.columns:
                if column.name in have:
                    continue
                if not column.nullable:
                    raise RuntimeError(f"column {table.name}.{column.name} is missing and cannot be added NOT NULL")
                spec = CreateColumn(column).compile(dialect=engine.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {spec}")


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
