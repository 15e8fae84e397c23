"""health: is the installation working? One command any monitor (cron, Nagios, systemd) can call."""

from __future__ import annotations

import json
import os

import typer
from rich.table import Table

from kehoach.cli.app import app
from kehoach.cli.common import config, console, parse_now, settings


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
