"""Tables of the unit directory: units, unit groups, and the audit trail of every change.

The database is the directory's source of truth once a deployment has started;
``config/contacts.yaml`` is the seed a fresh install loads and what ``kehoach contacts export``
writes back. Lists (groups, emails) are JSON columns: the directory is read whole, never
queried by member.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text
from sqlmodel import Column, Field, SQLModel

from kehoach.store.tables import UTCDateTime


class DirectoryUnit(SQLModel, table=True):
    """One unit of the directory; ``active`` false keeps its history but drops it from plans."""

    __tablename__ = "directory_unit"

    id: str = Field(sa_column=Column(String(200), primary_key=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    parent: str | None = Field(default=None, sa_column=Column(String(200)))
    groups: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    emails: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    zalo: str | None = Field(default=None, sa_column=Column(String(20)))
    phone: str | None = Field(default=None, sa_column=Column(String(40)))  # the desk phone reminders show
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    position: int = Field(sa_column=Column(Integer, nullable=False))  # the order of the seed file


class DirectoryGroup(SQLModel, table=True):
    """A named set of units that a plan assigns work to as one."""

    __tablename__ = "directory_group"

    id: str = Field(sa_column=Column(String(200), primary_key=True))
    name: str = Field(sa_column=Column(Text, nullable=False))
    position: int = Field(sa_column=Column(Integer, nullable=False))


class DirectoryChange(SQLModel, table=True):
    """One changed field: old value, new value, who and when (the contacts audit trail)."""

    __tablename__ = "directory_change"
    __table_args__ = (Index("ix_directory_change_object", "kind", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    by: str = Field(sa_column=Column(String(200), nullable=False))
    source: str = Field(sa_column=Column(String(20), nullable=False))  # console | xlsx | seed | cli
    kind: str = Field(sa_column=Column(String(10), nullable=False))  # unit | group
    object_id: str = Field(sa_column=Column(String(200), nullable=False))
    field: str = Field(sa_column=Column(String(50), nullable=False))
    old: str | None = Field(default=None, sa_column=Column(Text))
    new: str | None = Field(default=None, sa_column=Column(Text))
