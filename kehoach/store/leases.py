"""Named leases in the app database: one holder at a time for installation-wide roles.

The embedded scheduler takes the ``scheduler`` lease, so two ``kehoach run`` on one database
(a second one with ``--no-portal``, or one on each machine) cannot both run every flow. A
lease is held until ``expires_at``; its holder renews it well before then, so a holder that
dies (SIGKILL, power cut) frees it after one time-to-live. Taking it is one conditional write,
which both SQLite and PostgreSQL make atomic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, String, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Column, Field, SQLModel

from kehoach.store.tables import UTCDateTime


class Lease(SQLModel, table=True):
    __tablename__ = "lease"

    name: str = Field(sa_column=Column(String(100), primary_key=True))
    holder: str = Field(sa_column=Column(String(300), nullable=False))  # "host pid 1234"
    acquired_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


@dataclass(frozen=True)
class Holder:
    """Who holds a lease, for the message a refused process prints."""

    holder: str
    acquired_at: datetime
    expires_at: datetime


def acquire(engine: Engine, name: str, holder: str, now: datetime, ttl: timedelta) -> Holder | None:
    """Take or renew the lease; ``None`` when we hold it now, else who does."""
    expires = now + ttl
    with engine.begin() as conn:
        taken = conn.execute(
            update(Lease).where(Lease.name == name)  # type: ignore[arg-type]
            .where((Lease.holder == holder) | (Lease.expires_at <= now))  # type: ignore[arg-type,operator]
            .values(holder=holder, expires_at=expires)
        ).rowcount
        if taken:
            return None
        try:
            conn.execute(insert(Lease).values(name=name, holder=holder, acquired_at=now, expires_at=expires))
            return None
        except IntegrityError:
            pass
    with engine.connect() as conn:
        row = conn.execute(select(Lease).where(Lease.name == name)).one()  # type: ignore[arg-type]
    return Holder(row.holder, row.acquired_at, row.expires_at)


def release(engine: Engine, name: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(Lease).where(Lease.name == name).where(Lease.holder == holder))  # type: ignore[arg-type]


def current(engine: Engine, name: str) -> Holder | None:
    with engine.connect() as conn:
        row = conn.execute(select(Lease).where(Lease.name == name)).one_or_none()  # type: ignore[arg-type]
    return Holder(row.holder, row.acquired_at, row.expires_at) if row else None
