"""When a unit's report for a period is on time: the one rule status, báo cáo, portal and ladder share.

"Trước ngày X" is read as "by day X": a report that arrives on X is on time. The unit's written
deadline is the plan's due date, or its extension when later. When that day is a day off the time
limit ends on the next working day (Bộ luật Dân sự, Điều 148), so a report sent on Monday 07/12
for "trước ngày 05/12" (a Saturday) is on time, and overdue notices start the working day after.
Reminders aim at the working day the plan's ``due_on_day_off`` rule chooses.
Pure: no clock, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kehoach.calendar import VN_TZ, DueOnDayOff, WorkingCalendar


@dataclass(frozen=True)
class UnitDeadline:
    """One unit's deadline for one period, in the three forms the product needs."""

    written: date  # as the plan writes it, or the unit's extension
    aim: date  # the working day reminders aim at
    last_on_time: date  # the last day a first submission counts as on time
    extended: bool = False

    def on_time(self, submitted_at: datetime) -> bool:
        """Whether a first submission at ``submitted_at`` (any zone) is on time."""
        return submitted_at.astimezone(VN_TZ).date() <= self.last_on_time


def unit_deadline(due: date, extension: date | None, cal: WorkingCalendar, rule: DueOnDayOff) -> UnitDeadline:
    """The deadline of a unit whose period is due ``due`` and that may have an ``extension``.

    An extension earlier than the plan's date changes nothing: a unit is never given less time.
    """
    extended = extension is not None and extension > due
    written = extension if extended and extension is not None else due
    return UnitDeadline(written, cal.target_for_due(written, rule), cal.legal_deadline(written), extended)
