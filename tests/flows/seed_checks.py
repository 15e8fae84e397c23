"""What every seed plan's simulated year must show, whoever the plan is: checks shared by the plan tests."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlmodel import select

from kehoach.delivery.activity import sent_between
from kehoach.calendar import VN_TZ
from kehoach.notification import REPORT_CHASING_KINDS, Kind
from kehoach.store.db import session
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import Outbox
from tests.flows.conftest import World

YEAR_START = datetime(2026, 1, 1, tzinfo=VN_TZ)
YEAR_END = datetime(2027, 1, 1, tzinfo=VN_TZ)


def sent(world: World, plan_id: str) -> list[tuple[datetime, Outbox]]:
    with session(world.engine) as s:
        return sent_between(s, YEAR_START, YEAR_END, plan_id)


def first_submissions(world: World, plan_id: str) -> dict[tuple[str, str], datetime]:
    """(period, unit) → when the unit first submitted."""
    with session(world.engine) as s:
        rows = s.exec(select(Submission).where(Submission.plan == plan_id)).all()
    first: dict[tuple[str, str], datetime] = {}
    for r in sorted(rows, key=lambda r: r.submitted_at):
        first.setdefault((r.period, r.unit), r.submitted_at)
    return first


def received(world: World) -> dict[str, list[str]]:
    """Recipient address → subjects of what the SMTP server accepted."""
    out: dict[str, list[str]] = defaultdict(list)
    for env in world.smtp.recorder.messages:
        content = env.content.decode() if isinstance(env.content, bytes) else str(env.content)
        subject = next((ln[9:] for ln in content.splitlines() if ln.startswith("Subject: ")), "")
        for rcpt in env.rcpt_tos:
            out[rcpt].append(subject)
    return out


def assert_nothing_on_a_day_off(world: World, plan_id: str) -> None:
    cal = world.config.calendar([2026])
    off = [(at, row.key) for at, row in sent(world, plan_id) if not cal.is_working_day(at.astimezone(VN_TZ).date())]
    assert not off, f"sent on a day off: {off[:5]}"


def assert_every_email_reached_the_smtp_server(world: World, plan_id: str) -> None:
    """One SMTP message per sent email (a digest carries several notifications in one message)."""
    messages = {row.message_key for _, row in sent(world, plan_id) if row.channel == "email"}
    assert messages and len(world.smtp.recorder.messages) == len(messages)


def assert_submitters_not_chased(world: World, plan_id: str) -> int:
    """No reminder, due or overdue notice reaches a unit for a period after it submitted for it."""
    first = first_submissions(world, plan_id)
    assert first, "the simulation let no unit submit"
    for at, row in sent(world, plan_id):
        if Kind(row.kind) in REPORT_CHASING_KINDS and (row.period, row.unit) in first:
            assert at < first[row.period, row.unit], f"{row.key} sent {at} after the unit submitted"
    return len(first)


def assert_missing_units_chased_and_escalated(world: World, plan_id: str, period: str, office: str) -> None:
    """Units that never submitted get overdue notices; the office gets escalations after the deadline."""
    plan = world.config.plan(plan_id)
    first = first_submissions(world, plan_id)
    rows = [(at, r) for at, r in sent(world, plan_id) if r.period == period]
    overdue_units = {r.unit for _, r in rows if r.kind == Kind.REPORT_OVERDUE}
    expected = {u.id for u in world.config.directory.resolve(plan.report(period.rsplit("-", 1)[0]).units)}
    missing = {u for u in expected if (period, u) not in first and world.config.directory.unit(u).emails}
    assert missing and overdue_units == missing
    escalations = [(at, r) for at, r in rows if r.kind == Kind.ESCALATION]
    assert escalations and {r.unit for _, r in escalations} == {office}


def campaign_days(world: World, plan_id: str) -> dict[str, list[date]]:
    """Kind → the days its messages went out, for the Action Month."""
    out: dict[str, list[date]] = defaultdict(list)
    for at, row in sent(world, plan_id):
        if row.kind.startswith("campaign_"):
            out[row.kind].append(at.astimezone(VN_TZ).date())
    return out


def assert_action_month(world: World, plan_id: str) -> None:
    """From the notice before 15/11 to the closing by 15/12; the kickoff on Monday 16/11 (15/11 is a Sunday)."""
    days = campaign_days(world, plan_id)
    assert set(days) == {"campaign_notice", "campaign_kickoff", "campaign_weekly", "campaign_closing"}
    assert max(days["campaign_notice"]) < date(2026, 11, 15)
    assert set(days["campaign_kickoff"]) == {date(2026, 11, 16)}
    assert set(days["campaign_closing"]) == {date(2026, 12, 15)}
    assert all(date(2026, 11, 16) < d < date(2026, 12, 15) for d in days["campaign_weekly"])


def bodies_to(world: World, address_of_unit: str) -> list[str]:
    """The decoded text of every email the SMTP server accepted for a unit's addresses."""
    import email
    from email.policy import default

    addresses = set(world.config.directory.unit(address_of_unit).emails)
    out = []
    for env in world.smtp.recorder.messages:
        if not addresses & set(env.rcpt_tos):
            continue
        raw = env.original_content or env.content
        msg = email.message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(), policy=default)
        part = msg.get_body(preferencelist=("plain", "html"))
        out.append(part.get_content() if part is not None else "")
    return out
