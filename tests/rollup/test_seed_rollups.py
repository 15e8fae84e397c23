"""The seed plans' roll-ups are the same after their rates moved from code into the YAML.

``seed_rollups_before.json`` was captured with the code of main at 074c653, before any of
this change: for each seed plan and each 2026 period, the simulation's sample figures of
every expected unit ("all") and of the units the simulation lets submit ("simulated") were
summed and the rates then hard-coded in ``kehoach/rollup/totals.py`` computed. The same
figures now go through the plans' ``computed`` formulas and ``rules``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kehoach.plans.config import Config, load_config
from kehoach.rollup.totals import WITHHELD, computed_rates, rule_breaches, sum_indicators
from kehoach.runtime.simulation import sample_values, submits
from kehoach.settings import Settings
from kehoach.submissions.forms import report_indicators
from kehoach.submissions.periods import periods_of_year
from kehoach.submissions.tracking import expected_units

BEFORE = json.loads((Path(__file__).parent / "seed_rollups_before.json").read_text(encoding="utf-8"))
# The one change: a rate whose figures break the plan's new rule is withheld, not printed
# impossible (488,9 % and 233,3 % of perpetrators counselled: more counselled than perpetrators).
WITHHELD_NOW = {("2026-xa-yet-kieu-bdg/bc-nam-2026/all", "ty_le_nguoi_gay_bl_duoc_tu_van"),
                ("2026-xa-yet-kieu-bdg/bc-nam-2026/simulated", "ty_le_nguoi_gay_bl_duoc_tu_van")}


@pytest.fixture(scope="module")
def cfg() -> Config:
    return load_config(Settings())


def rollup_now(cfg: Config, key: str) -> tuple[dict, dict]:
    plan_id, period_id, share = key.split("/")
    plan = cfg.plan(plan_id)
    [period] = [p for p in periods_of_year(plan, 2026) if p.id == period_id]
    units = [u.id for u in expected_units(cfg.directory, period)
             if share == "all" or submits(plan.id, period.id, u.id, 0.6)]
    values = {u: sample_values(plan, cfg, period, u) for u in units}
    totals = sum_indicators(report_indicators(plan, period.report), values)
    breaches = rule_breaches(plan.rules, values, totals, {})
    return ({t.id: [t.total, t.nam, t.nu, t.yes, len(t.reported_by)] for t in totals if t.reported_by},
            {r.id: r for r in computed_rates(plan.computed, totals, breaches)})


def test_the_baseline_covers_every_seed_period(cfg) -> None:
    seeds = {key.split("/")[0] for key in BEFORE}
    assert len(seeds) == 3
    assert len(BEFORE) == 2 * sum(len(cfg.plan(plan_id).reports) for plan_id in seeds) == 14


@pytest.mark.parametrize("key", sorted(BEFORE))
def test_totals_and_rates_match_the_code_before_the_change(cfg, key: str) -> None:
    totals, rates = rollup_now(cfg, key)
    assert totals == BEFORE[key]["totals"]
    assert list(rates) == [r[0] for r in BEFORE[key]["rates"]]
    for rate_id, label, value, unit, note in BEFORE[key]["rates"]:
        now = rates[rate_id]
        if (key, rate_id) in WITHHELD_NOW:
            assert value > 100 and now.withheld and now.note == WITHHELD
            continue
        assert (now.label, now.value, now.unit, now.note) == (label, value, unit, note)


def test_withheld_rates_are_exactly_those_over_one_hundred_percent() -> None:
    over = {(k, r[0]) for k, v in BEFORE.items() for r in v["rates"] if r[3] == "%" and r[2] > 100}
    assert over == WITHHELD_NOW
