"""Server-side sessions: the browser holds a random token, the database its hash and expiry.

Logging out or disabling an account deletes the row, so the cookie stops working at once,
which a signed cookie could not do. A session lasts ``LIFETIME`` from login.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, delete

from kehoach.store.account_tables import ConsoleSession, ConsoleUser

LIFETIME = timedelta(hours=8)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: ConsoleUser, now: datetime) -> str:
    """A new session for ``user``; returns the token for the cookie. Expired rows are swept here."""
    session.exec(delete(ConsoleSession).where(ConsoleSession.expires_at <= now))  # type: ignore[call-overload]
    token = secrets.token_urlsafe(32)
    session.add(ConsoleSession(token_hash=_hash(token), user_id=user.id or 0, created_at=now, expires_at=now + LIFETIME))
    session.commit()
    return token


def user_for(session: Session, token: str | None, now: datetime) -> ConsoleUser | None:
    """The enabled account of a live session, or None (no cookie, unknown, expired, disabled)."""
    if not token:
        return None
    row = session.get(ConsoleSession, _hash(token))
    if row is None or row.expires_at <= now:
        return None
    user = session.get(ConsoleUser, row.user_id)
    return user if user is not None and not user.disabled else None


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.exec(delete(ConsoleSession).where(ConsoleSession.token_hash == _hash(token)))  # type: ignore[call-overload]
        session.commit()
