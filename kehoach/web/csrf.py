"""CSRF protection without sessions: a signed double-submit token.

The form page sets a random cookie and puts HMAC(secret, cookie, form path) in a hidden
field. A forged cross-site post cannot read the cookie, so it cannot produce the field; a
token from one unit's form does not fit another unit's path.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from kehoach.settings import Settings

COOKIE = "kehoach_csrf"
FIELD = "csrf_token"


def new_cookie() -> str:
    return secrets.token_urlsafe(32)


def token_for(settings: Settings, cookie: str, path: str) -> str:
    key = settings.signing_key()
    return hmac.new(key, f"csrf|{cookie}|{path}".encode(), hashlib.sha256).hexdigest()


def valid(settings: Settings, cookie: str | None, field: str | None, path: str) -> bool:
    if not cookie or not field:
        return False
    return hmac.compare_digest(token_for(settings, cookie, path), field)
