"""How long the console's home page and a 500-unit follow-up board take to render.

Builds a directory of 3,000 units (six groups of 500) and 150 plans shaped like
``benchmarks/expand.py``'s (30 offices, 5 plans each, every report naming one group), syncs
the year's notifications of the measured plan into the outbox and records submissions for
half of its units, then times GET requests through the whole web app (session lookup,
queries, Jinja2) for the office's home page and the board of one period of 500 units.
Prints the median of 20 requests of each and a JSON line.

    python benchmarks/console.py [--units 3000] [--plans 150]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from pydantic import SecretStr

from kehoach.calendar import VN_TZ
from kehoach.expansion.expand import expand
from kehoach.plans.config import Config
from kehoach.plans.directory import Directory
from kehoach.plans.model import Plan
from kehoach.settings import Settings
from kehoach.store import outbox
from kehoach.store.db import make_engine, session
from kehoach.submissions.record import record_submission
from kehoach.web.app import create_app
from kehoach.web.console.accounts import add_user

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=VN_TZ)
GROUP = 500
PASSWORD = "mat-khau-do-toc-do"


def build(units: int, plans: int) -> tuple[Directory, dict[str, Plan]]:
    groups = max(1, units // GROUP)
    offices = max(1, plans // 5)
    directory = Directory.model_validate({
        "groups": [{"id": f"g{g}", "name": f"Nhóm {g}"} for g in range(groups)],
        "units": [{"id": f"vp{o}", "name": f"Văn phòng {o}", "emails": [f"vp{o}@bench.example"]} for o in range(offices)]
        + [{"id": f"u{i}", "name": f"Đơn vị {i}", "groups": [f"g{i // GROUP % groups}"],
            "emails": [f"u{i}@bench.example"]} for i in range(units)],
    })
    found = {}
    for p in range(plans):
        group, office = f"g{p % groups}", f"vp{p % offices}"
        report = {"units": [group], "to": office}
        plan = Plan.model_validate({
            "id": f"bench-{p}", "title": f"Kế hoạch đo tốc độ {p}", "symbol": "KH-BENCH", "issuer": office,
            "place": "Hà Nội", "issued": "tháng 1 năm 2026", "year": 2026, "effective_from": "01/01/2026",
            "office": office, "units": [group],
            "tasks": [{"id": "t0", "title": "Nhiệm vụ", "section": "II", "content": ["Nội dung"], "lead": [group],
                       "coordinating": [], "cadence": "thuong_xuyen"}],
            "reports": [
                {"id": "6t", "title": "Báo cáo 6 tháng", "period": "6_thang", "due": "30/05", **report},
                {"id": "nam", "title": "Báo cáo năm", "period": "nam", "due": "30/11", **report},
            ],
            "recipients": [{"name": "Sở Nội vụ"}],
            "signer": {"authority": "KT. GIÁM ĐỐC", "title": "PHÓ GIÁM ĐỐC", "name": "Nguyễn Văn A"},
        })
        found[plan.id] = plan
    return directory, found


def median_ms(client: TestClient, url: str, runs: int = 20) -> float:
    assert client.get(url).status_code == 200  # warm the template cache
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = client.get(url)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--plans", type=int, default=150)
    args = parser.parse_args()
    directory, plans = build(args.units, args.plans)
    config = Config(directory, plans)
    measured = plans["bench-0"]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), portal_secret=SecretStr("bench"), portal_base_url="http://testserver")
        engine = make_engine(settings.resolved_database_url)
        with session(engine) as s:
            notes = expand(measured, 2026, directory, config.calendar([2026]))
            outbox.upsert_by_key(s, notes, NOW, 2026)
            for i, unit in enumerate(u.id for u in directory.members("g0")):
                if i % 2 == 0:
                    record_submission(s, settings.data_dir, plan_id=measured.id, period="nam-2026", unit_id=unit,
                                      values={}, now=NOW - timedelta(days=i % 20), source="cli")
            add_user(s, directory, username="vanthu", office=measured.office, role="van_thu", password=PASSWORD,
                     email=None, now=NOW)
        with TestClient(create_app(settings, config, engine, clock=lambda: NOW), follow_redirects=False) as client:
            page = client.get("/quan-ly/dang-nhap")
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            assert client.post("/quan-ly/dang-nhap", data={"csrf_token": token, "tiep": "/quan-ly/",
                                                           "ten_dang_nhap": "vanthu", "mat_khau": PASSWORD}).status_code == 303
            home = median_ms(client, "/quan-ly/")
            board = median_ms(client, f"/quan-ly/ke-hoach/{measured.id}/nam-2026")
        engine.dispose()
    print(f"{args.units} units, {args.plans} plans, {len(notes)} notifications of the measured plan in the outbox")
    print(f"home page (5 plans of the office): {home:.0f} ms; board of {GROUP} units: {board:.0f} ms (median of 20)")
    print(json.dumps({"units": args.units, "plans": args.plans, "outbox_rows": len(notes), "home_ms": round(home, 1),
                      "board_ms": round(board, 1)}))


if __name__ == "__main__":
    main()
