"""``kehoach run`` (the embedded runner and the portal) and ``kehoach simulate`` (a year in minutes).

Both run the real Prefect flows in this process; ``flows.local`` starts Prefect's temporary
server once and keeps its shutdown noise off the console.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from kehoach.calendar import VN_TZ
from kehoach.cli.app import app
from kehoach.cli.common import config, console, fail, serving_settings, settings

KIND_COLUMNS = {  # short headers: the table must fit an 80-column terminal
    "Nhắc hạn BC": ("report_reminder", "report_due"),
    "Quá hạn": ("report_overdue",),
    "Báo VP": ("escalation",),
    "Đợt CĐ": ("campaign_notice", "campaign_kickoff", "campaign_weekly", "campaign_closing"),
    "Kỷ niệm": ("occasion",),
    "Nhiệm vụ": ("task_reminder",),
    "Khác": ("office_compile", "rollup_ready", "submission_received", "extension_decision"),
}
CAPTION = ("Nhắc hạn BC: nhắc và báo đến hạn nộp báo cáo · Báo VP: báo văn phòng các đơn vị chưa nộp · "
           "Đợt CĐ: đợt cao điểm (Tháng hành động…) · Khác: tổng hợp gửi cấp trên, dự thảo tổng hợp, xác nhận đã nhận, "
           "trả lời đề nghị gia hạn")


def say(message: str) -> None:
    console.print(f"[dim]{datetime.now(VN_TZ):%d/%m %H:%M:%S}[/] {message}", highlight=False)


@app.command(help="Chạy các quy trình theo lịch của prefect.yaml trong tiến trình này và phục vụ cổng nộp báo cáo.")
def run(portal: bool = typer.Option(True, help="Phục vụ cổng nộp báo cáo trong cùng tiến trình."),
        ) -> None:
    """Run the flows on prefect.yaml's schedules (APScheduler in this process) and serve the portal."""
    from flows import local
    from notifications.vietnamese import WEEKDAYS_VI

    _stop_on_sigterm()
    local.configure()
    s, cfg = serving_settings(), config()
    from kehoach.runtime.runner import EmbeddedRunner, SchedulerBusy
    from kehoach.runtime.schedules import scheduled
    from kehoach.store.db import make_engine

    engine = make_engine(s.resolved_database_url)
    deployments = scheduled()
    say(f"cơ sở dữ liệu: {engine.url.render_as_string(hide_password=True)}; dữ liệu: {s.data_dir}")
    runner = EmbeddedRunner(engine, deployments, local.runner_calls(say), say=say,
                            clock=lambda: datetime.now(VN_TZ))
    try:
        runner.claim()
    except SchedulerBusy as busy:
        console.print(f"[red]Không chạy:[/] {busy}. Dừng tiến trình kia trước, hoặc dùng `kehoach portal` "
                      "nếu chỉ cần cổng nộp báo cáo.")
        raise typer.Exit(1) from None
    say("khởi động Prefect (máy chủ tạm thời, 10–15 giây)…")
    local.quiet_exit()
    say(f"Prefect sẵn sàng: {local.warm_up()}")
    runner.start()
    table = Table("Lịch", "Lần chạy tới", title="Các lịch từ prefect.yaml (giờ Việt Nam)")
    for jid, at in runner.next_runs():
        table.add_row(jid, f"{WEEKDAYS_VI[at.weekday()]}, {at:%d/%m/%Y %H:%M}" if at else "tạm dừng")
    console.print(table)
    if any(d.name == "sync" for d in deployments):
        say("đồng bộ kế hoạch vào hộp thư đi ngay bây giờ (sau đó theo lịch)")
        runner.run_now("sync")
    try:
        if portal:
            _serve_portal(s, cfg, engine)
        else:
            _wait_for_signal()
    except KeyboardInterrupt:
        pass  # Ctrl-C or SIGTERM: the same clean stop
    finally:
        say("đang dừng: chờ các luồng đang chạy xong…")
        runner.shutdown(wait=True)
        say("đã dừng.")


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, ``docker stop``) stops ``run`` as Ctrl-C does.

    uvicorn catches both signals while it serves, then re-raises the one it caught with the
    handler found before it: Python's default for SIGTERM kills the process on the spot,
    skipping the shutdown step and the exit hook that stops Prefect's temporary server.
    Raising KeyboardInterrupt instead unwinds through both.
    """

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _serve_portal(s: Any, cfg: Any, engine: Any) -> None:
    """uvicorn in this thread: on Ctrl-C or SIGTERM it stops serving, then raises KeyboardInterrupt."""
    import uvicorn

    from kehoach.web.app import create_app

    say(f"cổng nộp báo cáo: http://{s.portal_host}:{s.portal_port}/ (Ctrl-C để dừng)")
    _console_hint(s, cfg, engine)
    server = uvicorn.Server(uvicorn.Config(create_app(s, cfg, engine), host=s.portal_host, port=s.portal_port,
                                           log_level="warning", lifespan="off"))
    server.run()


def _console_hint(s: Any, cfg: Any, engine: Any) -> None:
    """Where the office logs in and, on an installation without accounts, the command that makes the first one."""
    from kehoach.store.db import session
    from kehoach.web.console.accounts import count_users

    say(f"trang quản lý của văn phòng: http://{s.portal_host}:{s.portal_port}/quan-ly/ "
        "(đăng nhập bằng tên đăng nhập hoặc email và mật khẩu)")
    with session(engine) as db:
        if count_users(db):
            return
    office = next(iter(cfg.plans.values())).office if cfg.plans else "MA_DON_VI"
    say("chưa có tài khoản nào; tạo tài khoản quản trị đầu tiên (lệnh hỏi mật khẩu hai lần) bằng lệnh:")
    console.print(f"    .venv/bin/kehoach user add quantri --office {office} --role quan_tri", highlight=False,
                  soft_wrap=True)


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    say("đang chạy (Ctrl-C để dừng)")
    while not stop.wait(1.0):
        pass


def _parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} '{value}' không phải ngày dạng YYYY-MM-DD")


@app.command(help="Chạy công việc của các quy trình (đồng bộ, gửi, thu thập báo cáo, tổng hợp) trên đồng hồ mô phỏng "
                  "từ --from đến --to; in tổng kết theo tháng.")
def simulate(
    from_: str = typer.Option(..., "--from", help="Ngày đầu mô phỏng, ví dụ 2026-01-01"),
    to: str = typer.Option(..., "--to", help="Ngày cuối mô phỏng, ví dụ 2026-12-31"),
    plan: list[str] = typer.Option([], "--plan", help="Chỉ kế hoạch này (có thể lặp lại)"),
    submit_share: float = typer.Option(0.6, min=0.0, max=1.0, help="Tỷ lệ đơn vị nộp báo cáo trước hạn trong mô phỏng"),
    data_dir: Path | None = typer.Option(None, help="Thư mục dữ liệu mô phỏng, được làm trống trước (mặc định: <data_dir>/mo-phong)"),
    smtp: bool = typer.Option(False, "--smtp", help="Gửi qua máy chủ SMTP trong cấu hình, nhưng chỉ tới địa chỉ "
                              "thử nghiệm (.example, .test, .invalid, .localhost) hoặc tới --send-to"),
    send_to: str | None = typer.Option(None, "--send-to", help="Cùng --smtp: gửi mọi thư mô phỏng tới đúng một địa chỉ này"),
) -> None:
    """Run the flows' work (their domain calls, no Prefect) on a simulated clock from --from to --to;
    print a month-by-month summary.

    Nothing reaches a real person: email goes to the simulation's Maildir (or, with --smtp, only
    to test addresses), Zalo is recorded in the simulation's folder, never sent.
    """
    start, end = _parse_day(from_, "--from"), _parse_day(to, "--to")
    if end < start:
        fail("--to phải sau --from")
    if send_to is not None and (not smtp or "@" not in send_to):
        fail(f"--send-to '{send_to}' cần đi cùng --smtp và phải là một địa chỉ email")
    base = settings()
    sim_dir = data_dir or base.data_dir / "mo-phong"
    if sim_dir.exists():
        shutil.rmtree(sim_dir)
    # Settings come from the environment: point them at the simulation's own data.
    os.environ["KEHOACH_DATA_DIR"] = str(sim_dir)
    os.environ["KEHOACH_DATABASE_URL"] = f"sqlite:///{sim_dir / 'kehoach.db'}"
    os.environ["KEHOACH_SIMULATION"] = "true"
    os.environ["KEHOACH_SIMULATION_SMTP"] = "true" if smtp else "false"
    os.environ.pop("KEHOACH_SIMULATION_TO", None)
    if send_to:
        os.environ["KEHOACH_SIMULATION_TO"] = send_to
    s, cfg = settings(), config()
    for p in plan:
        if p not in cfg.plans:
            fail(f"không có kế hoạch '{p}'; các kế hoạch hiện có: {', '.join(sorted(cfg.plans))}")
    plan_ids = plan or sorted(cfg.plans)
    from kehoach.delivery.channel_setup import email_destination
    from kehoach.runtime.schedules import scheduled
    from kehoach.runtime.simulation import DirectFlows, Options, Simulation
    from kehoach.store.db import make_engine

    engine = make_engine(s.resolved_database_url)
    where = email_destination(s)
    console.print(f"Mô phỏng {start:%d/%m/%Y}–{end:%d/%m/%Y}, {len(plan_ids)} kế hoạch; thư gửi tới {where}.")
    sim = Simulation(cfg, engine, scheduled(), DirectFlows(cfg, engine, s, plan or None).flows(),
                     Options(start, end, plan_ids, submit_share=submit_share, data_dir=sim_dir))
    began = time.monotonic()
    runs = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("ngày"), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("", total=(end - start).days + 1)

        def progress(p: Any) -> None:
            nonlocal runs
            runs += len(p.ticks)
            bar.update(task, completed=p.days_done, description=f"{p.day:%m/%Y} · {runs} lượt chạy luồng")

        sim.run(progress)
    _print_summary(engine, start, end, runs, time.monotonic() - began, sim_dir)


def _month_keys(start: date, end: date) -> list[str]:
    keys, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        keys.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


def _print_summary(engine: Any, start: date, end: date, runs: int, seconds: float, sim_dir: Path) -> None:
    from collections import Counter

    from kehoach.delivery.activity import MonthCounts, monthly
    from kehoach.store.db import session

    lo = datetime.combine(start, datetime.min.time(), tzinfo=VN_TZ)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=VN_TZ)
    with session(engine) as sess:
        found = {m.month: m for m in monthly(sess, lo, hi)}
    months = [found.get(key) or MonthCounts(key, Counter()) for key in _month_keys(start, end)]
    table = Table("Tháng", *KIND_COLUMNS, "Đã gửi", "Bỏ qua", "Lỗi",
                  title="Thông báo theo tháng (mô phỏng)", caption=CAPTION)
    totals = [0] * (len(KIND_COLUMNS) + 3)
    for m in months:
        cells = [sum(m.by_kind.get(k, 0) for k in kinds) for kinds in KIND_COLUMNS.values()]
        cells += [m.sent, m.skipped, m.failed]
        totals = [a + b for a, b in zip(totals, cells, strict=True)]
        table.add_row(f"{m.month[5:]}/{m.month[:4]}", *(str(c) for c in cells))
    table.add_section()
    table.add_row("Cả kỳ", *(f"[bold]{c}[/]" for c in totals))
    console.print(table)
    console.print(f"{runs} lượt chạy luồng trong {seconds:.0f} giây. Dữ liệu mô phỏng: {sim_dir}")
