"""What the plans will send in a year, grouped by day and event: ``kehoach preview`` and the
console's month calendar read the same list.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kehoach.calendar import WorkingCalendar
from kehoach.expansion.expand import expand
from kehoach.notification import KIND_LABELS, Notification
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan


@dataclass(frozen=True)
class PreviewEvent:
    """One event of the schedule: what goes out on a day, to whom, on which channels."""

    day: date
    plan: str
    kind: str
    subject: str
    units: tuple[str, ...]
    channels: tuple[str, ...]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]  # type: ignore[index]

    def recipients(self, names: dict[str, str], shown: int = 3) -> str:
        """"Công an xã, Trạm Y tế xã, Thôn Đông và 2 đơn vị khác"."""
        who = ", ".join(names.get(u, u) for u in self.units[:shown])
        more = len(self.units) - shown
        return who + (f" và {more} đơn vị khác" if more > 0 else "")


def preview_notifications(plans: Iterable[Plan], year: int, directory: Directory,
                          cal: WorkingCalendar) -> list[Notification]:
    """Every notification of the plans in ``year``, by send time then key."""
    return sorted((n for p in plans for n in expand(p, year, directory, cal)), key=lambda n: (n.send_at, n.key))


def preview_events(notes: Iterable[Notification]) -> list[PreviewEvent]:
    """Notifications grouped into events: same day, plan, kind and subject; in time order."""
    grouped: dict[tuple[date, str, str, str], tuple[dict[str, None], set[str]]] = {}
    for n in notes:
        units, channels = grouped.setdefault((n.send_at.date(), n.plan, n.kind.value, n.subject), ({}, set()))
        units[n.unit] = None
        channels.add(n.channel)
    return [PreviewEvent(day, plan, kind, subject, tuple(units), tuple(sorted(channels)))
            for (day, plan, kind, subject), (units, channels) in grouped.items()]


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """The month as weeks Monday to Sunday; days of the neighbouring months are None."""
    return [[d if d.month == month else None for d in week]
            for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)]
