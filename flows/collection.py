"""collection_flow: per plan (and optionally one period), where report collection stands today.

Without a plan (the scheduled deployment) it fans out: one subflow run per active plan and
period with something to collect now (``flows.fanout``).

The reminder ladder itself goes out through dispatch, which skips units that submitted and
sends escalations naming only the missing ones. This flow follows each period from opening
to closing, publishes the per-unit status, and starts the roll-up when a period closes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from flows.artifacts import markdown_table, publish_markdown, publish_table
from flows.context import run_name, runtime, tag_run, vn_now
from flows.fanout import fan_out
from flows.rollup import rollup_flow
from kehoach.plans.lifecycle import plan_states
from kehoach.runtime.work import collection_work
from kehoach.submissions.collection import advance, rollup_made
from kehoach.store.db import session

STATUS_LABELS = {"on_time": "đã nộp đúng hạn", "late": "đã nộp trễ hạn", "missing": "chưa nộp"}


@task(name="advance-periods", retries=2, retry_delay_seconds=[5, 30])
def advance_periods(plan_id: str, period: str | None, now: datetime) -> list[dict[str, Any]]:
    rt = runtime()
    plan = rt.config.plan(plan_id)
    cal = rt.config.calendar([now.year - 1, now.year])
    with session(rt.engine) as s:
        steps = advance(s, plan, rt.config.directory, cal, rt.settings.data_dir, now, period)
    out = []
    for step in steps:
        units = [{"Đơn vị": u.name, "Mã": u.id, "Tình trạng": STATUS_LABELS[group],
                  "Hạn": f"{step.status.deadlines.get(u.id, step.milestones.due):%d/%m/%Y}"}
                 for group in ("on_time", "late", "missing") for u in getattr(step.status, group)]
        out.append({**step.as_dict(), "units": units})
    return out


@task(name="plans-to-collect")
def plans_to_collect(now: datetime) -> list[tuple[str, str]]:
    rt = runtime()
    config = rt.config
    with session(rt.engine) as s:
        return collection_work(config.plans.values(), plan_states(rt.engine), config.directory,
                               config.calendar([now.year - 1, now.year]), now,
                               lambda plan, period: rollup_made(s, rt.settings.data_dir, plan, period))


@flow(name="collection", flow_run_name=run_name("collection", "plan_id", "period"))
def collection_flow(plan_id: str | None = None, period: str | None = None, now: datetime | None = None,
                    simulation: bool = False) -> dict[str, Any]:
    now = vn_now(now, simulation)
    if plan_id is None:
        tag_run("kind:collection")
        return fan_out("collection", collection_flow, "period", "Kỳ", plans_to_collect(now), now, simulation)
    tag_run(plan_id, "kind:collection")
    steps = advance_periods(plan_id, period, now)
    rollups = []
    for step in steps:
        publish_table(f"status-{plan_id}-{step['period']}", step["units"],
                      f"{step['label']}: {step['phase']} ({step['submitted']}/{step['expected']} đơn vị đã nộp)")
        if step["start_rollup"]:
            rollups.append(rollup_flow(plan_id, step["period"], now, simulation))
    rows = [{"Kỳ": s["label"], "Tình trạng": s["phase"], "Hạn": s["due"], "Đóng": s["closes"],
             "Đã nộp": f"{s['submitted']}/{s['expected']}", "Chưa nộp": len(s["missing"])} for s in steps]
    publish_markdown(f"collection-{plan_id}", (
        f"# Thu thập báo cáo: {plan_id}\n\n{now:%d/%m/%Y %H:%M}\n\n" + markdown_table(rows)
        + (f"\nĐã lập tổng hợp cho {len(rollups)} kỳ.\n" if rollups else "")
    ), "Tình hình thu thập báo cáo theo kỳ")
    return {"plan": plan_id, "now": now.isoformat(),
            "periods": [{k: v for k, v in s.items() if k != "units"} for s in steps],
            "rollups": [r["period"] for r in rollups]}
