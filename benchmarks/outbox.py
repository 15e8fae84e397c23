"""How long the daily sync's write takes, what it stores and how much memory it needs.

Syncs the plan of ``benchmarks/expand.py`` for ``--units`` units for 2026 twice into an empty
outbox, on SQLite and, with ``--postgres URL`` (an empty database), on PostgreSQL: the first
time every row is new, the second time nothing changed (the morning sync of most days).
Expansion streams into the outbox, so memory stays flat whatever the number of units.
Prints one JSON object on its last line: per database ``rows``, ``first_s``, ``again_s``,
``context_bytes_per_row`` (the stored context's JSON), ``table_bytes_per_row`` (the table
and its indexes on disk) and ``peak_rss_mb`` (the process's peak after that database's runs).

    python benchmarks/outbox.py [--units 2000] [--postgres postgresql://…]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, text  # noqa: E402

from benchmarks.expand import build  # noqa: E402
from kehoach.calendar import VN_TZ, build_calendar  # noqa: E402
from kehoach.expansion.expand import stream  # noqa: E402
from kehoach.expansion.sync import sync_notifications  # noqa: E402
from kehoach.plans.directory import Directory  # noqa: E402
from kehoach.plans.model import Plan  # noqa: E402
from kehoach.store.db import make_engine, session  # noqa: E402

NOW = datetime(2026, 1, 2, 7, tzinfo=VN_TZ)


def table_bytes(engine: Engine) -> int:
    """The outbox table with its indexes, as the database stores them."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return int(conn.execute(text("SELECT pg_total_relation_size('outbox')")).scalar_one())
        return int(conn.execute(text("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"))
                   .scalar_one())


def measure(url: str, plan: Plan, directory: Directory) -> dict[str, Any]:
    engine = make_engine(url)
    cal = build_calendar([2026])
    times, counts = [], []
    for _ in range(2):
        started = time.perf_counter()
        with session(engine) as s:
            counts.append(sync_notifications(s, 2026, [plan.id], stream(plan, 2026, directory, cal), NOW))
        times.append(time.perf_counter() - started)
    first, again = counts
    assert again.unchanged == first.inserted and again.inserted == again.updated == again.retired == 0, again
    with engine.connect() as conn:
        rows, context = conn.execute(text("SELECT count(*), sum(length(CAST(context AS TEXT))) FROM outbox")).one()
    size = table_bytes(engine)
    engine.dispose()
    return {"rows": rows, "first_s": round(times[0], 2), "again_s": round(times[1], 2),
            "context_bytes_per_row": round(context / rows), "table_bytes_per_row": round(size / rows),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--postgres", help="URL of an empty PostgreSQL database")
    args = parser.parse_args()
    plan, directory = build(args.units)
    result: dict[str, Any] = {"units": args.units}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = measure(f"sqlite:///{Path(tmp) / 'bench.db'}", plan, directory)
        print(f"SQLite: {result['sqlite']}", file=sys.stderr, flush=True)
    if args.postgres:
        result["postgresql"] = measure(args.postgres, plan, directory)
        print(f"PostgreSQL: {result['postgresql']}", file=sys.stderr, flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
