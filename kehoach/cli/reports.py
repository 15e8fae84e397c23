"""Report collection commands: submit, status, rollup, extend, link, portal."""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kehoach.calendar import VN_TZ
from kehoach.cli.app import app
from kehoach.cli.common import config, console, fail, parse_now, serving_settings, settings
from kehoach.errors import SubmissionError

if TYPE_CHECKING:
    from sqlmodel import Session

    from kehoach.delivery.activity import DeliveryFailure
    from kehoach.plans.config import Config
    from kehoach.plans.directory import Directory
    from kehoach.plans.model import Plan
    from kehoach.rollup.build import Rollup
    from kehoach.submissions.periods import Period
    from kehoach.submissions.tracking import PeriodStatus

PlanOpt = Annotated[str, typer.Option("--plan", help="mã kế hoạch")]
PeriodOpt = Annotated[str, typer.Option("--period", help="kỳ báo cáo, ví dụ bc-nam-2026")]
NowOpt = Annotated[str | None, typer.Option("--now", help="thời điểm ISO 8601 (mặc định: bây giờ)")]


def _plan_period(cfg: Config, plan_id: str, period_id: str) -> tuple[Plan, Period]:
    from kehoach.submissions.periods import UnknownPeriod, resolve_period

    try:
        plan = cfg.plan(plan_id)
        return plan, resolve_period(plan, period_id, cfg.calendar(plan.span_years))
    except (KeyError, UnknownPeriod) as exc:
        fail(str(exc.args[0]) if exc.args else str(exc))


def _pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",") + "%"


def _print_status(st: PeriodStatus, failures: Mapping[str, list[DeliveryFailure]] | None = None) -> None:
    """The period's table; with ``failures``, a column counting each unit's undelivered notifications."""
    console.print(f"[bold]{st.plan}[/] kỳ [bold]{st.period}[/] ({st.label}), hạn {st.deadline:%d/%m/%Y}")
    console.print(f"Đầy đủ: {len(st.submitted)}/{len(st.expected)} ({_pct(st.completeness)});  "
                  f"đúng hạn: {len(st.on_time)}/{len(st.expected)} ({_pct(st.timeliness)})")
    table = Table("Mã đơn vị", "Tên đơn vị", "Tình trạng", *(("Gửi thông báo lỗi",) if failures is not None else ()))
    state = {u.id: "đúng hạn" for u in st.on_time} | {u.id: "muộn" for u in st.late}
    for u in st.expected:
        row = [u.id, u.name, state.get(u.id, "[red]chưa gửi[/]")]
        if failures is not None:
            failed = len(failures.get(u.id, ()))
            row.append(f"[red]{failed}[/]" if failed else "")
        table.add_row(*row)
    for u in st.exempt:
        table.add_row(u.id, u.name, "miễn", *(("",) if failures is not None else ()))
    console.print(table)


def _print_failures(failures: Mapping[str, list[DeliveryFailure]], directory: Directory) -> None:
    """Every notification of the plan that did not reach its unit, with the reason: what to fix."""
    from kehoach.delivery.activity import kind_label

    if not failures:
        console.print("Không có thông báo nào gửi không thành công.")
        return
    table = Table("Mã đơn vị", "Tên đơn vị", "Kênh", "Thông báo", "Lúc", "Lý do", title="Thông báo gửi không thành công")
    for unit, found in failures.items():
        name = directory.label(unit) if directory.knows(unit) else unit
        for f in found:
            table.add_row(unit, name, f.channel, kind_label(f.kind), f"{f.at.astimezone(VN_TZ):%H:%M %d/%m/%Y}",
                          f.reason)
    console.print(table)
    console.print("Sửa địa chỉ hoặc số Zalo của đơn vị, rồi gửi lại: kehoach outbox requeue --status failed")


@app.command(help="Ghi nhận báo cáo thay cho một đơn vị (tạo phiên bản mới).")
def submit(
    plan: PlanOpt, unit: Annotated[str, typer.Option("--unit", help="mã đơn vị")], period: PeriodOpt,
    value: Annotated[list[str] | None, typer.Option("--value", help="tên=số, ví dụ tuyen_truyen_luot_nguoi__nu=12")] = None,
    file: Annotated[list[Path] | None, typer.Option("--file", exists=True, dir_okay=False)] = None,
    estimate: Annotated[bool, typer.Option("--uoc", help="số liệu có phần ước thực hiện")] = False,
    now: NowOpt = None,
) -> None:
    """Record a unit's submission on its behalf (a new version)."""
    from kehoach.store.db import make_engine, session
    from kehoach.submissions import followup
    from kehoach.submissions.forms import form_indicators, values_from_pairs
    from kehoach.submissions.record import Upload
    from kehoach.submissions.tracking import expected_units

    cfg, s = config(), settings()
    p, per = _plan_period(cfg, plan, period)
    if unit not in {u.id for u in expected_units(cfg.directory, per)}:
        fail(f"đơn vị '{unit}' không thuộc danh sách báo cáo kỳ {period} của kế hoạch {plan}")
    checked = values_from_pairs(form_indicators(p, cfg.directory, per.report, unit), value or [], p.validation_rules)
    if not checked.ok:
        fail("; ".join(f"{k}: {v}" for k, v in checked.errors.items()))
    at = parse_now(now)
    with session(make_engine(s.resolved_database_url)) as db:
        try:
            row = followup.record_on_behalf(
                cfg, db, s.data_dir, p, per, unit, checked.values, by=getpass.getuser(), now=at, source="cli",
                uploads=[Upload(f.name, f.read_bytes()) for f in file or []],
                max_upload_bytes=s.portal_max_upload_mb * 1024 * 1024, estimate=estimate)
        except SubmissionError as exc:
            fail(str(exc))
    console.print(f"Đã ghi nhận báo cáo của {cfg.directory.unit(unit).name}, kỳ {per.id}, phiên bản {row.version}.")


@app.command(help="Đơn vị phải báo cáo, đúng hạn, trễ hạn, chưa nộp; tỷ lệ đầy đủ và đúng hạn; thông báo gửi lỗi.")
def status(
    plan: PlanOpt, period: Annotated[str | None, typer.Option("--period")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
) -> None:
    """Expected, on time, late and missing units; completeness and timeliness; and, per unit,
    the plan's notifications that could not be delivered, with the reason."""
    from kehoach.delivery.activity import failed_deliveries
    from kehoach.store.db import make_engine, session
    from kehoach.submissions.periods import periods_of_year
    from kehoach.submissions.tracking import status_of

    cfg, s = config(), settings()
    if period:
        periods = [_plan_period(cfg, plan, period)[1]]
    else:
        try:
            periods = periods_of_year(cfg.plan(plan), cfg.plan(plan).year, cfg.calendar([cfg.plan(plan).year]))
        except KeyError as exc:
            fail(str(exc.args[0]))
    p = cfg.plan(plan)
    with session(make_engine(s.resolved_database_url)) as db:
        found = [status_of(db, p, cfg.directory, per, cfg.calendar([per.year])) for per in periods]
        failures = failed_deliveries(db, p.id)
    if fmt == "json":
        failed = [{**f.as_dict(), "unit_name": cfg.directory.label(u) if cfg.directory.knows(u) else u}
                  for u, fs in failures.items() for f in fs]
        data = [x.as_dict() | {"delivery_failures": failed} for x in found]
        typer.echo(json.dumps(data[0] if period else data, ensure_ascii=False, indent=2))
        return
    if fmt != "table":
        fail("--format phải là table hoặc json")
    for st in found:
        _print_status(st, failures)
    _print_failures(failures, cfg.directory)


@app.command("task-status", help="Nhiệm vụ có thời hạn: đơn vị chủ trì đã báo cáo hoàn thành chưa, đúng hạn hay muộn.")
def task_status(plan: PlanOpt, year: Annotated[int | None, typer.Option("--year")] = None) -> None:
    """Each dated task's lead units: done (when, on time or late, the note) or not yet."""
    from kehoach.store.db import make_engine, session
    from kehoach.submissions.task_done import task_statuses

    cfg, s = config(), settings()
    p = cfg.plan(plan)
    with session(make_engine(s.resolved_database_url)) as db:
        found = task_statuses(db, cfg, p, year or datetime.now(VN_TZ).year)
    table = Table("Nhiệm vụ", "Đơn vị chủ trì", "Tình trạng", "Ghi chú", title="Nhiệm vụ có thời hạn")
    for st in found:
        if st.done_at is None:
            state = "Chưa báo cáo hoàn thành"
        else:
            state = f"Đã hoàn thành {st.done_at.astimezone(VN_TZ):%d/%m/%Y} ({'Đúng hạn' if st.on_time else 'Hoàn thành muộn'})"
        table.add_row(st.task.title, cfg.directory.label(st.unit), state, st.note or "")
    console.print(table)


@app.command(help="Tổng hợp báo cáo của kỳ: dự thảo DOCX, Markdown, HTML và CSV; gửi văn phòng hoặc cấp trên.")
def rollup(
    plan: PlanOpt, period: PeriodOpt,
    out: Annotated[Path | None, typer.Option("--out", help="thư mục ghi kết quả")] = None,
    send: Annotated[bool, typer.Option("--send", help="gửi dự thảo cho văn phòng xem xét")] = False,
    send_upward: Annotated[bool, typer.Option("--send-upward", help="nộp báo cáo đã duyệt lên kế hoạch cấp trên")] = False,
    now: NowOpt = None,
) -> None:
    """Sum the period's submissions; write the DOCX draft, Markdown, HTML and CSV."""
    from kehoach.rollup.review import rollup_for_review
    from kehoach.rollup.summary import write_outputs
    from kehoach.store.db import make_engine, session
    from kehoach.submissions import notices

    cfg, s = config(), settings()
    p, per = _plan_period(cfg, plan, period)
    at = parse_now(now)
    target = out or s.data_dir / "rollups" / p.id / per.id
    with session(make_engine(s.resolved_database_url)) as db:
        r = rollup_for_review(db, p, cfg.directory, per, at.date(), cfg.calendar([per.year]))
        paths = write_outputs(r, target)
        for kind, path in paths.items():
            console.print(f"{kind}: {path}")
        files = [paths["docx"], paths["xlsx"]]
        if send:
            missing = [u.name for u in r.status.missing]
            n = notices.enqueue(db, notices.rollup_ready(p, cfg.directory, per, at, files, missing,
                                                         f"draft-{at:%Y%m%dT%H%M%S}"), at)
            console.print(f"Đã xếp {n} thư gửi dự thảo (kèm tệp) cho {cfg.directory.label(p.office)}; "
                          "thư đi ở lần dispatch tiếp theo.")
        if send_upward:
            _send_upward(db, s.data_dir, cfg, r, paths, at)
    _print_status(r.status)


def _send_upward(db: Session, data_dir: Path, cfg: Config, r: Rollup, paths: dict[str, Path], at: datetime) -> None:
    """The approved version when the office reviewed the report in the console, else this roll-up."""
    from kehoach.rollup.review import current_approval, latest_draft
    from kehoach.rollup.sending import NoUpwardTarget, send_approved, send_upward

    saved, approval = latest_draft(db, r.plan.id, r.period.id), current_approval(db, r.plan.id, r.period.id)
    if saved is not None and approval is None:
        fail(f"bản dự thảo phiên bản {saved.version} chưa được lãnh đạo phê duyệt trên trang quản lý; chưa gửi gì")
    try:
        if approval is not None:
            result = send_approved(db, data_dir, cfg.plans.values(), cfg.directory, r, approval,
                                   by=getpass.getuser(), now=at)
            console.print(f"Gửi bản đã phê duyệt (phiên bản {approval.version}).")
        else:
            result = send_upward(db, data_dir, cfg.plans.values(), cfg.directory, r, paths["docx"], paths["xlsx"], at)
    except NoUpwardTarget as exc:
        fail(str(exc))
    for parent, pperiod, version in result.submissions:
        console.print(f"Đã nộp lên {parent} kỳ {pperiod} (phiên bản {version}).")
    if result.emailed_to:
        console.print(f"Đã xếp thư gửi báo cáo (kèm tệp) cho {result.emailed_to}; thư đi ở lần dispatch tiếp theo.")


@app.command(help="Gia hạn nộp báo cáo cho một đơn vị trong một kỳ.")
def extend(
    plan: PlanOpt, unit: Annotated[str, typer.Option("--unit", help="mã đơn vị")], period: PeriodOpt,
    until: Annotated[str, typer.Option("--until", help="dd/mm/yyyy")], now: NowOpt = None,
) -> None:
    """Grant a unit a later due date for one period (gia hạn)."""
    from kehoach.store.db import make_engine, session
    from kehoach.submissions import followup

    cfg, s = config(), settings()
    p, per = _plan_period(cfg, plan, period)
    try:
        day = datetime.strptime(until, "%d/%m/%Y").date()
    except ValueError:
        fail(f"--until '{until}' không đúng dạng dd/mm/yyyy")
    at = parse_now(now)
    with session(make_engine(s.resolved_database_url)) as db:
        try:
            moved = followup.extend(cfg, db, p, per, unit, day, by=getpass.getuser(), now=at)
        except SubmissionError as exc:
            fail(str(exc))
    console.print(f"Đã gia hạn cho {cfg.directory.unit(unit).name} đến {day:%d/%m/%Y}; "
                  f"{moved.updated} lời nhắc chưa gửi của đơn vị đã dời theo hạn mới.")


@app.command(help="Miễn báo cáo một kỳ cho một đơn vị (có lý do); --undo để bỏ miễn.")
def exempt(
    plan: PlanOpt, unit: Annotated[str, typer.Option("--unit", help="mã đơn vị")], period: PeriodOpt,
    reason: Annotated[str, typer.Option("--reason", help="lý do miễn")] = "",
    undo: Annotated[bool, typer.Option("--undo", help="bỏ miễn: đơn vị lại phải báo cáo kỳ này")] = False,
    now: NowOpt = None,
) -> None:
    """Excuse a unit from one period (miễn): no more reminders, a calendar cancellation, out of the counts."""
    from kehoach.store.db import make_engine, session
    from kehoach.submissions import followup

    cfg, s = config(), settings()
    p, per = _plan_period(cfg, plan, period)
    at = parse_now(now)
    with session(make_engine(s.resolved_database_url)) as db:
        try:
            if undo:
                back = followup.unexempt(cfg, db, p, per, unit, by=getpass.getuser(), now=at)
            else:
                done = followup.exempt(cfg, db, p, per, unit, reason, by=getpass.getuser(), now=at)
        except SubmissionError as exc:
            fail(str(exc))
    name = cfg.directory.unit(unit).name
    if undo:
        console.print(f"Đã bỏ miễn cho {name}, kỳ {per.id}; {back} lời nhắc chưa gửi được khôi phục.")
    else:
        console.print(f"Đã miễn báo cáo kỳ {per.id} cho {name}; {done.skipped} lời nhắc chưa gửi đã dừng, "
                      f"{done.cancelled} thư hủy lịch đã xếp gửi.")


@app.command(help="In đường dẫn nộp báo cáo (có chữ ký) của một đơn vị.")
def link(
    plan: PlanOpt, unit: Annotated[str, typer.Option("--unit", help="mã đơn vị")], period: PeriodOpt,
    days: Annotated[int, typer.Option("--days", help="số ngày hiệu lực")] = 0, now: NowOpt = None,
) -> None:
    """Print a unit's signed submission link."""
    from kehoach.submissions.links import make_link

    cfg, s = config(), settings()
    _plan_period(cfg, plan, period)
    expires = parse_now(now) + timedelta(days=days or s.portal_link_days)
    typer.echo(make_link(s, plan, unit, period, expires))


@app.command(help="Chạy cổng nộp báo cáo (mặc định chỉ trên 127.0.0.1).")
def portal(
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
) -> None:
    """Serve the submission portal (127.0.0.1 unless told otherwise)."""
    from kehoach.store.db import make_engine

    import uvicorn

    from kehoach.web.app import create_app

    s, cfg = serving_settings(), config()
    app_ = create_app(s, cfg, make_engine(s.resolved_database_url))
    uvicorn.run(app_, host=host or s.portal_host, port=port or s.portal_port)

