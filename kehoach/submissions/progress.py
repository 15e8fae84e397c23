"""Completeness week by week up to a period's deadline: how reporting built up.

Pure: from when each expected unit first submitted, the share that had reported by the end
of each of the last weeks before the deadline (and by today when the deadline has passed).
The console draws it as the board's small chart.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kehoach.calendar import VN_TZ

WEEKS = 6


@dataclass(frozen=True)
class WeekPoint:
    day: date  # counted up to the end of this day
    label: str  # Vietnamese: "còn 3 tuần", "hạn nộp", "đến nay"
    submitted: int | None  # None: the day has not come yet
    percent: float | None


def weekly_completeness(first_submitted: Mapping[str, datetime], expected: Collection[str], due: date,
                        today: date, weeks: int = WEEKS) -> list[WeekPoint]:
    """One point per week ending on the deadline, oldest first, plus today's after the deadline."""
    days = [(due - timedelta(weeks=k), f"còn {k} tuần" if k else "hạn nộp") for k in range(weeks - 1, -1, -1)]
    if today > due:
        days.append((today, "đến nay"))
    local = {u: at.astimezone(VN_TZ).date() for u, at in first_submitted.items() if u in expected}
    points = []
    for day, label in days:
        if day > today:
            points.append(WeekPoint(day, label, None, None))
            continue
        n = sum(1 for d in local.values() if d <= day)
        points.append(WeekPoint(day, label, n, round(100.0 * n / len(expected), 1) if expected else 0.0))
    return points
