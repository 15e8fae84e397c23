"""The console's pages under ``/quan-ly``: login, logout, home, plan, follow-up board, accounts.

Every page takes the account from ``auth.current_user`` and every plan through
``scope.visible_plan``: another office's plan answers 404 exactly as a plan that does not
exist. Every post checks the session's CSRF token before it reads anything else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.delivery.activity import OUTCOME_LABELS, kind_label
from kehoach.plans.model import Plan
from kehoach.store.account_tables import ConsoleUser
from kehoach.store.db import session
from kehoach.store.outbox import Delivery
from kehoach.store.tables import Outbox, Status
from kehoach.submissions.periods import Period, UnknownPeriod, resolve_period
from kehoach.submissions import extension_requests as asks
from kehoach.submissions import followup
from kehoach.submissions.followup_log import ACTION_LABELS
from kehoach.submissions.tracking import status_of
from kehoach.web import csrf
from kehoach.web.console import auth
from kehoach.web.console.accounts import FOLLOWERS, LOCKOUT, MAX_FAILURES, ROLE_LABELS, Role, authenticate
from kehoach.web.console.attention import HORIZON_WORKING_DAYS, attention, plan_periods
from kehoach.web.console.board import board
from kehoach.web.console.scope import visible_plan, visible_plans
from kehoach.web.console.sessions import LIFETIME, close_session, open_session
from kehoach.web.portal.limits import AddressLimiter, LimitExceeded

router = APIRouter(prefix=auth.PREFIX)
WRONG_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."


def install(app: FastAPI) -> None:
    """Mount the console on the web app (called by ``create_app``)."""
    app.state.console = auth.ConsoleState(AddressLimiter(auth.LOGIN_POSTS_PER_ADDRESS))
    filters = auth.portal_state_of(app).templates.env.filters
    filters["vi_time"], filters["kind_label"], filters["delivery_label"] = vi_time, kind_label, delivery_label
    app.include_router(router)

    @app.exception_handler(auth.LoginRequired)
    async def _to_login(request: Request, exc: auth.LoginRequired) -> Response:
        return RedirectResponse(auth.login_url(exc.back), status_code=303)


def vi_time(value: datetime) -> str:
    """A stored time as the office reads it: ``05/12/2026 14:30`` in Asia/Ho_Chi_Minh."""
    return f"{value.astimezone(VN_TZ):%d/%m/%Y %H:%M}"


def delivery_label(row: Outbox | Delivery) -> str:
    """A notification's delivery status as the office reads it; a pending one is still to come."""
    return "sẽ gửi" if row.status == Status.PENDING.value else OUTCOME_LABELS.get(row.status, row.status)


def _page(request: Request, user: ConsoleUser, template: str, context: dict[str, Any],
          status: int = 200) -> HTMLResponse:
    state = auth.portal_state(request)
    office = state.config.directory.label(user.office) if state.config.directory.has_unit(user.office) else user.office
    return state.templates.TemplateResponse(request, f"console/{template}", {
        "user": user, "office": office, "role_label": ROLE_LABELS[Role(user.role)], "is_admin": user.role == Role.QUAN_TRI,
        "csrf_field": csrf.FIELD, "csrf_token": auth.form_token(request), "back_field": auth.BACK_FIELD,
        "can_follow_up": user.role in FOLLOWERS,
        "here": request.url.path, **context,
    }, status_code=status)


def _login_page(request: Request, *, back: str, error: str | None = None, notice: str | None = None,
                login: str = "", status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    state = auth.portal_state(request)
    cookie = request.cookies.get(auth.LOGIN_CSRF_COOKIE) or csrf.new_cookie()
    response = state.templates.TemplateResponse(request, "console/login.html", {
        "back": auth.safe_back(back), "error": error, "notice": notice, "login": login,
        "csrf_field": csrf.FIELD, "csrf_token": csrf.token_for(state.settings, cookie, auth.LOGIN),
        "max_failures": MAX_FAILURES, "lockout_minutes": int(LOCKOUT.total_seconds() // 60),
    }, status_code=status, headers=headers)
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, cookie, httponly=True, samesite="strict", path=auth.PREFIX,
                        secure=auth.secure_cookies(request))
    return response


@router.get("/dang-nhap", response_class=HTMLResponse)
async def login_form(request: Request) -> HTMLResponse:
    notice = "Bạn đã đăng xuất." if request.query_params.get("da_thoat") else None
    return _login_page(request, back=request.query_params.get("tiep", auth.HOME), notice=notice)


@router.post("/dang-nhap", response_model=None)
async def login(request: Request) -> Response:
    state = auth.portal_state(request)
    form = await request.form()
    back, login_name = str(form.get("tiep") or auth.HOME), str(form.get("ten_dang_nhap") or "")
    try:
        auth.console_state(request).logins.hit(request.client.host if request.client else "", state.clock())
    except LimitExceeded as exc:
        return _login_page(request, back=back, error=exc.message, login=login_name, status=429,
                           headers={"Retry-After": str(exc.retry_after)})
    field = form.get(csrf.FIELD)
    if not csrf.valid(state.settings, request.cookies.get(auth.LOGIN_CSRF_COOKIE),
                      field if isinstance(field, str) else None, auth.LOGIN):
        raise HTTPException(403)
    now = state.clock()
    with session(state.engine) as s:
        user = authenticate(s, login_name, str(form.get("mat_khau") or ""), now)
        if user is None:
            return _login_page(request, back=back, error=WRONG_LOGIN, login=login_name, status=401)
        token = open_session(s, user, now)
    response = RedirectResponse(auth.safe_back(back), status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=int(LIFETIME.total_seconds()), httponly=True,
                        samesite="lax", path=auth.PREFIX, secure=auth.secure_cookies(request))
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path=auth.PREFIX)
    return response


@router.post("/dang-xuat", response_model=None)
async def logout(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> Response:
    await auth.checked_form(request)
    with session(auth.portal_state(request).engine) as s:
        close_session(s, request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse(f"{auth.LOGIN}?da_thoat=1", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path=auth.PREFIX, httponly=True, samesite="lax",
                           secure=auth.secure_cookies(request))
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    state = auth.portal_state(request)
    plans = visible_plans(user, state.config.plans.values())
    now = state.clock()
    today = now.astimezone(VN_TZ).date()
    with session(state.engine) as s:
        found = attention(s, plans, state.config.directory, state.config.calendar, now)
    directory = state.config.directory
    return _page(request, user, "home.html", {
        "plans": plans, "a": found, "today": today, "horizon_days": HORIZON_WORKING_DAYS,
        "unit_name": lambda ref: directory.label(ref) if directory.knows(ref) else ref,
    })


def _plan(request: Request, user: ConsoleUser, plan_id: str) -> Plan:
    plan = visible_plan(user, auth.portal_state(request).config.plans, plan_id)
    if plan is None:
        raise HTTPException(404)
    return plan


def _period(request: Request, plan: Plan, period_id: str) -> Period:
    """The plan's period, its due date counted on the office's calendar."""
    try:
        return resolve_period(plan, period_id, auth.portal_state(request).config.calendar(plan.span_years))
    except UnknownPeriod:
        raise HTTPException(404) from None


@router.get("/ke-hoach/{plan_id}", response_class=HTMLResponse)
async def plan_page(request: Request, plan_id: str, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    state = auth.portal_state(request)
    plan = _plan(request, user, plan_id)
    today = state.clock().astimezone(VN_TZ).date()
    with session(state.engine) as s:
        periods = [(p, status_of(s, plan, state.config.directory, p, state.config.calendar([p.year]))) for p in plan_periods(plan, today, state.config.calendar)]
    return _page(request, user, "plan.html", {"plan": plan, "periods": periods,
                                               "plan_office": state.config.directory.label(plan.office)})


def _board_page(request: Request, user: ConsoleUser, plan: Plan, period: Period, *, error: str | None = None,
                extended: str | None = None, refused: str | None = None, status: int = 200) -> HTMLResponse:
    """The board with the units' waiting extension requests; ``extended``/``refused``: the unit
    just granted an extension or refused one, confirmed from what is stored."""
    state = auth.portal_state(request)
    with session(state.engine) as s:
        b = board(s, plan, state.config.directory, period, state.config.calendar([period.year]), state.clock())
        requests = asks.pending(s, [plan.id], period.id)
        answered = asks.latest(s, plan.id, period.id, refused) if refused else None
    names = {r.unit.id: r.unit.name for r in b.rows}
    notice = next((f"Đã gia hạn cho {r.unit.name} đến {r.deadline:%d/%m/%Y}." for r in b.rows
                   if r.unit.id == extended and r.deadline != period.due), None)
    if answered is not None and answered.state == asks.RequestState.REFUSED:
        notice = f"Đã từ chối đề nghị gia hạn của {names.get(answered.unit, answered.unit)}; đơn vị nhận thư báo lý do."
    return _page(request, user, "board.html", {"b": b, "error": error, "notice": notice, "action_labels": ACTION_LABELS,
                                                "requests": [(names.get(r.unit, r.unit), r) for r in requests]},
                 status=status)


@router.get("/ke-hoach/{plan_id}/{period_id}", response_class=HTMLResponse)
async def board_page(request: Request, plan_id: str, period_id: str,
                     user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    plan = _plan(request, user, plan_id)
    return _board_page(request, user, plan, _period(request, plan, period_id), extended=request.query_params.get("da_gia_han"),
                       refused=request.query_params.get("da_tu_choi"))


@router.post("/ke-hoach/{plan_id}/{period_id}/gia-han", response_model=None)
async def extend(request: Request, plan_id: str, period_id: str,
                 user: ConsoleUser = Depends(auth.require(*FOLLOWERS))) -> Response:
    """Grant one unit a later deadline: the same ``followup.extend`` as ``kehoach extend``."""
    form = await auth.checked_form(request)
    state = auth.portal_state(request)
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    unit_id = str(form.get("don_vi") or "")
    try:
        followup.named_unit(state.config, period, unit_id)
    except followup.NotNamed:
        raise HTTPException(404) from None
    try:
        until = asks.parse_date(str(form.get(asks.DATE_FIELD) or ""))  # dd/mm/yyyy typed, or a date field's ISO
    except asks.RequestInvalid as exc:
        return _board_page(request, user, plan, period, status=400, error=f"Gia hạn chưa được ghi: {exc}")
    with session(state.engine) as s:
        try:
            followup.extend(state.config, s, plan, period, unit_id, until, by=user.username, now=state.clock())
        except followup.FollowupRefused as exc:
            return _board_page(request, user, plan, period, status=400, error=str(exc))
    return RedirectResponse(f"{auth.PREFIX}/ke-hoach/{plan.id}/{period.id}?da_gia_han={quote(unit_id)}",
                            status_code=303)


@router.get("/tai-khoan", response_class=HTMLResponse)
async def accounts(request: Request, user: ConsoleUser = Depends(auth.require(Role.QUAN_TRI))) -> HTMLResponse:
    state = auth.portal_state(request)
    with session(state.engine) as s:
        users = list(s.exec(select(ConsoleUser).order_by(ConsoleUser.office, ConsoleUser.username)))
    directory = state.config.directory
    rows = [(u, directory.label(u.office) if directory.has_unit(u.office) else u.office, ROLE_LABELS[Role(u.role)])
            for u in users]
    return _page(request, user, "accounts.html", {"rows": rows})
