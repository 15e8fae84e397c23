"""sync, dispatch, outbox: fill the outbox from the plans, send what is due, show what happened."""

from __future__ import annotations

import json
import mailbox
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from kehoach.calendar import VN_TZ
from kehoach.cli.app import app
from kehoach.cli.common import config, console, err_console, fail, parse_now, serving_settings, settings
from kehoach.delivery.lateness import DEFAULT_LATE_WINDOW

if TYPE_CHECKING:
    from kehoach.delivery.dispatcher import DispatchSummary
    from kehoach.store.tables import Outbox

STATUS_VI = {"pending": "chờ gửi", "sending": "đang gửi", "sent": "đã gửi", "failed": "lỗi", "skipped": "bỏ qua"}


class Format(StrEnum):
    table = "table"
    json = "json"


def _local(value: datetime | None) -> str | None:
    return value.astimezone(VN_TZ).isoformat() if value else None


@app.command("sync")
def sync_command(
    year: int | None = typer.Option(None, "--year", help="Năm cần đồng bộ (mặc định: mọi năm trong khoảng đồng bộ)."),
    now: str | None = typer.Option(None, "--now",
                                   help="Thời điểm đồng bộ, ISO 8601 (mặc định: bây giờ, giờ Việt Nam)."),
    as_json: bool = typer.Option(False, "--json", help="In kết quả dạng JSON."),
    full: bool = typer.Option(False, "--full",
                              help="Kiểm tra lại toàn bộ khoảng đồng bộ của mọi kế hoạch, kể cả kế hoạch không đổi "
                                   "(mặc định: kế hoạch không đổi chỉ được ghi thêm những ngày mới)."),
) -> None:
    """Đồng bộ vào hộp thư đi các thông báo từ bây giờ đến hết khoảng đồng bộ (KEHOACH_SYNC_HORIZON_DAYS ngày tới).

    Chạy lại nhiều lần không tạo trùng; thông báo xa hơn được ghi ở những lần đồng bộ sau (mỗi sáng).
    Kế hoạch mới hoặc đã thay đổi được đồng bộ đầy đủ; kế hoạch không đổi từ lần đồng bộ trước chỉ được
    ghi thêm các ngày mới vào khoảng đồng bộ (--full để kiểm tra lại tất cả).
    """
    from kehoach.expansion.freshness import sync_horizon
    from kehoach.store.db import make_engine, session

    moment, cfg, s = parse_now(now), config(), settings()
    days = s.sync_horizon_days
    engine = make_engine(s.resolved_database_url)
    with session(engine) as db:
        results = sync_horizon(cfg, db, moment, None, days, year, full)
    if as_json:
        print(json.dumps([c.as_dict() for c in results], ensure_ascii=False))
        return
    for counts in results:
        window = f"{days} ngày tới: {counts.window_from}–{counts.window_to}"
        if not counts.reached:
            console.print(f"Năm {counts.year} chưa tới khoảng đồng bộ ({window}): không có gì để ghi", highlight=False)
            continue
        table = Table(title=f"Đồng bộ hộp thư đi năm {counts.year} ({window})")
        for col in ("Thêm mới", "Cập nhật", "Không đổi", "Đã xử lý, giữ nguyên", "Không còn trong kế hoạch"):
            table.add_column(col, justify="right")
        table.add_row(*(str(v) for v in (counts.inserted, counts.updated, counts.unchanged, counts.frozen,
                                         counts.retired)))
        console.print(table)
        console.print(f"Kế hoạch đồng bộ đầy đủ: {counts.full}; kế hoạch chỉ ghi thêm ngày mới: {counts.extended}",
                      highlight=False)
        for plan, n in sorted(counts.by_plan.items()):
            console.print(f"  {plan}: {n} thông báo", highlight=False)


@app.command("dispatch")
def dispatch_command(
    now: str | None = typer.Option(None, "--now", help="Thời điểm gửi, ISO 8601 (mặc định: bây giờ, giờ Việt Nam)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Chỉ xem sẽ gửi gì, không gửi, không ghi."),
    batch_size: int = typer.Option(500, "--batch-size", min=1),
    late_window: int = typer.Option(DEFAULT_LATE_WINDOW, "--late-window", min=0,
                                    help="Số ngày làm việc tối đa được gửi muộn so với thời điểm dự kiến."),
    as_json: bool = typer.Option(False, "--json", help="In kết quả dạng JSON."),
) -> None:
    """Gửi các thông báo đã đến hạn (email, Zalo) và ghi lại kết quả.

    Mã thoát: 0 mọi việc ổn; 1 có thông báo lỗi hoặc phải chờ gửi lại; 2 không gửi được gì.
    """
    from sqlalchemy.exc import OperationalError

    from kehoach.delivery.channel_setup import dispatch_configured, email_destination, options_from_settings
    from kehoach.delivery.dispatcher import DispatchAborted
    from kehoach.expansion.freshness import sync_changed
    from kehoach.store.db import make_engine

    moment, s, cfg = parse_now(now), serving_settings(), config()
    try:
        engine = make_engine(s.resolved_database_url)
    except OperationalError as exc:
        fail(f"không kết nối được cơ sở dữ liệu: {str(exc.orig or exc).strip().splitlines()[0]}. "
             "Chưa gửi gì; lần gửi sau sẽ gửi.", code=2)

    def progress(summary: DispatchSummary) -> None:
        if not as_json:
            err_console.print(f"… đã nhận {summary.claimed}, đã gửi {summary.sent}", highlight=False)

    resynced = [] if dry_run else sync_changed(cfg, engine, moment, s.sync_horizon_days)
    if resynced and not as_json:
        err_console.print(f"Kế hoạch đã thay đổi, đồng bộ lại trước khi gửi: {', '.join(resynced)}", highlight=False)
    opts = options_from_settings(s, batch_size=batch_size, late_window=late_window)
    try:
        summary = dispatch_configured(engine, cfg, s, moment, dry_run=dry_run, options=opts, progress=progress)
    except DispatchAborted as exc:
        summary = exc.summary
    if as_json:
        print(json.dumps({**summary.as_dict(), "resynced": resynced}, ensure_ascii=False))
    else:
        _print_summary(summary, email_to=email_destination(s))
    if summary.aborted:
        fail(f"lần gửi dừng giữa chừng: {summary.aborted}. Các thông báo chưa gửi vẫn chờ gửi; "
             "lần gửi sau sẽ gửi tiếp.", code=summary.exit_code)
    if summary.exit_code and not dry_run:
        raise typer.Exit(summary.exit_code)


def _print_summary(summary: DispatchSummary, email_to: str) -> None:
    title = "Chạy thử (không gửi)" if summary.dry_run else "Kết quả gửi"
    table = Table(title=f"{title} lúc {summary.now.astimezone(VN_TZ):%H:%M %d/%m/%Y}")
    for col in ("Đến hạn", "Tin nhắn", "Đã gửi" if not summary.dry_run else "Sẽ gửi", "Lỗi", "Thử lại sau",
                "Bỏ qua", "Chuyển email"):
        table.add_column(col, justify="right")
    table.add_row(*(str(v) for v in (summary.claimed, summary.messages, summary.sent, summary.failed,
                                     summary.retried, summary.skipped, summary.fallbacks)))
    console.print(table)
    console.print(f"Email gửi qua: {email_to}", highlight=False)
    for channel, reason in summary.channels_down.items():
        console.print(f"  [red]Kênh {channel} tạm dừng trong lần gửi này[/] (các thông báo vẫn chờ gửi): {reason}",
                      highlight=False, soft_wrap=True)
    for reason, n in summary.skip_reasons.most_common(5):
        console.print(f"  Bỏ qua {n}: {reason}", highlight=False, soft_wrap=True)
    for reason, n in summary.errors.most_common(10):
        console.print(f"  [yellow]Lỗi {n}:[/] {reason}", highlight=False, soft_wrap=True)


def outbox_row(row: Outbox) -> dict[str, Any]:
    return {
        "key": row.key, "plan": row.plan, "kind": row.kind, "unit": row.unit, "channel": row.channel,
        "period": row.period, "send_at": _local(row.send_at), "status": row.status,
        "sent_at": _local(row.sent_at), "attempts": row.attempts, "last_error": row.last_error,
        "provider_id": row.provider_id, "message_key": row.message_key, "subject": row.subject,
    }


outbox_app = typer.Typer(help="Hộp thư đi: xem và gửi lại.", no_args_is_help=False)
app.add_typer(outbox_app, name="outbox")


@outbox_app.callback(invoke_without_command=True)
def outbox_command(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="pending, sending, sent, failed hoặc skipped."),
    plan: str | None = typer.Option(None, "--plan", help="Mã kế hoạch."),
    fmt: Format = typer.Option(Format.table, "--format"),
    limit: int | None = typer.Option(None, "--limit", min=1),
) -> None:
    """Xem hộp thư đi: thông báo nào đã gửi, đang chờ, bị lỗi hay bỏ qua, và vì sao."""
    from kehoach.store.db import make_engine, session
    from kehoach.store.outbox import listing, status_counts
    from kehoach.store.tables import Status

    if ctx.invoked_subcommand is not None:
        return
    if status is not None and status not in {s.value for s in Status}:
        fail(f"trạng thái '{status}' không hợp lệ; dùng một trong: {', '.join(s.value for s in Status)}")
    engine = make_engine(settings().resolved_database_url)
    with session(engine) as db:
        rows = listing(db, status=status, plan=plan, limit=limit)
        counts = status_counts(db)
    if fmt is Format.json:
        print(json.dumps([outbox_row(r) for r in rows], ensure_ascii=False, indent=1))
        return
    table = Table(title=f"Hộp thư đi ({len(rows)} thông báo)")
    for col in ("Gửi lúc", "Kế hoạch", "Loại", "Đơn vị", "Kênh", "Trạng thái", "Đã gửi lúc", "Ghi chú"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(f"{r.send_at.astimezone(VN_TZ):%d/%m/%Y %H:%M}", r.plan, r.kind, r.unit, r.channel,
                      STATUS_VI.get(r.status, r.status),
                      f"{r.sent_at.astimezone(VN_TZ):%d/%m %H:%M}" if r.sent_at else "", r.last_error or "")
    console.print(table)
    console.print("  ".join(f"{STATUS_VI.get(k, k)}: {v}" for k, v in sorted(counts.items())), highlight=False)


@outbox_app.command("requeue")
def requeue_command(
    status: str = typer.Option("failed", "--status", help="failed (mặc định) hoặc skipped."),
    plan: str | None = typer.Option(None, "--plan", help="Chỉ kế hoạch này."),
    since: str | None = typer.Option(None, "--since", help="Chỉ những thông báo lỗi từ ngày này (dd/mm/yyyy)."),
) -> None:
    """Đưa các thông báo bị lỗi trở lại hàng chờ gửi, sau khi đã sửa cấu hình (ví dụ mật khẩu SMTP)."""
    from kehoach.store.db import make_engine, session
    from kehoach.store.outbox import requeue
    from kehoach.store.tables import Status

    if status not in {Status.FAILED.value, Status.SKIPPED.value}:
        fail(f"--status '{status}' không hợp lệ; chỉ gửi lại được: failed, skipped")
    start = None
    if since is not None:
        try:
            start = datetime.combine(datetime.strptime(since, "%d/%m/%Y").date(), datetime.min.time(), VN_TZ)
        except ValueError:
            fail(f"--since '{since}' không phải ngày dạng dd/mm/yyyy")
    s, cfg = settings(), config()
    if plan is not None and plan not in cfg.plans:
        fail(f"không có kế hoạch '{plan}'; các kế hoạch hiện có: {', '.join(sorted(cfg.plans))}")
    engine = make_engine(s.resolved_database_url)
    with session(engine) as db:
        n = requeue(db, parse_now(None), status=status, plan=plan, since=start)
    console.print(f"Đã đưa {n} thông báo ({STATUS_VI[status]}) trở lại hàng chờ gửi; "
                  "lần gửi tới (kehoach dispatch) sẽ gửi chúng.", highlight=False)


@outbox_app.command("bounces")
def bounces_command(
    path: Path = typer.Argument(..., exists=True, help="Hộp thư Maildir nhận thư trả lại (KEHOACH_BOUNCE_ADDRESS), "
                                                         "hoặc một tệp .eml."),
) -> None:
    """Đọc thư báo lỗi chuyển phát (thư trả lại) và ghi các thông báo đó là lỗi, kèm địa chỉ và lý do."""
    from kehoach.delivery.bounces import parse_bounce, record_bounces
    from kehoach.store.db import make_engine, session

    if path.is_dir():
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            fail(f"'{path}' không phải hộp thư Maildir (thiếu thư mục cur/ và new/)")
        raws = [m.as_bytes() for m in mailbox.Maildir(path, create=False)]
    else:
        raws = [path.read_bytes()]
    found = [b for raw in raws for b in parse_bounce(raw)]
    engine = make_engine(settings().resolved_database_url)
    with session(engine) as db:
        n = record_bounces(db, found, parse_now(None))
    console.print(f"Đã đọc {len(raws)} thư, {len(found)} địa chỉ bị trả lại; {n} thông báo được ghi là lỗi "
                  "(xem: kehoach status --plan ID).", highlight=False)
