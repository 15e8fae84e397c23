"""Tables of the office's follow-up of a period: exemptions, units' extension requests, and the
log of who did what.

An exemption (miễn) takes one unit out of one report period: it is not expected, not chased,
not counted missing. The log keeps every follow-up action (extension, exemption and its undo,
a reminder sent by hand, a report recorded on a unit's behalf) with who and when, whether it
came from the console or the command line, so the board can show it. An extension request is a
unit asking, from its signed link, for a later date; it waits on the board until the office
grants (possibly another date) or refuses it with a note.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from kehoach.store.tables import UTCDateTime


class Exemption(SQLModel, table=True):
    """One unit excused from one report period of one plan, with the reason the office gave."""

    __tablename__ = "submission_exemption"
    __table_args__ = (UniqueConstraint("plan", "period", "unit", name="uq_exemption"),)

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str = Field(sa_column=Column(String(100), nullable=False))
    unit: str = Field(sa_column=Column(String(200), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    by: str = Field(sa_column=Column(String(200), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class FollowupAction(SQLModel, table=True):
    """One thing the office did about one unit's report for one period: what, who, when."""

    __tablename__ = "followup_action"
    __table_args__ = (Index("ix_followup_action_plan_period", "plan", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str = Field(sa_column=Column(String(100), nullable=False))
    unit: str = Field(sa_column=Column(String(200), nullable=False))
    action: str = Field(sa_column=Column(String(30), nullable=False))  # an Action value
    by: str = Field(sa_column=Column(String(200), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class ExtensionRequest(SQLModel, table=True):
    """A unit's request for a later deadline of one period, and the office's decision on it."""

    __tablename__ = "extension_request"
    __table_args__ = (Index("ix_extension_request_plan_period", "plan", "period", "state"),)

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str = Field(sa_column=Column(String(100), nullable=False))
    unit: str = Field(sa_column=Column(String(200), nullable=False))
    requested: date = Field(sa_column=Column(Date, nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    state: str = Field(sa_column=Column(String(20), nullable=False))  # a RequestState value
    decided_by: str | None = Field(default=None, sa_column=Column(String(200)))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))  # the office's, required to refuse
    granted: date | None = Field(default=None, sa_column=Column(Date))  # may differ from ``requested``
