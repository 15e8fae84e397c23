"""``YearPreview`` keeps a year as events and gives back every notification, in the order and
with the content of the plans' sorted expansions."""

import pytest

from kehoach.expansion.expand import expand
from kehoach.expansion.preview import YearPreview
from kehoach.plans.config import Config, load_config
from kehoach.settings import Settings


@pytest.fixture(scope="module")
def cfg() -> Config:
    return load_config(Settings())


@pytest.mark.parametrize("year", [2026, 2027])
def test_the_preview_gives_back_every_plans_notifications_by_time_then_key(cfg, year) -> None:
    cal = cfg.calendar([year])
    plans = list(cfg.plans.values())
    expected = sorted((n for p in plans for n in expand(p, year, cfg.directory, cal)), key=lambda n: (n.send_at, n.key))
    found = YearPreview(plans, year, cfg.directory, cal)
    assert expected and list(found.notifications()) == expected
    assert found.total == len(expected)
    # its events: the notifications of a day, plan, kind and subject, units in the order they first appear
    events = found.events()
    assert [(e.day, e.plan, e.kind, e.subject) for e in events] == list(dict.fromkeys(
        (n.send_at.date(), n.plan, n.kind.value, n.subject) for n in expected))
    for e in events:
        mine = [n for n in expected if (n.send_at.date(), n.plan, n.kind.value, n.subject) == (e.day, e.plan, e.kind, e.subject)]
        assert e.units == tuple(dict.fromkeys(n.unit for n in mine))
        assert e.channels == tuple(sorted({n.channel for n in mine}))


def test_a_plan_outside_the_year_previews_nothing(cfg) -> None:
    found = YearPreview(list(cfg.plans.values()), 2040, cfg.directory, cfg.calendar([2040]))
    assert found.total == 0 and list(found.notifications()) == [] and found.events() == []
