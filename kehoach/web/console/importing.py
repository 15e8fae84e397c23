"""Import a plan from its Word document in the console: upload, review beside the text, correct, save paused.

The page calls the same importer as ``kehoach import`` (``read_document``, ``build_draft``,
``plan_yaml``) and the same checks as a plan upload (``check_upload``, ``write_plan``). The
uploaded document is kept under the data directory (``import_drafts``), keyed by the account
and a random token, until it is saved: the save rebuilds the draft from it, so the browser
sends only corrections (``importer.corrections``). A saved plan is paused first
(``set_plan_state``) and stays so until the office activates it.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from kehoach.errors import PlanError, PlanIssue
from kehoach.importer import corrections
from kehoach.importer.document import Line, read_document
from kehoach.importer.draft import Draft, build_draft
from kehoach.importer.errors import DocumentError
from kehoach.importer.render import plan_yaml
from kehoach.importer.sections import split
from kehoach.plans.lifecycle import STATE_VI, PlanState, plan_states, set_plan_state
from kehoach.plans.upload import check_upload, write_plan
from kehoach.store.account_tables import ConsoleUser
from kehoach.web.console import auth, import_drafts
from kehoach.web.console.accounts import Role
from kehoach.web.console.routes import _page
from kehoach.web.console.scope import visible_plans

router = APIRouter(prefix=auth.PREFIX)
PAGE = auth.PREFIX + "/nhap-ke-hoach"
SAVERS = (Role.VAN_THU, Role.QUAN_TRI)
UNIT_KEYS = corrections.UNIT_KEYS  # plan fields holding unit refs; the contacts page reads them too
GONE = "Bản nháp này không còn (đã lưu, hoặc đã quá hạn và được dọn): hãy tải văn bản lên lại."


def _imports(request: Request) -> Path:
    return auth.portal_state(request).settings.data_dir / "imports"


def _upload_page(request: Request, user: ConsoleUser, *, error: str | None = None, saved: str | None = None,
                 status: int = 200) -> HTMLResponse:
    state = auth.portal_state(request)
    states = plan_states(state.engine)
    plans = [(p, STATE_VI[states.get(p.id, PlanState.ACTIVE)]) for p in visible_plans(user, state.config.plans.values())]
    return _page(request, user, "import_upload.html", {"error": error, "saved": saved, "plans": plans,
                                                       "page": PAGE}, status=status)


@router.get("/nhap-ke-hoach", response_class=HTMLResponse)
async def upload_form(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    return _upload_page(request, user, saved=request.query_params.get("da_luu"))


@router.post("/nhap-ke-hoach", response_model=None)
async def upload(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> Response:
    """Store the document, run the importer; its Vietnamese error (400) when the file is not a plan."""
    form = await auth.checked_form(request)
    file = form.get("tep")
    if not isinstance(file, UploadFile) or not file.filename:
        return _upload_page(request, user, error="Chưa chọn tệp kế hoạch (.docx hoặc .txt).", status=400)
    state = auth.portal_state(request)
    token, path = import_drafts.store(_imports(request), user.id, file.filename, file.file, state.clock())
    import_drafts.clean_stale(_imports(request), timedelta(days=state.settings.import_draft_days), state.clock(),
                              keep=path.parent)
    try:
        lines = read_document(path)
        draft = build_draft(lines, path.name, state.config.directory)
    except DocumentError as exc:
        shutil.rmtree(path.parent)
        return _upload_page(request, user, error=str(exc), status=400)
    return _review_page(request, user, token, lines, draft, path.name)


def _review_page(request: Request, user: ConsoleUser, token: str, lines: list[Line], draft: Draft, name: str,
                 issues: list[PlanIssue] | None = None, picked: dict[str, str] | None = None,
                 status: int = 200) -> HTMLResponse:
    """The document's sections, each beside the draft's tasks read from it, with every value to correct."""
    directory = auth.portal_state(request).config.directory
    tasks = list(enumerate(draft.data["tasks"]))
    values = corrections.values(draft)
    notes: dict[int, list[str]] = {}  # a task's review notes other than those shown at their field
    for path, reason in draft.reviews:
        if path[:1] == ("tasks",) and isinstance(path[1], int) and not any(v.path[:len(path)] == path for v in values):
            notes.setdefault(path[1], []).append(reason)
    sections = [(s, [(i, t) for i, t in tasks if t["section"] == s.number or t["section"].startswith(s.number + ".")])
                for s in split(lines, name).sections]
    task_values = {i: [v for v in values if v.path[:2] == ("tasks", i)] for i, _ in tasks}
    choices = [(g.id, g.name) for g in directory.groups] + [(u.id, u.name) for u in directory.units]
    proposed = {m.ref: m.name for m in draft.proposed}
    return _page(request, user, "import_review.html", {
        "token": token, "name": name, "draft": draft.data, "sections": sections, "notes": notes,
        "confirm": corrections.to_confirm(draft), "choices": choices, "issues": issues or [], "page": PAGE,
        "rows": {i: corrections.unit_rows(draft, i) for i, _ in tasks}, "roles": corrections.ROLES,
        "new_row": corrections.NEW_ROW, "task_values": task_values, "picked": picked or {},
        "plan_values": [v for v in values if v.path[0] != "tasks"],
        "can_save": user.role in SAVERS, "known": directory.knows,
        "label": lambda ref: directory.label(ref) if directory.knows(ref) else proposed.get(ref, ref),
    }, status=status)


@router.post("/nhap-ke-hoach/luu", response_model=None)
async def save(request: Request, user: ConsoleUser = Depends(auth.require(*SAVERS))) -> Response:
    """Apply the corrections, validate like a plan upload, then pause and write; nothing is written if invalid."""
    form = await auth.checked_form(request)
    state = auth.portal_state(request)
    token = str(form.get("token") or "")
    path = import_drafts.stored(_imports(request), user.id, token, state.clock())
    if path is None:
        return _upload_page(request, user, error=GONE, status=410)
    lines = read_document(path)
    plan_id = str(form.get("ma") or "").strip()
    draft = build_draft(lines, path.name, state.config.directory, plan_id or None)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    draft = corrections.apply(draft, fields)
    name = f"{draft.data['id']}.yaml"
    data = plan_yaml(draft, path.name).encode("utf-8")
    office = None if user.role == Role.QUAN_TRI else user.office
    try:
        plan = check_upload(data, name, state.config.directory, state.config.plans, state.settings.plans_dir, office)
        if plan.id in state.config.plans or (state.settings.plans_dir / name).exists():
            raise PlanError([PlanIssue(name, "id", None, f"mã kế hoạch '{plan.id}' đã có; đặt mã khác")])
    except PlanError as exc:
        picked = {k.removeprefix("don_vi__"): v for k, v in fields.items() if k.startswith("don_vi__")}
        return _review_page(request, user, token, lines, draft, path.name, exc.issues, picked, status=400)
    set_plan_state(state.engine, plan.id, PlanState.PAUSED, by=user.username, now=state.clock(),
                   reason=f"nhập từ {path.name}, chờ kích hoạt")
    write_plan(state.settings.plans_dir, plan, data)
    state.config.plans[plan.id] = plan
    shutil.rmtree(path.parent)
    return RedirectResponse(f"{PAGE}?da_luu={plan.id}", status_code=303)
