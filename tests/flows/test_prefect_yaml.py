"""prefect.yaml is the one list of deployments: Prefect and the embedded runner must read it alike."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from kehoach.calendar import VN_TZ
from kehoach.runtime.runner import cron_trigger
from kehoach.runtime.schedules import PREFECT_YAML, Schedule, load_deployments, scheduled, weekday_names

RAW = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))


def test_our_reading_matches_the_yaml() -> None:
    # Given prefect.yaml read by PyYAML (as Prefect reads it) and by kehoach.runtime.schedules
    ours = load_deployments()
    # Then both see the same deployments, entrypoints, parameters and crons
    assert [d.name for d in ours] == [r["name"] for r in RAW["deployments"]]
    for d, r in zip(ours, RAW["deployments"], strict=True):
        assert d.entrypoint == r["entrypoint"]
        assert d.parameters == (r.get("parameters") or {})
        assert [s.cron for s in d.schedules] == [s["cron"] for s in r.get("schedules") or []]


def test_every_entrypoint_imports_and_takes_its_parameters() -> None:
    from prefect.flows import load_flow_from_entrypoint

    for d in load_deployments():
        flow = load_flow_from_entrypoint(d.entrypoint)
        assert Path(d.entrypoint.split(":")[0]).exists()
        if d.schedules:  # a scheduled run gets nothing but these: they must be complete and well-typed
            flow.validate_parameters(d.parameters)
        else:  # started by hand or by another flow with the rest
            assert set(d.parameters) <= set(flow.parameters.properties)


def test_every_deployment_uses_the_process_pool_and_every_schedule_is_vietnamese_time() -> None:
    pools = RAW["definitions"]["work_pools"]
    assert list(pools) == ["process"]
    for r in RAW["deployments"]:
        assert r["work_pool"] == pools["process"]
        for s in r.get("schedules") or []:
            assert s["timezone"] == "Asia/Ho_Chi_Minh"


def test_one_collection_and_one_campaign_deployment_serve_every_plan() -> None:
    # A plan is added, paused or retired without touching prefect.yaml: no deployment names one
    for kind in ("collection", "campaign"):
        [deployment] = [d for d in load_deployments() if d.kind == kind]
        assert deployment.name == kind and "plan_id" not in deployment.parameters and deployment.schedules
    assert not [d for d in load_deployments() if "plan_id" in d.parameters]


def test_every_schedule_fires_when_prefect_says_it_does() -> None:
    """A year of fire times from Prefect's own cron schedule equals the embedded runner's trigger."""
    from prefect.client.schemas.schedules import CronSchedule as ClientCron
    from prefect.server.schemas.schedules import CronSchedule

    start = datetime(2026, 1, 1, tzinfo=VN_TZ)
    for d in scheduled():
        for s in d.schedules:
            ClientCron(cron=s.cron, timezone=s.timezone)  # what `prefect deploy` validates
            theirs = asyncio.run(CronSchedule(cron=s.cron, timezone=s.timezone).get_dates(
                n=400, start=start, end=start + timedelta(days=366)))
            ours, t = [], cron_trigger(s).get_next_fire_time(None, start)
            while t is not None and len(ours) < len(theirs):
                ours.append(t)
                t = cron_trigger(s).get_next_fire_time(t, t + timedelta(seconds=1))
            assert theirs, f"{d.name}: no fire time in 2026"
            assert [x.timestamp() for x in ours] == [x.timestamp() for x in theirs], d.name


@pytest.mark.parametrize("field, names", [
    ("1-6", "mon,tue,wed,thu,fri,sat"), ("0", "sun"), ("7", "sun"), ("5-0", "sun,fri,sat"),
    ("*/2", "sun,tue,thu,sat"), ("mon-fri", "mon,tue,wed,thu,fri"), ("*", "*"),
])
def test_cron_weekdays_mean_what_standard_cron_means(field: str, names: str) -> None:
    # APScheduler 3 counts weekdays from Monday = 0; cron and Prefect from Sunday = 0
    assert weekday_names(field) == names


def test_a_monday_to_saturday_cron_fires_on_monday() -> None:
    monday = datetime(2026, 11, 16, 6, 0, tzinfo=VN_TZ)
    fire = cron_trigger(Schedule("30 6 * * 1-6")).get_next_fire_time(None, monday)
    assert fire == datetime(2026, 11, 16, 6, 30, tzinfo=VN_TZ)
