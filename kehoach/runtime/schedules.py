"""The deployments and their schedules, read from ``prefect.yaml``: the single source of truth.

Server mode hands ``prefect.yaml`` to ``prefect deploy --all``; the embedded runner and the
simulation read the same file here, as plain values, so nobody keeps two lists in step.
This module parses the YAML itself (kehoach never imports Prefect).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from kehoach.settings import REPO_ROOT

PREFECT_YAML = REPO_ROOT / "prefect.yaml"
TIMEZONE = "Asia/Ho_Chi_Minh"


class ScheduleError(ValueError):
    """prefect.yaml declares something the embedded runner cannot follow."""


WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # standard cron numbering, 7 = Sunday too


@dataclass(frozen=True)
class Schedule:
    cron: str
    timezone: str = TIMEZONE
    active: bool = True

    def fields(self) -> dict[str, str]:
        """The cron as APScheduler 3 ``CronTrigger`` keyword arguments, meaning what Prefect means.

        APScheduler 3 numbers weekdays from Monday = 0, standard cron (and Prefect) from
        Sunday = 0, so ``1-6`` would silently mean Tuesday–Sunday: the weekday field is
        translated to names.
        """
        parts = self.cron.split()
        if len(parts) != 5:
            raise ScheduleError(f"cron '{self.cron}' must have 5 fields")
        minute, hour, day, month, dow = parts
        return {"minute": minute, "hour": hour, "day": day, "month": month, "day_of_week": weekday_names(dow)}


def weekday_names(field: str) -> str:
    """``1-6`` → ``mon,tue,wed,thu,fri,sat``; ``*`` stays ``*``."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        rng, _, step_s = part.partition("/")
        step = int(step_s) if step_s else 1
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            lo, hi = _weekday(a), _weekday(b)
            if hi < lo:
                hi += 7
        else:
            lo = hi = _weekday(rng)
            if step_s:
                hi = 6
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def _weekday(token: str) -> int:
    token = token.strip().lower()
    if token.isdigit():
        n = int(token)
        if not 0 <= n <= 7:
            raise ScheduleError(f"weekday {token} is not 0-7")
        return 0 if n == 7 else n
    if token[:3] in WEEKDAYS:
        return WEEKDAYS.index(token[:3])
    raise ScheduleError(f"weekday '{token}' is not a number or a name")


@dataclass(frozen=True)
class Deployment:
    """One deployment of prefect.yaml: which flow, with which parameters, when."""

    name: str
    entrypoint: str  # "flows/dispatch.py:dispatch_flow"
    parameters: dict[str, Any] = field(default_factory=dict)
    schedules: tuple[Schedule, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def flow_module(self) -> str:
        """``flows.dispatch`` for ``flows/dispatch.py:dispatch_flow``."""
        path = self.entrypoint.rsplit(":", 1)[0]
        return path.removesuffix(".py").replace("/", ".")

    @property
    def flow_name(self) -> str:
        return self.entrypoint.rsplit(":", 1)[1]

    @property
    def kind(self) -> str:
        """``dispatch``, ``collection``, ...: the flow file's name."""
        return self.flow_module.rsplit(".", 1)[-1]


def _schedule(raw: dict[str, Any], where: str) -> Schedule:
    if "cron" not in raw:
        raise ScheduleError(f"{where}: only cron schedules are supported, got {sorted(raw)}")
    tz = raw.get("timezone")
    if tz != TIMEZONE:
        raise ScheduleError(f"{where}: timezone must be {TIMEZONE}, got {tz!r}")
    return Schedule(str(raw["cron"]), tz, bool(raw.get("active", True)))


def load_deployments(path: Path = PREFECT_YAML) -> list[Deployment]:
    """Every deployment, in file order; ScheduleError names the one that is wrong."""
    doc = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    out: list[Deployment] = []
    for i, raw in enumerate(doc.get("deployments") or []):
        name = raw.get("name") or f"deployments[{i}]"
        if "entrypoint" not in raw:
            raise ScheduleError(f"{path.name}: deployment '{name}' has no entrypoint")
        schedules = tuple(
            _schedule(s, f"{path.name}: deployment '{name}' schedule {j}")
            for j, s in enumerate(raw.get("schedules") or [])
        )
        out.append(Deployment(name, raw["entrypoint"], dict(raw.get("parameters") or {}), schedules,
                              tuple(raw.get("tags") or ())))
    return out


def scheduled(path: Path = PREFECT_YAML) -> list[Deployment]:
    """The deployments the embedded runner runs: those with an active schedule."""
    return [d for d in load_deployments(path) if any(s.active for s in d.schedules)]


def by_kind(deployments: list[Deployment], kind: str) -> list[Deployment]:
    return [d for d in deployments if d.kind == kind]
