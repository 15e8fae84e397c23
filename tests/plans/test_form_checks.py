"""Report forms as data: a bad formula, rule, disaggregation or submitter is located by file, line and path."""

from __future__ import annotations

from pathlib import Path

import pytest

from kehoach.errors import PlanError
from kehoach.plans.config import load_config
from kehoach.plans.model import Operator
from kehoach.settings import Settings
from tests.cli.test_plans_cli import kehoach
from tests.factories import PLAN, write_config

FORM = """\
disaggregations:
  - id: nhom_tuoi
    label: Nhóm tuổi
    options:
      - {id: duoi_16, label: Dưới 16 tuổi}
      - {id: tu_16, label: Từ 16 tuổi trở lên}
indicators:
  - id: nan_nhan
    label: Số nạn nhân
    unit_of_measure: người
    kind: flow
    by_sex: true
    reports: [nam]
  - id: nan_nhan_ho_tro
    label: Số nạn nhân được hỗ trợ
    unit_of_measure: người
    kind: flow
    disaggregation: nhom_tuoi
    reports: [nam]
  - id: ghi_chu
    label: Ghi chú
    kind: text
    reports: [nam]
  - id: kinh_phi
    label: Kinh phí
    unit_of_measure: triệu đồng
    kind: money
    reports: [nam]
    submitted_by: [phong-1]
computed:
  - id: ty_le_ho_tro
    label: Tỷ lệ nạn nhân được hỗ trợ
    numerator: nan_nhan_ho_tro
    denominator: nan_nhan
    factor: 100
    unit: "%"
rules:
  - left: nan_nhan_ho_tro
    operator: "<="
    right: nan_nhan
    message: Số nạn nhân được hỗ trợ không được lớn hơn số nạn nhân
"""
GOOD = PLAN + FORM


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the ``nth`` line containing ``needle``."""
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line][nth - 1]


def issues(tmp_path: Path, plan: str) -> list[str]:
    with pytest.raises(PlanError) as info:
        load_config(Settings(config_dir=write_config(tmp_path, plan=plan)))
    return [str(i) for i in info.value.issues]


def test_a_form_with_a_disaggregation_formula_and_rule_loads(tmp_path: Path) -> None:
    plan = load_config(Settings(config_dir=write_config(tmp_path, plan=GOOD))).plan("2026-thu-nghiem")
    by_id = {i.id: i for i in plan.indicators}
    assert [o.label for o in by_id["nan_nhan_ho_tro"].parts] == ["Dưới 16 tuổi", "Từ 16 tuổi trở lên"]
    assert [o.id for o in by_id["nan_nhan"].parts] == ["nam", "nu"]
    assert plan.computed[0].denominator == "nan_nhan" and plan.rules[0].operator.value == "<="


# One mistake each: (what replaces what in GOOD, the line the error names, the error after "path:line: ").
ONE_MISTAKE = {
    "a formula naming an unknown data element": (
        [("denominator: nan_nhan", "denominator: nan_nhan_tong")], "denominator:",
        "computed[0].denominator: công thức nhắc đến chỉ tiêu 'nan_nhan_tong' không có trong indicators"),
    "a formula dividing by a text field": (
        [("denominator: nan_nhan", "denominator: ghi_chu")], "denominator:",
        "computed[0].denominator: công thức chia cho chỉ tiêu văn bản 'ghi_chu'"),
    "a rule comparing a number with a text": (
        [("right: nan_nhan\n", "right: ghi_chu\n")], "right: ghi_chu",
        "rules[0].right: quy tắc so sánh số với chỉ tiêu văn bản 'ghi_chu'"),
    "a rule comparing a number with a quoted text": (
        [("right: nan_nhan\n", "right: \"'có'\"\n")], "right: ",
        "rules[0].right: quy tắc dùng văn bản 'có' thay cho một số"),
    "a rule comparing a number with a yes/no answer": (
        [("computed:", "  - id: co_tham_gia\n    label: Có tham gia\n    kind: flag\n    reports: [nam]\ncomputed:"), ("right: nan_nhan\n", "right: co_tham_gia\n")], "right: co_tham_gia",
        "rules[0].right: quy tắc so sánh số với chỉ tiêu có/không 'co_tham_gia'"),
    "a part the data element does not have": (
        [("numerator: nan_nhan_ho_tro", "numerator: nan_nhan_ho_tro.nu")], "numerator:",
        "computed[0].numerator: chỉ tiêu 'nan_nhan_ho_tro' không có phần 'nu' (duoi_16, tu_16)"),
    "a submitter that does not report the report": (
        [("submitted_by: [phong-1]", "submitted_by: [snv]")], "submitted_by: [snv]",
        "indicators[3].submitted_by[0]: đơn vị 'snv' không phải báo cáo 'nam', "
        "nên sẽ không bao giờ được hỏi chỉ tiêu 'kinh_phi'"),
}


@pytest.mark.parametrize(("replacements", "needle", "error"), ONE_MISTAKE.values(), ids=ONE_MISTAKE.keys())
def test_one_mistake_gives_one_error_naming_its_line(tmp_path: Path, replacements: list[tuple[str, str]],
                                                     needle: str, error: str) -> None:
    bad = GOOD
    for old, new in replacements:
        assert old in bad
        bad = bad.replace(old, new, 1)
    assert issues(tmp_path, bad) == [f"{tmp_path}/config/plans/plan.yaml:{line_of(bad, needle)}: {error}"]


def test_a_formula_that_is_code_is_refused(tmp_path: Path) -> None:
    bad = GOOD.replace("numerator: nan_nhan_ho_tro", "numerator: __import__('os').system('id')")
    [found] = issues(tmp_path, bad)
    assert f"plan.yaml:{line_of(bad, 'numerator:')}: computed[0].numerator: công thức" in found
    assert "không được phép" in found


def test_a_disaggregation_used_but_not_declared(tmp_path: Path) -> None:
    bad = GOOD.replace("disaggregation: nhom_tuoi", "disaggregation: dan_toc")
    found = issues(tmp_path, bad)
    assert f"{tmp_path}/config/plans/plan.yaml:{line_of(bad, 'disaggregation: dan_toc')}: indicators[1].disaggregation: " \
           "cách phân tổ 'dan_toc' chưa được khai báo trong disaggregations" in found


def test_a_submitter_that_does_not_report_the_report(tmp_path: Path) -> None:
    bad = GOOD.replace("submitted_by: [phong-1]", "submitted_by: [snv]")
    assert issues(tmp_path, bad) == [
        f"{tmp_path}/config/plans/plan.yaml:{line_of(bad, 'submitted_by: [snv]')}: indicators[3].submitted_by[0]: "
        "đơn vị 'snv' không phải báo cáo 'nam', nên sẽ không bao giờ được hỏi chỉ tiêu 'kinh_phi'"]


def test_money_needs_its_unit(tmp_path: Path) -> None:
    bad = GOOD.replace("    unit_of_measure: triệu đồng\n", "")
    [found] = issues(tmp_path, bad)
    assert "indicators[3]" in found and "cần 'unit_of_measure', ví dụ: triệu đồng" in found


def test_kehoach_validate_lists_every_form_error_and_exits_1(tmp_path: Path) -> None:
    bad = (GOOD.replace("denominator: nan_nhan", "denominator: ghi_chu")
           .replace("right: nan_nhan\n", "right: khong_co\n")
           .replace("disaggregation: nhom_tuoi", "disaggregation: dan_toc"))
    result = kehoach("validate", env={"KEHOACH_CONFIG_DIR": str(write_config(tmp_path, plan=bad))})
    assert result.returncode == 1
    assert f"plan.yaml:{line_of(bad, 'denominator:')}: computed[0].denominator: công thức chia cho chỉ tiêu văn bản 'ghi_chu'" in result.stderr
    assert f"plan.yaml:{line_of(bad, 'right: khong_co')}: rules[0].right: quy tắc nhắc đến chỉ tiêu 'khong_co'" in result.stderr
    assert f"plan.yaml:{line_of(bad, 'dan_toc')}: indicators[1].disaggregation: cách phân tổ 'dan_toc'" in result.stderr


@pytest.mark.parametrize(("operator", "holds"), [("<=", [True, True, False]), ("<", [True, False, False]),
                                                 (">=", [False, True, True]), (">", [False, False, True]),
                                                 ("==", [False, True, False]), ("!=", [True, False, True])])
def test_each_rule_operator_compares_as_written(operator: str, holds: list[bool]) -> None:
    assert [Operator(operator).holds(left, 2) for left in (1, 2, 3)] == holds


SUB = """\
  - id: nan_nhan_dtts
    label: "Trong đó: dân tộc thiểu số"
    unit_of_measure: người
    kind: flow
    by_sex: true
    part_of: nan_nhan
    reports: [nam]
"""


def with_sub(plan: str, sub: str = SUB) -> str:
    return plan.replace("  - id: ghi_chu\n", sub + "  - id: ghi_chu\n")


def test_a_trong_do_figure_loads_and_is_never_above_its_figure(tmp_path: Path) -> None:
    plan = load_config(Settings(config_dir=write_config(tmp_path, plan=with_sub(GOOD)))).plan("2026-thu-nghiem")
    derived = [(r.left, r.operator.value, r.right) for r in plan.validation_rules[len(plan.rules):]]
    assert derived == [("nan_nhan_dtts", "<=", "nan_nhan"), ("nan_nhan_dtts.nam", "<=", "nan_nhan.nam"),
                       ("nan_nhan_dtts.nu", "<=", "nan_nhan.nu")]


@pytest.mark.parametrize(("change", "message"), [
    (("part_of: nan_nhan", "part_of: nan_nhan_tong"), "chỉ tiêu 'nan_nhan_tong' không có trong indicators"),
    (("part_of: nan_nhan", "part_of: ghi_chu"), "'trong đó' chỉ dùng giữa hai số liệu: 'nan_nhan_dtts' và 'ghi_chu'"),
    (("    part_of: nan_nhan\n    reports: [nam]", "    part_of: nan_nhan\n    reports: [nam]\n    submitted_by: [phong-1]"),
     "chỉ tiêu 'nan_nhan_dtts' là phần 'trong đó' của 'nan_nhan' nên phải thuộc các báo cáo của 'nan_nhan' "
     "và do cùng đơn vị nộp (reports, submitted_by)"),
])
def test_a_bad_trong_do_figure_is_located(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    bad = with_sub(GOOD, SUB.replace(*change))
    assert issues(tmp_path, bad) == [
        f"{tmp_path}/config/plans/plan.yaml:{line_of(bad, 'part_of:')}: indicators[2].part_of: {message}"]
