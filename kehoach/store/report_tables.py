"""Tables of the báo cáo review: the office's draft versions and the leader's approvals.

Each save of the narrative sections and the figures' notes is a new ``ReportDraft`` version;
an approval names the version it approves and keeps the DOCX built from it, in the
database, so every worker and web process reaches the file that was approved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from kehoach.store.tables import UTCDateTime


class ReportDraft(SQLModel, table=True):
    """One saved version of what the office wrote for one period's báo cáo."""

    __tablename__ = "report_draft"
    __table_args__ = (UniqueConstraint("plan", "period", "version", name="uq_report_draft_version"),)

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str = Field(sa_column=Column(String(100), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    notes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    saved_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    saved_by: str = Field(sa_column=Column(String(200), nullable=False))


class ReportApproval(SQLModel, table=True):
    """The leader's approval of one draft version, with the DOCX it produced and when it went upward."""

    __tablename__ = "report_approval"
    __table_args__ = (Index("ix_report_approval_period", "plan", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str = Field(sa_column=Column(String(100), nullable=False))
    draft_id: int = Field(sa_column=Column(Integer, ForeignKey("report_draft.id"), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    approved_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    approved_by: str = Field(sa_column=Column(String(200), nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    docx: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # the figures as approved: the CSV and the values submitted to a parent plan, frozen with the DOCX
    csv: str = Field(sa_column=Column(Text, nullable=False))
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    sent_by: str | None = Field(default=None, sa_column=Column(Text))
