"""The contacts pages: the unit directory in the browser, edited through ``apply_changes``.

An office sees the units its plans name (and itself); an admin sees every unit. A unit
outside that answers 404, as one that does not exist. Every change goes through the same
``apply_changes`` as the Excel import, so it is validated as ``kehoach validate`` validates
``contacts.yaml``, refused whole when wrong, and written with its audit lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select
from starlette.datastructures import UploadFile

from kehoach.plans.directory_edit import FIELD_LABELS, DirectoryEditError, UnitValues, apply_changes
from kehoach.plans.directory_store import as_directory, stored_groups, stored_units
from kehoach.plans.directory_xlsx import read_xlsx, write_xlsx
from kehoach.plans.model import Plan
from kehoach.store.account_tables import ConsoleUser
from kehoach.store.db import session
from kehoach.store.directory_tables import DirectoryChange, DirectoryUnit
from kehoach.web.console import auth
from kehoach.web.console.accounts import Role
from kehoach.web.console.importing import UNIT_KEYS
from kehoach.web.console.routes import _page
from kehoach.web.console.scope import sees_every_office, visible_plans

router = APIRouter(prefix=auth.PREFIX)
PAGE = auth.PREFIX + "/danh-ba"
EDITORS = (Role.VAN_THU, Role.QUAN_TRI)


def _refs(value: Any, key: str | None = None) -> Iterable[str]:
    """Every unit or group reference in a plan's data (the fields listed in ``UNIT_KEYS``)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _refs(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _refs(v, key)
    elif isinstance(value, str) and key in UNIT_KEYS:
        yield value


def visible_unit_ids(user: ConsoleUser, plans: Iterable[Plan], rows: list[DirectoryUnit],
                     groups_of: dict[str, list[str]]) -> set[str]:
    """The units this account may see: its office and every unit its plans name, directly or by group."""
    if sees_every_office(user):
        return {r.id for r in rows}
    refs = {user.office} | {ref for p in visible_plans(user, plans) for ref in _refs(p.model_dump())}
    return {r.id for r in rows if r.id in refs or any(g in refs for g in groups_of.get(r.id, []))}


def _rows(request: Request, user: ConsoleUser) -> tuple[list[DirectoryUnit], dict[str, str]]:
    """The visible unit rows (deactivated ones included) and the group names."""
    state = auth.portal_state(request)
    with session(state.engine) as s:
        rows, groups = stored_units(s), stored_groups(s)
    seen = visible_unit_ids(user, state.config.plans.values(), rows, {r.id: list(r.groups) for r in rows})
    return [r for r in rows if r.id in seen], {g.id: g.name for g in groups}


def _list_page(request: Request, user: ConsoleUser, *, errors: list[str] | None = None,
               status: int = 200) -> HTMLResponse:
    rows, groups = _rows(request, user)
    return _page(request, user, "contacts.html", {"rows": rows, "groups": groups, "page": PAGE, "errors": errors or [],
                                                  "can_edit": user.role in EDITORS,
                                                  "imported": request.query_params.get("da_nhap")}, status=status)


@router.get("/danh-ba", response_class=HTMLResponse)
async def contacts(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    return _list_page(request, user)


@router.get("/danh-ba.xlsx", response_model=None)
async def export_xlsx(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> Response:
    """The visible units as the same sheet as ``kehoach contacts export --out x.xlsx``."""
    rows, _ = _rows(request, user)
    with session(auth.portal_state(request).engine) as s:
        groups = stored_groups(s)
    return Response(write_xlsx(rows, groups), headers={"Content-Disposition": 'attachment; filename="danh-ba.xlsx"'},
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@router.post("/danh-ba/nhap", response_model=None)
async def import_sheet(request: Request, user: ConsoleUser = Depends(auth.require(*EDITORS))) -> Response:
    """The same import as ``kehoach contacts import``: every row-numbered error listed, nothing imported if any."""
    form = await auth.checked_form(request)
    file = form.get("tep")
    if not isinstance(file, UploadFile) or not file.filename:
        return _list_page(request, user, errors=["Chưa chọn tệp danh bạ (.xlsx)."], status=400)
    state = auth.portal_state(request)
    data = await file.read()
    with session(state.engine) as s:
        rows, groups = stored_units(s), stored_groups(s)
    seen = visible_unit_ids(user, state.config.plans.values(), rows, {r.id: list(r.groups) for r in rows})
    try:
        units, new_groups = read_xlsx(data, {r.id for r in rows}, {g.id for g in groups})
        foreign = [f"Đơn vị {u.id}: không thuộc danh bạ của đơn vị bạn; không được sửa."
                   for u in units if u.id not in seen and u.id in {r.id for r in rows}]
        if foreign:
            raise DirectoryEditError(foreign)
        with session(state.engine) as s:
            apply_changes(s, state.config.plans.values(), by=user.username, now=state.clock(), source="xlsx",
                          units=units, groups=new_groups)
    except DirectoryEditError as exc:
        return _list_page(request, user, errors=exc.errors, status=400)
    with session(state.engine) as s:
        state.config.directory = as_directory(stored_units(s), stored_groups(s))
    return RedirectResponse(f"{PAGE}?da_nhap={len(units)}", status_code=303)


def _unit_page(request: Request, user: ConsoleUser, row: DirectoryUnit, *, form: dict[str, str] | None = None,
               errors: dict[str, list[str]] | None = None, status: int = 200) -> HTMLResponse:
    state = auth.portal_state(request)
    with session(state.engine) as s:
        changes = list(s.exec(select(DirectoryChange).where(DirectoryChange.kind == "unit",
                                                            DirectoryChange.object_id == row.id)
                              .order_by(DirectoryChange.at.desc(), DirectoryChange.id.desc())))  # type: ignore[union-attr]
    values = form or {"ten": row.name, "email": ", ".join(row.emails), "zalo": row.zalo or "",
                      "nhom": ", ".join(row.groups), "cap_tren": row.parent or ""}
    return _page(request, user, "contact.html", {
        "row": row, "v": values, "labels": FIELD_LABELS, "errors": errors or {}, "changes": changes, "page": PAGE,
        "can_edit": user.role in EDITORS, "saved": request.query_params.get("da_luu"),
    }, status=status)


def _visible_row(request: Request, user: ConsoleUser, unit_id: str) -> DirectoryUnit:
    rows, _ = _rows(request, user)
    row = next((r for r in rows if r.id == unit_id), None)
    if row is None:
        raise HTTPException(404)
    return row


@router.get("/danh-ba/{unit_id}", response_class=HTMLResponse)
async def unit_page(request: Request, unit_id: str, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    return _unit_page(request, user, _visible_row(request, user, unit_id))


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace(";", ",").split(",") if part.strip()]


FIELD_OF = {"Tên": "ten", "Email": "email", "Zalo": "zalo", "Nhóm": "nhom", "Đơn vị cấp trên": "cap_tren"}


def _field_errors(errors: list[str], unit_id: str) -> dict[str, list[str]]:
    """Each refused line placed beside its field ("Đơn vị X: Email [0]: …" → ``email``); others on top."""
    placed: dict[str, list[str]] = {}
    for line in errors:
        text = line.removeprefix(f"Đơn vị {unit_id}: ")
        label = text.split(":", 1)[0].split(" [", 1)[0]
        placed.setdefault(FIELD_OF.get(label, ""), []).append(text)
    return placed


@router.post("/danh-ba/{unit_id}", response_model=None)
async def edit_unit(request: Request, unit_id: str, user: ConsoleUser = Depends(auth.require(*EDITORS))) -> Response:
    """Save the unit's fields, or deactivate/reactivate it; 400 with the errors and nothing saved if invalid."""
    form = await auth.checked_form(request)
    row = _visible_row(request, user, unit_id)
    typed = {k: str(form.get(k) or "").strip() for k in ("ten", "email", "zalo", "nhom", "cap_tren")}
    action = str(form.get("hanh_dong") or "luu")
    active = {"ngung": False, "kich_hoat": True}.get(action, row.active)
    values = UnitValues(id=row.id, name=typed["ten"], parent=typed["cap_tren"] or None, groups=_split(typed["nhom"]),
                        emails=_split(typed["email"]), zalo=typed["zalo"] or None, active=active)
    state = auth.portal_state(request)
    try:
        with session(state.engine) as s:
            apply_changes(s, state.config.plans.values(), by=user.username, now=state.clock(), units=[values])
    except DirectoryEditError as exc:
        return _unit_page(request, user, row, form=typed, errors=_field_errors(exc.errors, row.id), status=400)
    with session(state.engine) as s:
        state.config.directory = as_directory(stored_units(s), stored_groups(s))
    return RedirectResponse(f"{PAGE}/{row.id}?da_luu=1", status_code=303)
