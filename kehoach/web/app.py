"""The web app: one FastAPI application for units' signed-link forms and the office console.

Units never log in: their signed link is the credential (``kehoach.submissions.links``).
Office pages (``kehoach.web.console``, under ``/quan-ly``) sit behind a login.
Every error a person can meet is rendered as a Vietnamese page with the right status code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config
from kehoach.settings import Settings
from kehoach.web.headers import SecurityHeaders
from kehoach.web.portal.limits import AddressLimiter
from notifications.vietnamese import vi_date

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

TITLES = {
    400: "Yêu cầu không hợp lệ",
    403: "Không có quyền truy cập",
    404: "Không tìm thấy",
    405: "Phương thức không được hỗ trợ",
    413: "Tệp quá lớn",
    415: "Loại tệp không được chấp nhận",
    429: "Gửi quá nhiều lần",
    500: "Lỗi hệ thống",
    507: "Không đủ chỗ lưu trữ",
}
MESSAGES = {
    404: "Không tìm thấy trang, kế hoạch, đơn vị hoặc kỳ báo cáo được yêu cầu.",
    405: "Trang này không hỗ trợ thao tác vừa thực hiện.",
}


class PortalError(Exception):
    """Raised by a handler to show the error page with ``status`` and a Vietnamese message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers


@dataclass
class PortalState:
    settings: Settings
    config: Config
    engine: Engine
    clock: Callable[[], datetime]
    templates: Jinja2Templates
    addresses: AddressLimiter

    @property
    def max_upload_bytes(self) -> int:
        return self.settings.portal_max_upload_mb * 1024 * 1024


def vn_now() -> datetime:
    return datetime.now(VN_TZ)


def render_error(state: PortalState, request: Request, status: int, message: str,
                 headers: dict[str, str] | None = None) -> HTMLResponse:
    return state.templates.TemplateResponse(
        request, "error.html", {"status": status, "title": TITLES.get(status, "Lỗi"), "message": message},
        status_code=status, headers=headers,
    )


def create_app(settings: Settings, config: Config, engine: Engine,
               clock: Callable[[], datetime] = vn_now) -> FastAPI:
    """The app for one deployment; ``clock`` lets tests move time without patching."""
    from kehoach.web import alerts
    from kehoach.web.console import importing as console_import, routes as console
    from kehoach.web.console import contacts as console_contacts, plans_pages as console_plans
    from kehoach.web.console import admin_pages as console_admin, review_pages as console_review
    from kehoach.web.console import followup_pages as console_followup
    from kehoach.web.portal import routes

    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["vi_date"] = vi_date
    app = FastAPI(title="kehoach", docs_url=None, redoc_url=None, openapi_url=None)
    state = PortalState(settings, config, engine, clock, templates, AddressLimiter(settings.portal_posts_per_address))
    app.state.portal = state
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(routes.router)
    app.include_router(alerts.router)
    console.install(app)
    app.include_router(console_import.router)
    app.include_router(console_contacts.router)
    app.include_router(console_plans.router)
    app.include_router(console_review.router)
    app.include_router(console_admin.router)
    app.include_router(console_followup.router)

    @app.exception_handler(PortalError)
    async def _portal_error(request: Request, exc: PortalError) -> HTMLResponse:
        return render_error(state, request, exc.status, exc.message, exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> HTMLResponse:
        return render_error(state, request, 500, "Hệ thống gặp lỗi khi xử lý yêu cầu. Vui lòng thử lại sau ít phút "
                            "hoặc báo cơ quan đầu mối.")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        return render_error(state, request, exc.status_code, MESSAGES.get(exc.status_code, TITLES.get(exc.status_code, "Lỗi")))

    return app
