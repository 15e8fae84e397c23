"""Changing the stored directory: add, edit and deactivate units and groups, with an audit trail.

Every change is checked the way ``kehoach validate`` checks ``contacts.yaml`` (ids, names,
emails, Zalo phones, parents, groups) and then every plan is checked against the changed
directory, so a deactivated unit that a plan still names is refused. All or nothing: a
refused change writes no row. Each changed field gets an audit line (old, new, who, when).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from kehoach.errors import KehoachError, PlanError
from kehoach.plans.directory import Directory, Unit
from kehoach.plans.directory_store import directory_data, stored_groups, stored_units
from kehoach.plans.loader import YamlDoc, check_references, directory_from_doc, validate
from kehoach.plans.model import Plan
from kehoach.store.directory_tables import DirectoryChange, DirectoryGroup, DirectoryUnit

FIELD_LABELS = {"id": "Mã đơn vị", "name": "Tên", "parent": "Đơn vị cấp trên", "groups": "Nhóm",
                "emails": "Email", "zalo": "Zalo", "active": "Đang hoạt động"}


class DirectoryEditError(KehoachError, ValueError):
    """A refused change; ``errors`` are Vietnamese lines for the person who made it."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class UnitValues:
    """A unit as a person typed it (emails and phone not yet normalised)."""

    id: str
    name: str
    parent: str | None = None
    groups: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    zalo: str | None = None
    active: bool = True

    def as_data(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id, "name": self.name, "groups": self.groups, "emails": self.emails}
        if self.parent:
            data["parent"] = self.parent
        if self.zalo:
            data["zalo"] = self.zalo
        return data


@dataclass(frozen=True)
class GroupValues:
    id: str
    name: str


def unit_errors(values: UnitValues, where: str = "") -> list[str]:
    """The field errors of one unit on its own, labelled in Vietnamese."""
    try:
        validate(YamlDoc("", values.as_data()), Unit)
    except PlanError as exc:
        return [f"{where}{_label(i.path)}: {i.message}" for i in exc.issues]
    return []


def _label(path: str) -> str:
    head, _, rest = path.partition("[")
    head = head.split(".")[-1] if "." in head else head
    return FIELD_LABELS.get(head, head) + (f" [{rest}" if rest else "")


def _show(value: object) -> str | None:
    if value is None or value == []:
        return None
    if isinstance(value, bool):
        return "có" if value else "không"
    return ", ".join(value) if isinstance(value, list) else str(value)


def check_plans(directory: Directory, plans: Iterable[Plan]) -> list[str]:
    """Every plan checked against a candidate directory, as ``kehoach validate`` does."""
    errors = []
    for plan in plans:
        for issue in check_references(YamlDoc(plan.id, {}), plan, directory):
            errors.append(f"kế hoạch {plan.id}, {issue.path}: {issue.message}")
    return errors


def apply_changes(session: Session, plans: Iterable[Plan], *, by: str, now: datetime, source: str = "console",
                  units: Iterable[UnitValues] = (), groups: Iterable[GroupValues] = ()) -> list[DirectoryChange]:
    """Add or update units and groups (matched by id); DirectoryEditError and nothing written if invalid."""
    rows = {u.id: u for u in stored_units(session)}
    group_rows = {g.id: g for g in stored_groups(session)}
    units, groups = list(units), list(groups)
    errors = [e for v in units for e in unit_errors(v, f"Đơn vị {v.id}: ")]
    if errors:
        raise DirectoryEditError(errors)
    typed = {v.id: Unit.model_validate(v.as_data()) for v in units}  # emails and phone normalised
    # the candidate directory: stored rows with the changes laid over them
    candidate_units = {uid: DirectoryUnit.model_validate(r.model_dump()) for uid, r in rows.items()}
    next_pos = max((r.position for r in rows.values()), default=-1) + 1
    for v in units:
        if v.id not in candidate_units:
            candidate_units[v.id] = DirectoryUnit(id=v.id, name=v.name, position=next_pos)
            next_pos += 1
        row = candidate_units[v.id]
        u = typed[v.id]
        row.name, row.parent, row.groups, row.emails, row.zalo, row.active = (
            u.name.strip(), u.parent or None, list(u.groups), list(u.emails), u.zalo, v.active)
    candidate_groups = {gid: DirectoryGroup(id=g.id, name=g.name, position=g.position) for gid, g in group_rows.items()}
    gpos = max((g.position for g in group_rows.values()), default=-1) + 1
    for g in groups:
        if g.id not in candidate_groups:
            candidate_groups[g.id] = DirectoryGroup(id=g.id, name=g.name, position=gpos)
            gpos += 1
        candidate_groups[g.id].name = g.name.strip()
    ordered_units = sorted(candidate_units.values(), key=lambda r: r.position)
    ordered_groups = sorted(candidate_groups.values(), key=lambda g: g.position)
    try:
        directory = directory_from_doc(YamlDoc("danh bạ", directory_data(ordered_units, ordered_groups)))
    except PlanError as exc:
        raise DirectoryEditError([_directory_issue(exc_issue.path, exc_issue.message, ordered_units)
                                  for exc_issue in exc.issues]) from None
    errors = check_plans(directory, plans)
    if errors:
        raise DirectoryEditError(errors)
    touched_units = {uid: candidate_units[uid] for uid in typed}
    touched_groups = {g.id: candidate_groups[g.id] for g in groups}
    return _write(session, rows, group_rows, touched_units, touched_groups, by, now, source)


def _directory_issue(path: str, message: str, ordered: list[DirectoryUnit]) -> str:
    """``units[3].parent`` → "Đơn vị <id>: Đơn vị cấp trên: …" (positions count active units only)."""
    if path.startswith("units["):
        index = int(path[6:path.index("]")])
        active = [u for u in ordered if u.active]
        rest = path[path.index("]") + 2:]
        return f"Đơn vị {active[index].id}: {_label(rest)}: {message}"
    return f"{path}: {message}"


def _write(session: Session, rows: dict[str, DirectoryUnit], group_rows: dict[str, DirectoryGroup],
           units: dict[str, DirectoryUnit], groups: dict[str, DirectoryGroup], by: str, now: datetime,
           source: str) -> list[DirectoryChange]:
    changes: list[DirectoryChange] = []

    def audit(kind: str, object_id: str, name: str, old: object, new: object) -> None:
        if _show(old) != _show(new):
            changes.append(DirectoryChange(at=now, by=by, source=source, kind=kind, object_id=object_id,
                                           field=name, old=_show(old), new=_show(new)))

    for uid, cand in units.items():
        old = rows.get(uid)
        for name in ("name", "parent", "groups", "emails", "zalo", "active"):
            audit("unit", uid, name, getattr(old, name) if old else None, getattr(cand, name))
        if old is None:
            session.add(cand)
        else:
            for name in ("name", "parent", "groups", "emails", "zalo", "active"):
                setattr(old, name, getattr(cand, name))
            session.add(old)
    for gid, g in groups.items():
        old_group = group_rows.get(gid)
        audit("group", gid, "name", old_group.name if old_group else None, g.name)
        if old_group is None:
            session.add(g)
        else:
            old_group.name = g.name
            session.add(old_group)
    session.add_all(changes)
    session.commit()
    return changes
