from __future__ import annotations

from kehoach.submissions.forms import fields_of, form_indicators, validate
from kehoach.submissions.record import safe_filename
from tests import reporting_world as world


def test_unit_sees_only_indicators_it_submits() -> None:
    plan, d = world.plan(), world.directory()
    ids = [i.id for i in form_indicators(plan, d, plan.report("nam"), "yk-thon-1")]
    assert ids == ["tuyen_truyen_so_cuoc", "tuyen_truyen_luot_nguoi", "ket_qua_noi_bat", "kien_nghi_de_xuat"]
    assert "tre_sinh_ra" in [i.id for i in form_indicators(plan, d, plan.report("nam"), "yk-tram-y-te")]


def test_validation_gives_a_vietnamese_message_per_field() -> None:
    plan, d = world.plan(), world.directory()
    inds = form_indicators(plan, d, plan.report("nam"), "yk-thon-1")
    bad = validate(inds, {"tuyen_truyen_so_cuoc": "-2", "tuyen_truyen_luot_nguoi__nam": "1,5",
                          "tuyen_truyen_luot_nguoi__nu": ""})
    assert bad.errors == {
        "tuyen_truyen_so_cuoc": "Số liệu không được âm.",
        "tuyen_truyen_luot_nguoi__nam": "Vui lòng nhập số nguyên (không có phần thập phân).",
        "tuyen_truyen_luot_nguoi__nu": "Vui lòng nhập số liệu (nhập 0 nếu không có).",
    }
    good = validate(inds, {"tuyen_truyen_so_cuoc": "1.200", "tuyen_truyen_luot_nguoi__nam": "3",
                           "tuyen_truyen_luot_nguoi__nu": " 4 ", "ket_qua_noi_bat": "Tốt"})
    assert good.ok and good.values == {"tuyen_truyen_so_cuoc": {"tong": 1200},
                                       "tuyen_truyen_luot_nguoi": {"nam": 3, "nu": 4}, "ket_qua_noi_bat": "Tốt"}


def test_safe_filename_keeps_only_the_base_name() -> None:
    assert safe_filename("../../x.docx") == "x.docx"
    assert safe_filename("C:\\Users\\a\\..\\báo cáo.pdf") == "báo cáo.pdf"
    assert safe_filename("..") == "tep-dinh-kem"


def test_each_lead_unit_tells_what_it_did_for_each_of_its_tasks() -> None:
    # Given a plan whose tasks Phòng Văn hóa - Xã hội leads
    plan, d = world.plan(), world.directory()
    # When it opens its annual form
    fields = {i.id: i for i in form_indicators(plan, d, plan.report("nam"), "yk-vhxh")}
    # Then there is a narrative per task, labelled with the plan's section and title
    first = plan.tasks[0]
    narrative = fields["ket_qua_" + first.id.replace("-", "_")]
    assert narrative.task == first.id
    assert narrative.label == f"Kết quả thực hiện nhiệm vụ {first.section}: {first.title}"
    assert len([i for i in fields.values() if i.id.startswith("ket_qua_t")]) == len(plan.tasks)


def test_a_declared_disaggregation_gives_a_field_per_part_including_not_recorded() -> None:
    # Given the plan's "Giới tính" split with "Không xác định", which the national statistics use
    plan, d = world.plan(), world.directory()
    inds = [i for i in form_indicators(plan, d, plan.report("nam"), "yk-tram-y-te") if i.id == "tu_van_skss"]
    # Then Trạm Y tế's form asks for each part, labelled as declared
    assert [(f.name, f.label) for f in fields_of(inds)] == [
        ("tu_van_skss__nam", "Nam"), ("tu_van_skss__nu", "Nữ"), ("tu_van_skss__khong_xac_dinh", "Không xác định")]
    # and every part must be filled; the three are stored together
    missing = validate(inds, {"tu_van_skss__nam": "2", "tu_van_skss__nu": "3"})
    assert missing.errors == {"tu_van_skss__khong_xac_dinh": "Vui lòng nhập số liệu (nhập 0 nếu không có)."}
    good = validate(inds, {"tu_van_skss__nam": "2", "tu_van_skss__nu": "3", "tu_van_skss__khong_xac_dinh": "1"})
    assert good.values == {"tu_van_skss": {"nam": 2, "nu": 3, "khong_xac_dinh": 1}}


def test_a_rule_is_checked_only_when_the_unit_reports_every_figure_it_names() -> None:
    plan, d = world.plan(), world.directory()
    inds = form_indicators(plan, d, plan.report("nam"), "yk-cong-an")
    both = {f.name: "1" for f in fields_of(inds) if f.indicator.kind.value == "flow"}
    broken = validate(inds, both | {"blgd_nan_nhan_duoc_ho_tro__nu": "5"}, plan.rules)
    assert broken.errors == {"blgd_nan_nhan_duoc_ho_tro__nam": "Số nạn nhân được hỗ trợ không được lớn hơn số nạn nhân"}
    assert validate(inds, both, plan.rules).ok  # 2 supported of 2 victims
    only_victims = [i for i in inds if i.id != "blgd_nan_nhan_duoc_ho_tro"]
    assert validate(only_victims, both, plan.rules).ok


def test_the_action_months_narrative_is_asked_in_its_own_report_never_in_the_6_month_form() -> None:
    from kehoach.plans.config import load_config
    from kehoach.settings import Settings

    cfg = load_config(Settings())
    dt, yk = cfg.plans["2026-stp-dong-thap-bdg"], cfg.plans["2026-xa-yet-kieu-bdg"]

    def asked(plan, report_id: str, unit: str) -> set[str]:  # type: ignore[no-untyped-def]
        return {i.id for i in form_indicators(plan, cfg.directory, plan.report(report_id), unit)}

    campaign_narrative = "ket_qua_ii_4_thang_hanh_dong"
    # Đồng Tháp: the 6-month form (due in May) and the annual form no longer ask about the Action Month;
    # its own report does, and asks nothing about the year's other tasks
    assert campaign_narrative not in asked(dt, "bc-6-thang", "stp-dt-nv2")
    assert campaign_narrative not in asked(dt, "bc-nam", "stp-dt-nv2")
    action = asked(dt, "bc-thang-hanh-dong", "stp-dt-nv2")
    assert campaign_narrative in action and not {i for i in action if i.startswith("ket_qua_ii_1")}
    # Yết Kiêu has no Action Month report: its annual report carries the narrative
    assert "ket_qua_ii_6_thang_hanh_dong" in asked(yk, "bc-nam", "xa-yk-vhxh")


def test_a_trong_do_figure_larger_than_its_figure_is_refused_beside_it() -> None:
    # Given Công an xã's form, where the victims are followed by "trong đó: dân tộc thiểu số"
    plan, d = world.plan_with_ethnic_minority_victims(), world.directory()
    inds = form_indicators(plan, d, plan.report("nam"), "yk-cong-an")
    names = [f.name for f in fields_of(inds)]
    assert names.index("blgd_nan_nhan_dtts__nam") == names.index("blgd_nan_nhan__nu") + 1
    ones = {name: "1" for name in names if not name.startswith("ket_qua") and name != "kien_nghi_de_xuat"}
    # When it reports 3 ethnic-minority victims of 2 in all (2 men of 1)
    bad = validate(inds, ones | {"blgd_nan_nhan_dtts__nam": "2"}, plan.validation_rules)
    # Then the message is beside the sub-figure, and nothing is kept
    assert bad.errors == {"blgd_nan_nhan_dtts__nam": "Số liệu “Trong đó: người dân tộc thiểu số” không được "
                                                     "lớn hơn “Số nạn nhân bạo lực gia đình”"}
    # and a sub-figure within its figure (total and each part) is accepted
    good = validate(inds, ones | {"blgd_nan_nhan__nam": "2", "blgd_nan_nhan_dtts__nu": "0"}, plan.validation_rules)
    assert good.ok and good.values["blgd_nan_nhan_dtts"] == {"nam": 1, "nu": 0}
    # a part may break it alone: 2 women of 1 while the total fits (2 of 3)
    part = validate(inds, ones | {"blgd_nan_nhan__nam": "2", "blgd_nan_nhan_dtts__nam": "0",
                                  "blgd_nan_nhan_dtts__nu": "2"}, plan.validation_rules)
    assert list(part.errors.values()) == ["Số liệu “Trong đó: người dân tộc thiểu số” không được lớn hơn "
                                          "“Số nạn nhân bạo lực gia đình” (nữ)"]
