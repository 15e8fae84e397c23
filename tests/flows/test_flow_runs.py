"""What an admin sees in the Prefect UI: readable run names, tags, and the artifacts each run leaves."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kehoach.calendar import VN_TZ

pytestmark = pytest.mark.prefect

PLAN = "2026-stp-dong-thap-bdg"


def run(flow: Any, **params: Any) -> tuple[Any, Any, list[Any]]:
    """Run a flow; return its result, its flow run and the artifacts it created."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    state = flow(**params, simulation=True, return_state=True)
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run_id)
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    return state.result(), flow_run, artifacts


def test_runs_are_named_tagged_and_leave_artifacts(prefect_harness: None, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.collection import collection_flow
    from flows.dispatch import dispatch_flow
    from flows.sync import sync_flow

    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("KEHOACH_SMTP_HOST", raising=False)  # email goes to the Maildir under the data dir
    # Given the Đồng Tháp plan synced for 2026
    _, _, synced = run(sync_flow, year=2026, plan_id=PLAN, now=datetime(2026, 5, 4, 6, 30, tzinfo=VN_TZ))
    assert any("Kế hoạch đồng bộ đầy đủ 1, chỉ ghi thêm ngày mới 0." in str(a.data) for a in synced)
    # When the 08:00 dispatch of Wednesday 06/05 runs (the first 6-month reminders)
    summary, dispatch_run, artifacts = run(dispatch_flow, now=datetime(2026, 5, 6, 8, 0, tzinfo=VN_TZ))
    # Then its run is named after its time, tagged with its kind, and reports what was sent and skipped
    assert dispatch_run.name == "dispatch @ 2026-05-06 08:00"
    assert "kind:dispatch" in dispatch_run.tags
    assert summary["sent"] > 0 and summary["skipped"] > 0  # Zalo is not configured: recorded as skipped
    kinds = {a.type for a in artifacts}
    assert kinds == {"markdown", "table"}
    rows = json.loads(next(a for a in artifacts if a.type == "table").data)
    assert {(r["Loại"], r["Kênh"], r["Kết quả"]) for r in rows} >= {
        ("Nhắc báo cáo", "email", "đã gửi"), ("Nhắc báo cáo", "zalo", "bỏ qua")}
    assert any(Path(tmp_path, "maildir", "new").iterdir())

    # And on a Sunday, nothing is sent
    sunday, _, _ = run(dispatch_flow, now=datetime(2026, 5, 10, 8, 0, tzinfo=VN_TZ))
    assert sunday["day_off"] and sunday["sent"] == 0

    # When report collection looks at the plan on the 6-month report's due day
    result, coll_run, artifacts = run(collection_flow, plan_id=PLAN, now=datetime(2026, 5, 20, 16, 30, tzinfo=VN_TZ))
    # Then the run names the plan, carries its id as a tag, and publishes the per-unit status
    assert coll_run.name == f"collection {PLAN} @ 2026-05-20 16:30"
    assert {PLAN, "kind:collection"} <= set(coll_run.tags)
    [period] = result["periods"]
    assert period["period"] == "bc-6-thang-2026" and period["phase"] == "đến hạn"
    status = next(a for a in artifacts if a.key == f"status-{PLAN}-bc-6-thang-2026")
    assert {r["Tình trạng"] for r in json.loads(status.data)} == {"chưa nộp"}

    # When it looks again after the last escalation: the period closes and the roll-up starts
    result, _, _ = run(collection_flow, plan_id=PLAN, now=datetime(2026, 5, 25, 16, 30, tzinfo=VN_TZ))
    assert result["rollups"] == ["bc-6-thang-2026"]
    assert list((tmp_path / "rollups" / PLAN / "bc-6-thang-2026").glob("*.docx"))
    # And the roll-up subflow is tagged like a deployment's run, so the UI's tag filters find it
    from prefect import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        [rollup_run] = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["rollup"])),
                                             sort=FlowRunSort.START_TIME_DESC, limit=1)  # this test's, the latest
    assert {"kehoach", "rollup", PLAN, "kind:rollup"} <= set(rollup_run.tags)
    # And only once
    again, _, _ = run(collection_flow, plan_id=PLAN, now=datetime(2026, 5, 26, 16, 30, tzinfo=VN_TZ))
    assert again["rollups"] == [] and again["periods"] == []


def test_a_dispatch_that_could_not_send_ends_failed_after_publishing(prefect_harness: None, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect import get_client

    from flows.dispatch import dispatch_flow
    from flows.sync import sync_flow
    from kehoach.runtime.health import DISPATCH_BEAT
    from kehoach.settings import Settings
    from kehoach.store.beats import last_beat
    from kehoach.store.db import make_engine
    from tests.servers.smtp import free_port

    # Given the Đồng Tháp plan synced, and an SMTP server that is down (nothing listens on its port)
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    monkeypatch.setenv("KEHOACH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KEHOACH_SMTP_PORT", str(free_port()))
    run(sync_flow, year=2026, plan_id=PLAN, now=datetime(2026, 5, 4, 6, 30, tzinfo=VN_TZ))
    # When the 08:00 dispatch of 06/05 runs
    state = dispatch_flow(now=datetime(2026, 5, 6, 8, 0, tzinfo=VN_TZ), simulation=True, return_state=True)
    # Then the run ends Failed, saying why, and its summary artifact was still published
    assert state.is_failed()
    assert "chờ gửi lại" in (state.message or "")
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(state.state_details.flow_run_id)
        assert flow_run.state.type.value == "FAILED"
    summary = state.result(raise_on_failure=False)
    assert summary["sent"] == 0 and summary["retried"] > 1
    # And its failure reasons are one row per reason, not one per notification, and name no key
    assert sum(summary["errors"].values()) == summary["retried"]
    assert len(summary["errors"]) < summary["retried"], summary["errors"]  # grouped: fewer reasons than rows
    assert not any(PLAN in reason for reason in summary["errors"]), summary["errors"]
    with get_client(sync_client=True) as client:
        md = next(a for a in client.read_artifacts() if a.key == "dispatch" and a.flow_run_id == flow_run.id)
    assert "## Lý do lỗi" in str(md.data) and "06/05/2026 08:00" in str(md.data)
    # And `kehoach health` will see a dispatch that did not succeed
    beat = last_beat(make_engine(Settings().resolved_database_url), DISPATCH_BEAT)
    assert beat is not None and not beat.ok and beat.last_ok_at is None


def test_a_real_run_refuses_a_now_far_from_the_clock(prefect_harness: None, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from flows.dispatch import dispatch_flow
    from flows.context import NowRefused

    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    # Given a mistyped date in the UI's "Custom run" form, a month away from today
    far = datetime.now(VN_TZ) + timedelta(days=33)
    # When a real (not simulated) dispatch is started with it, it is refused before anything is sent
    state = dispatch_flow(now=far, return_state=True)
    assert state.is_failed()
    with pytest.raises(NowRefused, match="lệch đồng hồ"):
        state.result()
    assert not (tmp_path / "maildir").exists()
    # And a dry run with the same date is allowed: it sends and records nothing
    assert dispatch_flow(now=far, dry_run=True)["dry_run"] is True
