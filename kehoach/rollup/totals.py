"""The sums behind a consolidated báo cáo: indicator totals, narratives, computed rates.

Pure: it takes the plan's indicators and the latest submission values per unit and returns
values. A by-sex figure is summed per sex and its total computed; a flag counts the units
that answered "có"; text is gathered by task and unit. Rates (REPORTING.md, "computed at
roll-up, never submitted") are computed only when their inputs were reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kehoach.plans.model import Indicator, IndicatorKind
from kehoach.submissions.text import clean_text

NUMERIC = (IndicatorKind.FLOW, IndicatorKind.STOCK)


@dataclass
class IndicatorTotal:
    indicator: Indicator
    total: int = 0
    nam: int | None = None
    nu: int | None = None
    yes: int = 0  # flags: units that answered "có"
    reported_by: list[str] = field(default_factory=list)  # unit ids with a value
    by_unit: dict[str, int] = field(default_factory=dict)
    by_unit_sex: dict[str, tuple[int, int]] = field(default_factory=dict)  # (nam, nữ)

    @property
    def id(self) -> str:
        return self.indicator.id


@dataclass(frozen=True)
class Narrative:
    indicator: Indicator
    unit_id: str
    unit_name: str
    text: str


@dataclass(frozen=True)
class Rate:
    id: str
    label: str
    value: float | str
    unit: str  # "%", "trẻ trai/100 trẻ gái", ""
    note: str = ""


def sum_indicators(indicators: list[Indicator], values_by_unit: Mapping[str, Mapping[str, Any]]) -> list[IndicatorTotal]:
    """One total per non-text indicator, in the plan's order."""
    totals = []
    for ind in indicators:
        if ind.kind is IndicatorKind.TEXT:
            continue
        t = IndicatorTotal(ind, nam=0 if ind.by_sex else None, nu=0 if ind.by_sex else None)
        for unit_id, values in values_by_unit.items():
            v = values.get(ind.id)
            if v is None:
                continue
            t.reported_by.append(unit_id)
            if ind.kind is IndicatorKind.FLAG:
                t.yes += 1 if v else 0
                continue
            if ind.by_sex:
                nam, nu = int(v.get("nam", 0)), int(v.get("nu", 0))
                t.nam = (t.nam or 0) + nam
                t.nu = (t.nu or 0) + nu
                t.by_unit[unit_id] = nam + nu
                t.by_unit_sex[unit_id] = (nam, nu)
            else:
                n = int(v.get("tong", 0)) if isinstance(v, Mapping) else int(v)
                t.by_unit[unit_id] = n
            t.total += t.by_unit[unit_id]
        totals.append(t)
    return totals


def gather_narratives(
    indicators: list[Indicator], values_by_unit: Mapping[str, Mapping[str, Any]], unit_names: Mapping[str, str]
) -> list[Narrative]:
    """Text answers, in the plan's indicator order, then unit order."""
    out = []
    for ind in indicators:
        if ind.kind is not IndicatorKind.TEXT:
            continue
        for unit_id, values in values_by_unit.items():
            text = values.get(ind.id)
            text = clean_text(text).strip() if isinstance(text, str) else ""  # stored before the door cleaned it
            if text:
                out.append(Narrative(ind, unit_id, unit_names.get(unit_id, unit_id), text))
    return out


def _ratio(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1)


def computed_rates(totals: list[IndicatorTotal]) -> list[Rate]:
    """The rates REPORTING.md lists, for those whose inputs were reported."""
    t = {x.id: x for x in totals if x.reported_by}
    rates: list[Rate] = []

    def share_of_women(ind_id: str, rate_id: str, label: str) -> None:
        x = t.get(ind_id)
        if x and x.indicator.by_sex and x.total:
            rates.append(Rate(rate_id, label, _ratio(x.nu or 0, x.total), "%"))

    leaders = [t[i] for i in ("lanh_dao_ubnd_xa", "lanh_dao_hdnd_xa") if i in t and t[i].indicator.by_sex]
    if leaders:
        has_woman = any((x.nu or 0) > 0 for x in leaders)
        rates.append(Rate("co_lanh_dao_chu_chot_nu", "Có lãnh đạo chủ chốt là nữ (UBND, HĐND xã)",
                          "Có" if has_woman else "Không", ""))
    births = t.get("tre_sinh_ra")
    if births and births.indicator.by_sex and births.nu:
        rates.append(Rate("ty_so_gioi_tinh_khi_sinh", "Tỷ số giới tính khi sinh",
                          round(100.0 * (births.nam or 0) / births.nu, 1), "trẻ trai/100 trẻ gái",
                          "số trẻ sinh ra trong kỳ ít, chỉ mang tính tham khảo" if births.total < 1000 else ""))
    for part_id, whole_id, rate_id, label in (
        ("blgd_nan_nhan_duoc_ho_tro", "blgd_nan_nhan", "ty_le_nan_nhan_duoc_ho_tro",
         "Tỷ lệ nạn nhân bạo lực gia đình được tiếp cận dịch vụ hỗ trợ"),
        ("blgd_nguoi_gay_bl_duoc_tu_van", "blgd_nguoi_gay_bao_luc", "ty_le_nguoi_gay_bl_duoc_tu_van",
         "Tỷ lệ người gây bạo lực được tư vấn, tham vấn"),
    ):
        if part_id in t and whole_id in t and t[whole_id].total:
            rates.append(Rate(rate_id, label, _ratio(t[part_id].total, t[whole_id].total), "%"))
    share_of_women("dai_bieu_hdnd_xa", "ty_le_nu_dai_bieu_hdnd", "Tỷ lệ nữ đại biểu HĐND xã")
    share_of_women("can_bo_cong_chuc_xa", "ty_le_nu_can_bo_cong_chuc", "Tỷ lệ nữ cán bộ, công chức xã")
    share_of_women("lanh_dao_so", "ty_le_nu_lanh_dao_so", "Tỷ lệ nữ lãnh đạo Sở")
    share_of_women("lanh_dao_cap_phong", "ty_le_nu_lanh_dao_cap_phong", "Tỷ lệ nữ lãnh đạo cấp phòng")
    share_of_women("ccvc_tong_so", "ty_le_nu_ccvc", "Tỷ lệ nữ công chức, viên chức, người lao động")
    return rates
