"""``kehoach plan pause|resume|retire|list`` as the office runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kehoach.settings import REPO_ROOT
from tests.factories import write_config

PLAN_ID = "2026-thu-nghiem"


def kehoach(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, env={**env, "COLUMNS": "200"}, timeout=60)


def test_plan_pause_resume_retire_from_the_command_line(tmp_path: Path) -> None:
    # Given a synced plan
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env = {**clean, "KEHOACH_CONFIG_DIR": str(write_config(tmp_path)), "KEHOACH_DATA_DIR": str(tmp_path / "data")}
    assert kehoach(env, "sync", "--year", "2026", "--now", "2026-11-19T06:30:00+07:00").returncode == 0
    # When the office pauses it, the list shows it paused; resume makes it active again
    paused = kehoach(env, "plan", "pause", PLAN_ID, "--by", "Lê Thị Văn Thư", "--reason", "sửa danh bạ")
    assert paused.returncode == 0, paused.stderr
    assert f"{PLAN_ID}: tạm dừng" in paused.stdout
    assert "tạm dừng" in kehoach(env, "plan", "list").stdout
    assert kehoach(env, "plan", "resume", PLAN_ID).returncode == 0
    assert "đang thực hiện" in kehoach(env, "plan", "list").stdout
    # When it is retired, every pending row is skipped with who and why
    retired = kehoach(env, "plan", "retire", PLAN_ID, "--by", "quan-tri", "--reason", "thay bằng kế hoạch mới")
    assert retired.returncode == 0, retired.stderr
    assert "còn 0 thông báo chờ gửi" in retired.stdout
    rows = json.loads(kehoach(env, "outbox", "--format", "json").stdout)
    assert rows and {r["status"] for r in rows} == {"skipped"}
    assert all(r["last_error"].startswith("Kế hoạch đã dừng hẳn (quan-tri,") for r in rows)
    assert rows[0]["last_error"].endswith("thay bằng kế hoạch mới")
    # Then resuming a retired plan or naming an unknown one is refused in Vietnamese
    again = kehoach(env, "plan", "resume", PLAN_ID)
    assert again.returncode == 1 and "đã dừng hẳn" in again.stderr
    unknown = kehoach(env, "plan", "pause", "khong-co")
    assert unknown.returncode == 1 and "không có kế hoạch 'khong-co'" in unknown.stderr
