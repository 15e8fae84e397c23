"""digest.bundle: one message per unit, channel and local day on digest channels."""

from __future__ import annotations

from datetime import date

from kehoach.delivery.digest import bundle
from kehoach.notification import Kind
from tests.delivery_factories import at, notification


def test_three_emails_to_one_unit_on_one_day_become_one_bundle() -> None:
    items = [notification("phong-1", kind=k, step=s) for k, s in
             ((Kind.REPORT_DUE, "0"), (Kind.REPORT_REMINDER, "-3"), (Kind.TASK_REMINDER, "-1"))]
    [b] = bundle(items)
    assert b.is_digest and len(b.items) == 3 and b.key == min(n.key for n in items)


def test_other_days_units_and_zalo_stay_apart() -> None:
    items = [
        notification("phong-1"),
        notification("phong-1", kind=Kind.REPORT_DUE, step="0", send_at=at(date(2026, 12, 2))),
        notification("phong-3"),
        notification("phong-3", channel="zalo"),
        notification("phong-3", channel="zalo", kind=Kind.REPORT_DUE, step="0"),
    ]
    bundles = bundle(items)
    assert len(bundles) == 5 and not any(b.is_digest for b in bundles)


def test_the_day_is_the_local_day_in_vietnam() -> None:
    # 23:30 and 06:00 Vietnam time on the same local day, different UTC days
    late, early = at(date(2026, 12, 1), 23, 30), at(date(2026, 12, 1), 6)
    items = [notification("phong-1", send_at=late), notification("phong-1", kind=Kind.REPORT_DUE, step="0", send_at=early)]
    [b] = bundle(items)
    assert b.day == date(2026, 12, 1)


def test_bundle_key_is_stable_whatever_the_claim_order() -> None:
    items = [notification("phong-1", kind=k, step=s) for k, s in ((Kind.REPORT_DUE, "0"), (Kind.REPORT_REMINDER, "-3"))]
    assert bundle(items)[0].key == bundle(list(reversed(items)))[0].key
