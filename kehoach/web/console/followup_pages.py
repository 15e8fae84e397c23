"""The follow-up board's unit page and its actions: exempt (and undo), remind now, record a
report on the unit's behalf, grant or refuse the unit's extension request, download its files.

Every action is ``submissions.followup`` (the code behind ``kehoach exempt|submit``; an answer to
an extension request, ``submissions.extension_requests`` over ``followup.extend``) with the
logged-in account as who; only a clerk or an admin may act (``FOLLOWERS``, else 403), any
member of the office may read. A plan of another office, or a unit its report does not name,
is 404; a file is served only if it belongs to a version of that unit for that period.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from kehoach.plans.directory import Unit
from kehoach.plans.model import Plan
from kehoach.store.account_tables import ConsoleUser
from kehoach.store.db import session
from kehoach.store.submission_tables import Attachment, Submission
from kehoach.submissions import extension_requests as asks
from kehoach.submissions import followup
from kehoach.submissions.exemption import exemptions
from kehoach.submissions.followup_log import ACTION_LABELS, Action, actions_of
from kehoach.submissions.links import link_maker
from kehoach.submissions.periods import Period
from kehoach.submissions.record import StorageFailed, attachments_of
from kehoach.web.console import auth
from kehoach.web.console.accounts import FOLLOWERS
from kehoach.web.console.routes import _board_page, _page, _period, _plan
from kehoach.web.portal.uploads import read_form
from kehoach.web.report_form import FILE_FIELD, form_rows, read_report, shown_values

router = APIRouter(prefix=auth.PREFIX)
UNIT_PAGE = "/ke-hoach/{plan_id}/{period_id}/don-vi/{unit_id}"
SOURCE_LABELS = {"portal": "đơn vị gửi qua đường dẫn", "console": "văn phòng ghi nhận thay trên trang quản lý",
                 "cli": "văn phòng ghi nhận thay (dòng lệnh)", "rollup": "báo cáo tổng hợp từ kế hoạch cấp dưới"}
DONE = {  # ?xong= after an action: a fixed text, never one taken from the address
    "mien": "Đã miễn báo cáo kỳ này cho đơn vị; các lời nhắc chưa gửi đã dừng và đơn vị được báo hủy lịch.",
    "bo-mien": "Đã bỏ miễn: đơn vị lại phải báo cáo kỳ này, các lời nhắc chưa gửi được khôi phục.",
    "nhac": "Đã xếp lời nhắc gửi ngay cho đơn vị; thư đi ở lần gửi tiếp theo (trong vài phút).",
    "ghi-nhan": "Đã ghi nhận báo cáo thay đơn vị; đơn vị nhận thư xác nhận.",
}


def _target(request: Request, user: ConsoleUser, plan_id: str, period_id: str, unit_id: str) -> tuple[Plan, Period, Unit]:
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    try:
        unit = followup.named_unit(auth.portal_state(request).config, period, unit_id)
    except followup.NotNamed:
        raise HTTPException(404) from None
    return plan, period, unit


def _unit_url(plan: Plan, period: Period, unit: Unit, done: str | None = None) -> str:
    url = f"{auth.PREFIX}/ke-hoach/{plan.id}/{period.id}/don-vi/{quote(unit.id)}"
    return f"{url}?xong={done}" if done else url


def _unit_page(request: Request, user: ConsoleUser, plan: Plan, period: Period, unit: Unit, *,
               error: str | None = None, raw: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               status: int = 200) -> HTMLResponse:
    """The unit's versions with their values and files, what the office did, and the actions."""
    state = auth.portal_state(request)
    with session(state.engine) as s:
        rows = list(s.exec(select(Submission).where(
            Submission.plan == plan.id, Submission.period == period.id, Submission.unit == unit.id,
        ).order_by(Submission.version.desc())))  # type: ignore[attr-defined]
        versions = [(row, shown_values(plan, period.report, row.values), attachments_of(s, row.id or 0)) for row in rows]
        done = actions_of(s, plan.id, period.id).get(unit.id, [])
        exemption = exemptions(s, plan.id, period.id).get(unit.id)
    return _page(request, user, "board_unit.html", {
        "plan": plan, "period": period, "unit": unit, "versions": versions, "actions": done,
        "action_labels": ACTION_LABELS, "source_labels": SOURCE_LABELS, "exemption": exemption,
        "notice": DONE.get(request.query_params.get("xong", "")), "error": error,
        "rows": form_rows(plan, state.config.directory, period.report, unit.id), "raw": raw or {},
        "errors": errors or {}, "file_field": FILE_FIELD, "max_mb": state.settings.portal_max_upload_mb,
        "unit_url": _unit_url(plan, period, unit),
    }, status=status)


@router.get(UNIT_PAGE, response_class=HTMLResponse)
async def unit_page(request: Request, plan_id: str, period_id: str, unit_id: str,
                    user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    return _unit_page(request, user, *_target(request, user, plan_id, period_id, unit_id))


async def _act(request: Request, user: ConsoleUser, plan_id: str, period_id: str, unit_id: str,
               action: Action) -> Response:
    """Exempt, undo the exemption, or remind now: check the form, act, come back to the unit page."""
    form = await auth.checked_form(request)
    state = auth.portal_state(request)
    plan, period, unit = _target(request, user, plan_id, period_id, unit_id)
    now = state.clock()
    with session(state.engine) as s:
        try:
            if action is Action.EXEMPT:
                followup.exempt(state.config, s, plan, period, unit.id, str(form.get("ly_do") or ""),
                                by=user.username, now=now)
            elif action is Action.UNEXEMPT:
                followup.unexempt(state.config, s, plan, period, unit.id, by=user.username, now=now)
            else:
                followup.remind_now(state.config, s, plan, period, unit.id, by=user.username, now=now)
        except followup.FollowupRefused as exc:
            return _unit_page(request, user, plan, period, unit, error=str(exc), status=400)
    done = {Action.EXEMPT: "mien", Action.UNEXEMPT: "bo-mien", Action.REMIND: "nhac"}[action]
    return RedirectResponse(_unit_url(plan, period, unit, done), status_code=303)


@router.post(UNIT_PAGE + "/mien", response_model=None)
async def exempt(request: Request, plan_id: str, period_id: str, unit_id: str,
                 user: ConsoleUser = Depends(auth.require(*FOLLOWERS))) -> Response:
    return await _act(request, user, plan_id, period_id, unit_id, Action.EXEMPT)


@router.post(UNIT_PAGE + "/bo-mien", response_model=None)
async def unexempt(request: Request, plan_id: str, period_id: str, unit_id: str,
                   user: ConsoleUser = Depends(auth.require(*FOLLOWERS))) -> Response:
    return await _act(request, user, plan_id, period_id, unit_id, Action.UNEXEMPT)


@router.post(UNIT_PAGE + "/nhac-ngay", response_model=None)
async def remind(request: Request, plan_id: str, period_id: str, unit_id: str,
                 user: ConsoleUser = Depends(auth.require(*FOLLOWERS))) -> Response:
    return await _act(request, user, plan_id, period_id, unit_id, Action.REMIND)


ANSWERS = {"dong-y": Action.EXTEND, "tu-choi": Action.REFUSE_EXTENSION}  # to a unit's extension request


@router.post(UNIT_PAGE + "/de-nghi-gia-han/{answer}", response_model=None)
async def answer_request(request: Request, plan_id: str, period_id: str, unit_id: str, answer: str,
                         user: ConsoleUser = Depends(auth.require(*FOLLOWERS))) -> Response:
    """Grant ("dong-y", to the date the clerk chose) or refuse ("tu-choi", with a note) the unit's
    waiting extension request, then back to the board; the unit's email carries its signed link."""
    action = ANSWERS.get(answer)
    if action is None:
        raise HTTPException(404)
    form = await auth.checked_form(request)
    state = auth.portal_state(request)
    plan, period, unit = _target(request, user, plan_id, period_id, unit_id)
    now = state.clock()
    link = link_maker(state.settings, now)(plan.id, unit.id, period.id)
    with session(state.engine) as s:
        try:
            if action is Action.EXTEND:
                until = asks.parse_date(str(form.get(asks.DATE_FIELD) or ""))
                asks.grant(state.config, s, plan, period, unit.id, until, by=user.username, now=now, link=link)
            else:
                asks.refuse(state.config, s, plan, period, unit.id, str(form.get("ghi_chu") or ""),
                            by=user.username, now=now, link=link)
        except (asks.RequestInvalid, followup.FollowupRefused) as exc:
            return _board_page(request, user, plan, period, error=str(exc), status=400)
    flag = "da_gia_han" if action is Action.EXTEND else "da_tu_choi"
    return RedirectResponse(f"{auth.PREFIX}/ke-hoach/{plan.id}/{period.id}?{flag}={quote(unit.id)}", status_code=303)


@router.post(UNIT_PAGE + "/ghi-nhan", response_model=None)
async def record(request: Request, plan_id: str, period_id: str, unit_id: str,
                 user: ConsoleUser = Depends(auth.require(*FOLLOWERS))) -> Response:
    """A report that came on paper or by email: the portal's checks, then ``followup.record_on_behalf``."""
    state = auth.portal_state(request)
    limit = state.max_upload_bytes
    form = await read_form(request, limit)
    auth.check_form(request, form)
    plan, period, unit = _target(request, user, plan_id, period_id, unit_id)
    raw, checked, uploads, status = await read_report(form, plan, state.config.directory, period.report, unit.id, limit)
    if not checked.ok:
        return _unit_page(request, user, plan, period, unit, raw=raw, errors=checked.errors, status=status,
                          error="Báo cáo chưa được ghi nhận: vui lòng sửa các mục được đánh dấu bên dưới.")
    with session(state.engine) as s:
        try:
            followup.record_on_behalf(
                state.config, s, state.settings.data_dir, plan, period, unit.id, checked.values, by=user.username,
                now=state.clock(), source="console", uploads=uploads, max_upload_bytes=limit,
                estimate=raw.get("uoc_tinh") == "co", submitter=(raw.get("nguoi_gui") or "").strip()[:200] or None)
        except followup.FollowupRefused as exc:
            return _unit_page(request, user, plan, period, unit, raw=raw, error=str(exc), status=400)
        except StorageFailed as exc:
            return _unit_page(request, user, plan, period, unit, raw=raw, error=str(exc), status=507)
    return RedirectResponse(_unit_url(plan, period, unit, "ghi-nhan"), status_code=303)


@router.get(UNIT_PAGE + "/tep/{attachment_id}", response_model=None)
async def download(request: Request, plan_id: str, period_id: str, unit_id: str, attachment_id: int,
                   user: ConsoleUser = Depends(auth.current_user)) -> Response:
    """One file of one of the unit's versions; anything else, or another office's, is 404."""
    state = auth.portal_state(request)
    plan, period, unit = _target(request, user, plan_id, period_id, unit_id)
    with session(state.engine) as s:
        found = s.exec(select(Attachment, Submission).where(
            Attachment.id == attachment_id, Attachment.submission_id == Submission.id,
            Submission.plan == plan.id, Submission.period == period.id, Submission.unit == unit.id)).first()
    if found is None:
        raise HTTPException(404)
    uploads = (state.settings.data_dir / "uploads").resolve()
    path = (state.settings.data_dir / found[0].path).resolve()
    if not path.is_relative_to(uploads) or not path.is_file():
        raise HTTPException(404)
    return FileResponse(Path(path), filename=found[0].filename, media_type="application/octet-stream")
