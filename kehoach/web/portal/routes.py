"""The unit's pages: the report form behind a signed link, its submission, the confirmation,
and the unit's request for an extension (``submissions.extension_requests``).

Checks run in the order a person can fix them: an unknown plan or period is 404, a link
that is tampered, expired or for another period is 403, a unit the report does not expect
is 404, a forged post is 403; then an oversized file is 413, a wrong file type 415, and a
bad figure shows the form again with the message beside the field. Nothing is stored unless
everything passes. An extension request passes the same link, limit and CSRF checks; a bad date
or reason is 422 beside its field, a request the unit may not make now (one already waiting,
reported on time, exempt, the period closed) is 409.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.plans.directory import Unit
from kehoach.errors import LinkError
from kehoach.plans.model import Plan
from kehoach.web.app import PortalError, PortalState
from kehoach.store.db import session
from kehoach.store.submission_tables import Submission
from kehoach.submissions import extension_requests as asks
from kehoach.submissions import notices
from kehoach.submissions.links import LINK_PREFIX, link_path, verify
from kehoach.submissions.periods import Period, UnknownPeriod, resolve_period
from kehoach.submissions.record import StorageFailed, attachments_of, extensions, record_submission
from kehoach.submissions.timeliness import UnitDeadline, unit_deadline
from kehoach.submissions.tracking import expected_units
from kehoach.web.portal.admission import admitted_post, signed_page
from kehoach.web.report_form import form_rows, read_report, shown_values
from kehoach.web.portal import task_pages

router = APIRouter()
VERSION = re.compile(r"[1-9][0-9]{0,8}")  # ASCII only: "²".isdigit() is true, and 30 digits overflow the database


@dataclass
class Target:
    plan: Plan
    period: Period
    unit: Unit
    query: str  # the signed query string, carried to the post and the confirmation
    deadline: UnitDeadline  # the unit's own: the plan's date or its extension, and the day-off rule

    @property
    def aim(self) -> date:
        """The working day the unit is asked to report by (the plan's date may be a Saturday)."""
        return self.deadline.aim

    @property
    def path(self) -> str:
        return link_path(self.plan.id, self.period.id, self.unit.id)


def _state(request: Request) -> PortalState:
    state: PortalState = request.app.state.portal
    return state


def _target(request: Request, plan_id: str, period_id: str, unit_id: str) -> Target:
    state = _state(request)
    plan = state.config.plans.get(plan_id)
    if plan is None:
        raise PortalError(404, f"Không tìm thấy kế hoạch “{plan_id}”.")
    try:
        period = resolve_period(plan, period_id, state.config.calendar(plan.span_years))
    except UnknownPeriod:
        raise PortalError(404, f"Kế hoạch không có kỳ báo cáo “{period_id}”.") from None
    e, s = request.query_params.get("e"), request.query_params.get("s")
    try:
        verify(state.settings, plan_id, unit_id, period_id, e, s, state.clock())
    except LinkError as exc:
        raise PortalError(403, str(exc)) from None
    if unit_id not in {u.id for u in expected_units(state.config.directory, period)}:
        raise PortalError(404, f"Đơn vị “{unit_id}” không thuộc danh sách báo cáo của kỳ này.")
    cal = state.config.calendar([period.year])
    with session(state.engine) as db:
        granted = extensions(db, plan.id, period.id).get(unit_id)
    deadline = unit_deadline(period.due, granted, cal, plan.reminder_policy.due_on_day_off)
    return Target(plan, period, state.config.directory.unit(unit_id), f"e={e}&s={s}", deadline)


def _form_page(request: Request, t: Target, *, raw: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               status: int = 200, cookie: str | None = None, ask_raw: dict[str, str] | None = None,
               ask_errors: dict[str, str] | None = None, ask_refused: str | None = None) -> HTMLResponse:
    """The report form, and below it the unit's extension request: its state, and the form to
    ask while the unit may (``ask_*``: what a refused request typed and why it was refused)."""
    state = _state(request)
    rows = form_rows(t.plan, state.config.directory, t.period.report, t.unit.id)
    with session(state.engine) as s:
        last = asks.latest(s, t.plan.id, t.period.id, t.unit.id)
        closed = asks.not_offered(s, t.plan.id, t.period.id, t.unit.id, t.deadline)
    ask = {"last": last, "closed": closed, "raw": ask_raw or {}, "errors": ask_errors or {}, "refused": ask_refused,
           "action": f"{t.path}/gia-han?{t.query}", "date_field": asks.DATE_FIELD, "reason_field": asks.REASON_FIELD,
           "max_reason": asks.MAX_REASON, "sent": request.query_params.get("gia_han") == "da-gui"}
    return signed_page(request, state, "form.html", t, {"rows": rows, "raw": raw or {}, "errors": errors or {},
                                                        "ask": ask}, status=status, cookie=cookie)


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    """What a person who opens the portal's address without a link sees: how to get one."""
    state = _state(request)
    plans = [{"label": p.label, "title": p.title, "office": state.config.directory.label(p.office)}
             for p in state.config.plans.values()]
    return state.templates.TemplateResponse(request, "home.html", {"plans": plans})


@router.get(LINK_PREFIX + "/{plan_id}/{period_id}/{unit_id}", response_class=HTMLResponse)
async def show_form(request: Request, plan_id: str, period_id: str, unit_id: str) -> HTMLResponse:
    if task_pages.is_task_link(request, plan_id, period_id):
        return await task_pages.show(request, plan_id, period_id, unit_id)
    return _form_page(request, _target(request, plan_id, period_id, unit_id))


@router.post(LINK_PREFIX + "/{plan_id}/{period_id}/{unit_id}", response_model=None)
async def submit(request: Request, plan_id: str, period_id: str, unit_id: str) -> Response:
    if task_pages.is_task_link(request, plan_id, period_id):
        return await task_pages.post(request, plan_id, period_id, unit_id)
    state = _state(request)
    limit = state.max_upload_bytes
    t, form, cookie = await admitted_post(request, state, plan_id, period_id, unit_id,
                                          lambda: _target(request, plan_id, period_id, unit_id))
    raw, checked, uploads, status = await read_report(form, t.plan, state.config.directory, t.period.report,
                                                      t.unit.id, limit)
    if not checked.ok:
        return _form_page(request, t, raw=raw, errors=checked.errors, status=status, cookie=cookie)
    now = state.clock()
    with session(state.engine) as s:
        try:
            row = record_submission(
                s, state.settings.data_dir, plan_id=t.plan.id, period=t.period.id, unit_id=t.unit.id,
                values=checked.values, now=now, source="portal", uploads=uploads, max_upload_bytes=limit,
                estimate=raw.get("uoc_tinh") == "co", submitter=(raw.get("nguoi_gui") or "").strip()[:200] or None,
            )
        except StorageFailed as exc:
            raise PortalError(507, str(exc)) from None
        link = f"{state.settings.portal_base_url.rstrip('/')}{t.path}?{t.query}"
        notices.enqueue(s, notices.confirmation(t.plan, state.config.directory, t.period, t.unit.id, row.version, now, link), now)
    return RedirectResponse(f"{t.path}/da-nhan?{t.query}&v={row.version}", status_code=303)


@router.post(LINK_PREFIX + "/{plan_id}/{period_id}/{unit_id}/gia-han", response_model=None)
async def ask_extension(request: Request, plan_id: str, period_id: str, unit_id: str) -> Response:
    """The unit asks for a later deadline; the office answers on its board, the unit by email."""
    if task_pages.is_task_link(request, plan_id, period_id):
        raise PortalError(404, "Nhiệm vụ không nhận đề nghị gia hạn qua đường dẫn này.")
    state = _state(request)
    t, form, cookie = await admitted_post(request, state, plan_id, period_id, unit_id,
                                          lambda: _target(request, plan_id, period_id, unit_id))
    raw = {f: str(form.get(f) or "") for f in (asks.DATE_FIELD, asks.REASON_FIELD)}
    with session(state.engine) as s:
        try:
            asks.request(s, t.plan.id, t.period.id, t.unit.id, raw[asks.DATE_FIELD], raw[asks.REASON_FIELD],
                         deadline=t.deadline, now=state.clock())
        except asks.RequestInvalid as exc:
            return _form_page(request, t, ask_raw=raw, ask_errors=exc.errors, status=422, cookie=cookie)
        except asks.RequestNotOffered as exc:
            return _form_page(request, t, ask_raw=raw, ask_refused=str(exc), status=409, cookie=cookie)
    return RedirectResponse(f"{t.path}?{t.query}&gia_han=da-gui#gia-han", status_code=303)


@router.get(LINK_PREFIX + "/{plan_id}/{period_id}/{unit_id}/da-nhan", response_class=HTMLResponse)
async def confirmation(request: Request, plan_id: str, period_id: str, unit_id: str) -> HTMLResponse:
    state = _state(request)
    version = request.query_params.get("v", "")
    if task_pages.is_task_link(request, plan_id, period_id):
        if not VERSION.fullmatch(version):
            raise PortalError(400, f"Số phiên bản “{version[:20]}” không hợp lệ.")
        return await task_pages.confirmation(request, plan_id, period_id, unit_id, int(version))
    t = _target(request, plan_id, period_id, unit_id)
    if not VERSION.fullmatch(version):
        raise PortalError(400, f"Số phiên bản “{version[:20]}” không hợp lệ.")
    with session(state.engine) as s:
        row = s.exec(select(Submission).where(
            Submission.plan == plan_id, Submission.period == period_id, Submission.unit == unit_id,
            Submission.version == int(version),
        )).first()
        if row is None:
            raise PortalError(404, "Không tìm thấy bản báo cáo đã gửi.")
        files = attachments_of(s, row.id or 0)
    shown = shown_values(t.plan, t.period.report, row.values)
    return state.templates.TemplateResponse(request, "confirmation.html", {
        "t": t, "row": row, "shown": shown, "files": files, "when": row.submitted_at.astimezone(VN_TZ),
        "form_url": f"{t.path}?{t.query}",
    })

