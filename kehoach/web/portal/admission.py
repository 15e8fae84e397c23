"""What every signed-link POST passes before its own checks: the client address's and the
link's rate limits, the link itself, the size-limited form, and the CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from fastapi import Request
from starlette.datastructures import FormData

from kehoach.submissions.record import UploadTooLarge
from kehoach.web import csrf
from kehoach.web.app import PortalError, PortalState
from kehoach.web.portal.limits import LimitExceeded, check_link
from kehoach.web.portal.uploads import read_form


class _Linked(Protocol):
    @property
    def path(self) -> str: ...


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
