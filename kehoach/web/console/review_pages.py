"""The báo cáo review page of one plan and period: read, edit, approve, send upward.

Every step is the domain's own (``kehoach.rollup.review`` and ``kehoach.rollup.sending``),
the code path of ``kehoach rollup --send-upward``: a save is a new version, the leader
approves the latest version and its DOCX is stored, and only an approved report goes up.
The office's texts are plain text: Jinja escapes them here, as the DOCX and email do theirs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from kehoach.calendar import VN_TZ
from kehoach.plans.model import Plan
from kehoach.rollup.build import Rollup
from kehoach.rollup.narrative import OFFICE_SECTIONS, OfficeTexts
from kehoach.rollup.review import (
    ReviewError,
    approvals,
    approve,
    current_approval,
    docx_bytes,
    docx_name,
    drafts,
    rollup_for_review,
    save_draft,
    texts_of,
)
from kehoach.rollup.sections import body_sections, recipients, subject_of
from kehoach.rollup.sending import NoUpwardTarget, send_approved
from kehoach.store.account_tables import ConsoleUser
from kehoach.store.db import session
from kehoach.store.report_tables import ReportApproval
from kehoach.submissions.periods import Period
from kehoach.web.console import auth, kept_forms
from kehoach.web.console.accounts import Role
from kehoach.web.console.routes import _page, _period, _plan

router = APIRouter(prefix=auth.PREFIX)
EDITORS = (Role.VAN_THU, Role.LANH_DAO)
APPROVERS = (Role.LANH_DAO,)
NOTE_FIELD = "ghi_chu__"  # + indicator id
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def page_url(plan: Plan, period: Period) -> str:
    return f"{auth.PREFIX}/bao-cao/{plan.id}/{period.id}"


def _rollup(request: Request, s: Session, plan: Plan, period: Period) -> Rollup:
    state = auth.portal_state(request)
    return rollup_for_review(s, plan, state.config.directory, period, state.clock().astimezone(VN_TZ).date(),
                             state.config.calendar([period.year]))


def _texts_from(fields: Mapping[str, Any]) -> OfficeTexts:
    """The office's texts from a posted form (or kept fields): one field per section and per note."""
    sections = {k: str(fields.get(k) or "") for k in OFFICE_SECTIONS}
    notes = {k.removeprefix(NOTE_FIELD): str(v) for k, v in fields.items() if k.startswith(NOTE_FIELD)}
    return OfficeTexts(sections, notes)


def _review_page(request: Request, user: ConsoleUser, plan: Plan, period: Period, *,
                 typed: OfficeTexts | None = None, error: str | None = None, notice: str | None = None,
                 status: int = 200) -> HTMLResponse:
    """The draft as it stands (latest saved version), with the form showing ``typed`` when given."""
    state = auth.portal_state(request)
    with session(state.engine) as s:
        r = _rollup(request, s, plan, period)
        versions = drafts(s, plan.id, period.id)
        approved = current_approval(s, plan.id, period.id)
        history = approvals(s, plan.id, period.id)
    form = typed or texts_of(versions[0] if versions else None)
    return _page(request, user, "review.html", {
        "r": r, "subject": subject_of(r), "lines": body_sections(r), "recipients": recipients(r),
        "sections": OFFICE_SECTIONS, "form": form, "note_field": NOTE_FIELD, "versions": versions,
        "approved": approved, "approvals": history, "base": page_url(plan, period),
        "can_edit": user.role in EDITORS, "can_approve": user.role in APPROVERS,
        "error": error, "notice": notice, "restored": typed is not None and error is None,
    }, status=status)


@router.get("/bao-cao/{plan_id}/{period_id}", response_class=HTMLResponse)
async def review_page(request: Request, plan_id: str, period_id: str,
                      user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    kept = kept_forms.restore(request, page_url(plan, period))
    notices = {"luu": "Đã lưu phiên bản mới.", "duyet": "Đã phê duyệt bản mới nhất.",
               "gui": "Đã gửi báo cáo đã phê duyệt lên cấp trên."}
    response = _review_page(request, user, plan, period, typed=_texts_from(kept) if kept else None,
                            notice=notices.get(request.query_params.get("da", "")))
    if kept is not None:
        response.delete_cookie(kept_forms.COOKIE, path=auth.PREFIX)
    return response


@router.get("/bao-cao/{plan_id}/{period_id}/du-thao.docx")
async def draft_docx(request: Request, plan_id: str, period_id: str,
                     user: ConsoleUser = Depends(auth.current_user)) -> Response:
    """The DOCX of the draft as it stands: the latest saved texts over today's figures."""
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    with session(auth.portal_state(request).engine) as s:
        r = _rollup(request, s, plan, period)
    return _docx(docx_bytes(r), docx_name(r).replace(".docx", "-du-thao.docx"))


@router.get("/bao-cao/{plan_id}/{period_id}/da-duyet/{approval_id}.docx")
async def approved_docx(request: Request, plan_id: str, period_id: str, approval_id: int,
                        user: ConsoleUser = Depends(auth.current_user)) -> Response:
    """The DOCX stored when the leader approved: byte for byte what goes upward."""
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    with session(auth.portal_state(request).engine) as s:
        row = s.get(ReportApproval, approval_id)
    if row is None or (row.plan, row.period) != (plan.id, period.id):
        raise HTTPException(404)
    return _docx(row.docx, row.filename.replace(".docx", f"-da-duyet-v{row.version}.docx"))


def _docx(data: bytes, filename: str) -> Response:
    return Response(data, media_type=DOCX, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.post("/bao-cao/{plan_id}/{period_id}/luu", response_model=None)
async def save(request: Request, plan_id: str, period_id: str) -> Response:
    """Save the typed texts as a new version; a user whose session ended keeps the text over a login."""
    form = await request.form()
    try:
        user = await auth.current_user(request)
    except auth.LoginRequired:
        return kept_forms.to_login(request, f"{auth.PREFIX}/bao-cao/{plan_id}/{period_id}", form)
    auth.check_form(request, form)
    if user.role not in EDITORS:
        raise HTTPException(403)
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    typed = _texts_from(form)
    state = auth.portal_state(request)
    with session(state.engine) as s:
        try:
            save_draft(s, _rollup(request, s, plan, period), typed, by=user.username, now=state.clock())
        except ReviewError as exc:
            return _review_page(request, user, plan, period, typed=typed, status=400,
                                error=f"Chưa lưu: {exc}.")
    return RedirectResponse(f"{page_url(plan, period)}?da=luu", status_code=303)


@router.post("/bao-cao/{plan_id}/{period_id}/phe-duyet", response_model=None)
async def approve_latest(request: Request, plan_id: str, period_id: str,
                         user: ConsoleUser = Depends(auth.require(*APPROVERS))) -> Response:
    """The leader approves the version they saw; a newer save since then is refused (409)."""
    form = await auth.checked_form(request)
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    raw = str(form.get("phien_ban") or "")
    state = auth.portal_state(request)
    with session(state.engine) as s:
        try:
            approve(s, _rollup(request, s, plan, period), int(raw) if raw.isdigit() else -1,
                    by=user.username, now=state.clock())
        except ReviewError as exc:
            return _review_page(request, user, plan, period, status=409, error=f"Chưa phê duyệt: {exc}.")
    return RedirectResponse(f"{page_url(plan, period)}?da=duyet", status_code=303)


@router.post("/bao-cao/{plan_id}/{period_id}/gui-len", response_model=None)
async def send(request: Request, plan_id: str, period_id: str,
               user: ConsoleUser = Depends(auth.require(*APPROVERS))) -> Response:
    """Send the approved version upward: ``send_approved``, as ``kehoach rollup --send-upward`` does."""
    await auth.checked_form(request)
    plan = _plan(request, user, plan_id)
    period = _period(request, plan, period_id)
    state = auth.portal_state(request)
    with session(state.engine) as s:
        approval = current_approval(s, plan.id, period.id)
        if approval is None:
            return _review_page(request, user, plan, period, status=409,
                                error="Chưa gửi: bản mới nhất chưa được lãnh đạo phê duyệt.")
        try:
            send_approved(s, state.settings.data_dir, state.config.plans.values(), state.config.directory,
                          _rollup(request, s, plan, period), approval, by=user.username, now=state.clock())
        except NoUpwardTarget as exc:
            return _review_page(request, user, plan, period, status=409, error=f"Chưa gửi: {exc}.")
    return RedirectResponse(f"{page_url(plan, period)}?da=gui", status_code=303)
