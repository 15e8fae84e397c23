"""The unit directory kept in the database: read it, seed it from ``contacts.yaml``, write it back.

Once a deployment has started, the database is the directory's source of truth, so the
console, the CLI and every worker read the same units; ``config/contacts.yaml`` is only the
seed a fresh install loads, and ``kehoach contacts export`` writes the database back to it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from kehoach.plans.directory import Directory, Unit, UnitGroup
from kehoach.plans.loader import load_directory
from kehoach.store.directory_tables import DirectoryChange, DirectoryGroup, DirectoryUnit

SYSTEM = "hệ thống"


def stored_units(session: Session) -> list[DirectoryUnit]:
    """Every unit row, deactivated ones included, in directory order."""
    return list(session.exec(select(DirectoryUnit).order_by(DirectoryUnit.position)))


def stored_groups(session: Session) -> list[DirectoryGroup]:
    return list(session.exec(select(DirectoryGroup).order_by(DirectoryGroup.position)))


def as_directory(units: list[DirectoryUnit], groups: list[DirectoryGroup]) -> Directory:
    """The ``Directory`` of the active rows, without re-validating (rows were validated on write)."""
    return Directory.model_construct(
        groups=[UnitGroup.model_construct(id=g.id, name=g.name) for g in groups],
        units=[Unit.model_construct(id=u.id, name=u.name, parent=u.parent, groups=list(u.groups),
                                    emails=list(u.emails), zalo=u.zalo, phone=u.phone) for u in units if u.active],
    )


def stored_directory(session: Session) -> Directory | None:
    """The directory in the database, or None before it was seeded."""
    units = stored_units(session)
    return as_directory(units, stored_groups(session)) if units else None


def directory_revision(session: Session) -> int:
    """Grows with every change: a reader that cached the directory knows when to reload it."""
    return int(session.exec(select(func.coalesce(func.max(DirectoryChange.id), 0))).one())


def seed_directory(session: Session, directory: Directory, source: Path, now: datetime) -> None:
    """Write a validated directory into empty tables, with one audit line naming the seed file."""
    session.add_all(DirectoryGroup(id=g.id, name=g.name, position=i) for i, g in enumerate(directory.groups))
    session.add_all(
        DirectoryUnit(id=u.id, name=u.name, parent=u.parent, groups=list(u.groups), emails=list(u.emails),
                      zalo=u.zalo, phone=u.phone, position=i)
        for i, u in enumerate(directory.units)
    )
    session.add(DirectoryChange(at=now, by=SYSTEM, source="seed", kind="directory", object_id="*",
                                field="seed", new=str(source)))
    session.commit()


def ensure_directory(engine: Engine, seed_file: Path, now: datetime) -> Directory:
    """The database's directory; a fresh database is first seeded from ``seed_file`` (PlanError if invalid)."""
    with Session(engine) as session:
        found = stored_directory(session)
        if found is not None:
            return found
        directory = load_directory(seed_file)
        seed_directory(session, directory, seed_file, now)
        return directory


def directory_data(units: list[DirectoryUnit], groups: list[DirectoryGroup]) -> dict[str, Any]:
    """The active rows in the shape of ``contacts.yaml`` (empty fields left out)."""
    out_units = []
    for u in units:
        if not u.active:
            continue
        row: dict[str, Any] = {"id": u.id, "name": u.name}
        if u.parent:
            row["parent"] = u.parent
        for key in ("groups", "emails"):
            if getattr(u, key):
                row[key] = list(getattr(u, key))
        if u.zalo:
            row["zalo"] = "0" + u.zalo.removeprefix("84")
        if u.phone:
            row["phone"] = u.phone
        out_units.append(row)
    return {"groups": [{"id": g.id, "name": g.name} for g in groups], "units": out_units}


def export_yaml(session: Session, path: Path) -> int:
    """Write the database's directory to ``path`` atomically; the number of units written."""
    data = directory_data(stored_units(session), stored_groups(session))
    yaml = YAML()
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    draft = path.with_name(f".{path.name}.tmp")
    with draft.open("w", encoding="utf-8") as f:
        f.write("# Unit directory exported from the kehoach database (kehoach contacts export).\n")
        yaml.dump(data, f)
    draft.replace(path)
    return len(data["units"])
