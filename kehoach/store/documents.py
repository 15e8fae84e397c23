"""Files that notifications carry (the draft báo cáo, its figures), kept in the app database.

In server mode the worker that builds a roll-up and the worker that dispatches its email may
be different machines with different data folders. So a notification never names a local
path: ``store_files`` puts each file in the database, keyed by its SHA-256 (the same file
stored twice is one row, and the notification's content stays the same, so re-queuing it is
idempotent), and the notification carries a reference ``tai-lieu:<sha256>/<name>``.
``local_files`` turns references back into files in a per-process cache just before
rendering. A roll-up stored here also answers "was this period's roll-up made?" for every
worker.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Index, LargeBinary, String, exists, select
from sqlmodel import Column, Field, Session, SQLModel

from kehoach.store.tables import UTCDateTime

REF_PREFIX = "tai-lieu:"
CACHE = Path(tempfile.gettempdir()) / f"kehoach-tai-lieu-{os.getuid()}"


class Document(SQLModel, table=True):
    __tablename__ = "document"
    __table_args__ = (Index("ix_document_plan_period", "plan", "period"),)

    sha256: str = Field(sa_column=Column(String(64), primary_key=True))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    plan: str = Field(sa_column=Column(String(200), nullable=False))
    period: str | None = Field(default=None, sa_column=Column(String(100)))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    stored_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def store_files(session: Session, paths: Iterable[str], *, plan: str, period: str | None, now: datetime) -> list[str]:
    """Store each local file (references pass through); returns the references, in order."""
    refs = []
    for p in paths:
        if p.startswith(REF_PREFIX):
            refs.append(p)
            continue
        path = Path(p)
        content = path.read_bytes()
        sha = hashlib.sha256(content).hexdigest()
        if session.get(Document, sha) is None:
            session.add(Document(sha256=sha, filename=path.name, plan=plan, period=period, content=content,
                                 stored_at=now))
            session.flush()
        refs.append(f"{REF_PREFIX}{sha}/{path.name}")
    return refs


def local_files(session: Session, refs: Iterable[str]) -> list[str]:
    """Local paths for references (fetched once per process into a private cache); paths pass through."""
    out = []
    for ref in refs:
        if not ref.startswith(REF_PREFIX):
            out.append(ref)
            continue
        sha, name = ref.removeprefix(REF_PREFIX).split("/", 1)
        target = CACHE / sha / name
        if not target.exists():
            doc = session.get(Document, sha)
            if doc is None:
                raise FileNotFoundError(f"tài liệu {name} ({sha[:12]}…) không có trong cơ sở dữ liệu")
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            draft = target.with_name(f".{name}.{os.getpid()}")
            draft.write_bytes(doc.content)
            draft.replace(target)
        out.append(str(target))
    return out


def stored_for(session: Session, plan: str, period: str, suffix: str) -> bool:
    """Whether a file ending in ``suffix`` was stored for the plan's period (by any worker)."""
    q = select(exists().where(Document.plan == plan, Document.period == period,  # type: ignore[arg-type]
                              Document.filename.endswith(suffix)))  # type: ignore[attr-defined]
    return bool(session.scalar(q))
