"""What the plans will send in a year, grouped by day and event: ``kehoach preview`` and the
console's month calendar read the same list.

A province's year is millions of notifications, while its events number in the tens of
thousands and most of them go to the same few groups of units. ``YearPreview`` reads each
plan's notifications as ``expand.stream`` makes them and keeps one ``_Sent`` per event (its
first notification and its recipients, a tuple shared by every event sent to the same
recipients), sorts those, and builds each notification again only when it is written out:
memory follows the events, not the notifications.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter

from kehoach.calendar import WorkingCalendar
from kehoach.expansion.expand import paused_gc, stream
from kehoach.notification import KIND_LABELS, Notification
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan

Recipients = tuple[tuple[str, str], ...]  # (unit, channel), in key order


@dataclass(frozen=True)
class PreviewEvent:
    """One event of the schedule: what goes out on a day, to whom, on which channels."""

    day: date
    plan: str
    kind: str
    subject: str
    units: tuple[str, ...]
    channels: tuple[str, ...]

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]  # type: ignore[index]

    def recipients(self, names: dict[str, str], shown: int = 3) -> str:
        """"Công an xã, Trạm Y tế xã, Thôn Đông và 2 đơn vị khác"."""
        who = ", ".join(names.get(u, u) for u in self.units[:shown])
        more = len(self.units) - shown
        return who + (f" và {more} đơn vị khác" if more > 0 else "")


@dataclass(frozen=True)
class _Sent:
    """One event's notifications: they differ only by unit and channel, and their keys are
    ``prefix`` + unit + "/" + channel (``prefix`` is the key without its unit and channel)."""

    first: Notification
    prefix: str
    recipients: Recipients


class YearPreview:
    """Every notification of the plans in ``year``, by send time then key, kept as events."""

    def __init__(self, plans: Iterable[Plan], year: int, directory: Directory, cal: WorkingCalendar):
        shared: dict[Recipients, Recipients] = {}  # one sorted tuple per distinct set of recipients
        sent: list[_Sent] = []
        self.total = 0

        def close(first: Notification, prefix: str, pairs: list[tuple[str, str]]) -> None:
            found = tuple(pairs)
            if found not in shared:
                shared[found] = tuple(sorted(found, key=lambda p: f"{p[0]}/{p[1]}"))
            sent.append(_Sent(first, prefix, shared[found]))
            self.total += len(found)

        with paused_gc():
            for plan in plans:
                first: Notification | None = None
                prefix, pairs = "", []
                for n in stream(plan, year, directory, cal):
                    own = n.key[:len(n.key) - len(n.unit) - len(n.channel) - 1]
                    if first is None or own != prefix or not _same_event(first, n):
                        if first is not None:
                            close(first, prefix, pairs)
                        first, prefix, pairs = n, own, []
                    pairs.append((n.unit, n.channel))
                if first is not None:
                    close(first, prefix, pairs)
        sent.sort(key=lambda s: (s.first.send_at, s.prefix))
        self._sent = sent

    def recipients(self) -> Iterator[tuple[Notification, str, str, str]]:
        """(the event's first notification, key, unit, channel) of every notification, by send
        time then key: what the notification itself would be, without building it."""
        sent, i = self._sent, 0
        while i < len(sent):
            # Keys of events whose prefixes do not extend one another never interleave: each event's
            # keys come whole, already sorted (timsort only checks). Events of one send time whose
            # prefixes extend the first one's (or repeat it) are sorted together.
            head, j = sent[i], i + 1
            while j < len(sent) and sent[j].first.send_at == head.first.send_at and sent[j].prefix.startswith(head.prefix):
                j += 1
            yield from sorted(((s.first, f"{s.prefix}{u}/{c}", u, c) for s in sent[i:j] for u, c in s.recipients),
                              key=itemgetter(1))
            i = j

    def notifications(self) -> Iterator[Notification]:
        """The notifications themselves, in the same order, each built as it is read."""
        for first, key, unit, channel in self.recipients():
            yield first._replace(key=key, unit=unit, channel=channel)

    def events(self) -> list[PreviewEvent]:
        """Notifications grouped into events: same day, plan, kind and subject; in time order,
        the units in the order of their first notification."""
        grouped: dict[tuple[date, str, str, str], tuple[dict[str, None], set[str]]] = {}
        days: dict[datetime, date] = {}
        for first, _key, unit, channel in self.recipients():
            day = days.get(first.send_at) or days.setdefault(first.send_at, first.send_at.date())
            units, channels = grouped.setdefault((day, first.plan, first.kind.value, first.subject), ({}, set()))
            units[unit] = None
            channels.add(channel)
        return [PreviewEvent(day, plan, kind, subject, tuple(units), tuple(sorted(channels)))
                for (day, plan, kind, subject), (units, channels) in grouped.items()]


def _same_event(first: Notification, n: Notification) -> bool:
    """Whether ``n``, whose key has the same prefix, follows ``first`` in the same event of the stream."""
    return (n.send_at == first.send_at and n.subject == first.subject and n.deadline == first.deadline
            and n.kind == first.kind and n.period == first.period)


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """The month as weeks Monday to Sunday; days of the neighbouring months are None."""
    return [[d if d.month == month else None for d in week]
            for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)]
