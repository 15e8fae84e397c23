from __future__ import annotations

from kehoach.plans.model import ComputedIndicator
from kehoach.rollup.totals import computed_rates, rule_breaches, sum_indicators
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


def _computed(**fields: object) -> ComputedIndicator:
    return ComputedIndicator.model_validate({"id": "x", "label": "Chỉ tiêu", **fields})


def test_a_formula_is_computed_only_from_reported_figures_and_a_non_zero_denominator() -> None:
    inds = world.plan().indicators
    totals = sum_indicators(inds, {"yk-cong-an": {"blgd_nan_nhan": {"nam": 0, "nu": 0},
                                                  "blgd_nan_nhan_duoc_ho_tro": {"nam": 0, "nu": 0}},
                                   "yk-tram-y-te": {"tre_sinh_ra": {"nam": 7, "nu": 6}}})
    rate = _computed(numerator="(tre_sinh_ra.nam - tre_sinh_ra.nu) * 2 + 1", denominator="tre_sinh_ra",
                     factor=100, unit="%", decimals=2)
    assert [(r.value, r.unit) for r in computed_rates([rate], totals)] == [(round(100 * 3 / 13, 2), "%")]
    assert computed_rates([_computed(numerator="blgd_nan_nhan_duoc_ho_tro", denominator="blgd_nan_nhan")], totals) == []
    assert computed_rates([_computed(numerator="tuyen_truyen_so_cuoc")], totals) == []  # not reported
    yes_no = [_computed(numerator="tre_sinh_ra.nu", display="co_khong"), _computed(numerator="blgd_nan_nhan", display="co_khong")]
    assert [r.value for r in computed_rates(yes_no, totals)] == ["Có", "Không"]
    caution = {"left": "tre_sinh_ra", "operator": ">=", "right": "1000", "note": "đủ lớn"}
    assert computed_rates([_computed(numerator="tre_sinh_ra", caution=caution)], totals)[0].note == ""


def test_a_rule_across_units_is_checked_on_the_totals_and_withholds_its_rates() -> None:
    # Given victims reported by one unit and their support by another, more supported than victims
    rule = world.plan().rules[0]  # supported <= victims
    inds = world.plan().indicators
    values = {"yk-cong-an": {"blgd_nan_nhan": {"nam": 1, "nu": 1}},
              "yk-vhxh": {"blgd_nan_nhan_duoc_ho_tro": {"nam": 2, "nu": 1}}}
    totals = sum_indicators(inds, values)
    [breach] = rule_breaches([rule], values, totals, {"yk-vhxh": "Phòng Văn hóa - Xã hội"})
    # Then the breach belongs to no single unit, and the rate on those figures is withheld
    assert (breach.unit_id, breach.left, breach.right) == (None, 3, 2)
    [rate] = computed_rates(world.plan().computed[1:], totals, [breach])
    assert rate.id == "ty_le_nan_nhan_duoc_ho_tro" and rate.withheld and rate.value == ""
    assert computed_rates(world.plan().computed[1:], totals)[0].value == 150.0  # what would have printed
