"""How long expanding a plan of 5,000 units for a year takes (target: under 2 s here).

Builds a directory of N units (every one with an email and a Zalo phone) in one group, a plan
shaped like the seeds (six "thường xuyên" tasks, a 6-month, an annual and an Action Month
report, the Action Month, three occasions) and times ``expand``. Prints a JSON line.

    python benchmarks/expand.py [--units 5000]
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from kehoach.calendar import build_calendar
from kehoach.plans.directory import Directory
from kehoach.expansion.expand import expand
from kehoach.plans.model import Plan

TASK = {"section": "II", "content": ["Nội dung"], "lead": ["all"], "coordinating": [], "cadence": "thuong_xuyen"}


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=5000)
    args = parser.parse_args()
    plan, directory = build(args.units)
    cal = build_calendar([2026])
    expand(plan, 2026, directory, cal)  # warm the template cache
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        notes = expand(plan, 2026, directory, cal)
        best = min(best, time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"expanded {args.units} units into {len(notes)} notifications in {best:.2f} s")
    print(json.dumps({"units": args.units, "notifications": len(notes), "seconds": round(best, 3),
                      "per_second": round(len(notes) / best), "peak_rss_mb": round(peak, 1)}))


if __name__ == "__main__":
    main()
