"""dispatch_flow: send everything due at ``now``; nothing at all on a day off.

One task fans out over every due message (the dispatcher's own senders); a task run per
message would cost Prefect's orchestration overhead thousands of times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.states import Failed, State

from flows.artifacts import markdown_table, publish_markdown, publish_table
from flows.context import run_name, runtime, tag_run, vn_now
from kehoach.delivery.channel_setup import dispatch_configured
from kehoach.delivery.activity import attempts_at
from kehoach.expansion.freshness import sync_changed
from kehoach.runtime.health import one_line, record_dispatch_verdict
from kehoach.store.db import session


@task(name="send-due", retries=2, retry_delay_seconds=[10, 60], retry_jitter_factor=0.5)
def send_due(now: datetime, dry_run: bool = False, simulation: bool = False) -> dict[str, Any]:
    """Claim, render, send, record. Retried with backoff when a channel's server is unreachable.

    Plans changed since the year's last sync are synced first, except in a dry run (it writes
    nothing) and a simulation (it syncs the plans it simulates on its own mornings).
    """
    rt = runtime()
    cal = rt.config.calendar([now.year])
    if not cal.is_working_day(now.date()):
        return {"now": now.isoformat(), "day_off": True, "dry_run": dry_run, "sent": 0, "skipped": 0, "failed": 0,
                "retried": 0}
    resynced = [] if dry_run or simulation else sync_changed(rt.config, rt.engine, now,
                                                             rt.settings.sync_horizon_days)
    summary = dispatch_configured(rt.engine, rt.config, rt.settings, now, dry_run=dry_run)
    return {**summary.as_dict(), "day_off": False, "resynced": resynced}


@task(name="dispatch-outcomes")
def outcomes_at(now: datetime) -> list[dict[str, Any]]:
    with session(runtime().engine) as s:
        return attempts_at(s, now)


@task(name="dispatch-verdict")
def verdict(summary: dict[str, Any], now: datetime) -> list[str]:
    """What went wrong, and the beat ``kehoach health`` reads."""
    return record_dispatch_verdict(runtime().engine, summary, now)


@flow(name="dispatch", flow_run_name=run_name("dispatch"))
def dispatch_flow(now: datetime | None = None, dry_run: bool = False,
                  simulation: bool = False) -> dict[str, Any] | State:
    """Ends Failed (after publishing its artifacts) when anything failed, a channel was unreachable,
    or due rows older than an hour remain, so Prefect's retries and the admin's alerts act."""
    now = vn_now(now, simulation or dry_run)
    tag_run("kind:dispatch")
    summary = send_due(now, dry_run, simulation)
    if summary["day_off"]:
        publish_markdown("dispatch", f"# Gửi thông báo {now:%d/%m/%Y %H:%M}\n\nNgày nghỉ: không gửi gì.\n",
                         "Ngày nghỉ")
        return summary
    rows = [] if dry_run else outcomes_at(now)
    publish_markdown("dispatch", (
        f"# Gửi thông báo {now:%d/%m/%Y %H:%M}{' (chạy thử)' if dry_run else ''}\n\n"
        f"- Đã gửi: **{summary['sent']}** thông báo trong {summary['messages']} tin\n"
        f"- Bỏ qua: {summary['skipped']}\n- Lỗi: {summary['failed']}\n"
        f"- Chờ gửi lại: {summary['retried']}\n"
        + (f"- Kế hoạch đã thay đổi, đồng bộ lại trước khi gửi: {', '.join(summary['resynced'])}\n"
           if summary["resynced"] else "")
        + "\n" + markdown_table(rows)
        + ("\n## Lý do lỗi\n\n" + markdown_table(
            [{"Lý do": reason, "Số thông báo": n} for reason, n in sorted(summary["errors"].items())])
           if summary["errors"] else "")
    ), "Tóm tắt lần gửi")
    publish_table("dispatch-outcomes", rows, "Đã gửi, bỏ qua và lỗi, theo kế hoạch, loại và kênh")
    get_run_logger().info(one_line(summary))
    if not dry_run:
        problems = verdict(summary, now)
        if problems:
            return Failed(message="; ".join(problems), data=summary)
    return summary
