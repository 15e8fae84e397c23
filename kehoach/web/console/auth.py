"""The request side of the console's access control: who is asking, may they, is the form theirs.

``current_user`` is a FastAPI dependency: no live session redirects to the login page with
the page asked for, so the user comes back to it after logging in. ``require`` adds a role
check (403). Forms carry a CSRF token bound to the session (``kehoach.web.csrf``); the login
form, before any session exists, uses a cookie of its own (double submit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from starlette.datastructures import FormData

from kehoach.store.account_tables import ConsoleUser
from kehoach.store.db import session
from kehoach.web import csrf
from kehoach.web.console.accounts import Role
from kehoach.web.console.sessions import user_for
from kehoach.web.portal.limits import AddressLimiter

if TYPE_CHECKING:
    from kehoach.web.app import PortalState

PREFIX = "/quan-ly"
HOME = PREFIX + "/"
LOGIN = PREFIX + "/dang-nhap"
SESSION_COOKIE = "kehoach_phien"
LOGIN_CSRF_COOKIE = "kehoach_csrf_dang_nhap"
BACK_FIELD = "trang"  # the page a form was posted from, where a user whose session ended comes back to
LOGIN_POSTS_PER_ADDRESS = 20  # in any 10 minutes, whatever the usernames tried


@dataclass
class ConsoleState:
    logins: AddressLimiter


class LoginRequired(Exception):
    """No live session: the app answers with a redirect to the login page and ``back``."""

    def __init__(self, back: str):
        super().__init__(back)
        self.back = back


def portal_state_of(app: FastAPI) -> PortalState:
    state: PortalState = app.state.portal
    return state


def portal_state(request: Request) -> PortalState:
    return portal_state_of(request.app)


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def safe_back(value: str | None) -> str:
    """A console path to return to; anything else (another site, ``//host``) becomes the home page."""
    if value and value.startswith(PREFIX + "/") and "\\" not in value and ".." not in value:
        return value
    return HOME


def login_url(back: str) -> str:
    return f"{LOGIN}?tiep={quote(safe_back(back), safe='/')}"


def secure_cookies(request: Request) -> bool:
    """Secure cookies whenever the app is served over https (``KEHOACH_PORTAL_BASE_URL``)."""
    return portal_state(request).settings.portal_base_url.startswith("https://")


async def current_user(request: Request) -> ConsoleUser:
    """The logged-in account, or LoginRequired naming the page to come back to."""
    state = portal_state(request)
    with session(state.engine) as s:
        user = user_for(s, request.cookies.get(SESSION_COOKIE), state.clock())
    if user is not None:
        return user
    if request.method == "GET":
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        back = str((await request.form()).get(BACK_FIELD) or HOME)
    raise LoginRequired(back)


def require(*roles: Role) -> Callable[[Request], object]:
    """A dependency: the logged-in account if its role is one of ``roles``, else 403."""

    async def check(request: Request) -> ConsoleUser:
        user = await current_user(request)
        if user.role not in roles:
            raise HTTPException(403)
        return user

    return check


def form_token(request: Request) -> str:
    """The CSRF token of this session's forms."""
    return csrf.token_for(portal_state(request).settings, request.cookies.get(SESSION_COOKIE) or "", PREFIX)


async def checked_form(request: Request) -> FormData:
    """The posted form, once it carries this session's CSRF token (403 otherwise)."""
    form = await request.form()
    check_form(request, form)
    return form


def check_form(request: Request, form: FormData) -> None:
    """403 unless the form carries this session's CSRF token."""
    field = form.get(csrf.FIELD)
    if not csrf.valid(portal_state(request).settings, request.cookies.get(SESSION_COOKIE),
                      field if isinstance(field, str) else None, PREFIX):
        raise HTTPException(403)
