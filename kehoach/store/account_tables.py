"""Tables of the office console: staff accounts, their server-side sessions, forms kept over a login.

A session row holds only the SHA-256 of the cookie's random token, so a copy of the
database (a backup) cannot be replayed as a logged-in browser.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from kehoach.store.tables import UTCDateTime


class ConsoleUser(SQLModel, table=True):
    """One member of an office's staff: who they are, which office, what they may do."""

    __tablename__ = "console_user"
    __table_args__ = (UniqueConstraint("username", name="uq_console_user_username"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(100), nullable=False))
    email: str | None = Field(default=None, sa_column=Column(String(320), index=True))
    office: str = Field(sa_column=Column(String(200), nullable=False))  # a unit id of the directory
    role: str = Field(sa_column=Column(String(20), nullable=False))  # a Role value
    password_hash: str = Field(sa_column=Column(String(200), nullable=False))  # argon2id, PHC string
    disabled: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    failed_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class ConsoleSession(SQLModel, table=True):
    """A logged-in browser: the hash of its cookie token, whose it is, until when it holds."""

    __tablename__ = "console_session"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    user_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class KeptForm(SQLModel, table=True):
    """Text a user posted after their session had ended, kept until they log in again.

    Only the hash of the token is stored; the token itself is in the poster's browser cookie,
    so no one else can bring the text back.
    """

    __tablename__ = "console_kept_form"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    page: str = Field(sa_column=Column(String(500), nullable=False))
    fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
