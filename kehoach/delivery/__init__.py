"""Delivery: from due outbox rows to sent messages.

    dispatcher.py     dispatch(now): claim → prepare → send → record
    contexts.py       a claimed row's message context, rendered from the plan it references
    preparation.py    a claimed row (or a digest of rows) → the message a channel sends
    digest.py         several notifications to one recipient on one day → one message
    pacing.py         per-channel rate and concurrency
    lateness.py       when a reminder is too late to be worth sending
    channel_setup.py  the channels the settings call for
    activity.py       what happened, read back from the outbox and its attempt log
    cancellation.py   a deadline a unit was sent that no longer concerns it → a calendar cancellation
    bounces.py        delivery reports from the bounce mailbox → the notifications they return, failed
"""
