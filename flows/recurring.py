"""recurring_flow: the plans' task reminders ("thường xuyên" each quarter, monthly, by a date)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from flows.artifacts import markdown_table, publish_markdown
from flows.context import run_name, runtime, tag_run, vn_now
from kehoach.delivery.activity import kind_status
from kehoach.runtime.agenda import FLOW_KINDS, agenda
from kehoach.store.db import session


@task(name="task-reminders")
def task_reminders(plan_ids: list[str], now: datetime) -> list[dict[str, Any]]:
    rt = runtime()
    cal = rt.config.calendar([now.year])
    out = []
    for plan_id in plan_ids:
        plan = rt.config.plan(plan_id)
        today = agenda(plan, now.year, cal, rt.config.directory)["recurring"].get(now.date(), [])
        with session(rt.engine) as s:
            rows = kind_status(s, plan_id, FLOW_KINDS["recurring"], now.year)
        out.append({"plan": plan_id, "today": [e.ref for e in today], "rows": rows})
    return out


@flow(name="recurring", flow_run_name=run_name("recurring", "plan_id"))
def recurring_flow(plan_id: str | None = None, now: datetime | None = None,
                   simulation: bool = False) -> dict[str, Any]:
    now = vn_now(now, simulation)
    plan_ids = [plan_id] if plan_id else sorted(runtime().config.plans)
    tag_run(*([plan_id] if plan_id else []), "kind:recurring")
    results = task_reminders(plan_ids, now)
    due_today = [r for r in results if r["today"]]
    if due_today:
        publish_markdown("recurring", f"# Nhắc nhiệm vụ {now:%d/%m/%Y}\n\n" + "".join(
            f"## {r['plan']}\n\nHôm nay: {', '.join(r['today'])}\n\n" + markdown_table(r["rows"])
            for r in due_today), "Nhắc nhiệm vụ thường xuyên, hằng tháng, theo hạn")
    return {"now": now.isoformat(), "today": {r["plan"]: r["today"] for r in results}}
