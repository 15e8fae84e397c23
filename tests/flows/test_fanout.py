"""One collection and one campaign deployment for every plan: plans found at run time, one subflow run each."""

from __future__ import annotations

import dataclasses
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kehoach.calendar import VN_TZ
from kehoach.plans.lifecycle import PlanState, set_plan_state
from kehoach.runtime.runner import EmbeddedRunner, trigger
from kehoach.runtime.schedules import REPO_ROOT, by_kind, scheduled
from kehoach.settings import Settings
from kehoach.store.db import make_engine
from kehoach.store.tables import Outbox

pytestmark = pytest.mark.prefect

SEED = "2026-stp-dong-thap-bdg"
NEW = "2026-stp-dong-thap-moi"  # a copy of Đồng Tháp's plan, dropped into the plans folder at run time
PERIOD = "bc-nam-2026"  # Đồng Tháp's annual report: closes on 26/11/2026, which starts its roll-up
CLOSES = datetime(2026, 11, 26, 16, 30, tzinfo=VN_TZ)
ACTION_MONTH = datetime(2026, 11, 19, 7, 45, tzinfo=VN_TZ)  # inside the Action Month 15/11–15/12


@pytest.fixture
def office(prefect_harness: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config folder of its own (Đồng Tháp's plan only) and a data folder; returns the plans folder."""
    config = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    for plan in (config / "plans").glob("*.yaml"):
        if plan.stem != SEED:
            plan.unlink()
    monkeypatch.setenv("KEHOACH_CONFIG_DIR", str(config))
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("KEHOACH_SMTP_HOST", raising=False)
    monkeypatch.delenv("KEHOACH_ZALO_APP_ID", raising=False)
    return config / "plans"


def copy_plan(plans: Path, source: str, new_id: str) -> None:
    text = (REPO_ROOT / "config" / "plans" / f"{source}.yaml").read_text(encoding="utf-8")
    (plans / f"{new_id}.yaml").write_text(text.replace(f"id: {source}", f"id: {new_id}", 1), encoding="utf-8")


def embedded(kind: str, now: datetime) -> Any:
    """Run prefect.yaml's ``kind`` deployment as the embedded runner does (its job function), at ``now``."""
    from flows.local import runner_calls

    [deployment] = by_kind(scheduled(), kind)
    deployment = dataclasses.replace(deployment, parameters={**deployment.parameters, "now": now,
                                                             "simulation": True})
    EmbeddedRunner(make_engine(Settings().resolved_database_url), [deployment], runner_calls(lambda _m: None),
                   clock=lambda: now)
    return trigger(deployment.name)


def runs_of(parent_name: str) -> tuple[Any, dict[str, Any]]:
    """The latest parent run of that name and its subflow runs by name."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, FlowRunFilterParentFlowRunId
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        [parent] = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[parent_name])),
                                         sort=FlowRunSort.START_TIME_DESC, limit=1)
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id])))
    return parent, {c.name: c for c in children}


def finished_children(parent_name: str, wait_s: float = 60) -> dict[str, Any]:
    """The subflow runs once Prefect has recorded each one's end: on a loaded machine the API may
    answer before a child's final state is written (its end time still empty)."""
    deadline = time.monotonic() + wait_s
    while True:
        _, children = runs_of(parent_name)
        if all(c.end_time for c in children.values()) or time.monotonic() > deadline:
            assert all(c.state and c.state.is_completed() and c.start_time and c.end_time for c in children.values()), \
                {name: (c.state_type, c.start_time, c.end_time) for name, c in children.items()}
            return children
        time.sleep(0.5)


def artifact(key: str) -> str:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        found = client.read_latest_artifacts()
    return next(a.data for a in found if a.key == key)


def test_a_plan_dropped_in_at_run_time_is_collected_and_campaigned(office: Path) -> None:
    from flows.context import runtime

    # Given the flows' process with the seed plans' config loaded
    assert NEW not in runtime().config.plans
    # When a new plan's YAML is copied into the plans folder, nothing else changed
    copy_plan(office, SEED, NEW)
    # And the next collection runs, on the day its annual report period closes
    embedded("collection", CLOSES)
    # Then it has its own subflow run, named by plan and period, and its roll-up was made and sent to the office
    parent, children = runs_of("collection @ 2026-11-26 16:30")
    child = children[f"collection {NEW} {PERIOD} @ 2026-11-26 16:30"]
    assert child.state.is_completed() and parent.state.is_completed()
    assert any((office.parent.parent / "data" / "rollups" / NEW / PERIOD).glob("*.docx"))
    with make_engine(Settings().resolved_database_url).connect() as db:
        kinds = set(db.execute(select(Outbox.kind).where(Outbox.plan == NEW)).scalars())
    assert "rollup_ready" in kinds
    # And the campaign's run in the Action Month gives it its own subflow run too
    embedded("campaign", ACTION_MONTH)
    _, campaigns = runs_of("campaign @ 2026-11-19 07:45")
    assert campaigns[f"campaign {NEW} 2026 @ 2026-11-19 07:45"].state.is_completed()
    assert f"campaign {SEED} 2026 @ 2026-11-19 07:45" in campaigns


def test_a_paused_plan_is_skipped(office: Path) -> None:
    # Given the new plan, paused (as an upload in the console is saved)
    copy_plan(office, SEED, NEW)
    set_plan_state(make_engine(Settings().resolved_database_url), NEW, PlanState.PAUSED, by="Văn phòng",
                   now=CLOSES)
    # When collection and campaign run
    embedded("collection", CLOSES)
    embedded("campaign", ACTION_MONTH)
    # Then the paused plan has no run of its own, and the active plan beside it has
    _, collections = runs_of("collection @ 2026-11-26 16:30")
    _, campaigns = runs_of("campaign @ 2026-11-19 07:45")
    assert f"collection {SEED} {PERIOD} @ 2026-11-26 16:30" in collections
    assert not [n for n in [*collections, *campaigns] if NEW in n]


def test_one_plan_failing_does_not_stop_the_others(office: Path) -> None:
    from flows.collection import collection_flow

    # Given two plans closing their annual period today, one whose roll-up folder cannot be written
    copy_plan(office, SEED, NEW)
    rollups = office.parent.parent / "data" / "rollups"
    rollups.mkdir(parents=True)
    (rollups / SEED).write_text("not a folder", encoding="utf-8")
    # When collection runs
    state = collection_flow(now=CLOSES, simulation=True, return_state=True)
    # Then the other plan was collected and rolled up
    parent, children = runs_of("collection @ 2026-11-26 16:30")
    assert children[f"collection {NEW} {PERIOD} @ 2026-11-26 16:30"].state.is_completed()
    assert any((rollups / NEW / PERIOD).glob("*.docx"))
    # And the failing plan's run failed, so did the parent (red in the UI, the admin alerted), after all ran
    assert children[f"collection {SEED} {PERIOD} @ 2026-11-26 16:30"].state.is_failed()
    assert state.is_failed() and parent.state.is_failed()
    assert SEED in state.message and NEW not in state.message
    # And the run's artifact names the failing plan and its error
    table = artifact("collection-plans")
    assert f"| {SEED} | {PERIOD} |" in table and "Error" in table


def test_plans_due_together_run_under_the_concurrency_limit(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.collection import collection_flow

    # Given 12 small plans due at the same time and a limit of 3 runs at once
    (office / f"{SEED}.yaml").unlink()
    ids = [f"2026-2030-skhcn-cchc-{n:02d}" for n in range(12)]
    for plan_id in ids:
        copy_plan(office, "2026-2030-skhcn-lang-son-cchc", plan_id)
    monkeypatch.setenv("KEHOACH_PLAN_CONCURRENCY", "3")
    # When collection runs
    now = datetime(2026, 2, 2, 16, 30, tzinfo=VN_TZ)  # each has its January report due
    assert collection_flow(now=now, simulation=True, return_state=True).is_completed()
    # Then each plan had its run, and never more than 3 ran at once (as Prefect recorded their times)
    children = finished_children("collection @ 2026-02-02 16:30")
    assert {c.parameters["plan_id"] for c in children.values()} == set(ids)
    edges = sorted([(c.start_time, 1) for c in children.values()] + [(c.end_time, -1) for c in children.values()],
                   key=lambda e: (e[0], e[1]))
    running, most = 0, 0
    for _, step in edges:
        running += step
        most = max(most, running)
    assert most <= 3  # how many overlap below the limit depends on the machine's load; the limit is the promise
