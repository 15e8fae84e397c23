"""How long expanding a plan of 5,000 units for a year takes (target: under 2 s here).

Builds a directory of N units (every one with an email and a Zalo phone) in one group, a plan
shaped like the seeds (six "thường xuyên" tasks, a 6-month, an annual and an Action Month
report, the Action Month, three occasions) and times ``expand``; then a 5-year plan (2026–2030)
of the same units with a quarterly report next to the seeds' three and a dated task, expanded for
each of its years. Prints a JSON line for each.

With ``--memory`` it measures instead what sync holds while expanding the plan's year, in a
child process for each way: ``materialised`` keeps the year's notifications and keys in lists
and sets (as sync did), ``streamed`` feeds them one by one to what sync keeps of them
(``expansion.produced``), as sync does now. Prints one JSON line with both peak RSS figures.
With ``--write`` (alone or as well), a child runs the real ``sync`` of that plan's whole year (a horizon of
400 days from 01/01: the write path at its largest) into a fresh
database (SQLite in a temporary folder, or with ``--database postgresql://…`` a new database on
that server, dropped after) and the JSON gains ``written``: rows, seconds and peak RSS.

    python benchmarks/expand.py [--units 5000] [--memory] [--write [--database URL]]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from kehoach.calendar import build_calendar
from kehoach.plans.directory import Directory
from kehoach.expansion.expand import expand, stream
from kehoach.expansion.produced import Produced
from kehoach.plans.model import Plan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.province import drop_database, fresh_database  # noqa: E402

TASK = {"section": "II", "content": ["Nội dung"], "lead": ["all"], "coordinating": [], "cadence": "thuong_xuyen"}


def five_year(plan: Plan) -> Plan:
    """The seed-shaped plan over 2026–2030, with a quarterly report and a dated task added."""
    data = plan.model_dump(by_alias=True, exclude={"year", "span", "reports", "tasks"})
    data["years"] = "2026–2030"
    data["reports"] = [r.model_dump(by_alias=True, exclude_none=True) for r in plan.reports] + [
        {"id": "quy", "title": "Báo cáo quý", "period": "quy", "due": "ngày 10 của tháng cuối quý",
         "units": ["all"], "to": "office"}]
    data["tasks"] = [{"id": f"t{i}", "title": f"Nhiệm vụ {i}", **TASK} for i in range(5)] + [
        {"id": "so-ket", "title": "Sơ kết", **{**TASK, "cadence": "theo_thoi_han"}, "due": "30/06"}]
    return Plan.model_validate({k: v for k, v in data.items() if v is not None})


def timed(run: Callable[[], list[object]], runs: int = 3) -> tuple[float, int]:
    """The best of ``runs`` runs, after one that warms the template cache."""
    run()
    best, count = float("inf"), 0
    for _ in range(runs):
        started = time.perf_counter()
        count = len(run())
        best = min(best, time.perf_counter() - started)
    return best, count


def build(units: int) -> tuple[Plan, Directory]:
    directory = Directory.model_validate({
        "groups": [{"id": "all", "name": "Tất cả đơn vị"}],
        "units": [{"id": "office", "name": "Văn phòng", "emails": ["vp@bench.example"]}]
        + [{"id": f"u{i}", "name": f"Đơn vị {i}", "groups": ["all"], "emails": [f"u{i}@bench.example"],
            "zalo": f"09{i:08d}"} for i in range(units)],
    })
    report = {"units": ["all"], "to": "office"}
    plan = Plan.model_validate({
        "id": "bench", "title": "Kế hoạch đo tốc độ", "symbol": "KH-BENCH", "issuer": "office",
        "place": "Hà Nội", "issued": "tháng 1 năm 2026", "year": 2026, "effective_from": "01/01/2026",
        "office": "office", "units": ["all"],
        "tasks": [{"id": f"t{i}", "title": f"Nhiệm vụ {i}", **TASK} for i in range(6)],
        "reports": [
            {"id": "6t", "title": "Báo cáo 6 tháng", "period": "6_thang", "due": "30/05", **report},
            {"id": "nam", "title": "Báo cáo năm", "period": "nam", "due": "30/11", **report},
            {"id": "thd", "title": "Báo cáo Tháng hành động", "period": "thang_hanh_dong", "due": "20/12",
             "campaign": "thd", **report},
        ],
        "campaigns": [{"id": "thd", "title": "Tháng hành động", "start": "15/11", "end": "15/12",
                       "units": ["all"], "report": "thd"}],
        "occasions": [{"id": f"o{m}", "title": "Ngày kỷ niệm", "date": f"01/{m:02d}", "units": ["all"]}
                      for m in (3, 6, 10)],
        "recipients": [{"name": "Sở Nội vụ"}],
        "signer": {"authority": "KT. GIÁM ĐỐC", "title": "PHÓ GIÁM ĐỐC", "name": "Nguyễn Văn A"},
    })
    return plan, directory


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def hold(units: int, way: str) -> None:
    """Expand the year ``way`` and print the count and this process's peak RSS (the child's part)."""
    plan, directory = build(units)
    cal = build_calendar([2026])
    base = peak_mb()
    if way == "materialised":
        notes = expand(plan, 2026, directory, cal)
        keep = {n.key for n in notes}
        count = len(keep)
    else:
        produced, count = Produced(), 0
        for n in stream(plan, 2026, directory, cal):
            produced.add(n)
            count += 1
        produced.close()
    print(json.dumps({"notifications": count, "peak_rss_mb": peak_mb(), "before_expanding_mb": base}))


WHOLE_YEAR = 400  # days: a horizon from 01/01 past the year's last notification


def write(units: int, url: str) -> None:
    """Sync the plan's year into the database at ``url`` and print rows, seconds and peak RSS (a child's part).

    The write path at its largest: a sync on 01/01 whose horizon is the whole year (a product
    sync writes ``KEHOACH_SYNC_HORIZON_DAYS``, a fraction of it)."""
    from sqlalchemy import func, select

    from kehoach.calendar import VN_TZ
    from kehoach.expansion.sync import sync
    from kehoach.plans.config import Config
    from kehoach.store.db import make_engine, session
    from kehoach.store.tables import Outbox

    plan, directory = build(units)
    config = Config(directory, {plan.id: plan})
    engine = make_engine(url)
    base = peak_mb()
    started = time.perf_counter()
    with session(engine) as db:
        counts = sync(config, 2026, db, datetime(2026, 1, 1, tzinfo=VN_TZ), days=WHOLE_YEAR)
        seconds = time.perf_counter() - started
        rows = db.scalar(select(func.count()).select_from(Outbox))
    engine.dispose()
    print(json.dumps({"rows": rows, "inserted": counts.inserted, "seconds": round(seconds, 1),
                      "peak_rss_mb": peak_mb(), "before_syncing_mb": base}))


def memory(units: int, holding: bool, writing: bool, database: str | None) -> None:
    result: dict[str, object] = {"units": units}
    for way in ("materialised", "streamed") if holding else ():
        out = subprocess.run([sys.executable, __file__, "--units", str(units), "--hold", way],
                             check=True, capture_output=True, text=True).stdout
        result[way] = json.loads(out.splitlines()[-1])
        print(f"{way}: {result[way]}", file=sys.stderr, flush=True)
    if writing:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'kehoach.db'}"
            if database:
                own = f"kehoach_expand_{os.getpid()}"
                url = fresh_database(database, own)
            try:
                out = subprocess.run([sys.executable, __file__, "--units", str(units), "--write-into", url],
                                     check=True, capture_output=True, text=True).stdout
            finally:
                if database:
                    drop_database(database, own)
        result["written"] = {"database": url.split(":", 1)[0], **json.loads(out.splitlines()[-1])}
        print(f"written: {result['written']}", file=sys.stderr, flush=True)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--memory", action="store_true", help="peak RSS of sync's expansion, held or streamed")
    parser.add_argument("--write", action="store_true", help="sync the year into a database: rows, seconds, peak RSS")
    parser.add_argument("--database", help="with --write: a PostgreSQL server (a new database is made there)")
    parser.add_argument("--hold", choices=["materialised", "streamed"], help=argparse.SUPPRESS)
    parser.add_argument("--write-into", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hold:
        return hold(args.units, args.hold)
    if args.write_into:
        return write(args.units, args.write_into)
    if args.memory or args.write:
        return memory(args.units, args.memory, args.write, args.database)
    plan, directory = build(args.units)
    cal = build_calendar(range(2026, 2031))
    best, count = timed(lambda: expand(plan, 2026, directory, cal))
    peak = peak_mb()
    print(f"expanded {args.units} units into {count} notifications in {best:.2f} s")
    print(json.dumps({"units": args.units, "notifications": count, "seconds": round(best, 3),
                      "per_second": round(count / best), "peak_rss_mb": round(peak, 1)}))
    multi = five_year(plan)
    per_year = {y: timed(lambda y=y: expand(multi, y, directory, cal), runs=1) for y in multi.span_years}
    total, count5 = sum(t for t, _ in per_year.values()), sum(n for _, n in per_year.values())
    slowest = max(t for t, _ in per_year.values())
    print(f"5-year plan (2026–2030): {args.units} units into {count5} notifications, one year at a time as "
          f"sync does, in {total:.2f} s (slowest year {slowest:.2f} s)")
    print(json.dumps({"plan": "5-year", "years": len(per_year), "units": args.units, "notifications": count5,
                      "seconds": round(total, 3), "slowest_year_seconds": round(slowest, 3)}))

if __name__ == "__main__":
    main()
