"""The Action Month and other campaigns (notice, kickoff, weekly, closing) and occasions.

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


def campaign_events(plan: Plan, campaign: Campaign, year: int, cal: WorkingCalendar, directory: Directory) -> list[Event]:
    start = campaign.start.in_year(year)
    end = campaign.end.in_year(year if campaign.end.in_year(year) >= start else year + 1)
    kickoff = cal.on_or_after(start)
    closing = cal.on_or_before(end)
    ref = f"{campaign.id}-{year}"
    units = tuple(campaign.units)
    results_due: date | None = None
    report_period = None
    if campaign.report:
        report = plan.report(campaign.report)
        results_due = cal.target_for_due(report.due.in_year(year), plan.reminder_policy.due_on_day_off)
        report_period = f"{report.id}-{year}"
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
