"""Each rule of the importer on real lines of the seed plans (and of the repository's documents)."""

from datetime import date

import pytest

from kehoach.importer.closing import recipients, signer
from kehoach.importer.document import Line, read_document, text_lines
from kehoach.importer.draft import build_draft
from kehoach.importer.errors import DocumentError
from kehoach.importer.header import read_header
from kehoach.importer.items import parse_items
from kehoach.importer.reports import read_reports
from kehoach.importer.sections import Kind, split
from kehoach.importer.timing import read_timing
from kehoach.importer.units import UnitMatcher
from kehoach.calendar import WorkingCalendar
from kehoach.plans.due_rules import DueRule
from kehoach.plans.loader import load_directory
from kehoach.plans.model import Cadence
from tests.importer.conftest import DOCUMENTS, REPO, SEEDS
from tests.importer.make_documents import write_documents

DIRECTORY = load_directory(REPO / "config" / "contacts.yaml")


def lines(*texts: str) -> list[Line]:
    return text_lines("\n".join(texts), "test")


# --- timing words -------------------------------------------------------------------------------

def test_thuong_xuyen_is_continuous():
    assert read_timing("- *Thời gian thực hiện:* Thường xuyên.").cadence is Cadence.CONTINUOUS


def test_before_a_date_without_a_year():
    t = read_timing("định kỳ báo cáo 06 tháng trước ngày 30/5")
    assert (t.due.day, t.due.month, t.due.year) == (30, 5, None)


def test_before_a_date_with_its_year():
    t = read_timing("gửi báo cáo về Ủy ban nhân dân xã (qua Phòng Văn hóa - Xã hội xã) trước ngày 05/12/2026")
    assert (t.due.day, t.due.month, t.due.year) == (5, 12, 2026)


def test_a_range_from_to():
    t = read_timing("Tháng hành động … năm 2026 (từ ngày 15/11 đến ngày 15/12/2026)")
    assert (t.start.day_month, t.end.day_month, t.end.year) == ("15/11", "15/12", 2026)


def test_a_range_with_a_dash_every_year():
    t = read_timing("(từ 15/11- 15/12 hằng năm)")
    assert (t.start.day_month, t.end.day_month, t.yearly) == ("15/11", "15/12", True)


def test_every_quarter_before_the_tenth_of_its_last_month():
    t = read_timing("hằng quý, báo cáo kết quả trước ngày 10 của tháng cuối quý")
    assert (t.cadence, t.day_in_period) == (Cadence.QUARTERLY, 10)


def test_theo_quy_dinh_is_not_quarterly():
    assert read_timing("thanh quyết toán kinh phí theo quy định hiện hành").cadence is None


# --- unit phrases -------------------------------------------------------------------------------

@pytest.fixture
def yet_kieu() -> UnitMatcher:
    m = UnitMatcher(DIRECTORY)
    m.set_issuer("xa-yk-ubnd", "Yết Kiêu", "xa")
    return m


@pytest.fixture
def lang_son() -> UnitMatcher:
    m = UnitMatcher(DIRECTORY)
    m.set_issuer("stp-ls", "Lạng Sơn")
    return m


@pytest.mark.parametrize(("phrase", "ref"), [
    ("Phòng Văn hóa - Xã hội xã", "xa-yk-vhxh"),
    ("Phòng VHXH", "xa-yk-vhxh"),
    ("Văn phòng HĐND & UBND xã", "xa-yk-vp-hdnd-ubnd"),
    ("Trung tâm dịch vụ SCN xã", "xa-yk-ttdvsnc"),
    ("UBMTTQ và các tổ chức chính trị - xã hội xã", "xa-yk-mttq-doan-the"),
    ("Đề nghị Ủy ban Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị - xã hội xã", "xa-yk-mttq-doan-the"),
    ("Các thôn trên địa bàn xã", "xa-yk-thon"),
    ("Các trường trên địa bàn xã", "xa-yk-truong"),
    ("Sở Nội vụ", "tp-hp-snv"),
    ("TRẠM Y TẾ XÃ", "xa-yk-tram-y-te"),
    ("Tram y te xa", "xa-yk-tram-y-te"),
])
def test_commune_phrases(yet_kieu, phrase, ref):
    [m] = yet_kieu.match_list(phrase)
    assert m.ref == ref and not m.proposed


def test_a_list_with_an_elided_name(lang_son):
    found = lang_son.match_list("Văn phòng Sở, Phòng Nghiệp vụ I, II.")
    assert [m.ref for m in found] == ["stp-ls-van-phong", "stp-ls-nv1", "stp-ls-nv2"]


def test_plural_group_phrase_with_a_comma_inside(lang_son):
    assert [m.ref for m in lang_son.match_list("Các phòng, đơn vị trực thuộc Sở.")] == ["stp-ls-phong-don-vi"]


def test_the_issuers_own_units_win_over_another_offices(lang_son):
    assert [m.ref for m in lang_son.match_list("Phòng Nghiệp vụ II; Văn phòng Sở.")] == ["stp-ls-nv2", "stp-ls-van-phong"]


def test_sở_tp_is_so_tu_phap():
    m = UnitMatcher(DIRECTORY)
    m.set_issuer("stp-dt", "Đồng Tháp")
    assert m.match("Sở TP").ref == "stp-dt"


def test_an_unknown_body_is_proposed_never_guessed(yet_kieu):
    m = yet_kieu.match("Phòng Tài chính xã")
    assert m.proposed and m.ref == "xa-yk-ubnd-phong-tai-chinh-xa"


def test_a_close_name_is_matched_but_doubtful(yet_kieu):
    m = yet_kieu.match("Hội Phụ nữ xã")
    assert m.ref == "xa-yk-hoi-lhpn" and m.doubtful


# --- sections, items, header, closing ------------------------------------------------------------

def test_sections_by_their_heading_words():
    seed = read_document(SEEDS / "004_038db5012473de23.txt")
    layout = split(seed, "004")
    assert [(s.number, s.kind) for s in layout.sections] == [
        ("I", Kind.PURPOSE), ("II", Kind.CONTENT), ("III", Kind.BUDGET), ("IV", Kind.ORGANISATION)]


def test_markdown_marks_and_broken_paragraphs_of_a_copied_text():
    seed = read_document(SEEDS / "001_f7d50b182d91cbdc.txt")
    assert Line("2. Tổ chức triển khai các chương trình, đề án về bình đẳng giới", True) in seed
    commune = read_document(SEEDS / "004_038db5012473de23.txt")
    assert any(line.text.endswith("trẻ em, góp phần ngăn chặn, giảm thiểu tình trạng bạo lực trên cơ sở giới; tổ chức "
                                  "các hoạt động thăm hỏi, động viên, hỗ trợ nạn nhân bị bạo lực.") for line in commune)


def test_attribute_lines_in_their_variants():
    _, [item] = parse_items(lines("4. Nâng cao năng lực", "- Tăng cường tham gia các lớp tập huấn.",
                                  "- *Đơn vị chủ trì thực hiện:* Văn phòng Sở, Phòng Nghiệp vụ I, II.",
                                  "+ Đơn vị   phối hợp : Các đơn vị trực thuộc Sở.",
                                  "- Thời gian hoàn thành: trước ngày 30/6/2026."))
    assert item.attrs == {"lead": ["Văn phòng Sở, Phòng Nghiệp vụ I, II."],
                          "coordinating": ["Các đơn vị trực thuộc Sở."],
                          "timing": ["trước ngày 30/6/2026."]}
    assert item.body == ["Tăng cường tham gia các lớp tập huấn."]


def test_header_fields_and_parent_plan():
    seed = read_document(SEEDS / "004_038db5012473de23.txt")
    layout = split(seed, "004")
    h = read_header(layout.header, layout.closing)
    assert (h.symbol, h.number, h.place, h.day, h.month, h.year) == ("KH-UBND", None, "Xã Yết Kiêu", None, 5, 2026)
    assert h.title == "Triển khai thực hiện công tác bình đẳng giới trên địa bàn xã Yết Kiêu năm 2026"
    assert (h.parent.number, h.parent.date, h.parent.issuer) == ("178/KH-UBND", "15/05/2026", "UBND thành phố")
    assert h.issuer_phrase == "Ủy ban nhân dân xã Yết Kiêu"


def test_recipients_notes_and_archive_line():
    seed = read_document(SEEDS / "000_d7291b72b0397d17.txt")
    found = recipients(split(seed, "000").closing)
    assert (found[0].name, found[0].note) == ("Sở Nội vụ", None)
    assert (found[1].name, found[1].note) == ("Giám đốc Sở", "báo cáo")
    assert found[-1].archive and found[-1].name == "Lưu, VP (D)"


def test_signer_with_position():
    seed = read_document(SEEDS / "000_d7291b72b0397d17.txt")
    s = signer(split(seed, "000").closing)
    assert (s.authority, s.title, s.position, s.name) == (
        "TM. BAN VSTBPN SỞ TƯ PHÁP", "TRƯỞNG BAN", "PHÓ GIÁM ĐỐC SỞ TƯ PHÁP", "Nguyễn Tấn Phong")


# --- the whole draft --------------------------------------------------------------------------------

def test_lead_from_section_iv_when_items_name_none():
    draft = build_draft(read_document(SEEDS / "004_038db5012473de23.txt"), "004", DIRECTORY)
    tasks = {t["section"]: t for t in draft.data["tasks"]}
    assert tasks["II.3"]["lead"] == ["xa-yk-vhxh"]  # IV.1: "Chủ trì, hướng dẫn … triển khai Kế hoạch"
    assert tasks["IV.6"]["lead"] == ["xa-yk-mttq-doan-the"]
    assert tasks["II.6"]["cadence"] == "theo_dot"
    assert draft.data["office"] == "xa-yk-vhxh"


def test_reports_upward_dates_and_recipient():
    draft = build_draft(read_document(SEEDS / "000_d7291b72b0397d17.txt"), "000", DIRECTORY)
    reports = {r["period"]: r for r in draft.data["reports"]}
    assert reports["6_thang"]["upward"] == {"to": "Sở Nội vụ", "unit": "tinh-dt-snv", "due": "30/05"}
    assert reports["nam"]["upward"]["due"] == "30/11"
    assert reports["nam"]["to"] == "stp-dt-van-phong" and reports["nam"]["units"] == ["stp-dt-don-vi"]


def test_campaign_and_occasions():
    draft = build_draft(read_document(SEEDS / "004_038db5012473de23.txt"), "004", DIRECTORY)
    [c] = draft.data["campaigns"]
    assert (c["id"], c["start"], c["end"]) == ("thang-hanh-dong", "15/11", "15/12")
    assert [o["date"] for o in draft.data["occasions"]] == ["08/03", "28/06", "20/10"]


def test_regime_only_reporting_is_noted_not_invented():
    draft = build_draft(read_document(SEEDS / "001_f7d50b182d91cbdc.txt"), "001", DIRECTORY)
    assert draft.data["reports"] == []
    assert any("chế độ thông tin, báo cáo theo quy định" in n for n in draft.notes)


def test_docx_word_numbering_and_task_table(tmp_path):
    [docx] = write_documents(tmp_path)
    read = [line.text for line in read_document(docx)]
    assert "2. Văn phòng Sở theo dõi, đôn đốc, tổng hợp; báo cáo năm trước ngày 10/12/2026 gửi Sở Nội vụ." in read
    assert "- Đơn vị chủ trì: Phòng Kế hoạch - Tài chính" in read
    draft = build_draft(read_document(docx), docx.name, load_directory(DOCUMENTS / "contacts.yaml"))
    tasks = {t["section"]: t for t in draft.data["tasks"]}
    assert (tasks["II.2"]["cadence"], tasks["II.2"]["due"]) == ("theo_thoi_han", "31/07")
    assert draft.data["signer"] == {"authority": "KT. GIÁM ĐỐC", "title": "PHÓ GIÁM ĐỐC", "name": "Trần Văn Minh"}


def test_a_plan_without_task_section_is_refused():
    with pytest.raises(DocumentError, match="không tìm thấy phần nội dung"):
        split(lines("KẾ HOẠCH", "Tổ chức hội nghị", "I. MỤC ĐÍCH, YÊU CẦU", "- Nâng cao nhận thức."), "x")


def test_another_places_bodies_are_never_taken_for_the_issuers():
    # Given a ward's plan and a directory that knows only other offices' bodies
    draft = build_draft(read_document(DOCUMENTS / "phuong-an-binh-chuyen-doi-so.txt"), "x", DIRECTORY)
    # Then the ward and its bodies are proposed, none matched to a commune's or a province's
    names = {m.name for m in draft.proposed}
    assert {"Ủy ban nhân dân phường An Bình", "Công an phường", "Văn phòng HĐND và UBND phường",
            "Phòng Kinh tế, Hạ tầng và Đô thị phường", "Lãnh đạo UBND phường"} <= names
    assert not any(ref.startswith(("xa-yk-", "tinh-dt-")) for t in draft.data["tasks"] for ref in t["lead"])


def test_uncertain_values_say_why():
    # Given a plan whose item has a doubtful lead and a date without a year
    plan = lines("Số: /KH-UBND", "Xã Yết Kiêu, ngày 02 tháng 6 năm 2026", "KẾ HOẠCH", "Công tác gia đình năm 2026",
                 "Ủy ban nhân dân xã Yết Kiêu xây dựng kế hoạch như sau:",
                 "II. NỘI DUNG", "1. Tổ chức ngày hội gia đình", "- Tổ chức tại nhà văn hóa.",
                 "- Đơn vị chủ trì: Hội Phụ nữ xã", "- Thời gian thực hiện: trước ngày 30/6",
                 "IV. TỔ CHỨC THỰC HIỆN", "1. Phòng Văn hóa - Xã hội xã theo dõi, đôn đốc, tổng hợp.",
                 "Nơi nhận:", "- Lưu: VT.", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Tăng Văn Nguyễn")
    draft = build_draft(plan, "x", DIRECTORY)
    reasons = dict(draft.reviews)
    # Then the lead is matched but marked, and so is the date
    assert draft.data["tasks"][0]["lead"] == ["xa-yk-hoi-lhpn"]
    assert "khớp 'Hội Liên hiệp Phụ nữ xã Yết Kiêu' với độ tin cậy thấp" in reasons[("tasks", 0, "lead")]
    assert reasons[("tasks", 0, "due")] == "ngày 30/06 không ghi năm"


def test_a_quarter_or_month_of_a_year_is_its_last_day():
    t = read_timing("Thời gian thực hiện: Quý II/2026")
    assert (t.due.day_month, t.due.year, t.period_end) == ("30/06", 2026, True)
    assert read_timing("tháng 2 năm 2028").due.day_month == "29/02"


def test_a_month_and_year_is_no_day_and_month():
    assert read_timing("trong tháng 6/2026").due.day_month == "30/06"


def test_each_date_takes_the_period_word_nearest_before_it():
    found, _ = read_reports(["Văn phòng Sở báo cáo định kỳ 6 tháng (trước ngày 15/6) và năm (trước ngày 15/12) "
                             "gửi Sở Nội vụ."], _dong_thap(), "stp-dt")
    assert {p: r.upward_due.day_month for p, r in found.items()} == {"6_thang": "15/06", "nam": "15/12"}


def _dong_thap() -> UnitMatcher:
    m = UnitMatcher(DIRECTORY)
    m.set_issuer("stp-dt", "Đồng Tháp")
    return m


def test_lower_case_headings_with_section_words_and_multi_line_bold_titles():
    plan = [Line("Số: 3/KH-STP"), Line("Đồng Tháp, ngày 02 tháng 4 năm 2026"), Line("KẾ HOẠCH", True),
            Line("Tuyên truyền pháp luật", True), Line("năm 2026", True),
            Line("Sở Tư pháp xây dựng kế hoạch như sau:"), Line("I. Mục đích, yêu cầu"), Line("- Nâng cao nhận thức."),
            Line("II. Nội dung thực hiện"), Line("1. Tuyên truyền"), Line("- Đơn vị chủ trì: Văn phòng Sở"),
            Line("IV. Tổ chức thực hiện"), Line("1. Văn phòng Sở theo dõi, đôn đốc, tổng hợp."),
            Line("Nơi nhận:"), Line("- Như mục IV;"), Line("- Lưu: VT."), Line("GIÁM ĐỐC"), Line("(Đã ký)"),
            Line("Nguyễn Văn B")]
    draft = build_draft(plan, "x", DIRECTORY)
    assert draft.data["title"] == "Tuyên truyền pháp luật năm 2026"
    assert [t["section"] for t in draft.data["tasks"]] == ["II.1"]
    # "Như mục IV" stands for the bodies of section IV, and the signature skips "(Đã ký)"
    assert draft.data["recipients"][0]["units"] == ["stp-dt-van-phong"]
    assert draft.data["signer"] == {"authority": "GIÁM ĐỐC", "title": "GIÁM ĐỐC", "name": "Nguyễn Văn B"}


def test_a_pipe_table_of_a_copied_text_is_read_as_tasks():
    read = lines("| STT | Nội dung | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian |", "|---|---|---|---|---|",
                 "| 1 | Rà soát văn bản | **Phòng Nghiệp vụ I** | Văn phòng Sở | Quý II/2026 |")
    assert [line.text for line in read] == ["1. Rà soát văn bản", "- Đơn vị chủ trì: Phòng Nghiệp vụ I",
                                            "- Đơn vị phối hợp: Văn phòng Sở", "- Thời gian thực hiện: Quý II/2026"]


def test_a_content_section_of_bullets_only_gives_a_task_per_bullet():
    plan = lines("Số: /KH-STP", "Đồng Tháp, ngày 02 tháng 4 năm 2026", "KẾ HOẠCH", "Công tác năm 2026",
                 "Sở Tư pháp xây dựng kế hoạch như sau:", "II. NỘI DUNG", "- Tuyên truyền pháp luật.",
                 "- Tập huấn nghiệp vụ.", "IV. TỔ CHỨC THỰC HIỆN", "1. Văn phòng Sở theo dõi, đôn đốc, tổng hợp.",
                 "Nơi nhận:", "- Lưu: VT.", "GIÁM ĐỐC", "Nguyễn Văn B")
    draft = build_draft(plan, "x", DIRECTORY)
    assert [(t["section"], t["title"]) for t in draft.data["tasks"]] == [
        ("II.1", "Tuyên truyền pháp luật."), ("II.2", "Tập huấn nghiệp vụ.")]


def test_a_report_about_to_the_commune_is_the_units_deadline():
    m = UnitMatcher(DIRECTORY)
    m.set_issuer("xa-yk-ubnd", "Yết Kiêu", "xa")
    found, via = read_reports(["Các cơ quan, đơn vị báo cáo kết quả thực hiện về UBND xã (qua Phòng VHXH) trước ngày "
                               "15/11/2026 để tổng hợp, báo cáo Sở Nội vụ."], m, "xa-yk-ubnd")
    [r] = found.values()
    assert (r.units_due.day_month, r.upward_due, r.upward_to) == ("15/11", None, "Sở Nội vụ")
    assert via.ref == "xa-yk-vhxh"


def test_a_duty_heading_ending_with_a_colon_names_its_body():
    plan = lines("Số: /KH-UBND", "Xã Yết Kiêu, ngày 02 tháng 6 năm 2026", "KẾ HOẠCH", "Công tác năm 2026",
                 "Ủy ban nhân dân xã Yết Kiêu xây dựng kế hoạch như sau:", "II. NỘI DUNG", "1. Tuyên truyền",
                 "- Tuyên truyền pháp luật.", "IV. TỔ CHỨC THỰC HIỆN", "1. Công an xã:", "- Chủ trì xử lý vi phạm.",
                 "2. Các nhiệm vụ khác:", "- Thực hiện khi được giao.",
                 "Nơi nhận:", "- Lưu: VT.", "CHỦ TỊCH", "Tăng Văn Nguyễn")
    draft = build_draft(plan, "x", DIRECTORY)
    tasks = {t["section"]: t for t in draft.data["tasks"]}
    assert tasks["IV.1"]["lead"] == ["xa-yk-cong-an"] and tasks["IV.1"]["title"] == "Công an xã"
    assert "IV.2" not in tasks  # "Các nhiệm vụ khác" is no body
    assert tasks["II.1"]["lead"] == ["xa-yk-cong-an"]  # the body that "chủ trì"


# --- the general plan model: periods, due rules, spans, dated tasks ------------------------------

def _an_binh() -> UnitMatcher:
    m = UnitMatcher(load_directory(DOCUMENTS / "contacts.yaml"))
    m.set_issuer("p-ab-ubnd", "An Bình")
    return m


def test_a_quarterly_report_due_in_the_quarters_last_month_is_a_relative_rule():
    found, _ = read_reports(["Các phòng chuyên môn gửi báo cáo hằng quý về Văn phòng HĐND và UBND phường trước "
                             "ngày 10 của tháng cuối quý."], _an_binh(), "p-ab-ubnd")
    assert found["quy"].units_rule == "ngày 10 của tháng cuối kỳ"
    assert DueRule.model_validate(found["quy"].units_rule).date_for(
        2026, date(2026, 9, 14), WorkingCalendar(2026, 2026)) == date(2026, 9, 10)


def test_a_monthly_report_due_the_month_after_is_a_relative_rule():
    found, _ = read_reports(["Các phòng chuyên môn báo cáo hằng tháng về Văn phòng HĐND và UBND phường trước "
                             "ngày 20 của tháng sau."], _an_binh(), "p-ab-ubnd")
    assert found["thang"].units_rule == "ngày 20 của tháng sau"


def test_a_day_of_every_month_is_the_monthly_windows_closing_month():
    found, _ = read_reports(["Định kỳ báo cáo trước ngày 25 hằng tháng."], _an_binh(), "p-ab-ubnd")
    assert found["thang"].units_rule == "ngày 25 của tháng cuối kỳ"


def test_working_days_after_the_cutoff_are_a_rule_of_their_own():
    found, _ = read_reports(["Báo cáo quý gửi Sở Nội vụ trong 05 ngày làm việc sau ngày chốt số liệu."],
                            _an_binh(), "p-ab-ubnd")
    assert found["quy"].upward_rule == "5 ngày làm việc sau ngày chốt số liệu"
    assert found["quy"].upward_to == "Sở Nội vụ"


def test_six_month_and_annual_reports_keep_their_fixed_dates():
    found, _ = read_reports(["Văn phòng HĐND và UBND phường báo cáo 6 tháng trước ngày 15/6/2026 và báo cáo năm "
                             "trước ngày 15/11/2026 gửi Sở Nội vụ."], _an_binh(), "p-ab-ubnd")
    assert {p: r.upward_due.day_month for p, r in found.items()} == {"6_thang": "15/06", "nam": "15/11"}


def _plan_with(org_line: str, timing: str = "Thường xuyên", title: str = "Công tác năm 2026") -> dict:
    plan = lines("ỦY BAN NHÂN DÂN", "PHƯỜNG AN BÌNH", "Số: 7/KH-UBND", "An Bình, ngày 05 tháng 01 năm 2026",
                 "KẾ HOẠCH", title, "II. NHIỆM VỤ", "1. Rà soát thủ tục hành chính",
                 "- Đơn vị chủ trì: Văn phòng HĐND và UBND phường.", f"- Thời gian thực hiện: {timing}.",
                 "IV. TỔ CHỨC THỰC HIỆN", f"1. {org_line}", "Nơi nhận:", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN",
                 "CHỦ TỊCH", "Lê Thị Hoa")
    return build_draft(plan, "x", load_directory(DOCUMENTS / "contacts.yaml")).data


def test_a_thematic_report_with_its_date_is_a_one_off_report_with_a_window():
    d = _plan_with("Các phòng chuyên môn thuộc UBND phường gửi báo cáo chuyên đề về Văn phòng HĐND và UBND phường "
                   "trước ngày 15/9/2026.")
    (report,) = d["reports"]
    assert (report["period"], report["due"]) == ("chuyen_de", "15/09/2026")
    assert report["window"] == {"from": "05/01/2026", "to": "15/09/2026"}


def test_a_quarterly_report_is_a_report_not_a_note():
    d = _plan_with("Các phòng chuyên môn thuộc UBND phường báo cáo quý về Văn phòng HĐND và UBND phường trước "
                   "ngày 10 của tháng cuối quý.")
    assert [(r["period"], r["due"]) for r in d["reports"]] == [("quy", "ngày 10 của tháng cuối kỳ")]


def test_done_within_a_quarter_or_a_month_is_a_window():
    assert _plan_with("Văn phòng HĐND và UBND phường theo dõi.", "hoàn thành trong Quý III/2026")["tasks"][0][
        "window"] == {"quarter": 3, "year": 2026}
    assert _plan_with("Văn phòng HĐND và UBND phường theo dõi.", "trong tháng 11/2026")["tasks"][0][
        "window"] == {"month": 11, "year": 2026}


def test_a_multi_year_title_gives_the_span_and_dated_tasks_keep_their_year():
    d = _plan_with("Văn phòng HĐND và UBND phường theo dõi.", "trước ngày 15/9/2026",
                   "Cải cách hành chính giai đoạn 2026 - 2030")
    assert (d["year"], d["years"]) == (2026, "2026–2030")
    assert d["tasks"][0]["due"] == "15/09/2026"
    assert _plan_with("Văn phòng HĐND và UBND phường theo dõi.", "trước ngày 15/9/2026")["tasks"][0]["due"] == "15/09"


# --- milestones ----------------------------------------------------------------------------------

def test_dated_steps_of_one_timing_line_are_milestones_with_what_is_due():
    d = _plan_with("Văn phòng HĐND và UBND phường theo dõi.",
                   "khảo sát hộ kinh doanh trước ngày 30/6/2026; triển khai mã QR, hoàn thành trước 15/12/2026")
    task = d["tasks"][0]
    assert task["cadence"] == "theo_thoi_han" and "due" not in task
    assert task["milestones"] == [{"title": "Khảo sát hộ kinh doanh", "due": "30/06/2026"},
                                  {"title": "Triển khai mã QR", "due": "15/12/2026"}]


def test_one_dated_step_stays_a_due_date():
    task = _plan_with("Văn phòng HĐND và UBND phường theo dõi.", "hoàn thành trước ngày 15/9/2026")["tasks"][0]
    assert task["due"] == "15/09" and "milestones" not in task


def test_dated_content_lines_are_milestones_when_no_timing_line_is_written_and_a_yearless_one_is_marked():
    plan = lines("ỦY BAN NHÂN DÂN", "PHƯỜNG AN BÌNH", "Số: 7/KH-UBND", "An Bình, ngày 05 tháng 01 năm 2026",
                 "KẾ HOẠCH", "Công tác năm 2026", "II. NHIỆM VỤ", "1. Số hóa hồ sơ",
                 "- Hoàn thành số hóa hồ sơ năm 2025 trước ngày 30/4.",
                 "- Số hóa hồ sơ năm 2024, xong trước ngày 31/8/2026.",
                 "- Đơn vị chủ trì: Văn phòng HĐND và UBND phường.", "IV. TỔ CHỨC THỰC HIỆN",
                 "1. Văn phòng HĐND và UBND phường theo dõi.", "Nơi nhận:", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN",
                 "CHỦ TỊCH", "Lê Thị Hoa")
    draft = build_draft(plan, "x", load_directory(DOCUMENTS / "contacts.yaml"))
    assert draft.data["tasks"][0]["milestones"] == [{"title": "Hoàn thành số hóa hồ sơ năm 2025", "due": "30/04"},
                                                    {"title": "Số hóa hồ sơ năm 2024", "due": "31/08/2026"}]
    assert dict(draft.reviews)[("tasks", 0, "milestones", 0, "due")] == "ngày 30/04 không ghi năm"


def test_the_closest_candidates_of_a_doubtful_name_are_ranked_for_the_clerk(yet_kieu):
    found = yet_kieu.candidates("Hội Phụ nữ xã", 3)
    assert [m.ref for m in found] == ["xa-yk-hoi-lhpn", "xa-yk-hoi-nong-dan", "xa-yk-hoi-ccb"]
    assert found[0].score > found[1].score > found[2].score
