"""Plan lifecycle tables: each plan's current state and the log of who changed it, when and why.

A plan with no row is active: states exist only for plans someone paused or retired.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Integer, String, Text
from sqlmodel import Column, Field, SQLModel

from kehoach.store.tables import UTCDateTime


class PlanState(StrEnum):
    ACTIVE = "active"  # reminders go out as the plan says
    PAUSED = "paused"  # nothing is sent; rows stay pending and go out on resume if still due
    RETIRED = "retired"  # pending rows are skipped with the reason; final


class PlanStateRow(SQLModel, table=True):
    """The current state of one plan (``active``, ``paused`` or ``retired``)."""

    __tablename__ = "plan_state"

    plan: str = Field(sa_column=Column(String(200), primary_key=True))
    state: str = Field(sa_column=Column(String(20), nullable=False))
    changed_by: str = Field(sa_column=Column(String(200), nullable=False))
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text))


class PlanStateChange(SQLModel, table=True):
    """One change of a plan's state, kept for the audit trail."""

    __tablename__ = "plan_state_change"

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    state: str = Field(sa_column=Column(String(20), nullable=False))
    changed_by: str = Field(sa_column=Column(String(200), nullable=False))
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text))


class PlanSync(SQLModel, table=True):
    """What a plan looked like (a fingerprint) when it was last synced into the outbox for a year.

    A dispatch compares it with the plan it has now: a plan changed on disk or in the console
    since then is synced again before anything is sent, so a moved due date moves the ladder.
    ``synced_to`` is the end of the horizon written (empty in a database older than it, or
    after a sync the horizon did not reach): a plan unchanged since only needs what lies
    beyond it written (``expansion.freshness``).
    """

    __tablename__ = "plan_sync"

    plan: str = Field(sa_column=Column(String(200), primary_key=True))
    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    synced_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    synced_to: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
