"""Which plans and units an account may see: tenant isolation in one place.

An office sees the plans it issues or follows up (``Plan.issuer`` or ``Plan.office`` is its
unit) and the units those plans name; an admin sees every plan. Every console query starts
from ``visible_plans``, so a plan outside it is "not found", never "forbidden": the answer
does not even confirm that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable

from kehoach.plans.model import Plan
from kehoach.store.account_tables import ConsoleUser
from kehoach.web.console.accounts import Role


def sees_every_office(user: ConsoleUser) -> bool:
    return user.role == Role.QUAN_TRI


def visible_plans(user: ConsoleUser, plans: Iterable[Plan]) -> list[Plan]:
    """The plans of the user's office (all for an admin), in the order given."""
    if sees_every_office(user):
        return list(plans)
    return [p for p in plans if user.office in (p.issuer, p.office)]


def visible_plan(user: ConsoleUser, plans: dict[str, Plan], plan_id: str) -> Plan | None:
    """The plan if this user may see it; None both when it does not exist and when it is another office's."""
    plan = plans.get(plan_id)
    if plan is None or not visible_plans(user, [plan]):
        return None
    return plan
