"""The outbox contract, run against SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, date, timedelta

from sqlalchemy import Engine, delete, insert, select

from kehoach.notification import Kind, Notification
from kehoach.store.db import session
from kehoach.store.outbox import (
    Claimed, ContentHash, Outcome, claim, due, listing, new_token, plans_without_rows, record, release, retire_missing,
    upsert_by_key,
)
from kehoach.store.tables import DeliveryAttempt, Outbox, Status
from tests.delivery_factories import PLAN, at, context, notification

NOW = at(date(2026, 12, 1), 9)
LEASE = timedelta(minutes=10)


def test_upsert_twice_adds_nothing(engine: Engine) -> None:
    # Given three notifications upserted once
    items = [notification(u) for u in ("phong-1", "phong-2", "phong-3")]
    with session(engine) as s:
        first = upsert_by_key(s, items, NOW, 2026)
        # When the same expansion is upserted again
        second = upsert_by_key(s, items, NOW, 2026)
        # Then nothing is added or changed
        assert (first.inserted, second.inserted, second.updated, second.unchanged) == (3, 0, 0, 3)
        assert len(listing(s)) == 3


def test_plan_change_updates_pending_but_never_sent_rows(engine: Engine) -> None:
    # Given two rows, one of them already sent
    a, b = notification("phong-1"), notification("phong-3")
    with session(engine) as s:
        upsert_by_key(s, [a, b], NOW, 2026)
        token = new_token()
        rows = {r.key: r for r in claim(s, NOW, LEASE, 10, token=token)}
        record(s, [Outcome(rows[a.key], Status.SENT, sent_at=NOW, message_key=a.key)], NOW, token)
        # When the plan moves both reminders a day later
        later = at(date(2026, 12, 2))
        moved = [notification("phong-1", send_at=later), notification("phong-3", send_at=later)]
        counts = upsert_by_key(s, moved, NOW, 2026)
        # Then only the not-yet-sent row follows (it was 'sending': frozen too, so release it first)
        assert counts.frozen == 2
        record(s, [Outcome(rows[b.key], Status.PENDING, "thử lại")], NOW, token)
        counts = upsert_by_key(s, moved, NOW, 2026)
        assert (counts.updated, counts.frozen) == (1, 1)
        by_key = {r.key: r for r in listing(s)}
        assert by_key[a.key].send_at == a.send_at and by_key[a.key].status == Status.SENT
        assert by_key[b.key].send_at == later


def test_claim_takes_only_due_rows_and_not_twice(engine: Engine) -> None:
    # Given one due row and one for tomorrow
    today, tomorrow = notification("phong-1"), notification("phong-3", send_at=at(date(2026, 12, 2)))
    with session(engine) as s:
        upsert_by_key(s, [today, tomorrow], NOW, 2026)
        # When two runs claim at the same moment
        first = claim(s, NOW, LEASE, 10, token=new_token())
        second = claim(s, NOW, LEASE, 10, token=new_token())
        # Then only the due row is claimed, once, with a lease
        assert [r.key for r in first] == [today.key] and second == []
        stored = {r.key: r for r in listing(s)}[today.key]
        assert stored.status == Status.SENDING and stored.claimed_until == NOW + LEASE
        assert [r.key for r in due(s, NOW)] == []


def test_expired_claim_is_claimable_again(engine: Engine) -> None:
    # Given a row claimed by a dispatcher that then died
    with session(engine) as s:
        upsert_by_key(s, [notification()], NOW, 2026)
        assert len(claim(s, NOW, LEASE, 10, token=new_token())) == 1
        # When another run claims before and after the lease
        before = claim(s, NOW + LEASE - timedelta(seconds=1), LEASE, 10, token=new_token())
        after = claim(s, NOW + LEASE + timedelta(seconds=1), LEASE, 10, token=new_token())
        # Then only after the lease has expired
        assert before == [] and len(after) == 1


def test_a_run_does_not_reclaim_what_it_put_back(engine: Engine) -> None:
    # Given a row one run tried and put back to pending
    with session(engine) as s:
        upsert_by_key(s, [notification()], NOW, 2026)
        token = new_token()
        [row] = claim(s, NOW, LEASE, 10, token=token)
        record(s, [Outcome(row, Status.PENDING, "421 máy chủ bận")], NOW, token)
        # When the same run and then a new run claim
        again = claim(s, NOW, LEASE, 10, token=token)
        other = claim(s, NOW, LEASE, 10, token=new_token())
        # Then the same run leaves it, the next one takes it
        assert again == [] and len(other) == 1
        [stored] = listing(s)
        assert stored.attempts == 1 and stored.last_error == "421 máy chủ bận"


def test_claimed_rows_carry_the_stored_columns_preparation_reads(engine: Engine) -> None:
    # Given a due email and a due Zalo row with their own contexts and periods
    items = [notification("phong-1", ctx={"ghi_chu": "Báo cáo năm"}), notification("phong-3", channel="zalo")]
    with session(engine) as s:
        upsert_by_key(s, items, NOW, 2026)
        # When a run claims them
        claimed = claim(s, NOW, LEASE, 10, token=new_token())
        # Then each claimed row holds exactly what the outbox stores in those columns
        stored = {r.key: r for r in listing(s)}
        assert sorted(r.key for r in claimed) == sorted(n.key for n in items)
        for row in claimed:
            assert row._asdict() == {name: getattr(stored[row.key], name) for name in Claimed._fields}
        assert [r.key for r in due(s, NOW + 2 * LEASE)] == [r.key for r in claimed]


def test_a_lease_lost_mid_batch_leaves_the_rest_to_the_run_that_took_it_over(engine: Engine) -> None:
    # Given a run that claimed three rows, recorded one and then lost its lease to a second run
    items = [notification(u) for u in ("phong-1", "phong-3", "thon-x")]
    with session(engine) as s:
        upsert_by_key(s, items, NOW, 2026)
        old, new = new_token(), new_token()
        first = claim(s, NOW, LEASE, 10, token=old)
        record(s, [Outcome(first[0], Status.SENT, sent_at=NOW, message_key=first[0].key)], NOW, old)
        later = NOW + 2 * LEASE
        taken = claim(s, later, LEASE, 10, token=new)
        # When the first run gives back what it still thinks it holds, then the second run stops too
        given_back_by_old = release(s, old, later, "dừng")
        given_back_by_new = release(s, new, later, "dừng")
        # Then the sent row stays sent, and only the run holding the other two frees them
        assert [r.key for r in taken] == [r.key for r in first[1:]]
        assert (given_back_by_old, given_back_by_new) == (0, 2)
        by_key = {r.key: r for r in listing(s)}
        assert by_key[first[0].key].status == Status.SENT
        assert all(by_key[r.key].status == Status.PENDING and by_key[r.key].last_error == "dừng" for r in taken)
        assert [r.key for r in claim(s, later, LEASE, 10, token=new_token())] == [r.key for r in taken]


def test_retry_at_defers_the_row(engine: Engine) -> None:
    with session(engine) as s:
        upsert_by_key(s, [notification()], NOW, 2026)
        token = new_token()
        [row] = claim(s, NOW, LEASE, 10, token=token)
        tomorrow = at(date(2026, 12, 2))
        record(s, [Outcome(row, Status.PENDING, "hết hạn mức", retry_at=tomorrow)], NOW, token)
        assert claim(s, NOW + timedelta(hours=1), LEASE, 10, token=new_token()) == []
        assert len(claim(s, tomorrow, LEASE, 10, token=new_token())) == 1


def test_record_writes_outcomes_and_attempt_log(engine: Engine) -> None:
    items = [notification(u) for u in ("phong-1", "phong-3", "thon-x")]
    with session(engine) as s:
        upsert_by_key(s, items, NOW, 2026)
        token = new_token()
        rows = claim(s, NOW, LEASE, 10, token=token)
        record(s, [
            Outcome(rows[0], Status.SENT, provider_id="<id@x>", message_key=rows[0].key, sent_at=NOW),
            Outcome(rows[1], Status.FAILED, "550 không có hộp thư"),
            Outcome(rows[2], Status.SKIPPED, "đã nộp báo cáo", attempted=False),
        ], NOW, token)
        by_status = {r.status: r for r in listing(s)}
        assert by_status[Status.SENT].provider_id == "<id@x>" and by_status[Status.SENT].sent_at == NOW
        assert by_status[Status.FAILED].last_error == "550 không có hộp thư"
        assert by_status[Status.SKIPPED].attempts == 0 and by_status[Status.SENT].attempts == 1
        log = s.scalars(select(DeliveryAttempt)).all()
        assert sorted(a.outcome for a in log) == ["failed", "sent", "skipped"]


def test_stale_run_cannot_overwrite_a_row_taken_over(engine: Engine) -> None:
    # Given a row whose first claim expired and a second run took it over
    with session(engine) as s:
        upsert_by_key(s, [notification()], NOW, 2026)
        old, new = new_token(), new_token()
        [stale] = claim(s, NOW, LEASE, 10, token=old)
        [fresh] = claim(s, NOW + 2 * LEASE, LEASE, 10, token=new)
        # When the old run records a failure late
        record(s, [Outcome(stale, Status.FAILED, "muộn")], NOW, old)
        # Then the row is still the new run's
        [row] = listing(s)
        assert row.status == Status.SENDING and row.claim_token == new and fresh.key == row.key


def test_send_at_is_compared_in_absolute_time(engine: Engine) -> None:
    # Given a row due at 08:00 in Hà Nội (01:00 UTC)
    with session(engine) as s:
        upsert_by_key(s, [notification()], NOW, 2026)
        utc = at(date(2026, 12, 1), 8).astimezone(UTC)
        # Then at 00:59 UTC it is not due and at 01:00 UTC it is
        assert claim(s, utc - timedelta(minutes=1), LEASE, 10, token=new_token()) == []
        [row] = claim(s, utc, LEASE, 10, token=new_token())
        assert row.send_at == utc and row.send_at.tzinfo is not None


def test_concurrent_claims_never_overlap(engine: Engine) -> None:
    # Given 400 due rows and four dispatchers claiming at once
    items = [notification(f"don-vi-{i}") for i in range(400)]
    with session(engine) as s:
        upsert_by_key(s, items, NOW, 2026)
    got: list[list[str]] = [[] for _ in range(4)]

    def worker(i: int) -> None:
        token = new_token()
        with session(engine) as s:
            while rows := claim(s, NOW, LEASE, 25, token=token):
                got[i] += [r.key for r in rows]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every row is claimed exactly once
    claimed = [k for g in got for k in g]
    assert len(claimed) == 400 and len(set(claimed)) == 400


def test_retire_skips_pending_rows_the_plan_dropped(engine: Engine) -> None:
    keep, drop = notification("phong-1"), notification("phong-3", kind=Kind.REPORT_DUE, step="0")
    with session(engine) as s:
        upsert_by_key(s, [keep, drop], NOW, 2026)
        assert retire_missing(s, ["2026-thu-nghiem"], 2025, {keep.key}, NOW, "bỏ") == 0
        assert retire_missing(s, ["2026-thu-nghiem"], 2026, {keep.key}, NOW, "bỏ") == 1
        status = {r.key: (r.status, r.last_error) for r in listing(s)}
        assert status == {keep.key: ("pending", None), drop.key: ("skipped", "bỏ")}


def test_every_row_carries_its_plan(engine: Engine) -> None:
    with session(engine) as s:
        upsert_by_key(s, [notification()], NOW, 2026)
        assert s.scalars(select(Outbox.plan)).all() == ["2026-thu-nghiem"]


def _expansion() -> list[Notification]:
    """Three units on two channels, the email rows of a deadline keeping what names it: the
    recipients of each event share its context and its reference, as expansion makes them."""
    ctx = context(expected_unit_ids=["phong-1", "phong-2"])
    ref = {"event": f"{PLAN}/report_reminder/nam-2026/-3", "year": 2026}
    due = notification(kind=Kind.REPORT_DUE, step="0", send_at=at(date(2026, 12, 4)), ctx=ctx)
    return [n._replace(ref=ref) for unit in ("phong-1", "phong-2", "phong-3") for channel in ("email", "zalo")
            for n in (notification(unit, channel=channel, ctx=ctx), due._replace(
                key=due.key.replace("phong-1/email", f"{unit}/{channel}"), unit=unit, channel=channel))]


def _dump(engine: Engine) -> list[tuple[object, ...]]:
    """Every column of every row but the id, as the database driver returns it."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM outbox ORDER BY id")
        names = list(rows.keys())
        return [tuple(v for k, v in zip(names, r, strict=True) if k != "id") for r in rows]


def _emptied(engine: Engine) -> None:
    with session(engine) as s:
        s.execute(delete(Outbox))
        s.commit()


def test_a_plan_with_no_rows_is_inserted_without_look_ups_into_the_same_rows(engine: Engine) -> None:
    # Given one expansion written three ways: by SQLAlchemy's own insert of the rows upsert builds,
    # through upsert's key look-ups, and as a plan with no rows yet (no look-ups)
    notes, digest = _expansion(), ContentHash()
    with session(engine) as s:
        s.execute(insert(Outbox), [
            {"key": n.key, "source": "plan", "status": "pending", "attempts": 0, "updated_at": NOW, "year": 2026,
             "plan": n.plan, "kind": n.kind.value, "unit": n.unit, "channel": n.channel, "period": n.period,
             "send_at": n.send_at, "deadline": n.deadline, "subject": n.subject, "context": n.stored_context(),
             "content_hash": digest(n)} for n in notes])
        s.commit()
    reference = _dump(engine)
    _emptied(engine)
    with session(engine) as s:
        looked_up = upsert_by_key(s, notes, NOW, 2026)
    through_upsert = _dump(engine)
    _emptied(engine)
    with session(engine) as s:
        assert plans_without_rows(s, [PLAN, "2026-khac"]) == {PLAN, "2026-khac"}
        bulk = upsert_by_key(s, notes, NOW, 2026, new_plans={PLAN})
        assert plans_without_rows(s, [PLAN, "2026-khac"]) == {"2026-khac"}
        # Then the rows are the same, column by column, and so are the counts
        assert through_upsert == _dump(engine) == reference and len(reference) == 12
        assert looked_up == bulk
        assert (bulk.inserted, bulk.unchanged) == (12, 0)
        # and each row's digest is still the one rows written by earlier versions carry
        stored = {row.key: row for row in listing(s)}
        for n in notes:
            fields = [n.plan, n.kind.value, n.unit, n.channel, n.period, n.send_at.timestamp(),
                      n.deadline.isoformat(), n.subject, n.context]
            text_ = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
            assert stored[n.key].content_hash == hashlib.sha256(text_.encode()).hexdigest()
        # and upserted again, with look-ups, nothing has changed
        again = upsert_by_key(s, notes, NOW, 2026)
        assert (again.inserted, again.updated, again.unchanged) == (0, 0, 12)
