"""``kehoach validate`` and ``kehoach preview`` as a user runs them."""

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from kehoach.calendar import build_calendar
from tests.factories import PLAN, write_config

REPO = Path(__file__).resolve().parents[2]


def kehoach(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=60)


def test_validate_the_seed_plans():
    files = sorted(str(p) for p in (REPO / "config" / "plans").glob("*.yaml"))
    result = kehoach("validate", *files)
    assert result.returncode == 0, result.stderr
    assert "Hợp lệ: 3 kế hoạch" in result.stdout


def test_validate_a_broken_plan_lists_every_error_and_exits_1(tmp_path):
    cfg = write_config(tmp_path, plan=PLAN.replace("lead: [phong-1]", "lead: [phong-9]")
                       .replace("coordinating: [cac-don-vi]", "coordinating: [nhom-khong-co]"))
    result = kehoach("validate", env={"KEHOACH_CONFIG_DIR": str(cfg)})
    assert result.returncode == 1
    assert "plan.yaml:16: tasks[0].lead[0]: đơn vị 'phong-9' không có trong danh bạ đơn vị" in result.stderr
    assert "plan.yaml:17: tasks[0].coordinating[0]: đơn vị 'nhom-khong-co'" in result.stderr
    assert "2 lỗi trong cấu hình" in result.stderr


def test_preview_json_lists_each_plans_reminders_on_working_days():
    result = kehoach("preview", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"key", "plan", "kind", "send_at", "unit", "channel", "deadline", "subject"} <= set(rows[0])
    cal = build_calendar([2026], extra_working_days={date(2026, 8, 22): "làm bù"})
    for plan in ("2026-stp-dong-thap-bdg", "2026-stp-lang-son-bdg", "2026-xa-yet-kieu-bdg"):
        kinds = {r["kind"] for r in rows if r["plan"] == plan}
        assert {"report_reminder", "report_due", "campaign_kickoff", "campaign_closing", "escalation"} <= kinds
    assert any(r["kind"] == "occasion" for r in rows if r["plan"] == "2026-xa-yet-kieu-bdg")
    for r in rows:
        sent = datetime.fromisoformat(r["send_at"])
        assert r["send_at"].endswith("+07:00")
        assert cal.is_working_day(sent.date()), r


def test_preview_table_groups_by_month_in_vietnamese():
    result = kehoach("preview", "--year", "2026", "--plan", "2026-xa-yet-kieu-bdg")
    assert result.returncode == 0, result.stderr
    assert "Tháng 11/2026" in result.stdout and "Thứ Hai, 16/11/2026" in result.stdout
    assert "Tháng 3/2026" not in result.stdout  # the commune's plan takes effect in June


def test_preview_of_an_unknown_plan_names_the_known_ones():
    result = kehoach("preview", "--year", "2026", "--plan", "khong-co")
    assert result.returncode == 1
    assert "không có kế hoạch 'khong-co'" in result.stderr and "2026-xa-yet-kieu-bdg" in result.stderr


def test_preview_csv_has_a_header_and_rows():
    result = kehoach("preview", "--year", "2026", "--plan", "2026-stp-lang-son-bdg", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("key,plan,kind,unit,channel,send_at,deadline")
    assert len(lines) > 100
