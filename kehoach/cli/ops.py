"""health and automations: is the installation working (one command any monitor can call), and
the alerts that tell the admin when it is not."""

from __future__ import annotations

import json
import os

import typer
from rich.table import Table

from kehoach.cli.app import app
from kehoach.cli.common import config, console, fail, parse_now, serving_settings, settings


@app.command("health")
def health_command(
    now: str | None = typer.Option(None, "--now", help="Thời điểm kiểm tra (ISO 8601); mặc định: bây giờ."),
    as_json: bool = typer.Option(False, "--json", help="In kết quả dạng JSON."),
) -> None:
    """Kiểm tra tình trạng: lần gửi gần nhất, thông báo tồn, SMTP, Zalo, bộ lập lịch; mã thoát 1 nếu có vấn đề."""
    from kehoach.runtime.health import health
    from kehoach.store.db import make_engine

    s, at = settings(), parse_now(now)
    cfg = config()
    checks = health(s, make_engine(s.resolved_database_url), cfg.calendar([at.year - 1, at.year, at.year + 1]), at,
                    prefect_api_url=os.environ.get("PREFECT_API_URL"))
    healthy = all(c.ok for c in checks)
    if as_json:
        print(json.dumps({"healthy": healthy, "checks": [c.__dict__ for c in checks]}, ensure_ascii=False))
    else:
        table = Table("", "Kiểm tra", "Chi tiết", title=f"Tình trạng kehoach lúc {at:%H:%M %d/%m/%Y}")
        for c in checks:
            table.add_row("[green]✓[/]" if c.ok else "[red]✗[/]", c.name, c.detail)
        console.print(table)
        console.print("[green]Hoạt động bình thường.[/]" if healthy else "[red]Có vấn đề cần xử lý.[/]")
    raise typer.Exit(0 if healthy else 1)


automations_app = typer.Typer(help="Cảnh báo của chế độ máy chủ (automation của Prefect).", no_args_is_help=True)
app.add_typer(automations_app, name="automations")


@automations_app.command("apply")
def automations_apply() -> None:
    """Tạo hoặc thay các automation của config/prefect/automations.yaml trên máy chủ Prefect (PREFECT_API_URL)."""
    if not os.environ.get("PREFECT_API_URL"):
        fail("PREFECT_API_URL chưa được đặt: lệnh này áp dụng automation lên máy chủ Prefect của chế độ máy chủ.")
    from flows.automations import apply

    s = serving_settings()
    if not s.admin_email:
        fail("KEHOACH_ADMIN_EMAIL chưa được đặt: cảnh báo cần địa chỉ thư của quản trị.")
    for name in apply(s):
        console.print(f"[green]✓[/] {name}")
    console.print(f"Cảnh báo gửi tới {s.admin_email} qua {s.alert_webhook_url}")
