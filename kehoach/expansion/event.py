"""An Event: one dated thing to tell a set of units, before it is fanned out per recipient."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kehoach.notification import Kind


@dataclass(frozen=True, slots=True)
class Event:
    kind: Kind
    ref: str  # what it is about, with its period: "nam-2026", "ii-1/2026-q2"
    step: str  # where on the ladder: "-10", "0", "+3", "w2"
    day: date  # a working day
    units: tuple[str, ...]  # unit or group ids
    deadline: date | None = None
    period: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def item(id_: str, title: str) -> dict[str, str]:
    return {"id": id_, "title": title}
