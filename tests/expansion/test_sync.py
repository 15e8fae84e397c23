"""sync(year): idempotent upsert of a year's expansion; plan changes reach only pending rows."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import Engine

from kehoach.plans.config import Config, load_config
from kehoach.settings import Settings
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import Outcome, claim, listing, new_token, record
from kehoach.store.tables import Status
from kehoach.expansion.sync import RETIRED, sync
from tests.delivery_factories import at
from tests.factories import PLAN, config_at, write_config

NOW = at(date(2026, 1, 2))
WHOLE_YEAR = 400  # a horizon from NOW past the year's last notification


def load(tmp_path: Path, plan: str = PLAN):  # type: ignore[no-untyped-def]
    return load_config(Settings(config_dir=write_config(tmp_path, plan=plan), data_dir=tmp_path / "data"))


def engine_at(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")


def test_sync_twice_adds_nothing(tmp_path: Path) -> None:
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    with session(engine) as s:
        first = sync(cfg, 2026, s, NOW)
        second = sync(cfg, 2026, s, NOW)
        assert first.inserted > 0 and second.inserted == second.updated == second.retired == 0
        assert second.unchanged == first.inserted == len(listing(s))


def test_plan_change_updates_pending_rows_and_never_sent_ones(tmp_path: Path) -> None:
    # Given a synced year (the whole of it: this is about plan changes) in which every row due by 01/12 has been sent
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    with session(engine) as s:
        sync(cfg, 2026, s, NOW, days=WHOLE_YEAR)
        now = at(date(2026, 12, 1), 9)
        token = new_token()
        sent = claim(s, now, timedelta(minutes=5), 10_000, token=token)
        record(s, [Outcome(r, Status.SENT, sent_at=now, message_key=r.key) for r in sent], now, token)
        before = {r.key: r for r in listing(s)}
    # When the report's due date moves from 05/12 to 10/12 and the year is synced again
    changed = load(tmp_path / "v2", PLAN.replace("due: 05/12", "due: 10/12"))
    with session(engine) as s:
        counts = sync(changed, 2026, s, NOW, days=WHOLE_YEAR)
        after = {r.key: r for r in listing(s)}
    # Then sent rows are untouched and pending ones follow the new date
    assert sent and counts.updated > 0
    for r in sent:
        assert after[r.key].status == "sent" and after[r.key].send_at == before[r.key].send_at
        assert after[r.key].context == before[r.key].context
    moved = [k for k, r in after.items() if r.status == "pending" and r.send_at != before[k].send_at]
    assert moved


def test_dropped_notifications_are_skipped_with_the_reason(tmp_path: Path) -> None:
    cfg, engine = load(tmp_path), engine_at(tmp_path)
    renamed_task = PLAN.replace("  - id: ii-1\n", "  - id: ii-9\n")
    with session(engine) as s:
        sync(cfg, 2026, s, NOW)
        counts = sync(load(tmp_path / "v2", renamed_task), 2026, s, NOW)
        retired = [r for r in listing(s) if r.status == "skipped"]
    assert counts.retired == len(retired) > 0
    assert {r.last_error for r in retired} == {RETIRED} and {r.kind for r in retired} == {"task_reminder"}


def test_a_new_plan_is_written_beside_a_changed_one_whose_dropped_rows_are_retired(tmp_path: Path) -> None:
    # Given a synced plan, then its task renamed and a second plan added, synced together:
    # the new plan has no rows (inserted without look-ups), the other has rows to retire
    other = PLAN.replace("id: 2026-thu-nghiem", "id: 2026-thu-nghiem-2")
    renamed_task = PLAN.replace("  - id: ii-1\n", "  - id: ii-9\n")

    def both(root: Path, plan: str) -> Config:
        cfg = write_config(root, plan=plan)
        (cfg / "plans" / "plan-2.yaml").write_text(other, encoding="utf-8")
        return config_at(cfg)

    alone, together = engine_at(tmp_path), make_engine(f"sqlite:///{tmp_path / 'together.db'}")
    with session(alone) as s:
        sync(load(tmp_path), 2026, s, NOW)
        counts = sync(both(tmp_path / "v2", renamed_task), 2026, s, NOW)
    # and beside it, the same plans synced together from the start (the second plan looked up the second time)
    with session(together) as s:
        sync(both(tmp_path / "v3", PLAN), 2026, s, NOW)
        sync(both(tmp_path / "v4", renamed_task), 2026, s, NOW)
    # Then the dropped rows are retired, the new plan's inserted, and both outboxes say the same
    def rows(engine: Engine) -> dict[str, tuple[object, ...]]:
        with session(engine) as s:
            return {r.key: (r.status, r.send_at, r.content_hash, r.last_error, r.context) for r in listing(s)}

    assert counts.retired > 0 and counts.by_plan["2026-thu-nghiem-2"] > 0
    assert rows(alone) == rows(together)
    assert {k.split("/")[0] for k, r in rows(alone).items() if r[0] == "skipped"} == {"2026-thu-nghiem"}
