"""The lead unit's "Báo cáo hoàn thành nhiệm vụ" page behind a dated task's signed link.

Same hardening as the report form (signed link 403, rate limits 429, CSRF 403, size 413, type
415); posting stores a submission version with the note and files, skips that unit's pending
rows of the task at once, and shows the confirmation with the one on-time rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.errors import LinkError
from kehoach.plans.directory import Unit
from kehoach.plans.model import Plan, Task
from kehoach.store.db import session
from kehoach.store.submission_tables import Submission
from kehoach.submissions.links import link_path, verify
from kehoach.submissions.record import (
    StorageFailed, UnsupportedType, Upload, UploadTooLarge, attachments_of, check_upload, record_submission,
)
from kehoach.submissions.task_done import (
    NOTE, answered_year, completion_deadline, skip_unit_rows, task_of, task_period_id,
)
from kehoach.submissions.timeliness import UnitDeadline
from kehoach.submissions.text import clean_text
from kehoach.web.app import PortalError, PortalState
from kehoach.web.portal.admission import admitted_post, signed_page
from kehoach.web.report_form import FILE_FIELD

MAX_NOTE = 5000


@dataclass
class TaskTarget:
    plan: Plan
    task: Task
    period_id: str  # the link's
    stored: str  # the occurrence's completion period, where the record goes
    unit: Unit
    query: str
    deadline: UnitDeadline | None

    @property
    def path(self) -> str:
        return link_path(self.plan.id, self.period_id, self.unit.id)


def is_task_link(request: Request, plan_id: str, period_id: str) -> bool:
    plan = request.app.state.portal.config.plans.get(plan_id)
    return plan is not None and task_of(plan, period_id) is not None


def _target(request: Request, plan_id: str, period_id: str, unit_id: str) -> TaskTarget:
    state: PortalState = request.app.state.portal
    plan = state.config.plans[plan_id]
    done = task_of(plan, period_id)
    assert done is not None
    task = done.task
    e, s = request.query_params.get("e"), request.query_params.get("s")
    try:
        verify(state.settings, plan_id, unit_id, period_id, e, s, state.clock())
    except LinkError as exc:
        raise PortalError(403, str(exc)) from None
    if unit_id not in {u.id for u in state.config.directory.resolve(tuple(task.lead))}:
        raise PortalError(404, f"Đơn vị “{unit_id}” không chủ trì nhiệm vụ này.")
    year = done.year if done.year is not None else answered_year(plan, task, state.clock().astimezone(VN_TZ).date())
    return TaskTarget(plan, task, period_id, task_period_id(plan, task, year), state.config.directory.unit(unit_id),
                      f"e={e}&s={s}", completion_deadline(state.config, plan, task, year))


def _page(request: Request, t: TaskTarget, *, note: str = "", error: str = "", status: int = 200,
          cookie: str | None = None) -> HTMLResponse:
    state: PortalState = request.app.state.portal
    return signed_page(request, state, "task_done.html", t, {"note": note, "error": error, "note_field": NOTE},
                       status=status, cookie=cookie)


async def show(request: Request, plan_id: str, period_id: str, unit_id: str) -> HTMLResponse:
    return _page(request, _target(request, plan_id, period_id, unit_id))


async def post(request: Request, plan_id: str, period_id: str, unit_id: str) -> Response:
    state: PortalState = request.app.state.portal
    limit = state.max_upload_bytes
    t, form, cookie = await admitted_post(request, state, plan_id, period_id, unit_id,
                                          lambda: _target(request, plan_id, period_id, unit_id))
    note = clean_text(str(form.get(NOTE) or "")).strip()
    uploads = [Upload(f.filename, await f.read(limit + 1)) for f in form.getlist(FILE_FIELD)
               if not isinstance(f, str) and f.filename]
    if not note:
        return _page(request, t, error="Vui lòng ghi kết quả thực hiện nhiệm vụ.", status=400, cookie=cookie)
    if len(note) > MAX_NOTE:
        return _page(request, t, note=note, error=f"Ghi chú dài quá {MAX_NOTE} ký tự.", status=400, cookie=cookie)
    for upload in uploads:
        try:
            check_upload(upload, limit)
        except UploadTooLarge as exc:
            raise PortalError(413, str(exc)) from None
        except UnsupportedType as exc:
            return _page(request, t, note=note, error=str(exc), status=415, cookie=cookie)
    now = state.clock()
    with session(state.engine) as s:
        try:
            row = record_submission(s, state.settings.data_dir, plan_id=plan_id, period=t.stored, unit_id=unit_id,
                                    values={NOTE: note}, now=now, source="portal", uploads=uploads,
                                    max_upload_bytes=limit)
        except StorageFailed as exc:
            raise PortalError(507, str(exc)) from None
        skip_unit_rows(s, plan_id, t.stored, unit_id, now)
    return RedirectResponse(f"{t.path}/da-nhan?{t.query}&v={row.version}", status_code=303)


async def confirmation(request: Request, plan_id: str, period_id: str, unit_id: str, version: int) -> HTMLResponse:
    state: PortalState = request.app.state.portal
    t = _target(request, plan_id, period_id, unit_id)
    with session(state.engine) as s:
        row = s.exec(select(Submission).where(
            Submission.plan == plan_id, Submission.period == t.stored, Submission.unit == unit_id,
            Submission.version == version)).first()
        if row is None:
            raise PortalError(404, "Không tìm thấy báo cáo hoàn thành đã gửi.")
        first = s.exec(select(Submission).where(
            Submission.plan == plan_id, Submission.period == t.stored, Submission.unit == unit_id,
            Submission.version == 1)).one()
        files = attachments_of(s, row.id or 0)
    on_time = t.deadline is None or t.deadline.on_time(first.submitted_at)
    return state.templates.TemplateResponse(request, "task_done_ok.html", {
        "t": t, "row": row, "files": files, "when": row.submitted_at.astimezone(VN_TZ),
        "verdict": "Đúng hạn" if on_time else "Hoàn thành muộn", "note": row.values.get(NOTE, ""),
        "form_url": f"{t.path}?{t.query}",
    })

