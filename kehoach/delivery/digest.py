"""Several notifications to one unit on one channel on one day become one message.

A thôn that has a report reminder, a campaign notice and a task reminder due on the same
morning gets one email listing the three, not three emails. Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, Protocol, TypeVar

from kehoach.calendar import VN_TZ

# Channels whose messages can list several notifications. A Zalo ZNS message is one approved
# template with fixed fields, so Zalo notifications always go one by one.
DIGEST_CHANNELS = frozenset({"email"})
# The most notifications one digest lists; a unit with more that day gets several digests.
# It bounds what one message repeated after a crash can repeat (see dispatcher.Options.in_flight).
DIGEST_MAX = 20
# Kinds that always go on their own: a calendar cancellation carries a METHOD:CANCEL .ics,
# and a calendar program reads one method per message.
ALONE_KINDS = frozenset({"calendar_cancel"})


class Item(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def send_at(self) -> datetime: ...


ItemT = TypeVar("ItemT", bound=Item)


@dataclass(frozen=True)
class Bundle(Generic[ItemT]):
    """What goes out as one message: one notification, or a digest of several."""

    unit: str
    channel: str
    day: date
    items: tuple[ItemT, ...]

    @property
    def key(self) -> str:
        """The message key: the smallest item key, so a re-claim after a crash gives the same one."""
        return self.items[0].key

    @property
    def is_digest(self) -> bool:
        return len(self.items) > 1


def bundle(items: Iterable[ItemT], *, digest_channels: frozenset[str] = DIGEST_CHANNELS) -> list[Bundle[ItemT]]:
    """Group by (unit, channel, local day of ``send_at``) on digest channels; others stay single.

    A group longer than ``DIGEST_MAX`` is cut into digests of at most that many. The order is
    stable: bundles by their key, items in a bundle by key.
    """
    groups: dict[tuple[str, str, date], list[ItemT]] = {}
    singles: list[Bundle[ItemT]] = []
    for it in items:
        day = it.send_at.astimezone(VN_TZ).date()
        if it.channel in digest_channels and getattr(it, "kind", None) not in ALONE_KINDS:
            groups.setdefault((it.unit, it.channel, day), []).append(it)
        else:
            singles.append(Bundle(it.unit, it.channel, day, (it,)))
    grouped = []
    for (unit, channel, day), members in groups.items():
        ordered = sorted(members, key=lambda m: m.key)
        grouped += [Bundle(unit, channel, day, tuple(ordered[i : i + DIGEST_MAX]))
                    for i in range(0, len(ordered), DIGEST_MAX)]
    return sorted(grouped + singles, key=lambda b: b.key)
