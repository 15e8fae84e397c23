"""The last time each recurring job finished, and whether it did its work.

``kehoach health`` and the admin's alerts ask "when did a dispatch last succeed?". A dispatch
with nothing due leaves no delivery attempt behind, so the attempt log cannot answer; a beat
per job can. One row per job name, overwritten each time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, String, Text, select
from sqlmodel import Column, Field, Session, SQLModel

from kehoach.store.tables import UTCDateTime


class Beat(SQLModel, table=True):
    __tablename__ = "beat"

    name: str = Field(sa_column=Column(String(100), primary_key=True))
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ok: bool = True
    last_ok_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


def record_beat(engine: Engine, name: str, at: datetime, ok: bool, detail: str = "") -> None:
    with Session(engine) as s:
        beat = s.get(Beat, name) or Beat(name=name, at=at)
        beat.at, beat.ok, beat.detail = at, ok, detail
        if ok:
            beat.last_ok_at = at
        s.add(beat)
        s.commit()


def last_beat(engine: Engine, name: str) -> Beat | None:
    with Session(engine, expire_on_commit=False) as s:
        return s.exec(select(Beat).where(Beat.name == name)).scalar_one_or_none()  # type: ignore[call-overload,no-any-return]
