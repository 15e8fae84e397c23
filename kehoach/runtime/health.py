"""Is the installation healthy? The checks behind ``kehoach health``, for any monitor to call.

Each check answers for the admin, in Vietnamese, with what to look at. The outbox checks are
queries at ``now``; the reachability checks open a connection and close it again (an SMTP
EHLO and login, an HTTP request to Zalo) and send nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import httpx
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from kehoach.calendar import VN_TZ, WorkingCalendar
from kehoach.delivery.lateness import DEFAULT_LATE_WINDOW, latest_send
from kehoach.runtime.runner import LEASE
from kehoach.settings import Settings
from kehoach.store import leases
from kehoach.store.beats import last_beat, record_beat
from kehoach.store.tables import Outbox, Status
from notifications.channels.smtp_session import ProtocolError, ReplyError
from notifications.channels.smtp_session import Session as SmtpSession

DISPATCH_BEAT = "dispatch"
STALE_DUE = timedelta(hours=1)  # a due row older than this means dispatch is not keeping up
DISPATCH_SILENCE = timedelta(minutes=30)  # dispatch runs every 15 minutes in working hours
WORKING_HOURS = (time(7, 0), time(18, 0))  # the dispatch schedule: */15 7-17


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def _vn(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%H:%M %d/%m/%Y}"


def in_working_hours(now: datetime, cal: WorkingCalendar) -> bool:
    local = now.astimezone(VN_TZ)
    return cal.is_working_day(local.date()) and WORKING_HOURS[0] <= local.time() < WORKING_HOURS[1]


def dispatch_check(engine: Engine, now: datetime, cal: WorkingCalendar) -> Check:
    beat = last_beat(engine, DISPATCH_BEAT)
    last_ok = beat.last_ok_at if beat else None
    details = [f"thành công lúc {_vn(last_ok)}" if last_ok else "chưa có lần gửi nào thành công"]
    if beat is not None and not beat.ok:
        details.append(f"lần gần nhất ({_vn(beat.at)}) có lỗi: {beat.detail}")
    silent = (last_ok is None or now - last_ok > DISPATCH_SILENCE) and in_working_hours(now, cal)
    return Check("Lần gửi gần nhất", not silent and (beat is None or beat.ok), "; ".join(details))


def _due_rows(now: datetime):  # type: ignore[no-untyped-def]
    waiting = (Outbox.status == Status.PENDING.value) | (  # type: ignore[operator]
        (Outbox.status == Status.SENDING.value) & (Outbox.claimed_until <= now))  # type: ignore[operator]
    return waiting & (Outbox.send_at <= now)  # type: ignore[operator]


def stale_due_check(engine: Engine, now: datetime) -> Check:
    with Session(engine) as s:
        n, oldest = s.exec(select(func.count(), func.min(Outbox.send_at)).where(_due_rows(now))).one()
    if not n or oldest is None:
        return Check("Thông báo đến hạn chưa gửi", True, "không có")
    stale = now - oldest > STALE_DUE
    return Check("Thông báo đến hạn chưa gửi", not stale, f"{n} thông báo, cũ nhất từ {_vn(oldest)}")


def late_window_check(engine: Engine, now: datetime, cal: WorkingCalendar,
                      window: int = DEFAULT_LATE_WINDOW) -> Check:
    """Rows that will be skipped as too late if they are not sent by the end of the next working day."""
    horizon = datetime.combine(cal.add_working_days(now.astimezone(VN_TZ).date(), 1), time(23, 59, 59), tzinfo=VN_TZ)
    with Session(engine) as s:
        due = s.exec(select(Outbox.send_at).where(_due_rows(now))).all()
    at_risk = [at for at in due if latest_send(at, window, cal) <= horizon]
    if not at_risk:
        return Check("Sắp quá thời hạn gửi", True, "không có")
    return Check("Sắp quá thời hạn gửi", False,
                 f"{len(at_risk)} thông báo sẽ bị bỏ qua nếu chưa gửi được trước {horizon:%d/%m/%Y}")


async def _smtp_probe(settings: Settings) -> None:
    """Connect, greet, encrypt and log in exactly as a dispatch does (the same session code)."""
    assert settings.smtp_host
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    smtp = await SmtpSession.open(settings.smtp_host, settings.smtp_port, timeout=10, use_tls=settings.smtp_tls,
                              starttls=settings.smtp_starttls and not settings.smtp_tls,
                              username=settings.smtp_username or None, password=password)
    await smtp.quit()


def smtp_check(settings: Settings) -> Check:
    if not settings.smtp_configured:
        return Check("Máy chủ thư (SMTP)", True, f"chưa cấu hình: thư vào Maildir {settings.data_dir / 'maildir'}")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        asyncio.run(_smtp_probe(settings))
    except (ReplyError, ProtocolError, OSError, TimeoutError) as exc:
        return Check("Máy chủ thư (SMTP)", False, f"{where} không kết nối được: {type(exc).__name__}: {exc}")
    return Check("Máy chủ thư (SMTP)", True, f"{where} sẵn sàng")


def zalo_check(settings: Settings) -> Check:
    if not settings.zalo_configured:
        return Check("Zalo", True, "chưa cấu hình: tin Zalo được ghi là bỏ qua")
    try:
        httpx.get(settings.zalo_oauth_base, timeout=10)
    except httpx.HTTPError as exc:
        return Check("Zalo", False, f"{settings.zalo_oauth_base} không kết nối được: {type(exc).__name__}")
    return Check("Zalo", True, f"{settings.zalo_oauth_base} kết nối được")


def scheduler_check(engine: Engine, now: datetime, prefect_api_url: str | None) -> Check:
    """Server mode: the Prefect API answers and a worker polls the pool. Embedded: a runner holds the lease."""
    if prefect_api_url:
        try:
            httpx.get(f"{prefect_api_url}/health", timeout=10).raise_for_status()
            workers = httpx.post(f"{prefect_api_url}/work_pools/kehoach-process/workers/filter", json={},
                                 timeout=10).json()
        except (httpx.HTTPError, ValueError) as exc:
            return Check("Bộ lập lịch", False, f"Prefect API {prefect_api_url} không trả lời: {type(exc).__name__}")
        online = [w for w in workers if isinstance(w, dict) and w.get("status") == "ONLINE"]
        return Check("Bộ lập lịch", bool(online),
                     f"Prefect API sẵn sàng; {len(online)} worker đang hoạt động trong kehoach-process")
    holder = leases.current(engine, LEASE)
    if holder is None or holder.expires_at <= now:
        return Check("Bộ lập lịch", False, "không có `kehoach run` nào đang chạy trên cơ sở dữ liệu này")
    return Check("Bộ lập lịch", True, f"`kehoach run` đang chạy ở {holder.holder}")


def health(settings: Settings, engine: Engine, cal: WorkingCalendar, now: datetime,
           prefect_api_url: str | None = None) -> list[Check]:
    return [
        dispatch_check(engine, now, cal),
        stale_due_check(engine, now),
        late_window_check(engine, now, cal),
        smtp_check(settings),
        zalo_check(settings),
        scheduler_check(engine, now, prefect_api_url),
    ]


def dispatch_problems(engine: Engine, summary: dict[str, object], now: datetime) -> list[str]:
    """Why a dispatch run must end Failed (so retries and the admin's alerts act), or nothing.

    A run in which anything failed, a channel was unreachable (rows put back to wait), or due
    rows older than an hour remain is not a success, even if it sent most of its messages.
    """
    problems = []
    if summary.get("failed"):
        problems.append(f"{summary['failed']} thông báo lỗi")
    if summary.get("retried"):
        problems.append(f"{summary['retried']} thông báo chờ gửi lại (kênh gửi không kết nối được hoặc từ chối tạm thời)")
    stale = stale_due_check(engine, now)
    if not stale.ok:
        problems.append(f"còn thông báo đến hạn quá 1 giờ chưa gửi: {stale.detail}")
    return problems


def record_dispatch_verdict(engine: Engine, summary: dict[str, object], now: datetime) -> list[str]:
    """``dispatch_problems`` of a run, recorded as the dispatch beat ``kehoach health`` reads."""
    problems = dispatch_problems(engine, summary, now)
    record_beat(engine, DISPATCH_BEAT, now, not problems, "; ".join(problems))
    return problems


def one_line(summary: dict[str, object]) -> str:
    """The summary an admin reads in a run's log: "đã gửi 63, lỗi 0, chờ 0"."""
    return (f"đã gửi {summary.get('sent', 0)}, lỗi {summary.get('failed', 0)}, chờ {summary.get('retried', 0)}, "
            f"bỏ qua {summary.get('skipped', 0)}")
