"""A planned notification stored by reference, and its message context rendered back from the plan.

A year of a province's plans is millions of outbox rows; each stored its whole message context
(the plan's title, the item's content, the units expected...) as JSON, 3.2 KB a row, decoded
again at every claim. A row of a plan's expansion now stores only what names its event (the
event key and year, the unit's extension date) and the values other code reads from a pending
or sent row (``Notification.stored_context``); the
dispatcher renders the rest from the plan, through the same functions that expanded it, so
the message is the one the old row carried. Rows written by earlier versions (a full context,
no ``event``) and notices written when something happens (confirmations, roll-up drafts with
their files, upward reports) keep their whole context and are read as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from kehoach.expansion.event import Event
from kehoach.notification import event_key
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan

EVENT = "event"  # the event key ("plan/kind/ref/step"): marks a context stored by reference
YEAR = "year"  # the expansion year the event belongs to
UNTIL = "until"  # the unit's extended deadline, for the chasing events an extension moved
NAMING = frozenset({EVENT, YEAR, UNTIL})


def plan_context(plan: Plan, directory: Directory) -> dict[str, Any]:
    return {
        "id": plan.id,
        "label": plan.label,
        "title": plan.title,
        "issuer": plan.issuer_label or directory.unit(plan.issuer).name,
    }


def event_context(ev: Event, pctx: Mapping[str, Any]) -> dict[str, Any]:
    """The context every recipient of ``ev`` shares: what expansion hashes and rendering reads."""
    return {**ev.context, "plan": pctx, "kind": ev.kind.value}


def reference(base: str, year: int, until: date | None) -> dict[str, Any]:
    """What names the event ``base`` of ``year`` (shared by its recipients)."""
    return {EVENT: base, YEAR: year} if until is None else {EVENT: base, YEAR: year, UNTIL: until.isoformat()}


def event_base(plan_id: str, ev: Event) -> str:
    """The part of its notifications' keys that names the event."""
    return event_key(plan_id, ev.kind, ev.ref, ev.step)


def by_reference(stored: Mapping[str, Any]) -> bool:
    return EVENT in stored
