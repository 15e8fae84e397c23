"""What one sync's expansion produced, held per event rather than per row.

Sync must know, after writing a plan's year, which pending rows the expansion no longer
produces (to retire them) and which calendar events are still live (not to cancel them). A set
of the year's keys is a few hundred bytes a row, 1 GB and more for a plan of 50,000 units; here
each event keeps the set of its recipients, and events sent to the same units share one set.
"""

from __future__ import annotations

from typing import TypeVar

from kehoach.delivery.cancellation import CHANNEL, event_of
from kehoach.notification import Notification
from notifications.ics import DEADLINE_KINDS

K = TypeVar("K")


class Produced:
    """``key in produced``; ``event in produced.live``. Feed it with ``add``, then ``close``.

    Notifications are expected event by event, as expansion yields them; an event seen again
    later is merged, only its recipients' sets are no longer shared.
    """

    def __init__(self) -> None:
        self._shared: dict[frozenset[str], frozenset[str]] = {}
        self._recipients: dict[str, frozenset[str]] = {}  # event key → "unit/channel" of each recipient
        self._calendars: dict[tuple[str, ...], frozenset[str]] = {}  # (plan, item, period) → units
        self._base: str | None = None
        self._event: tuple[str, ...] | None = None
        self._suffixes: list[str] = []
        self._units: list[str] = []
        self.live = _Live(self._calendars)

    def add(self, n: Notification) -> None:
        base, unit, channel = n.key.rsplit("/", 2)
        if base != self._base:
            self.close()
            self._base = base
            self._event = event_of(n.plan, unit, n.period, n.context)[:3] if n.kind.value in DEADLINE_KINDS else None
        self._suffixes.append(f"{unit}/{channel}")
        if self._event is not None and channel == CHANNEL:
            self._units.append(unit)

    def close(self) -> None:
        """Fold the event being fed into the sets."""
        if self._base is not None:
            self._merge(self._recipients, self._base, self._suffixes)
            if self._event is not None and self._units:
                self._merge(self._calendars, self._event, self._units)
        self._base, self._event, self._suffixes, self._units = None, None, [], []

    def _merge(self, into: dict[K, frozenset[str]], k: K, members: list[str]) -> None:
        found = frozenset(members)
        if k in into:
            found |= into[k]
        into[k] = self._shared.setdefault(found, found)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or key.count("/") < 2:
            return False
        base, unit, channel = key.rsplit("/", 2)
        return f"{unit}/{channel}" in self._recipients.get(base, ())


class _Live:
    """The calendar events a fresh expansion still sends (deadline kinds, by email)."""

    def __init__(self, calendars: dict[tuple[str, ...], frozenset[str]]) -> None:
        self._calendars = calendars

    def __contains__(self, event: object) -> bool:
        plan, item, period, unit = event  # type: ignore[misc]
        return unit in self._calendars.get((plan, item, period), ())
