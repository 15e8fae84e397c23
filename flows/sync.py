"""sync_flow: bring the outbox in line with the plans over the horizon of ``now``
(``KEHOACH_SYNC_HORIZON_DAYS``): every year it reaches, or the one ``year`` given."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, task

from flows.artifacts import markdown_table, publish_markdown
from flows.context import run_name, runtime, tag_run, vn_now
from kehoach.store.db import session
from kehoach.expansion.freshness import sync_horizon


@task(name="sync-outbox", retries=2, retry_delay_seconds=[5, 30])
def sync_outbox(year: int | None, now: datetime, plan_id: str | None = None) -> list[dict[str, Any]]:
    """Every plan, or only ``plan_id`` (the other plans' rows are left alone); one count per year."""
    rt = runtime()
    with session(rt.engine) as s:
        return [c.as_dict() for c in sync_horizon(rt.config, s, now, None if plan_id is None else [plan_id],
                                                  rt.settings.sync_horizon_days, year)]


@flow(name="sync", flow_run_name=run_name("sync", "plan_id", "year"))
def sync_flow(year: int | None = None, plan_id: str | None = None, now: datetime | None = None,
              simulation: bool = False) -> dict[str, Any]:
    now = vn_now(now, simulation)
    tag_run(*([plan_id] if plan_id else []), "kind:sync")
    per_year = sync_outbox(year, now, plan_id)
    parts = []
    for counts in per_year:
        rows = [{"Kế hoạch": plan, "Thông báo trong khoảng": n} for plan, n in sorted(counts["by_plan"].items())]
        parts.append(
            f"## Năm {counts['year']}, từ {counts['window_from']} đến {counts['window_to']}\n\n"
            + (f"Thêm mới **{counts['inserted']}**, cập nhật **{counts['updated']}**, "
               f"không đổi {counts['unchanged']}, đã xử lý (giữ nguyên) {counts['frozen']}, "
               f"không còn trong kế hoạch {counts['retired']}. Kế hoạch đồng bộ đầy đủ {counts['full']}, "
               f"chỉ ghi thêm ngày mới {counts['extended']}.\n\n" + markdown_table(rows)
               if counts["reached"] else "Năm này chưa tới khoảng đồng bộ: không có gì để ghi.\n"))
    publish_markdown("sync", "# Đồng bộ kế hoạch vào hộp thư đi\n\n" + "\n".join(parts),
                     "Kết quả đồng bộ kế hoạch vào hộp thư đi")
    return {"years": per_year}
