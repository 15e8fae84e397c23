"""The outbox of notifications and the log of every delivery attempt.

The outbox is the single source of truth for what was sent. A row moves

    pending ──claim──▶ sending ──record──▶ sent | failed | skipped
       ▲                  │
       └──── retry ───────┘   (and an expired claim makes ``sending`` claimable again)

Every row carries its plan id, so one database serves many offices.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlmodel import Column, Field, SQLModel


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class Source(StrEnum):
    PLAN = "plan"  # written by sync from a plan's expansion
    FALLBACK = "fallback"  # written by the dispatcher: email after a permanent Zalo failure
    MANUAL = "manual"  # a reminder an office member asked to send now (its context names who)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC.

    SQLite keeps datetimes as text without an offset, so comparing ``send_at <= now`` would
    compare local wall-clock strings; storing UTC everywhere keeps the claim query correct
    on both databases, and values come back aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the outbox stores aware datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _utc_column(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Outbox(SQLModel, table=True):
    """One notification: one message to one unit on one channel, with a stable key."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_claim", "status", "send_at"),
        Index("ix_outbox_plan_status", "plan", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(500), unique=True, nullable=False))
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(50), nullable=False))
    unit: str = Field(sa_column=Column(String(200), nullable=False))
    channel: str = Field(sa_column=Column(String(20), nullable=False))
    period: str | None = Field(default=None, sa_column=Column(String(100)))
    send_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deadline: date | None = None
    subject: str = Field(sa_column=Column(Text, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # A digest of key fields, so sync updates only the pending rows whose content changed.
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    year: int | None = None  # the expansion year sync wrote it for; fallbacks have none
    source: str = Field(default=Source.PLAN.value, sa_column=Column(String(20), nullable=False))

    status: str = Field(default=Status.PENDING.value, sa_column=Column(String(20), nullable=False))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    provider_id: str | None = Field(default=None, sa_column=Column(String(300)))
    # The key of the message that carried this notification (its own key, or a digest's first).
    message_key: str | None = Field(default=None, sa_column=Column(String(500)))
    sent_at: datetime | None = _utc_column()
    claimed_until: datetime | None = _utc_column()
    # The dispatch run that last claimed the row: a row put back to pending by a run is not
    # claimed again by that same run, so an SMTP outage cannot make a dispatch loop forever.
    claim_token: str | None = Field(default=None, sa_column=Column(String(40)))
    updated_at: datetime | None = _utc_column()


class DeliveryAttempt(SQLModel, table=True):
    """What happened each time the dispatcher tried a notification (the admin's audit trail)."""

    __tablename__ = "delivery_attempt"

    id: int | None = Field(default=None, primary_key=True)
    outbox_key: str = Field(sa_column=Column(String(500), nullable=False, index=True))
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    channel: str = Field(sa_column=Column(String(20), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    outcome: str = Field(sa_column=Column(String(20), nullable=False))  # a Status value
    error: str | None = Field(default=None, sa_column=Column(Text))
    provider_id: str | None = Field(default=None, sa_column=Column(String(300)))
    message_key: str | None = Field(default=None, sa_column=Column(String(500)))


class ZaloToken(SQLModel, table=True):
    """The installation's Zalo token pair, one row per Zalo app: every worker finds it here.

    ``refreshing_until`` is the lock around a refresh (a lease, so that a process killed
    mid-refresh does not hold it for ever); ``seeded_from`` is a hash of the refresh token the
    settings gave, so that an admin who puts a new one in the settings replaces a dead pair.
    """

    __tablename__ = "zalo_token"

    app_id: str = Field(sa_column=Column(String(100), primary_key=True))
    access_token: str | None = Field(default=None, sa_column=Column(Text))
    refresh_token: str | None = Field(default=None, sa_column=Column(Text))
    expires_at: datetime | None = _utc_column()
    seeded_from: str | None = Field(default=None, sa_column=Column(String(64)))
    refreshing_until: datetime | None = _utc_column()
    updated_at: datetime | None = _utc_column()
