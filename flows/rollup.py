"""rollup_flow: one period's roll-up (started by report collection when the period closes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from flows.artifacts import publish_markdown, publish_table
from flows.context import run_name, runtime, tag_run, vn_now
from kehoach.submissions.collection import make_rollup
from kehoach.store.db import session
from kehoach.submissions.periods import resolve_period


@task(name="make-rollup", retries=1, retry_delay_seconds=[10])
def make(plan_id: str, period_id: str, now: datetime) -> dict[str, Any]:
    rt = runtime()
    plan = rt.config.plan(plan_id)
    cal = rt.config.calendar(plan.span_years)
    with session(rt.engine) as s:
        md, paths, queued = make_rollup(s, plan, rt.config.directory, resolve_period(plan, period_id, cal),
                                        rt.settings.data_dir, now, cal)
    return {"plan": plan_id, "period": period_id, "markdown": md,
            "files": {k: str(p) for k, p in paths.items()}, "notices_queued": queued}


@flow(name="rollup", flow_run_name=run_name("rollup", "plan_id", "period"))
def rollup_flow(plan_id: str, period: str, now: datetime | None = None, simulation: bool = False) -> dict[str, Any]:
    now = vn_now(now, simulation)
    tag_run("kehoach", "rollup", plan_id, "kind:rollup")  # a subflow of collection has no deployment tags
    result = make(plan_id, period, now)
    publish_markdown(f"rollup-{plan_id}-{period}", result["markdown"], "Tổng hợp kỳ báo cáo")
    publish_table(f"rollup-files-{plan_id}-{period}",
                  [{"Tệp": kind, "Đường dẫn": path} for kind, path in result["files"].items()],
                  "Dự thảo báo cáo và số liệu")
    return {k: v for k, v in result.items() if k != "markdown"}
