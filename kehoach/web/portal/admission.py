"""What every signed-link POST passes before its own checks: the client address's and the
link's rate limits, the link itself, the size-limited form, and the CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData

from kehoach.submissions.links import LINK_PREFIX
from kehoach.submissions.record import UploadTooLarge
from kehoach.web import csrf
from kehoach.web.app import PortalError, PortalState
from kehoach.web.portal.limits import LimitExceeded, check_link
from kehoach.web.portal.uploads import read_form
from kehoach.web.report_form import FILE_FIELD




class _Linked(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def query(self) -> str: ...


T = TypeVar("T", bound=_Linked)


async def admitted_post(request: Request, state: PortalState, plan_id: str, period_id: str, unit_id: str,
                        target: Callable[[], T]) -> tuple[T, FormData, str | None]:
    """(the verified target, the form, the CSRF cookie), or the PortalError a client should see:
    429 past a rate limit, 413 for a body over the upload limit, 403 without a valid CSRF token."""
    try:
        state.addresses.hit(request.client.host if request.client else "", state.clock())
        t = target()
        check_link(state.engine, plan_id, period_id, unit_id, state.clock(), state.settings.portal_submissions_per_link)
    except LimitExceeded as exc:
        raise PortalError(429, exc.message, {"Retry-After": str(exc.retry_after)}) from None
    try:
        form = await read_form(request, state.max_upload_bytes)
    except UploadTooLarge as exc:
        raise PortalError(413, str(exc)) from None
    cookie = request.cookies.get(csrf.COOKIE)
    if not csrf.valid(state.settings, cookie, str(form.get(csrf.FIELD) or ""), t.path):
        raise PortalError(403, "Phiên làm việc không hợp lệ hoặc đã hết hạn. Vui lòng mở lại đường dẫn và gửi lại.")
    return t, form, cookie


def signed_page(request: Request, state: PortalState, template: str, t: T, context: dict[str, Any], *,
                status: int = 200, cookie: str | None = None) -> HTMLResponse:
    """A signed link's form page with its CSRF token and cookie (kept for the link's own path)."""
    cookie = cookie or request.cookies.get(csrf.COOKIE) or csrf.new_cookie()
    response = state.templates.TemplateResponse(request, template, {
        "t": t, **context, "file_field": FILE_FIELD,
        "csrf_field": csrf.FIELD, "csrf_token": csrf.token_for(state.settings, cookie, t.path),
        "max_mb": state.settings.portal_max_upload_mb, "action": f"{t.path}?{t.query}",
    }, status_code=status)
    response.set_cookie(csrf.COOKIE, cookie, httponly=True, samesite="strict", path=LINK_PREFIX,
                        secure=state.settings.portal_base_url.startswith("https://"))
    return response
