"""The office's operations page: recent dispatch runs, deliveries that failed, and Prefect's runs.

What went out and what failed is read from the outbox and its attempt log, the record every
dispatch keeps whatever runs it. Prefect's flow runs are read only when ``PREFECT_API_URL``
names a Prefect server, over its REST API with httpx (the package never imports Prefect);
``PREFECT_UI_URL`` adds links into Prefect's own UI. An office sees its plans' rows; an admin
sees every office's.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session, col, select

from kehoach.delivery.activity import OUTCOME_LABELS
from kehoach.store.account_tables import ConsoleUser
from kehoach.store.db import session
from kehoach.store.tables import DeliveryAttempt, Outbox, Status
from kehoach.web.console import auth
from kehoach.web.console.routes import _page
from kehoach.web.console.scope import sees_every_office, visible_plans

router = APIRouter(prefix=auth.PREFIX)
RUNS_SHOWN = 20
FAILURES_SHOWN = 100
PREFECT_TIMEOUT = 5.0  # seconds: the page answers even when Prefect does not


@dataclass
class DispatchRun:
    """One dispatch run as the attempt log tells it: when, and how many of each outcome."""

    at: datetime
    outcomes: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        return ", ".join(f"{OUTCOME_LABELS.get(k, k)}: {n}" for k, n in sorted(self.outcomes.items()))


@dataclass(frozen=True)
class FlowRun:
    name: str
    flow_run_id: str
    state: str
    start: datetime | None
    plan: str | None


def dispatch_runs(s: Session, plan_ids: list[str], limit: int = RUNS_SHOWN) -> list[DispatchRun]:
    """The latest ``limit`` dispatch runs that touched these plans, newest first."""
    times = s.exec(select(DeliveryAttempt.at).where(col(DeliveryAttempt.plan).in_(plan_ids)).distinct()
                   .order_by(col(DeliveryAttempt.at).desc()).limit(limit)).all()
    runs = {at: DispatchRun(at) for at in times}
    if runs:
        q = select(DeliveryAttempt.at, DeliveryAttempt.outcome).where(
            col(DeliveryAttempt.plan).in_(plan_ids), col(DeliveryAttempt.at).in_(list(runs)))
        for at, outcome in s.exec(q):
            runs[at].outcomes[outcome] += 1
    return list(runs.values())


def failures(s: Session, plan_ids: list[str], limit: int = FAILURES_SHOWN) -> list[Outbox]:
    """Notifications the dispatcher gave up on, newest first: what the office has to fix."""
    q = (select(Outbox).where(Outbox.status == Status.FAILED.value, col(Outbox.plan).in_(plan_ids))
         .order_by(col(Outbox.updated_at).desc(), col(Outbox.send_at).desc()).limit(limit))
    return list(s.exec(q))


def prefect_runs(api_url: str, plan_ids: set[str] | None, limit: int = RUNS_SHOWN) -> list[FlowRun]:
    """The latest flow runs from Prefect's REST API; ``plan_ids`` keeps runs of those plans and
    runs of no plan (the dispatch serves every plan). Raises httpx.HTTPError when Prefect fails."""
    answer = httpx.post(f"{api_url.rstrip('/')}/flow_runs/filter", timeout=PREFECT_TIMEOUT,
                        json={"sort": "START_TIME_DESC", "limit": limit * 5 if plan_ids is not None else limit})
    answer.raise_for_status()
    found = []
    for run in answer.json():
        plan = (run.get("parameters") or {}).get("plan_id")
        if plan_ids is not None and plan is not None and plan not in plan_ids:
            continue
        start = run.get("start_time") or run.get("expected_start_time")
        found.append(FlowRun(str(run.get("name", "")), str(run.get("id", "")),
                             str(run.get("state_name") or (run.get("state") or {}).get("name") or ""),
                             datetime.fromisoformat(start) if start else None, plan))
    return found[:limit]


def _prefect_side(plan_ids: set[str] | None) -> tuple[list[FlowRun], str | None, bool]:
    """(runs, error, configured) from ``PREFECT_API_URL``; nothing asked when it is not set."""
    api_url = os.environ.get("PREFECT_API_URL")
    if not api_url:
        return [], None, False
    try:
        return prefect_runs(api_url, plan_ids), None, True
    except (httpx.HTTPError, ValueError) as exc:
        return [], f"Không đọc được các lượt chạy từ Prefect ({api_url}): {type(exc).__name__}.", True


@router.get("/van-hanh", response_class=HTMLResponse)
async def operations(request: Request, user: ConsoleUser = Depends(auth.current_user)) -> HTMLResponse:
    """One office's page; an admin picks the office (``?van_phong=``) or sees every office."""
    state = auth.portal_state(request)
    directory = state.config.directory
    plans = visible_plans(user, state.config.plans.values())
    offices = sorted({p.office for p in plans}, key=lambda o: directory.label(o) if directory.knows(o) else o)
    chosen = request.query_params.get("van_phong") if sees_every_office(user) else None
    if chosen:
        plans = [p for p in plans if chosen in (p.office, p.issuer)]
    ids = [p.id for p in plans]
    with session(state.engine) as s:
        runs, failed = dispatch_runs(s, ids), failures(s, ids)
    flow_runs, prefect_error, prefect_on = _prefect_side(None if sees_every_office(user) and not chosen else set(ids))
    ui = os.environ.get("PREFECT_UI_URL", "").rstrip("/") or None
    context: dict[str, Any] = {
        "runs": runs, "failed": failed, "flow_runs": flow_runs, "prefect_error": prefect_error,
        "prefect_on": prefect_on, "prefect_ui": ui, "plan_labels": {p.id: p.label for p in plans},
        "unit_name": lambda ref: directory.label(ref) if directory.knows(ref) else ref,
        "offices": offices if sees_every_office(user) else [], "chosen": chosen,
    }
    return _page(request, user, "operations.html", context)
