"""The message context of a claimed row: as stored, or rendered from the plan it references.

A row of a plan's expansion stores a reference (``expansion.reference``); the context its
message needs is the event's, computed again from the plan with the calendar expansion used,
each plan-year's events once per dispatch. The values the row kept (item, period, deadline,
``ics_sequence``, a fallback's reason...) are laid over it, so a row renders as it was synced.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from kehoach.calendar import WorkingCalendar
from kehoach.expansion.expand import extension_events, plan_events
from kehoach.expansion.reference import (
    EVENT,
    NAMING,
    UNTIL,
    YEAR,
    by_reference,
    event_base,
    event_context,
    plan_context,
)
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan

Events = dict[str, dict[str, Any]]  # event key → the context its recipients share


class EventContexts:
    """Contexts of stored rows; ``calendar(year)`` is the working calendar sync expanded that year with."""

    def __init__(self, plans: Mapping[str, Plan], directory: Directory,
                 calendar: Callable[[int], WorkingCalendar]) -> None:
        self.plans, self.directory, self.calendar = plans, directory, calendar
        self._events: dict[tuple[str, int, str | None, str | None, str | None], Events] = {}

    def context(self, plan_id: str, unit: str, period: str | None, stored: Mapping[str, Any]) -> dict[str, Any] | None:
        """The row's whole context; None when its plan or its event is no longer in the config.

        A calendar cancellation whose event the plan dropped is rendered from what it kept
        (item, period, deadline): withdrawing that event is why it exists.
        """
        if not by_reference(stored):
            return dict(stored)
        plan = self.plans.get(plan_id)
        if plan is None:
            return None
        kept = {k: v for k, v in stored.items() if k not in NAMING}
        found = self._of(plan, int(stored[YEAR]), stored.get(UNTIL), period, unit).get(stored[EVENT])
        if found is not None:
            return {**found, **kept}
        if "cancelled_kind" in stored:
            return {"plan": plan_context(plan, self.directory), "kind": stored["cancelled_kind"], **kept}
        return None

    def _of(self, plan: Plan, year: int, until: str | None, period: str | None, unit: str) -> Events:
        """The plan's events of ``year``, or one unit's ladder moved by its extension."""
        k = (plan.id, year, until, period if until else None, unit if until else None)
        if k not in self._events:
            cal = self.calendar(year)
            if until is None:
                events = plan_events(plan, year, cal, self.directory)
            else:
                events = extension_events(plan, year, cal, self.directory,
                                          {(period or "", unit): date.fromisoformat(until)})
            pctx = plan_context(plan, self.directory)
            self._events[k] = {event_base(plan.id, ev): event_context(ev, pctx) for ev in events}
        return self._events[k]
