"""Expansion: (plan, year, calendar) → the year's notifications. Pure and deterministic.

    event.py      Event: one dated thing to tell a set of units
    ladder.py     the reminder ladder of a report, overdue reminders, escalation, office deadline
    recurring.py  reminders of "thường xuyên", monthly, quarterly and dated tasks
    campaigns.py  the Action Month (notice, kickoff, weekly, closing) and occasions
    expand.py     expand(): events → one Notification per unit and channel
    preview.py    the year's notifications grouped by day and event (preview, console calendar)
"""
