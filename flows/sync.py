"""sync_flow: bring the outbox in line with the plans, for the year of ``now``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from flows.artifacts import markdown_table, publish_markdown
from flows.context import run_name, runtime, tag_run, vn_now
from kehoach.store.db import session
from kehoach.expansion.freshness import sync_recorded


@task(name="sync-outbox", retries=2, retry_delay_seconds=[5, 30])
def sync_outbox(year: int, now: datetime, plan_id: str | None = None) -> dict[str, Any]:
    """Every plan, or only ``plan_id`` (the other plans' rows are left alone)."""
    rt = runtime()
    with session(rt.engine) as s:
        return sync_recorded(rt.config, year, s, now, None if plan_id is None else [plan_id]).as_dict()


@flow(name="sync", flow_run_name=run_name("sync", "plan_id", "year"))
def sync_flow(year: int | None = None, plan_id: str | None = None, now: datetime | None = None,
              simulation: bool = False) -> dict[str, Any]:
    now = vn_now(now, simulation)
    tag_run(*([plan_id] if plan_id else []), "kind:sync")
    counts = sync_outbox(year or now.year, now, plan_id)
    rows = [{"Kế hoạch": plan, "Thông báo trong năm": n} for plan, n in sorted(counts["by_plan"].items())]
    publish_markdown("sync", (
        f"# Đồng bộ kế hoạch năm {counts['year']}\n\n"
        f"Thêm mới **{counts['inserted']}**, cập nhật **{counts['updated']}**, không đổi {counts['unchanged']}, "
        f"đã xử lý (giữ nguyên) {counts['frozen']}, không còn trong kế hoạch {counts['retired']}.\n\n"
        + markdown_table(rows)
    ), "Kết quả đồng bộ kế hoạch vào hộp thư đi")
    return counts
