"""Tables of report collection: submissions (versioned), their attachments, and extensions.

A unit that submits again adds a version; the latest version's values count, the first
version's time decides timeliness. Every row carries its plan id, so one database serves
many offices, and a roll-up sent upward is an ordinary submission to the parent plan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from kehoach.store.tables import UTCDateTime


class Submission(SQLModel, table=True):
    """One version of what a unit sent for one report period of one plan."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("plan", "period", "unit", "version", name="uq_submission_version"),
        Index("ix_submission_plan_period", "plan", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str = Field(sa_column=Column(String(100), nullable=False))
    unit: str = Field(sa_column=Column(String(200), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    source: str = Field(sa_column=Column(String(20), nullable=False))  # portal | cli | rollup
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    estimate: bool = False  # figures include an estimate to the end of the window ("ước")
    from_plan: str | None = Field(default=None, sa_column=Column(String(200)))  # a roll-up sent upward
    submitter: str | None = Field(default=None, sa_column=Column(Text))  # name typed on the form


class Attachment(SQLModel, table=True):
    """A file sent with a submission, stored under data_dir/uploads/…/<version>/<safe name>."""

    __tablename__ = "submission_attachment"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(sa_column=Column(Integer, ForeignKey("submission.id"), nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    path: str = Field(sa_column=Column(Text, nullable=False))  # relative to data_dir
    size: int = Field(sa_column=Column(Integer, nullable=False))


class Extension(SQLModel, table=True):
    """A later due date granted to one unit for one report period (xin gia hạn)."""

    __tablename__ = "submission_extension"
    __table_args__ = (UniqueConstraint("plan", "period", "unit", name="uq_extension"),)

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str = Field(sa_column=Column(String(100), nullable=False))
    unit: str = Field(sa_column=Column(String(200), nullable=False))
    until: date = Field(sa_column=Column(Date, nullable=False))
    granted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
