"""The plans page: the office's plans with their state, YAML upload, pause and resume.

Upload goes through ``check_upload`` and ``write_plan`` (the same checks as the API upload):
nothing is written unless the whole file is valid, and every issue is shown with its line and
YAML path. Pause and resume are ``set_plan_state``, as ``kehoach pause|resume`` do.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from kehoach.calendar import VN_TZ
from kehoach.errors import PlanError, PlanIssue
from kehoach.expansion.freshness import sync_changed
from kehoach.expansion.preview import PreviewEvent, YearPreview, month_weeks
from kehoach.plans.lifecycle import STATE_VI, PlanState, PlanStateError, plan_states, set_plan_state
from kehoach.plans.upload import check_upload, write_plan
from kehoach.store.account_tables import ConsoleUser
from kehoach.web.console import auth
from kehoach.web.console.accounts import Role
from kehoach.web.console.routes import _page
from kehoach.web.console.scope import visible_plan, visible_plans

router = APIRouter(prefix=auth.PREFIX)
PAGE = auth.PREFIX + "/cac-ke-hoach"
EDITORS = (Role.VAN_THU, Role.QUAN_TRI)
ACTIONS = {"tam-dung": PlanState.PAUSED, "tiep-tuc": PlanState.ACTIVE}


def _list_page(request: Request, user: ConsoleUser, *, issues: list[PlanIssue] | None = None,
               error: str | None = None, status: int = 200) -> HTMLResponse:
    state = auth.portal_state(request)
    states = plan_states(state.engine)
    plans = [(p, states.get(p.id, PlanState.ACTIVE)) for p in visible_plans(user, state.config.plans.values())]
    return _page(request, user, "plans.html", {
        "plans": plans, "labels": STATE_VI, "issues": issues or [], "error": error, "page": PAGE,
        "can_edit": user.role in EDITORS, "saved": request.query_params.get("da_luu"),
    }, status=status)


@router.get("/cac-ke-hoach", response_class=HTMLResponse)
async def plans_page(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    return _list_page(request, user)


@router.get("/cac-ke-hoach/{plan_id}/lich", response_class=HTMLResponse)
async def year_calendar(request: Request, plan_id: str, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    """The browser form of ``kehoach preview``: each month's days with what the plan sends on them."""
    state = auth.portal_state(request)
    plan = visible_plan(user, state.config.plans, plan_id)
    if plan is None:
        raise HTTPException(404)
    raw = request.query_params.get("nam", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else state.clock().astimezone(VN_TZ).year
    found = YearPreview([plan], year, state.config.directory, state.config.calendar([year]))
    by_day: dict[date, list[PreviewEvent]] = {}
    for event in found.events():
        by_day.setdefault(event.day, []).append(event)
    names = {u.id: u.name for u in state.config.directory.units}
    return _page(request, user, "plan_calendar.html", {
        "plan": plan, "year": year, "months": [(m, month_weeks(year, m)) for m in range(1, 13)],
        "by_day": by_day, "names": names, "total": found.total, "page": PAGE,
    })


@router.post("/cac-ke-hoach/tai-len", response_model=None)
async def upload(request: Request, user: ConsoleUser = Depends(auth.require(*EDITORS))) -> Response:
    """Validate the uploaded YAML; write it and load it only when it has no issue."""
    form = await auth.checked_form(request)
    file = form.get("tep")
    if not isinstance(file, UploadFile) or not file.filename:
        return _list_page(request, user, error="Chưa chọn tệp kế hoạch (.yaml).", status=400)
    state = auth.portal_state(request)
    office = None if user.role == Role.QUAN_TRI else user.office
    data = await file.read()
    try:
        plan = check_upload(data, file.filename, state.config.directory, state.config.plans,
                            state.settings.plans_dir, office)
    except PlanError as exc:
        return _list_page(request, user, issues=exc.issues, status=400)
    write_plan(state.settings.plans_dir, plan, data)
    state.config.plans[plan.id] = plan
    await run_in_threadpool(sync_changed, state.config, state.engine, state.clock(),  # a moved date moves now
                            state.settings.sync_horizon_days)
    return RedirectResponse(f"{PAGE}?da_luu={plan.id}", status_code=303)


@router.post("/cac-ke-hoach/{plan_id}/{action}", response_model=None)
async def change_state(request: Request, plan_id: str, action: str,
                       user: ConsoleUser = Depends(auth.require(*EDITORS))) -> Response:
    """Pause (nothing is sent while paused) or resume a plan of the user's office."""
    await auth.checked_form(request)
    state = auth.portal_state(request)
    plan = visible_plan(user, state.config.plans, plan_id)
    if plan is None or action not in ACTIONS:
        raise HTTPException(404)
    try:
        set_plan_state(state.engine, plan.id, ACTIONS[action], by=user.username, now=state.clock())
    except PlanStateError as exc:
        return _list_page(request, user, error=str(exc), status=409)
    return RedirectResponse(PAGE, status_code=303)
