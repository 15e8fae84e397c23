"""A plan's size limits: clear Vietnamese errors, never a traceback, nothing expanded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kehoach.errors import PlanError
from kehoach.plans.limits import MAX_ITEMS, MAX_PLAN_BYTES, MAX_TEXT
from kehoach.plans.loader import load_plan
from kehoach.settings import REPO_ROOT
from tests.factories import PLAN, write_config


def validate(cfg: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    return subprocess.run([sys.executable, "-m", "kehoach", "validate"], capture_output=True, text=True,
                          cwd=REPO_ROOT, env={**env, "KEHOACH_CONFIG_DIR": str(cfg), "COLUMNS": "200"}, timeout=300)


def test_ten_thousand_nested_brackets_give_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, plan=PLAN + "ghi_chu: " + "[" * 10_000 + "]" * 10_000 + "\n")
    result = validate(cfg)
    assert result.returncode == 1
    assert "plan.yaml: (gốc): cấu trúc lồng nhau quá sâu (tối đa 20 cấp)" in result.stderr
    assert "Traceback" not in result.stderr


def test_nesting_deeper_than_twenty_levels_in_block_style_is_refused(tmp_path: Path) -> None:
    deep = "".join(f"{'  ' * i}k{i}:\n" for i in range(25)) + "  " * 25 + "v\n"
    path = tmp_path / "p.yaml"
    path.write_text(PLAN + "ghi_chu:\n" + "\n".join("  " + line for line in deep.splitlines()) + "\n", encoding="utf-8")
    with pytest.raises(PlanError, match="lồng nhau quá sâu"):
        load_plan(path, None)


def test_a_plan_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(PLAN + "# " + "x" * MAX_PLAN_BYTES + "\n", encoding="utf-8")
    with pytest.raises(PlanError, match="tệp quá lớn .* tối đa 512 KB cho một kế hoạch"):
        load_plan(path, None)


def test_an_overlong_list_or_text_is_named_with_its_path_and_line(tmp_path: Path) -> None:
    many = "".join(f"  - {{id: o-{i}, title: Ngày {i}, date: 08/03, units: [phong-1]}}\n" for i in range(MAX_ITEMS + 1))
    long_title = "Tuyên truyền " * (MAX_TEXT // 10)
    path = tmp_path / "p.yaml"
    path.write_text(PLAN.replace("title: Tuyên truyền", f"title: {long_title}") + "occasions:\n" + many, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path, None)
    text = str(caught.value)
    assert f"p.yaml:31: occasions: danh sách có {MAX_ITEMS + 1} phần tử; tối đa {MAX_ITEMS}" in text
    assert "p.yaml:14: tasks[0].title: nội dung dài 6.499 ký tự; tối đa 5.000" in text


def test_the_seed_plans_are_far_inside_the_limits() -> None:
    for path in sorted((REPO_ROOT / "config" / "plans").glob("*.yaml")):
        assert path.stat().st_size < MAX_PLAN_BYTES / 10
        load_plan(path, None)
