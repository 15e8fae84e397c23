"""A plan's life: active, paused or retired, changed on purpose by a named person.

    active ──pause──▶ paused ──resume──▶ active
       └──────────retire──────────▶ retired   (final)

Paused: the dispatcher claims none of the plan's rows, so nothing is sent; they stay pending
and, on resume, what is still due goes out (the lateness rule skips what is too old).
Retired: every pending row is skipped at once with the reason, sync adds no new ones, and
the plan cannot come back (its skipped rows are the record of what was never sent).
The CLI (``kehoach plan``) and the console both call ``set_plan_state``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session

from kehoach.errors import KehoachError
from kehoach.store.outbox import skip_plan_rows
from kehoach.store.plan_tables import PlanState, PlanStateChange, PlanStateRow

__all__ = ["PlanState", "PlanStateError", "plan_states", "retired_reason", "set_plan_state"]

STATE_VI = {PlanState.ACTIVE: "đang thực hiện", PlanState.PAUSED: "tạm dừng", PlanState.RETIRED: "đã dừng hẳn"}


class PlanStateError(KehoachError, ValueError):
    """A change of state that is not allowed (a retired plan cannot resume)."""


def retired_reason(by: str, now: datetime, reason: str | None) -> str:
    """The note left on each skipped row of a retired plan (who, when, why)."""
    note = f"Kế hoạch đã dừng hẳn ({by}, {now:%d/%m/%Y %H:%M})"
    return f"{note}: {reason}" if reason else note


def plan_states(engine: Engine) -> dict[str, PlanState]:
    """The state of every plan someone paused or retired; a plan absent from it is active."""
    with Session(engine) as s:
        return {p: PlanState(st) for p, st in s.execute(select(PlanStateRow.plan, PlanStateRow.state))}


def set_plan_state(
    engine: Engine, plan_id: str, state: PlanState, *, by: str, now: datetime, reason: str | None = None,
) -> None:
    """Move ``plan_id`` to ``state``, record who did it and when; retiring skips its pending rows."""
    state = PlanState(state)
    with Session(engine, expire_on_commit=False) as s:
        current = s.get(PlanStateRow, plan_id)
        if current is not None and current.state == PlanState.RETIRED and state != PlanState.RETIRED:
            raise PlanStateError(
                f"kế hoạch '{plan_id}' đã dừng hẳn lúc {current.changed_at.astimezone(now.tzinfo):%d/%m/%Y %H:%M}"
                f" ({current.changed_by}); không thể chuyển sang '{STATE_VI[state]}'"
            )
        if current is None:
            current = PlanStateRow(plan=plan_id, state=state.value, changed_by=by, changed_at=now, reason=reason)
        else:
            current.state, current.changed_by, current.changed_at, current.reason = state.value, by, now, reason
        s.add(current)
        s.add(PlanStateChange(plan=plan_id, state=state.value, changed_by=by, changed_at=now, reason=reason))
        s.commit()
        if state == PlanState.RETIRED:
            skip_plan_rows(s, [plan_id], now, retired_reason(by, now, reason))
