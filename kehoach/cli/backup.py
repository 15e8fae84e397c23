"""``kehoach backup`` and ``kehoach restore``: the data folder in one archive, and back."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from kehoach.cli.app import app
from kehoach.cli.common import console, fail, parse_now, settings

if TYPE_CHECKING:
    from kehoach.store.backup import BackupReport

PG_NOTE = ("Cơ sở dữ liệu PostgreSQL không nằm trong tệp này: sao lưu bằng "
           "`pg_dump -Fc -f kehoach.dump <KEHOACH_DATABASE_URL>` (xem README, mục Backups).")


def _summary(r: BackupReport) -> str:
    from kehoach.store.backup import COUNTED

    rows = ", ".join(f"{r.counts[t]} {label}" for t, label in COUNTED.items() if t in r.counts)
    sent = f" ({r.counts['outbox_sent']} đã gửi)" if "outbox_sent" in r.counts else ""
    return f"{r.files} tệp" + (f"; cơ sở dữ liệu: {rows}{sent}" if rows else "")


@app.command("backup", help="Sao lưu thư mục dữ liệu (cơ sở dữ liệu SQLite, tệp đính kèm, báo cáo tổng hợp, khóa ký đường dẫn) vào một tệp .tar.gz.")
def backup_command(
    out: Path | None = typer.Option(None, "--out", help="tệp sao lưu (mặc định: ./kehoach-sao-luu-<ngày giờ>.tar.gz)"),
) -> None:
    from kehoach.store.backup import BackupError, backup

    s, now = settings(), parse_now(None)
    target = out or Path.cwd() / f"kehoach-sao-luu-{now:%Y%m%d-%H%M%S}.tar.gz"
    try:
        report = backup(s.data_dir, s.resolved_database_url, target, now)
    except (BackupError, OSError) as exc:
        fail(f"không sao lưu được: {exc}")
    console.print(f"[green]✓[/] Đã sao lưu vào {report.archive}: {_summary(report)}.", highlight=False, soft_wrap=True)
    if report.database != "sqlite":
        console.print(PG_NOTE, highlight=False, soft_wrap=True)


@app.command("restore", help="Khôi phục một tệp sao lưu vào thư mục dữ liệu mới (KEHOACH_DATA_DIR); không ghi đè dữ liệu đang có.")
def restore_command(archive: Path = typer.Argument(..., exists=True, dir_okay=False, help="tệp .tar.gz do kehoach backup tạo")) -> None:
    from kehoach.store.backup import BackupError, restore

    s = settings()
    try:
        report = restore(archive, s.data_dir, s.resolved_database_url)
    except (BackupError, OSError) as exc:
        fail(f"không khôi phục được: {exc}")
    console.print(f"[green]✓[/] Đã khôi phục vào {s.data_dir}: {_summary(report)}.", highlight=False, soft_wrap=True)
    if report.database != "sqlite":
        console.print("Khôi phục cơ sở dữ liệu PostgreSQL bằng `pg_restore --clean -d <KEHOACH_DATABASE_URL> kehoach.dump`.",
                      highlight=False, soft_wrap=True)
