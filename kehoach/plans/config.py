"""Everything under ``config/``: the unit directory, the calendar overrides and the plans.

With a database engine the directory comes from the database (seeded from
``config/contacts.yaml`` on a fresh install), so the console, the CLI and every worker read
the same units; without one, from the file (``kehoach validate`` checks the files).
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from kehoach.calendar import WorkingCalendar, build_calendar
from kehoach.errors import PlanError, PlanIssue
from kehoach.plans import config_cache
from kehoach.plans.directory import Directory
from kehoach.plans.directory_store import directory_revision, ensure_directory
from kehoach.plans.loader import CalendarOverrides, load_calendar_overrides, load_directory, load_plan
from kehoach.plans.model import Plan
from kehoach.settings import Settings


@dataclass
class Config:
    directory: Directory
    plans: MutableMapping[str, Plan]  # a dict, or the cache's CachedPlans
    overrides: CalendarOverrides = field(default_factory=CalendarOverrides)
    _calendars: dict[tuple[int, int], WorkingCalendar] = field(default_factory=dict, repr=False)

    def plan(self, plan_id: str) -> Plan:
        """The plan with this id; KeyError names the known ones."""
        try:
            return self.plans[plan_id]
        except KeyError:
            known = ", ".join(sorted(self.plans)) or "(không có kế hoạch nào)"
            raise KeyError(f"không có kế hoạch '{plan_id}'; các kế hoạch hiện có: {known}") from None

    def calendar(self, years: Iterable[int]) -> WorkingCalendar:
        """One working calendar per year range, built once (holidays.VN is slow to build)."""
        ys = list(years)
        span = (min(ys), max(ys))
        if span not in self._calendars:
            off, working = self.overrides.as_dicts()
            self._calendars[span] = build_calendar(range(span[0], span[1] + 1), off, working)
        return self._calendars[span]


def plan_files(settings: Settings) -> list[Path]:
    return sorted(settings.plans_dir.glob("*.yaml"))


def load_config(settings: Settings, files: Iterable[Path] | None = None, *, engine: Engine | None = None,
                now: datetime | None = None) -> Config:
    """Load and cross-check the config; raise one PlanError listing every issue in every file.

    With ``engine`` (and ``now`` for the seed's audit line) the directory is the database's, and
    the validated config of the default files is cached in the data folder (``config_cache``).
    """
    if engine is None or now is None or files is not None:
        return _load_config(settings, files, engine=engine, now=now)
    revision = _revision(engine)
    if revision:
        key = _cache_key(settings, engine, revision)
        if (cached := config_cache.read(settings.data_dir, key)) is not None:
            return cached
    config = _load_config(settings, files, engine=engine, now=now)
    if not revision:  # this load seeded a fresh database: the seed is the revision the next command sees
        revision = _revision(engine)
        key = _cache_key(settings, engine, revision)
    config_cache.write(settings.data_dir, key, config)
    return config


def _revision(engine: Engine) -> int:
    with Session(engine) as session:
        return directory_revision(session)


def _cache_key(settings: Settings, engine: Engine, revision: int) -> str:
    return config_cache.fingerprint(
        str(engine.url), revision, [settings.contacts_file, settings.calendar_file, *plan_files(settings)])


def _load_config(settings: Settings, files: Iterable[Path] | None, *, engine: Engine | None,
                 now: datetime | None) -> Config:
    issues: list[PlanIssue] = []
    directory: Directory | None = None
    overrides = CalendarOverrides()
    try:
        if engine is not None and now is not None:
            directory = ensure_directory(engine, settings.contacts_file, now)
        else:
            directory = load_directory(settings.contacts_file)
    except PlanError as exc:
        issues += exc.issues
    try:
        overrides = load_calendar_overrides(settings.calendar_file)
    except PlanError as exc:
        issues += exc.issues
    plans: dict[str, Plan] = {}
    for path in plan_files(settings) if files is None else files:
        try:
            plan = load_plan(Path(path), directory)
        except PlanError as exc:
            issues += exc.issues
            continue
        if plan.id in plans:
            issues.append(PlanIssue(str(path), "id", None, f"mã kế hoạch '{plan.id}' đã dùng ở tệp khác"))
        plans[plan.id] = plan
    if issues or directory is None:
        raise PlanError(issues)
    return Config(directory, plans, overrides)


def with_directory(config: Config, directory: Directory) -> Config:
    """The same plans and calendar over a changed directory (after an edit in the console)."""
    return replace(config, directory=directory)
