"""Expansion: (plan, year, calendar) → the year's notifications. Pure and deterministic.

    event.py      Event: one dated thing to tell a set of units
    ladder.py     the reminder ladder of a report, overdue reminders, escalation, office deadline
    recurring.py  reminders of "thường xuyên", monthly, quarterly and dated tasks
    campaigns.py  the Action Month (notice, kickoff, weekly, closing) and occasions
    reference.py  what the outbox stores of a notification: its event, by reference
    expand.py     expand(): events → one Notification per unit and channel; stream() for sync
    horizon.py    the rolling horizon a sync writes: from what the late window still sends to now + N days
    sync.py       the outbox in line with the plans over a horizon; freshness.py re-syncs changed plans
    produced.py   what one sync's expansion produced, per event: which rows to keep, which events live
    preview.py    the year's notifications grouped by day and event (preview, console calendar)
"""
