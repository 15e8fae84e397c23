"""Nothing typed is lost when a session ends mid-edit: the text waits for the next login.

A form posted without a live session cannot be carried out (who is asking?), but its text is
kept server-side under a random token whose only copy is an HttpOnly cookie of the poster's
browser; the login page then sends the user back to the page, which fills the form from the
kept text once and forgets it. Nothing is saved until the user posts again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, delete
from starlette.datastructures import FormData

from kehoach.store.account_tables import KeptForm
from kehoach.store.db import session
from kehoach.web import csrf
from kehoach.web.console import auth

COOKIE = "kehoach_giu_noi_dung"
KEPT_FOR = timedelta(days=1)
MAX_FIELDS = 200


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keep(s: Session, page: str, fields: dict[str, str], now: datetime) -> str:
    """Store ``fields`` for ``page``; the token for the cookie. Expired rows are swept here."""
    s.exec(delete(KeptForm).where(KeptForm.expires_at <= now))  # type: ignore[call-overload]
    token = secrets.token_urlsafe(32)
    s.add(KeptForm(token_hash=_hash(token), page=page, fields=fields, expires_at=now + KEPT_FOR))
    s.commit()
    return token


def take(s: Session, token: str | None, page: str, now: datetime) -> dict[str, str] | None:
    """The fields kept for ``page`` under ``token``, once: the row is deleted as it is read."""
    if not token:
        return None
    row = s.get(KeptForm, _hash(token))
    if row is None or row.page != page:
        return None
    s.delete(row)
    s.commit()
    return dict(row.fields) if row.expires_at > now else None


def to_login(request: Request, page: str, form: FormData) -> RedirectResponse:
    """Keep the posted text fields for ``page`` and send the user to log in, then back to ``page``."""
    state = auth.portal_state(request)
    fields = {k: v for k, v in list(form.multi_items())[:MAX_FIELDS]
              if isinstance(v, str) and k not in (csrf.FIELD, auth.BACK_FIELD)}
    with session(state.engine) as s:
        token = keep(s, page, fields, state.clock())
    response = RedirectResponse(auth.login_url(page), status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(KEPT_FOR.total_seconds()), httponly=True, samesite="strict",
                        path=auth.PREFIX, secure=auth.secure_cookies(request))
    return response


def restore(request: Request, page: str) -> dict[str, str] | None:
    """What this browser typed on ``page`` before its session ended, if anything."""
    state = auth.portal_state(request)
    with session(state.engine) as s:
        return take(s, request.cookies.get(COOKIE), page, state.clock())
