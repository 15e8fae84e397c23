"""campaign_flow: per plan and year, the Action Month (15/11–15/12) and the plan's occasions.

Without a plan (the scheduled deployment) it fans out: one subflow run per active plan with a
campaign step, an occasion or a campaign window today (``flows.fanout``).

The messages go out through dispatch; this flow shows the campaign's timeline (notice,
kickoff, weekly reminders, closing, occasions) and how each step was delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from flows.artifacts import markdown_table, publish_markdown, publish_table
from flows.context import run_name, runtime, tag_run, vn_now
from flows.fanout import fan_out
from kehoach.delivery.activity import kind_label, kind_status
from kehoach.plans.lifecycle import plan_states
from kehoach.runtime.agenda import FLOW_KINDS, agenda, campaign_window
from kehoach.runtime.work import campaign_work
from kehoach.store.db import session


@task(name="campaign-timeline")
def timeline(plan_id: str, year: int, now: datetime) -> dict[str, Any]:
    rt = runtime()
    plan = rt.config.plan(plan_id)
    cal = rt.config.calendar([year])
    today = [{"kind": kind_label(e.kind.value), "ref": e.ref, "step": e.step}
             for e in agenda(plan, year, cal, rt.config.directory)["campaign"].get(now.date(), [])]
    window = campaign_window(plan, year, cal, rt.config.directory)
    with session(rt.engine) as s:
        rows = kind_status(s, plan_id, FLOW_KINDS["campaign"], year)
    return {"plan": plan_id, "year": year, "today": today, "rows": rows,
            "window": [d.isoformat() for d in window] if window else None,
            "active": bool(window and window[0] <= now.date() <= window[1])}


@task(name="plans-in-campaign")
def plans_in_campaign(now: datetime) -> list[str]:
    rt = runtime()
    config = rt.config
    return campaign_work(config.plans.values(), plan_states(rt.engine), config.directory,
                         config.calendar([now.year]), now)


@flow(name="campaign", flow_run_name=run_name("campaign", "plan_id", "year"))
def campaign_flow(plan_id: str | None = None, year: int | None = None, now: datetime | None = None,
                  simulation: bool = False) -> dict[str, Any]:
    now = vn_now(now, simulation)
    if plan_id is None:
        tag_run("kind:campaign")
        return fan_out("campaign", campaign_flow, "year", "Năm",
                       [(p, year or now.year) for p in plans_in_campaign(now)], now, simulation)
    tag_run(plan_id, "kind:campaign")
    result = timeline(plan_id, year or now.year, now)
    if result["today"] or result["active"]:
        publish_table(f"campaign-{plan_id}-{result['year']}", result["rows"],
                      "Đợt cao điểm và ngày kỷ niệm: từng đợt gửi")
        publish_markdown(f"campaign-today-{plan_id}", (
            f"# Đợt cao điểm, ngày kỷ niệm: {plan_id}\n\n{now:%d/%m/%Y}\n\n"
            + markdown_table([{"Hôm nay": t["kind"], "Nội dung": t["ref"], "Bước": t["step"]}
                              for t in result["today"]])
        ), "Việc của hôm nay")
    return {k: v for k, v in result.items() if k != "rows"}
