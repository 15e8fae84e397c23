"""The draft báo cáo follows the layout of Nghị định 30/2020/NĐ-CP."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from docx import Document
from docx.shared import Mm, Pt

from kehoach.calendar import VN_TZ, build_calendar
from kehoach.plans.model import Recipient
from kehoach.rollup.build import build_rollup
from kehoach.rollup.report_docx import vn_dated, write_docx
from kehoach.rollup.summary import markdown
from kehoach.store.db import make_engine, session
from kehoach.submissions.periods import resolve_period
from kehoach.submissions.record import record_submission
from tests import reporting_world as world

CAL = build_calendar([2026])  # the public holidays: these worlds declare no calendar.yaml


def test_docx_layout_fonts_header_and_sections(tmp_path: Path) -> None:
    plan, d = world.plan(), world.directory()
    period = resolve_period(plan, "nam-2026")
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with session(engine) as s:
        record_submission(s, tmp_path, plan_id=plan.id, period=period.id, unit_id="yk-vhxh",
                          values={"kinh_phi_su_dung": {"tong": 15000000}, "kien_nghi_de_xuat": "Bổ sung kinh phí"},
                          now=datetime(2026, 12, 2, tzinfo=VN_TZ), source="cli")
        r = build_rollup(s, plan, d, period, date(2026, 12, 8), CAL)
    engine.dispose()
    doc = Document(str(write_docx(r, tmp_path / "b.docx")))
    sec = doc.sections[0]
    # twips round-trip: within 0.1 mm
    for got, want in ((sec.page_width, Mm(210)), (sec.left_margin, Mm(30)), (sec.right_margin, Mm(15))):
        assert abs(got - want) < Mm(0.1)
    header = doc.tables[0]
    left, right = (c.text for c in header.rows[0].cells)
    assert left.splitlines()[:2] == ["UBND THÀNH PHỐ", "UBND XÃ YẾT KIÊU"]
    assert right.splitlines()[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert header.rows[1].cells[0].text.startswith("Số:") and header.rows[1].cells[0].text.endswith("/BC-UBND")
    runs = [run for p in doc.paragraphs for run in p.runs if run.text.strip()]
    assert {run.font.name for run in runs} == {"Times New Roman"}
    assert all(Pt(11) <= run.font.size <= Pt(14) for run in runs)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Kính gửi: Sở Nội vụ" in text and "Kinh phí đã sử dụng: 15.000.000 đồng." in text
    assert "- Phòng Văn hóa - Xã hội: Bổ sung kinh phí" in text
    assert "Thực hiện Kế hoạch số 178/KH-UBND ngày 15/05/2026 của UBND thành phố" in text
    for heading in ("I. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ", "IV. ĐÁNH GIÁ CHUNG", "VI. KIẾN NGHỊ, ĐỀ XUẤT"):
        assert heading in text
    assert "KT. CHỦ TỊCH" in doc.tables[1].rows[0].cells[1].text
    assert "Nơi nhận:" in doc.tables[1].rows[0].cells[0].text
    assert "Chưa gửi: Công an xã, Trạm Y tế xã, Thôn Đông, Thôn Tây" in markdown(r)


def test_place_and_date_pad_day_and_early_months() -> None:
    assert vn_dated("Đồng Tháp", date(2026, 2, 3)) == "Đồng Tháp, ngày 03 tháng 02 năm 2026"
    assert vn_dated("Đồng Tháp", date(2026, 5, 29)) == "Đồng Tháp, ngày 29 tháng 5 năm 2026"


def test_task_narrative_goes_under_its_task_heading(tmp_path: Path) -> None:
    plan, d = world.plan(), world.directory()
    period = resolve_period(plan, "nam-2026")
    task = plan.tasks[0]
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with session(engine) as s:
        record_submission(s, tmp_path, plan_id=plan.id, period=period.id, unit_id="yk-vhxh",
                          values={"ket_qua_" + task.id: "Đã tổ chức 3 hội nghị triển khai kế hoạch."},
                          now=datetime(2026, 12, 2, tzinfo=VN_TZ), source="cli")
        r = build_rollup(s, plan, d, period, date(2026, 12, 8), CAL)
    engine.dispose()
    paragraphs = [p.text for p in Document(str(write_docx(r, tmp_path / "b.docx"))).paragraphs]
    heading = next(i for i, p in enumerate(paragraphs) if p.endswith(task.title))
    assert "Đã tổ chức 3 hội nghị triển khai kế hoạch." in paragraphs[heading + 1]


def test_noi_nhan_names_the_upward_body_once_and_the_appendix_fits_a4(tmp_path: Path) -> None:
    # Given a plan whose own "Nơi nhận" already lists Sở Nội vụ, the body its report goes up to
    base = world.plan()
    plan = base.model_copy(update={"recipients": [Recipient(name="Sở Nội vụ", units=["so-noi-vu"]),
                                                  *base.recipients]})
    period = resolve_period(plan, "nam-2026")
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with session(engine) as s:
        record_submission(s, tmp_path, plan_id=plan.id, period=period.id, unit_id="yk-vhxh",
                          values={"kinh_phi_su_dung": {"tong": 15000000}}, now=datetime(2026, 12, 2, tzinfo=VN_TZ),
                          source="cli")
        r = build_rollup(s, plan, world.directory(), period, date(2026, 12, 8), CAL)
    engine.dispose()
    # When the draft is written
    doc = Document(str(write_docx(r, tmp_path / "b.docx")))
    # Then "Nơi nhận" lists it once, and the appendix columns fill the 165 mm between the margins
    assert doc.tables[1].rows[0].cells[0].text.count("Sở Nội vụ") == 1
    appendix = doc.tables[-1]
    assert appendix.rows[0].cells[1].text == "Chỉ tiêu"
    widths = [cell.width for cell in appendix.rows[-1].cells]
    assert all(abs(got - Mm(want)) < Mm(0.1) for got, want in zip(widths, (12, 79, 24, 20, 15, 15), strict=True))


def test_a_campaign_report_is_worded_as_the_campaigns_not_the_years(tmp_path: Path) -> None:
    # Given the Action Month report of the plan, with the launch ceremony reported held
    plan = world.plan()
    period = resolve_period(plan, "thang-hanh-dong-2026")
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with session(engine) as s:
        record_submission(s, tmp_path, plan_id=plan.id, period=period.id, unit_id="yk-vhxh",
                          values={"tha_le_phat_dong": True}, now=datetime(2026, 12, 16, tzinfo=VN_TZ), source="cli")
        r = build_rollup(s, plan, world.directory(), period, date(2026, 12, 21), CAL)
    engine.dispose()
    # When the draft is written
    doc = Document(str(write_docx(r, tmp_path / "b.docx")))
    text = "\n".join(p.text for p in doc.paragraphs)
    # Then it reports on the campaign (its title from the plan), in the campaign's outline
    assert "Kết quả Tháng hành động năm 2026" in text
    assert "báo cáo kết quả thực hiện Tháng hành động vì bình đẳng giới năm 2026 như sau:" in text
    headings = [p.text for p in doc.paragraphs if p.text[:3].rstrip(".").isupper() and ". " in p.text[:5]
                and p.text.split(". ", 1)[1].isupper()]
    assert headings == ["I. CÔNG TÁC CHỈ ĐẠO", "II. KẾT QUẢ TRIỂN KHAI THÁNG HÀNH ĐỘNG VÌ BÌNH ĐẲNG GIỚI",
                        "III. KINH PHÍ THỰC HIỆN", "IV. ĐÁNH GIÁ CHUNG", "V. KIẾN NGHỊ, ĐỀ XUẤT"]
    assert "Tổ chức Lễ phát động Tháng hành động: 1/1 đơn vị trả lời có." in text
    assert "báo cáo kết quả thực hiện năm 2026" not in text
    for absent in ("CHỈ TIÊU", "PHƯƠNG HƯỚNG", *(t.title for t in plan.tasks)):
        assert absent not in text  # neither the year's targets and next steps nor its tasks as empty placeholders
    assert "Trên đây là báo cáo kết quả thực hiện Tháng hành động vì bình đẳng giới năm 2026" in text
    assert "Biểu số liệu Tháng hành động vì bình đẳng giới năm 2026" in text


def test_the_appendix_shows_each_declared_split_by_category_and_by_unit_and_a_trong_do_figure(tmp_path: Path) -> None:
    # Given Trạm Y tế's counselling split as declared (nam, nữ, không xác định), a figure Phòng Văn hóa -
    # Xã hội also stored, and Công an xã's victims with "trong đó: dân tộc thiểu số"
    plan = world.plan_with_ethnic_minority_victims()
    period = resolve_period(plan, "nam-2026")
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    when = datetime(2026, 12, 2, tzinfo=VN_TZ)
    stored = {
        "yk-tram-y-te": {"tu_van_skss": {"nam": 2, "nu": 3, "khong_xac_dinh": 1}},
        "yk-vhxh": {"tu_van_skss": {"nam": 1, "nu": 0, "khong_xac_dinh": 2},
                    "blgd_nan_nhan": {"nam": 0, "nu": 1}, "blgd_nan_nhan_dtts": {"nam": 0, "nu": 4}},
        "yk-cong-an": {"blgd_nan_nhan": {"nam": 2, "nu": 3}, "blgd_nan_nhan_dtts": {"nam": 1, "nu": 1}},
    }
    with session(engine) as s:
        for unit, values in stored.items():  # as an import stores them: the form's checks are not run
            record_submission(s, tmp_path, plan_id=plan.id, period=period.id, unit_id=unit, values=values,
                              now=when, source="cli")
        r = build_rollup(s, plan, world.directory(), period, date(2026, 12, 8), CAL)
    engine.dispose()
    # When the draft is written
    doc = Document(str(write_docx(r, tmp_path / "b.docx")))
    main = next(t for t in doc.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    rows = [[c.text for c in row.cells] for row in main.rows]
    # Then the sub-figure is rolled up under its figure, and each declared category has its line
    victims = next(i for i, row in enumerate(rows) if row[1] == "Số nạn nhân bạo lực gia đình")
    assert rows[victims][3:] == ["6", "2", "4"]
    assert rows[victims + 1][1:] == ["Trong đó: người dân tộc thiểu số", "người", "6", "1", "5"]
    skss = next(i for i, row in enumerate(rows) if row[1] == "Số người được tư vấn sức khỏe sinh sản")
    assert [(row[1], row[3]) for row in rows[skss:skss + 4]] == [
        ("Số người được tư vấn sức khỏe sinh sản", "9"), ("- Nam", "3"), ("- Nữ", "3"), ("- Không xác định", "3")]
    # and a table gives each unit's figures by category
    by_unit = next(t for t in doc.tables if t.rows[0].cells[-1].text == "Tổng số" and t.rows[0].cells[1].text == "Đơn vị")
    assert [[c.text for c in row.cells] for row in by_unit.rows] == [
        ["STT", "Đơn vị", "Nam", "Nữ", "Không xác định", "Tổng số"],
        ["1", "Phòng Văn hóa - Xã hội", "1", "0", "2", "3"],
        ["2", "Trạm Y tế xã", "2", "3", "1", "6"],
        ["", "Tổng cộng", "3", "3", "3", "9"]]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Số người được tư vấn sức khỏe sinh sản (người), theo đơn vị" in text
    # and the unit whose sub-figure exceeds its figure is listed for checking
    assert ("- Phòng Văn hóa - Xã hội: Số liệu “Trong đó: người dân tộc thiểu số” không được lớn hơn "
            "“Số nạn nhân bạo lực gia đình” (4 <= 1 không đúng).") in text
