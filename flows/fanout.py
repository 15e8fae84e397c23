"""One scheduled run per kind of flow, fanned out to every plan with work now.

The collection and campaign deployments carry no plan: their run asks ``kehoach.runtime.work``
which plans (and periods) have something to do, then runs the per-plan flow for each as a
subflow run named by plan and period ("collection 2026-stp-dong-thap-bdg bc-nam-2026 @ …"),
at most ``KEHOACH_PLAN_CONCURRENCY`` at a time in this one process (150 plans at 16:30 are
threads of one run, not 150 worker processes). A plan whose run fails does not stop the
others; the parent run still ends Failed, after all of them, so the UI shows it red and the
admin gets the failure alert, and its artifact names each failing plan with its error.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import Flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner

from flows.artifacts import markdown_table, publish_markdown
from flows.context import runtime


class PlansFailed(RuntimeError):
    """Some plans' runs failed; the others ran."""


@task(name="plan-run", cache_policy=NO_CACHE)
def plan_run(child: Flow[..., Any], parameters: dict[str, Any]) -> str | None:
    """Run one plan's flow as a subflow run; its error message if it failed, else None."""
    state = child(**parameters, return_state=True)
    return None if state.is_completed() else (state.message or state.name)


def error(future: PrefectFuture[str | None]) -> str | None:
    """The plan's error: its run's, or the task's own (the API refused to start its run)."""
    future.wait()
    state = future.state
    return future.result() if state.is_completed() else (state.message or state.name)


def fan_out(kind: str, child: Flow[..., Any], key: str, heading: str, work: list[tuple[str, Any]],
            now: datetime, simulation: bool) -> dict[str, Any]:
    """Run ``child(plan_id=plan, <key>=value)`` per ``(plan, value)``, KEHOACH_PLAN_CONCURRENCY at a time.

    A real run's children read the clock when they start (one waiting for a slot may start
    minutes later, and a ``now`` that far from the clock is refused); a simulation's share its ``now``.
    PlansFailed at the end if any failed.
    """
    shared = {"now": now if simulation else None, "simulation": simulation}
    with ThreadPoolTaskRunner(max_workers=runtime().settings.plan_concurrency) as pool:
        futures = [pool.submit(plan_run, {"child": child, "parameters": {"plan_id": plan, key: value, **shared}})
                   for plan, value in work]
        errors = [error(f) for f in futures]
    rows = [{"Kế hoạch": plan, heading: value, "Kết quả": err or "xong"}
            for (plan, value), err in zip(work, errors, strict=True)]
    failed = [r for r in rows if r["Kết quả"] != "xong"]
    publish_markdown(f"{kind}-plans", (
        f"# {kind}: {len(work)} lượt theo kế hoạch, {len(failed)} lỗi\n\n" + markdown_table(rows)
    ), "Các kế hoạch có việc hôm nay và kết quả từng lượt")
    if failed:
        raise PlansFailed(f"{len(failed)}/{len(work)} lượt lỗi: " + "; ".join(
            f"{r['Kế hoạch']} {r[heading]}: {r['Kết quả']}" for r in failed))
    return {"runs": [{"plan": plan, key: value} for plan, value in work]}
