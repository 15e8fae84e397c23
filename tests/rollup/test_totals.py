from __future__ import annotations

from kehoach.rollup.totals import computed_rates, sum_indicators
from tests import reporting_world as world


def test_sums_by_sex_and_rates_from_reported_inputs_only() -> None:
    inds = world.plan().indicators
    values = {
        "yk-cong-an": {"blgd_nan_nhan": {"nam": 1, "nu": 3}, "blgd_nan_nhan_duoc_ho_tro": {"nam": 0, "nu": 2}},
        "yk-tram-y-te": {"tre_sinh_ra": {"nam": 12, "nu": 10}, "tuyen_truyen_so_cuoc": {"tong": 4}},
        "yk-thon-1": {"tuyen_truyen_so_cuoc": {"tong": 2}},
    }
    totals = {t.id: t for t in sum_indicators(inds, values)}
    assert (totals["blgd_nan_nhan"].total, totals["blgd_nan_nhan"].nu) == (4, 3)
    assert totals["tuyen_truyen_so_cuoc"].total == 6 and totals["tuyen_truyen_so_cuoc"].nam is None
    rates = {r.id: r for r in computed_rates(world.plan().computed, list(totals.values()))}
    assert rates["ty_le_nan_nhan_duoc_ho_tro"].value == 50.0
    assert rates["ty_so_gioi_tinh_khi_sinh"].value == 120.0 and rates["ty_so_gioi_tinh_khi_sinh"].note
    assert "ty_le_nu_dai_bieu_hdnd" not in rates
