"""How long the daily sync's write takes: a year's notifications upserted into the outbox.

Expands the plan of ``benchmarks/expand.py`` for ``--units`` units and upserts it twice into an
empty outbox, on SQLite and, with ``--postgres URL`` (an empty database), on PostgreSQL: the
first time every row is new, the second time nothing changed (the morning sync of most days).
Prints one JSON object on its last line: per database, ``rows``, ``first_s`` and ``again_s``.

    python benchmarks/outbox.py [--units 2000] [--postgres postgresql://…]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.expand import build  # noqa: E402
from kehoach.calendar import VN_TZ, build_calendar  # noqa: E402
from kehoach.expansion.expand import expand  # noqa: E402
from kehoach.notification import Notification  # noqa: E402
from kehoach.store.db import make_engine, session  # noqa: E402
from kehoach.store.outbox import upsert_by_key  # noqa: E402

NOW = datetime(2026, 1, 2, 7, tzinfo=VN_TZ)


def measure(url: str, notes: list[Notification]) -> dict[str, Any]:
    engine = make_engine(url)
    times = []
    for _ in range(2):
        started = time.perf_counter()
        with session(engine) as s:
            counts = upsert_by_key(s, notes, NOW, 2026)
        times.append(time.perf_counter() - started)
    engine.dispose()
    assert counts.unchanged == len(notes), counts
    return {"rows": len(notes), "first_s": round(times[0], 2), "again_s": round(times[1], 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database")
    args = parser.parse_args()
    plan, directory = build(args.units)
    notes = expand(plan, 2026, directory, build_calendar([2026]))
    result: dict[str, Any] = {"units": args.units}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'bench.db'}", notes)
        print(f"SQLite: {result['sqlite']}", file=sys.stderr, flush=True)
    if args.postgres:
        result["postgresql"] = measure(args.postgres, notes)
        print(f"PostgreSQL: {result['postgresql']}", file=sys.stderr, flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
