"""The outbox: upsert by key, claim due rows with a lease, record outcomes in batches.

A claim is a conditional UPDATE (as healthchecks' ``sendalerts`` does): only rows still due
and unclaimed change, and only the rows carrying our claim token are ours. Unlike
healthchecks we do not mark a row done before sending: the claim holds for a lease, so a
crashed dispatcher's rows become claimable again and the key exposes any duplicate.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from json.encoder import encode_basestring
from itertools import islice
from operator import itemgetter
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection, and_, bindparam, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from kehoach.notification import Notification
from kehoach.store.plan_tables import PlanState, PlanStateRow
from kehoach.store.tables import DeliveryAttempt, Outbox, Source, Status, UTCDateTime

CHUNK = 500
_TABLE = Outbox.__table__.name
PAGE = 10 * CHUNK
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def batched(items: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``chunks`` of any iterable, consumed as it goes."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


class ContentHash:
    """What sync compares: a changed plan changes it, an identical re-expansion does not.

    The digest of the row's fields and its whole context, as one JSON list. A context is
    shared by every recipient of an event, so its JSON is written once per event, not per row;
    so is the context a row stores (``stored``): one dict per event and channel, which
    ``_insert`` encodes once.
    """

    def __init__(self) -> None:
        self._contexts: dict[int, tuple[Mapping[str, Any], str]] = {}  # the context is kept: its id stays its own
        self._events: dict[int, _EventHash] = {}  # by the id of the context, which it holds
        self._stored: dict[tuple[int, str], tuple[object, dict[str, Any]]] = {}

    def stored(self, n: Notification) -> dict[str, Any]:
        """``n.stored_context()``, the same dict for every recipient of the event on that channel
        (what it keeps depends only on the event and the channel)."""
        source = n.context if n.ref is None else n.ref
        held = self._stored.get((id(source), n.channel))
        if held is None:
            held = self._stored[id(source), n.channel] = (source, n.stored_context())
        return held[1]

    def __call__(self, n: Notification) -> str:
        """sha256 of ``[plan, kind, unit, channel, period, send time, deadline, subject, context]``
        in JSON; what precedes the unit is hashed once per event and what follows it encoded once."""
        held = self._events.get(id(n.context))
        if held is None or any(a is not b for a, b in zip(held.fields, _event_fields(n), strict=True)):
            held = self._events[id(n.context)] = self._event(n)
        h = held.before.copy()
        h.update(f"{_string(n.unit)}, {_string(n.channel)}".encode())
        h.update(held.after)
        return h.hexdigest()

    def _event(self, n: Notification) -> _EventHash:
        held = self._contexts.get(id(n.context))
        if held is None:
            held = self._contexts[id(n.context)] = (n.context, _json(n.context))
        before = f"[{_string(n.plan)}, {_string(n.kind.value)}, ".encode()
        after = ", ".join(("", _string(n.period), repr(n.send_at.timestamp()),
                           _string(n.deadline.isoformat() if n.deadline else None), _string(n.subject), held[1]))
        return _EventHash(_event_fields(n), hashlib.sha256(before), f"{after}]".encode())


class _EventHash(NamedTuple):
    """The parts of a row's digest its event's recipients share, for the values ``fields`` (held:
    the same objects again mean the same parts)."""

    fields: tuple[object, ...]
    before: Any  # the sha256 state after what precedes the unit
    after: bytes  # what follows the channel


def _event_fields(n: Notification) -> tuple[object, ...]:
    return n.context, n.plan, n.kind, n.period, n.send_at, n.deadline, n.subject


def _string(value: str | None) -> str:
    """``_json`` of one string or None, without building an encoder per row (a province-year is millions)."""
    return "null" if value is None else encode_basestring(value)


def _content(n: Notification, digest: str, context: dict[str, Any]) -> dict[str, Any]:
    """The row's columns; a notification of a plan's expansion stores its reference, not its context."""
    return {
        "plan": n.plan, "kind": n.kind.value, "unit": n.unit, "channel": n.channel,
        "period": n.period, "send_at": n.send_at, "deadline": n.deadline, "subject": n.subject,
        "context": context, "content_hash": digest,
    }


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0  # pending rows whose content changed
    unchanged: int = 0
    frozen: int = 0  # rows already sending, sent, failed or skipped: never touched


class _InsertSQL(NamedTuple):
    """The insert of rows of some columns, as the driver takes it."""

    sql: str
    names: tuple[str, ...]  # the parameters, in order
    defaults: dict[str, Any]  # the column defaults of the parameters the rows do not give
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]  # (position, bind processor) where there is one
    positional: bool


@lru_cache(maxsize=32)
def _insert_sql(dialect: Dialect, columns: tuple[str, ...]) -> _InsertSQL:
    ins = (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(Outbox.__table__)
    compiled = ins.on_conflict_do_nothing(index_elements=["key"]).compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    defaults = {}
    for name in names:
        if name not in columns and (default := Outbox.__table__.c[name].default) is not None:
            if not default.is_scalar:
                raise ValueError(f"column {name} has a computed default: give it in the row")
            defaults[name] = default.arg
    processors = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    processed = tuple((i, p) for i, p in enumerate(processors) if p is not None)
    return _InsertSQL(str(compiled), names, defaults, processed, compiled.positional)


_UNSEEN = object()


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert, ignoring keys another writer inserted meanwhile (the key is unique).

    The driver's executemany of the statement SQLAlchemy compiles, rows of the same columns
    together, each value through its column's bind processor as SQLAlchemy would: its per-row
    bookkeeping was a third of a province's first sync. A value many rows share (an event's
    context, ``ContentHash.stored``, its send time, the sync's ``now``) is processed once.
    """
    if not rows:
        return
    conn = session.connection()
    same: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        same.setdefault(tuple(row), []).append(row)
    for columns, group in same.items():
        plan = _insert_sql(conn.dialect, columns)
        take = itemgetter(*plan.names)
        # per processed parameter: id of a value → its bound form (the rows hold the values meanwhile)
        bound: list[dict[int, Any]] = [{} for _ in plan.processed]
        params = []
        for row in group:
            values = list(take({**plan.defaults, **row} if plan.defaults else row))
            for (i, process), done in zip(plan.processed, bound, strict=True):
                if (value := done.get(id(values[i]), _UNSEEN)) is _UNSEEN:
                    value = done[id(values[i])] = process(values[i])
                values[i] = value
            params.append(tuple(values) if plan.positional else dict(zip(plan.names, values, strict=True)))
        conn.exec_driver_sql(plan.sql, params)


def upsert_by_key(
    session: Session, notifications: Iterable[Notification], now: datetime, year: int | None = None, *,
    insert: bool = True, revive: str | None = None, new_plans: Container[str] = (),
) -> UpsertCounts:
    """Bring the outbox in line with an expansion; idempotent, never touches a sent row.

    ``notifications`` is consumed a chunk at a time (a plan's year can be millions), in one
    transaction. ``insert=False`` only updates the rows already there. A row skipped with
    the reason ``revive`` (sync's "no longer in the plan") that the expansion produces again
    is pending again: a sync inside a horizon skips a row whose date moved beyond it, and
    writes it back when the horizon reaches its new date. The notifications of ``new_plans``
    (plans with no row in the outbox, ``plans_without_rows``) are inserted without looking
    their keys up: none can be there.
    """
    counts = UpsertCounts()
    digest = ContentHash()
    analyzed_at = max(CHUNK, _estimated_rows(session))  # ANALYZE once the rows inserted double the table
    for batch in batched(notifications):
        by_key = {n.key: n for n in batch}
        keys = list(by_key)
        looked_up = [k for k in keys if by_key[k].plan not in new_plans]
        existing = {
            k: (i, s, h, d, e)
            for i, k, s, h, d, e in session.execute(
                select(Outbox.id, Outbox.key, Outbox.status, Outbox.content_hash, Outbox.deadline, Outbox.last_error)
                .where(col(Outbox.key).in_(looked_up))
            )
        } if looked_up else {}
        new_rows, changed, revived = [], [], []
        moved: dict[int, dict[str, Any]] = {}
        for key in keys:
            n = by_key[key]
            if key not in existing:
                if insert:
                    new_rows.append({"key": key, "source": Source.PLAN.value, "status": Status.PENDING.value,
                                     "attempts": 0, "updated_at": now, "year": year,
                                     **_content(n, digest(n), digest.stored(n))})
                continue
            row_id, status, old_hash, old_deadline, last_error = existing[key]
            back = revive is not None and status == Status.SKIPPED and last_error == revive
            if status != Status.PENDING and not back:
                counts.frozen += 1
                continue
            new_hash = digest(n)
            if not back and old_hash == new_hash:
                counts.unchanged += 1
                continue
            into = revived if back else changed
            into.append({"b_id": row_id, **{f"v_{c}": v for c, v in _content(n, new_hash, digest.stored(n)).items()},
                         "v_updated_at": now})
            if old_deadline != n.deadline:
                moved[row_id] = into[-1]
        _count_moves(session, moved)
        _insert(session, new_rows)
        counts.inserted += len(new_rows)
        if counts.inserted >= analyzed_at:
            analyzed_at = 2 * counts.inserted
            _refresh_statistics(session)
        table = Outbox.__table__
        counts.updated += _update(session, changed, table.c.status == Status.PENDING.value)
        counts.updated += _update(session, revived, table.c.status == Status.SKIPPED.value,
                                  table.c.last_error == revive, status=Status.PENDING.value, last_error=None)
    session.commit()
    return counts


def _update(session: Session, rows: list[dict[str, Any]], *where: ColumnElement[bool], **fixed: Any) -> int:
    """Write ``rows`` (``b_id`` and ``v_`` columns) onto the rows of those ids still matching ``where``."""
    if not rows:
        return 0
    table = Outbox.__table__
    stmt = (
        update(table).where(table.c.id == bindparam("b_id"), *where)
        .values({**{c.removeprefix("v_"): bindparam(c) for c in rows[0] if c != "b_id"}, **fixed})
    )
    return session.execute(stmt, rows).rowcount or 0  # type: ignore[attr-defined]


def _refresh_statistics(session: Session) -> None:
    """PostgreSQL plans the key look-up from the table's statistics: on a table that grew from
    nothing inside this transaction it would scan every row for each chunk (quadratic; 41 s
    for a province's first sync). ANALYZE as the table doubles keeps the index in use."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {_TABLE}"))


def _estimated_rows(session: Session) -> int:
    """PostgreSQL's estimate of the table's rows from its last statistics (0 before any, and on
    SQLite): a morning's few thousand rows into a province's outbox do not double it, and
    analysing a table of millions of rows at each sync was most of a PostgreSQL morning."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    return int(session.scalar(text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"), {"t": _TABLE}) or 0)


def _count_moves(session: Session, moved: dict[int, dict[str, Any]]) -> None:
    """A row whose deadline moved carries ``ics_sequence`` one higher than before, so the
    unit's calendar takes the new date as a newer version of the same event (RFC 5545)."""
    if not moved:
        return
    for row_id, old in session.execute(select(Outbox.id, Outbox.context).where(col(Outbox.id).in_(list(moved)))):
        update_row = moved[row_id]
        sequence = int((old or {}).get("ics_sequence", 0)) + 1
        update_row["v_context"] = {**update_row["v_context"], "ics_sequence": sequence}


def outbox_plans(session: Session) -> set[str]:
    """Every plan id with a row in the outbox, whatever its status: one index step per plan
    (a loose index scan), not a read of every row."""
    return set(session.scalars(text(
        f"WITH RECURSIVE p(plan) AS (SELECT MIN(plan) FROM {_TABLE} UNION ALL "
        f"SELECT (SELECT MIN(plan) FROM {_TABLE} WHERE plan > p.plan) FROM p WHERE p.plan IS NOT NULL) "
        "SELECT plan FROM p WHERE plan IS NOT NULL")))


def plans_without_rows(session: Session, plan_ids: Iterable[str]) -> set[str]:
    """The plans with no row at all in the outbox: every key of a plan's rows begins with its id
    (``notification.event_key``), so none of their keys can be there yet."""
    return set(plan_ids) - outbox_plans(session)


def pending_of_year(session: Session, plans: list[str], year: int,
                    *where: ColumnElement[bool]) -> Iterator[list[tuple[int, str]]]:
    """(id, key) of the plans' pending rows of ``year``'s expansion, a page at a time by id:
    a province-year is millions of rows, never loaded at once."""
    after = 0
    while True:
        page = [(i, k) for i, k in session.execute(
            select(Outbox.id, Outbox.key).where(
                col(Outbox.plan).in_(plans), Outbox.status == Status.PENDING.value,
                Outbox.source == Source.PLAN.value, Outbox.year == year, col(Outbox.id) > after, *where,
            ).order_by(Outbox.id).limit(PAGE))]
        if not page:
            return
        yield page
        after = page[-1][0]



def retire_missing(
    session: Session, plan_ids: Iterable[str], year: int, keep: Container[str], now: datetime, reason: str,
    *where: ColumnElement[bool],
) -> int:
    """Skip pending rows of the plans' ``year`` expansion (those matching ``where``: a sync's
    horizon) that a new expansion no longer produces."""
    plans = list(plan_ids)
    if not plans:
        return 0
    gone = [i for page in pending_of_year(session, plans, year, *where) for i, k in page if k not in keep]
    for ids in chunks(gone):
        session.execute(
            update(Outbox).where(col(Outbox.id).in_(ids), Outbox.status == Status.PENDING.value)
            .values(status=Status.SKIPPED.value, last_error=reason, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return len(gone)


def skip_plan_rows(session: Session, plan_ids: Iterable[str], now: datetime, reason: str) -> int:
    """Skip every pending row of these plans, whatever its year or source, with ``reason``."""
    plans = list(plan_ids)
    if not plans:
        return 0
    done = session.execute(
        update(Outbox).where(col(Outbox.plan).in_(plans), Outbox.status == Status.PENDING.value)
        .values(status=Status.SKIPPED.value, last_error=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount or 0  # type: ignore[attr-defined]
    session.commit()
    return done


def _due(now: datetime) -> ColumnElement[bool]:
    """Due, not held by a live claim, and of a plan not paused or retired.

    An expired ``sending`` claim is due again.
    """
    held = select(PlanStateRow.plan).where(PlanStateRow.state != PlanState.ACTIVE.value)
    return and_(
        or_(
            and_(Outbox.status == Status.PENDING.value, Outbox.send_at <= now,
                 or_(col(Outbox.claimed_until).is_(None), col(Outbox.claimed_until) < now)),
            and_(Outbox.status == Status.SENDING.value, col(Outbox.claimed_until) < now),
        ),
        col(Outbox.plan).not_in(held),
    )


def new_token() -> str:
    return uuid.uuid4().hex


class Claimed(NamedTuple):
    """A claimed row: the columns that preparing, sending and recording it read, as one tuple.

    Claiming builds these from plain result rows: loading 500 ORM ``Outbox`` objects a batch
    (identity map, state tracking) was half of what a claim cost.
    """

    id: int
    key: str
    plan: str
    kind: str
    unit: str
    channel: str
    period: str | None
    send_at: datetime
    deadline: date | None
    subject: str
    context: dict[str, Any]


_CLAIMED = [Outbox.__table__.c[name] for name in Claimed._fields]


def due(session: Session, now: datetime, limit: int | None = None) -> list[Claimed]:
    """What a dispatch at ``now`` would claim, without claiming it (for --dry-run)."""
    q = select(*_CLAIMED).where(_due(now)).order_by(Outbox.send_at, Outbox.id).limit(limit)
    return [Claimed(*r) for r in session.execute(q)]


def claim(
    session: Session, now: datetime, lease: timedelta, limit: int, *, token: str,
    exclude_channels: Iterable[str] = (), whole_units: Iterable[str] = (),
) -> list[Claimed]:
    """Claim up to ``limit`` due rows for the run ``token``, in one transaction.

    On the ``whole_units`` channels a unit's due rows are claimed all together, beyond
    ``limit`` if need be, so that its digest never splits across batches. Rows the same run
    already put back to pending are not claimed again by it.
    """
    mine_before = or_(col(Outbox.claim_token).is_(None), Outbox.claim_token != token)
    cond = [_due(now), mine_before]
    if excluded := list(exclude_channels):
        cond.append(col(Outbox.channel).not_in(excluded))
    postgres = session.get_bind().dialect.name == "postgresql"

    def pick(*extra: ColumnElement[bool], limit: int | None = None) -> list[int]:
        q = select(Outbox.id).where(*cond, *extra).order_by(Outbox.send_at, Outbox.id).limit(limit)
        return list(session.scalars(q.with_for_update(skip_locked=True) if postgres else q))

    ids = pick(limit=limit)
    if grouped := list(whole_units):
        units = session.execute(
            select(Outbox.channel, Outbox.unit).where(col(Outbox.id).in_(ids), col(Outbox.channel).in_(grouped))
            .distinct()
        ).all()
        taken = set(ids)
        for channel in {c for c, _ in units}:
            for chunk in chunks(sorted(u for c, u in units if c == channel)):
                ids += [i for i in pick(Outbox.channel == channel, col(Outbox.unit).in_(chunk)) if i not in taken]
    if not ids:
        session.commit()
        return []
    for chunk in chunks(ids):
        session.execute(
            update(Outbox).where(col(Outbox.id).in_(chunk), *cond)
            .values(status=Status.SENDING.value, claimed_until=now + lease, claim_token=token, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    # Committed before the rows are read back: SQLite has one writer, and the dispatcher's
    # outcomes wait for this claim's write lock (the rows are ours by the token meanwhile).
    session.commit()
    rows = [Claimed(*r) for chunk in chunks(ids) for r in session.execute(
        select(*_CLAIMED).where(col(Outbox.id).in_(chunk), Outbox.claim_token == token,
                                Outbox.status == Status.SENDING.value)
    )]
    session.commit()
    return sorted(rows, key=lambda r: (r.send_at, r.id))


def renew(session: Session, token: str, until: datetime) -> int:
    """Extend the lease of the rows the run ``token`` still holds: a slow relay must not
    let another dispatch take over rows this one is about to send."""
    n = session.execute(
        update(Outbox).where(Outbox.claim_token == token, Outbox.status == Status.SENDING.value)
        .values(claimed_until=until).execution_options(synchronize_session=False)
    ).rowcount or 0  # type: ignore[attr-defined]
    session.commit()
    return n


def release(session: Session, token: str, now: datetime, reason: str) -> int:
    """Give back at once, as pending with ``reason``, the rows the run ``token`` claimed and did not record."""
    n = session.execute(
        update(Outbox).where(Outbox.claim_token == token, Outbox.status == Status.SENDING.value)
        .values(status=Status.PENDING.value, claimed_until=None, last_error=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount or 0  # type: ignore[attr-defined]
    session.commit()
    return n


def requeue(session: Session, now: datetime, *, status: str = Status.FAILED.value, plan: str | None = None,
            since: datetime | None = None) -> int:
    """Put rows that failed (or were skipped) back to pending, for a re-send after a fix.

    The send time is kept, so the dispatcher still skips a reminder that has become too late.
    """
    q = update(Outbox).where(Outbox.status == status)
    if plan:
        q = q.where(Outbox.plan == plan)
    if since:
        q = q.where(col(Outbox.updated_at) >= since)
    n = session.execute(
        q.values(status=Status.PENDING.value, claimed_until=None, claim_token=None, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount or 0  # type: ignore[attr-defined]
    session.commit()
    return n


@dataclass(frozen=True)
class Outcome:
    """The result for one claimed row; ``status`` PENDING means "try again later"."""

    row: Claimed
    status: Status
    error: str | None = None
    provider_id: str | None = None
    message_key: str | None = None
    sent_at: datetime | None = None
    retry_at: datetime | None = None
    attempted: bool = True  # False when the row was returned without a send (channel down)


def _record_statement() -> Any:
    table = Outbox.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.status == Status.SENDING.value,
               table.c.claim_token == bindparam("b_token"))
        .values(
            status=bindparam("b_status"), last_error=bindparam("b_error"),
            provider_id=func.coalesce(bindparam("b_provider"), table.c.provider_id),
            message_key=func.coalesce(bindparam("b_message"), table.c.message_key),
            sent_at=bindparam("b_sent_at", type_=UTCDateTime()),
            send_at=func.coalesce(bindparam("b_retry_at", type_=UTCDateTime()), table.c.send_at),
            attempts=table.c.attempts + bindparam("b_inc"), claimed_until=None,
            updated_at=bindparam("b_now", type_=UTCDateTime()),
        )
    )


# Built once: the dispatcher records a few outcomes at a time, thousands of times a run.
_RECORD = _record_statement()
_LOG = DeliveryAttempt.__table__.insert()


def record(session: Session | Connection, outcomes: Sequence[Outcome], now: datetime, token: str) -> None:
    """Write a batch of outcomes and their attempt log in one transaction.

    Only rows still claimed by ``token`` change: if our lease expired and another run took a
    row over, that run records it. The dispatcher passes a Core ``Connection``: an ORM session
    for each group of a few outcomes cost as much as the rows themselves.
    """
    if not outcomes:
        return
    params = [
        {"b_id": o.row.id, "b_token": token, "b_status": o.status.value, "b_error": o.error,
         "b_provider": o.provider_id, "b_message": o.message_key, "b_sent_at": o.sent_at,
         "b_retry_at": o.retry_at, "b_inc": 1 if o.attempted else 0, "b_now": now}
        for o in outcomes
    ]
    # Core execution: the ORM's per-statement work is most of the cost here
    conn = session.connection() if isinstance(session, Session) else session
    conn.execute(_RECORD, params)
    conn.execute(
        _LOG,
        [{"outbox_key": o.row.key, "plan": o.row.plan, "channel": o.row.channel, "at": now,
          "outcome": o.status.value, "error": o.error, "provider_id": o.provider_id,
          "message_key": o.message_key} for o in outcomes],
    )
    session.commit()


def enqueue(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add rows the dispatcher creates itself (email fallbacks); an existing key wins."""
    _insert(session, rows)
    session.commit()


def listing(session: Session, *, status: str | None = None, plan: str | None = None,
            limit: int | None = None) -> list[Outbox]:
    q = select(Outbox).order_by(Outbox.send_at, Outbox.key)
    if status:
        q = q.where(Outbox.status == status)
    if plan:
        q = q.where(Outbox.plan == plan)
    return list(session.scalars(q.limit(limit).execution_options(populate_existing=True)))


@dataclass(frozen=True)
class Delivery:
    """What the office needs to see of one notification: to whom, what, when, and how it went."""

    unit: str
    kind: str
    channel: str
    send_at: datetime
    status: str
    last_error: str | None
    source: str  # a Source value: "manual" when a person asked for it to go now


def deliveries(session: Session, plan: str, period: str) -> list[Delivery]:
    """The notifications of one plan's period, in send order: only their columns, not whole rows,
    so a board of 500 units with thousands of reminders reads them in milliseconds."""
    q = (select(Outbox.unit, Outbox.kind, Outbox.channel, Outbox.send_at, Outbox.status, Outbox.last_error,
                Outbox.source)
         .where(Outbox.plan == plan, Outbox.period == period).order_by(Outbox.send_at, Outbox.key))
    return [Delivery(*row) for row in session.execute(q)]


def period_keys(session: Session, plan: str, period: str) -> set[str]:
    """The keys of every row of one plan's period already in the outbox, whatever their status."""
    return set(session.scalars(select(Outbox.key).where(Outbox.plan == plan, Outbox.period == period)))


def status_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Outbox.status, func.count()).group_by(Outbox.status))
    return {s: n for s, n in rows}
