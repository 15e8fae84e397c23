"""Hand-made notifications and a small directory for the outbox, digest and dispatcher tests."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from kehoach.calendar import VN_TZ
from kehoach.plans.directory import Directory, Unit
from kehoach.notification import Kind, Notification

PLAN = "2026-thu-nghiem"


def at(day: date, hour: int = 8, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=VN_TZ)


def context(title: str = "Báo cáo năm", deadline: date | None = date(2026, 12, 4), **extra: Any) -> dict[str, Any]:
    return {
        "plan": {"id": PLAN, "label": "Kế hoạch số 12/KH-STN", "title": "Kế hoạch thử nghiệm năm 2026",
                 "issuer": "Sở Thử nghiệm"},
        "item": {"id": "nam", "title": title},
        "period": {"id": "nam-2026", "label": "Báo cáo năm 2026"},
        "deadline": deadline.isoformat() if deadline else None,
        "step": -3,
        **extra,
    }


def notification(
    unit: str = "phong-1", *, channel: str = "email", kind: Kind = Kind.REPORT_REMINDER,
    send_at: datetime | None = None, deadline: date | None = date(2026, 12, 4), step: str = "-3",
    ref: str = "nam-2026", subject: str = "[Nhắc báo cáo] Báo cáo năm – hạn Thứ Sáu, 04/12/2026",
    ctx: dict[str, Any] | None = None, period: str | None = "nam-2026",
) -> Notification:
    return Notification(
        key=f"{PLAN}/{kind.value}/{ref}/{step}/{unit}/{channel}", plan=PLAN, kind=kind, unit=unit,
        channel=channel, send_at=send_at or at(date(2026, 12, 1)), deadline=deadline, subject=subject,
        period=period, context=ctx if ctx is not None else context(deadline=deadline),
    )


def directory(n_extra: int = 0) -> Directory:
    units = [
        Unit(id="so", name="Sở Thử nghiệm"),
        Unit(id="van-phong", name="Văn phòng Sở", emails=["vanphong@so.example"], zalo="0900000001"),
        Unit(id="phong-1", name="Phòng Nghiệp vụ 1", emails=["phong1@so.example"]),
        Unit(id="phong-2", name="Phòng Nghiệp vụ 2", zalo="0900000002"),
        Unit(id="phong-3", name="Phòng Nghiệp vụ 3", emails=["phong3@so.example"], zalo="0900000003"),
        Unit(id="thon-x", name="Thôn Xuân", emails=["bad@so.example"]),
    ]
    units += [Unit(id=f"don-vi-{i}", name=f"Đơn vị số {i}", emails=[f"dv{i}@so.example"]) for i in range(n_extra)]
    return Directory(units=units)
