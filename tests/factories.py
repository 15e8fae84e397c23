"""A small, valid config written to a temporary folder, for tests that break one thing at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONTACTS = """\
groups:
  - id: cac-don-vi
    name: Các đơn vị thuộc Sở
units:
  - id: so
    name: Sở Thử nghiệm
  - id: snv
    name: Sở Nội vụ
  - id: van-phong
    name: Văn phòng Sở
    parent: so
    groups: [cac-don-vi]
    emails: [vanphong@so.example]
    zalo: "0900000001"
  - id: phong-1
    name: Phòng Nghiệp vụ 1
    parent: so
    groups: [cac-don-vi]
    emails: [phong1@so.example]
  - id: phong-2
    name: Phòng Nghiệp vụ 2
    parent: so
    groups: [cac-don-vi]
    zalo: "0900000002"
"""

PLAN = """\
id: 2026-thu-nghiem
title: Kế hoạch thử nghiệm năm 2026
symbol: KH-STN
issuer: so
place: Hà Nội
issued: tháng 1 năm 2026
year: 2026
effective_from: 01/01/2026
office: van-phong
units: [cac-don-vi]
tasks:
  - id: ii-1
    section: II.1
    title: Tuyên truyền
    content: [Tuyên truyền pháp luật về bình đẳng giới]
    lead: [phong-1]
    coordinating: [cac-don-vi]
    cadence: thuong_xuyen
reports:
  - id: nam
    title: Báo cáo kết quả
    period: nam
    units: [cac-don-vi]
    to: van-phong
    due: 05/12
    upward: {to: Sở Nội vụ, unit: snv, due: 15/12}
recipients:
  - name: Sở Nội vụ
    units: [snv]
signer: {authority: KT. GIÁM ĐỐC, title: PHÓ GIÁM ĐỐC, name: Nguyễn Văn A}
"""


def write_config(root: Path, plan: str = PLAN, contacts: str = CONTACTS, calendar: str = "") -> Path:
    """A config folder under ``root``; returns it, for KEHOACH_CONFIG_DIR."""
    cfg = root / "config"
    (cfg / "plans").mkdir(parents=True, exist_ok=True)
    (cfg / "contacts.yaml").write_text(contacts, encoding="utf-8")
    (cfg / "plans" / "plan.yaml").write_text(plan, encoding="utf-8")
    if calendar:
        (cfg / "calendar.yaml").write_text(calendar, encoding="utf-8")
    return cfg


def config_at(cfg: Path):  # type: ignore[no-untyped-def]
    """The config in ``cfg`` as every command loads it."""
    from kehoach.plans.config import load_config
    from kehoach.settings import Settings

    return load_config(Settings(config_dir=cfg, data_dir=cfg.parent / "data"))


def pending_dates(engine, plan: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The plan's pending outbox rows: key to send time."""
    from kehoach.store.db import session
    from kehoach.store.outbox import listing

    with session(engine) as s:
        return {r.key: r.send_at for r in listing(s) if r.plan == plan and r.status == "pending"}
