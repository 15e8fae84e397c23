"""The Action Month and other campaigns (notice, kickoff, weekly, closing) and occasions.

A campaign's results report is the report it names (``report``) or a report tied to it
(``campaign``), of any period kind; the closing message carries that report's deadline and its
period (hence the unit's link). A campaign without one closes without asking for a report.

A campaign that opens on a day off (15/11/2026 is a Sunday) is kicked off on the next working
day; its closing falls on the last working day on or before its end; the weekly reminder goes
out on the first working day of each week in between.
"""

from __future__ import annotations

from datetime import date, timedelta

from kehoach.calendar import WorkingCalendar
from kehoach.plans.directory import Directory
from kehoach.expansion.event import Event, item
from kehoach.notification import Kind
from kehoach.plans.model import Campaign, Occasion, Plan
from kehoach.submissions.periods import campaign_period
from kehoach.submissions.timeliness import unit_deadline


def campaign_events(plan: Plan, campaign: Campaign, year: int, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    if not campaign.start.occurs_in(year):
        return []
    start = campaign.start.in_year(year)
    end = campaign.end.in_year(year if campaign.end.in_year(year) >= start else year + 1)
    kickoff = cal.on_or_after(start)
    closing = cal.on_or_before(end)
    ref = f"{campaign.id}-{year}"
    units = tuple(campaign.units)
    results_due: date | None = None
    report_period = None
    if (period := campaign_period(plan, campaign, year, cal)) is not None:
        results_due = unit_deadline(period.due, None, cal, plan.reminder_policy.due_on_day_off).aim
        report_period = period.id
    context = {
        "item": item(campaign.id, campaign.title),
        "period": {"id": ref, "label": f"{campaign.title} năm {year}"},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "activities": list(campaign.activities),
        "deadline": None,
    }
    notice_day = cal.add_working_days(start, -campaign.notice_working_days_before)
    events = [
        Event(Kind.CAMPAIGN_NOTICE, ref, "notice", notice_day, units, None, None, context),
        Event(Kind.CAMPAIGN_KICKOFF, ref, "kickoff", kickoff, units, None, None, context),
    ]
    monday = kickoff - timedelta(days=kickoff.weekday()) + timedelta(days=7)
    week = 2
    while monday <= closing:
        working = cal.working_days_in(monday, monday + timedelta(days=4))
        if working and kickoff < working[0] < closing:
            events.append(Event(Kind.CAMPAIGN_WEEKLY, ref, f"w{week}", working[0], units, None, None,
                                {**context, "week": week}))
        monday += timedelta(days=7)
        week += 1
    closing_ctx = {**context, "deadline": results_due.isoformat() if results_due else None,
                   "report_period": report_period}
    events.append(Event(Kind.CAMPAIGN_CLOSING, ref, "closing", closing, units, results_due, report_period,
                        closing_ctx))
    return events


def occasion_events(plan: Plan, occasion: Occasion, year: int, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    """One notice ``notice_working_days_before`` the day, so units can prepare their activities."""
    if not occasion.date.occurs_in(year):
        return []
    day_of = occasion.date.in_year(year)
    n = occasion.notice_working_days_before
    send = cal.add_working_days(day_of, -n) if n else cal.on_or_before(day_of)
    context = {
        "item": item(occasion.id, occasion.title),
        "period": None,
        "occasion_date": day_of.isoformat(),
        "activities": list(occasion.activities),
        "deadline": None,
    }
    return [Event(Kind.OCCASION, f"{occasion.id}-{year}", "notice", send, tuple(occasion.units), None, None, context)]
