"""Data, not code: no indicator id of any plan appears in the package's source.

Rates and rules live in each plan's ``computed`` and ``rules``; if code named a data element,
a plan of another field could declare its figures but never get them computed.
"""

from __future__ import annotations

import subprocess

from ruamel.yaml import YAML

from kehoach.settings import REPO_ROOT


def plan_indicator_ids() -> set[str]:
    ids: set[str] = set()
    for path in sorted((REPO_ROOT / "config" / "plans").glob("*.yaml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        ids |= {i["id"] for i in data.get("indicators", [])} | {c["id"] for c in data.get("computed", [])}
    return ids


def test_the_seed_plans_declare_the_figures_and_rates_the_code_used_to_name() -> None:
    ids = plan_indicator_ids()
    assert {"tre_sinh_ra", "blgd_nan_nhan", "lanh_dao_so", "ty_le_nu_ccvc", "ty_so_gioi_tinh_khi_sinh"} <= ids
    assert len(ids) > 60


def test_grep_over_the_package_finds_no_indicator_id() -> None:
    ids = sorted(plan_indicator_ids())
    patterns = [arg for i in ids for arg in ("-e", i)]
    found = subprocess.run(["grep", "-rnw", "--exclude-dir=__pycache__", *patterns, str(REPO_ROOT / "kehoach")], capture_output=True, text=True)
    assert found.returncode == 1, found.stdout  # grep's "no line matched"
    assert found.stdout == ""
