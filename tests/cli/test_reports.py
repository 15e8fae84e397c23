"""The must-show path: submissions from some Yết Kiêu units, then status and rollup from the CLI."""

from __future__ import annotations

import email
import json
from email import policy
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from typer.testing import CliRunner

from kehoach.calendar import VN_TZ
from kehoach.cli import app
from kehoach.store.db import make_engine, session
from kehoach.store.outbox import listing
from kehoach.settings import REPO_ROOT
from tests import reporting_world as world
from tests.servers.smtp import SMTPServer

P = ["--plan", world.PLAN_ID, "--period", "nam-2026"]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    world.write_config(tmp_path / "config")
    monkeypatch.setenv("KEHOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [c.text for row in table.rows for c in row.cells]
    return "\n".join(parts)


def test_status_and_rollup_after_some_units_submitted(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Given three of the five Yết Kiêu bodies report: two on time, one after the 05/12 deadline (a
    # Saturday, so the time limit ran to Monday 07/12: Tuesday 08/12 is late)
    run("submit", *P, "--unit", "yk-cong-an", "--value", "tuyen_truyen_so_cuoc=3",
        "--value", "tuyen_truyen_luot_nguoi__nam=10", "--value", "tuyen_truyen_luot_nguoi__nu=12",
        "--value", "blgd_nan_nhan__nam=0", "--value", "blgd_nan_nhan__nu=2", "--now", "2026-12-01T09:00")
    run("submit", *P, "--unit", "yk-thon-1", "--value", "tuyen_truyen_so_cuoc=2",
        "--value", "tuyen_truyen_luot_nguoi__nam=5", "--value", "tuyen_truyen_luot_nguoi__nu=7",
        "--now", "2026-12-04T15:00")
    run("submit", *P, "--unit", "yk-tram-y-te", "--value", "tuyen_truyen_so_cuoc=1",
        "--value", "tre_sinh_ra__nam=11", "--value", "tre_sinh_ra__nu=10", "--now", "2026-12-08T08:00")

    # When the office asks for the status
    status = json.loads(run("status", *P, "--format", "json"))

    # Then completeness counts all three and timeliness only the two on time
    assert status["expected"][0] == {"id": "yk-vhxh", "name": "Phòng Văn hóa - Xã hội"}
    assert [u["id"] for u in status["submitted"]] == ["yk-cong-an", "yk-tram-y-te", "yk-thon-1"]
    assert [u["id"] for u in status["late"]] == ["yk-tram-y-te"]
    assert [u["id"] for u in status["missing"]] == ["yk-vhxh", "yk-thon-2"]
    assert status["completeness"] == 60.0 and status["timeliness"] == 40.0
    assert status["deadline"] == "2026-12-05" and "tuyen_truyen_so_cuoc" in status["indicators"]
    every = json.loads(run("status", "--plan", world.PLAN_ID, "--format", "json"))
    assert [x["period"] for x in every] == ["nam-2026", "thang-hanh-dong-2026"]

    # And the roll-up writes a DOCX with the ND30 header, the sums and the missing units
    out = tmp_path / "out"
    run("rollup", *P, "--out", str(out), "--now", "2026-12-08T10:00")
    text = docx_text(out / f"bao-cao-{world.PLAN_ID}-nam-2026.docx")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Số cuộc tuyên truyền về bình đẳng giới: 6 cuộc." in text  # 3 + 2 + 1
    assert "Số lượt người tham dự: 34 lượt người (nam: 15; nữ: 19)." in text
    assert "Đơn vị chưa gửi báo cáo: Phòng Văn hóa - Xã hội, Thôn Tây." in text
    assert "Xã Yết Kiêu, ngày 08 tháng 12 năm 2026" in text
    csv = (out / f"bao-cao-{world.PLAN_ID}-nam-2026.csv").read_text(encoding="utf-8-sig")
    assert f"{world.PLAN_ID},nam-2026,tuyen_truyen_luot_nguoi,Số lượt người tham dự,lượt người,flow,TONG,Tổng số,34,15,19" in csv
    # and the same figures as an Excel sheet, numbers as numbers: what the emails attach
    sheet = load_workbook(out / f"bao-cao-{world.PLAN_ID}-nam-2026.xlsx").active
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert (world.PLAN_ID, "nam-2026", "tuyen_truyen_luot_nguoi", "Số lượt người tham dự", "lượt người", "flow",
            "TONG", "Tổng số", 34, 15, 19) in rows


def test_rollup_sent_upward_becomes_the_communes_submission_to_the_city(run) -> None:  # type: ignore[no-untyped-def]
    run("submit", *P, "--unit", "yk-cong-an", "--value", "tuyen_truyen_so_cuoc=3", "--now", "2026-12-01T09:00")
    run("rollup", *P, "--send-upward", "--now", "2026-12-08T10:00")
    city = json.loads(run("status", "--plan", world.CITY_PLAN_ID, "--period", "nam-2026", "--format", "json"))
    assert [u["id"] for u in city["submitted"]] == ["ubnd-xa-yet-kieu"]
    assert [u["id"] for u in city["missing"]] == ["ubnd-xa-khac"]


def test_submit_rejects_a_negative_figure_and_stores_nothing(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["submit", *P, "--unit", "yk-cong-an", "--value", "tuyen_truyen_so_cuoc=-1"])
    assert result.exit_code == 1 and "không được âm" in result.output
    status = json.loads(run("status", *P, "--format", "json"))
    assert status["submitted"] == []


def test_extension_makes_a_late_submission_on_time(run) -> None:  # type: ignore[no-untyped-def]
    run("extend", *P, "--unit", "yk-thon-2", "--until", "10/12/2026")
    run("submit", *P, "--unit", "yk-thon-2", "--value", "tuyen_truyen_so_cuoc=1", "--now", "2026-12-09T09:00")
    status = json.loads(run("status", *P, "--format", "json"))
    assert [u["id"] for u in status["on_time"]] == ["yk-thon-2"] and status["late"] == []


def test_extension_moves_that_units_pending_ladder_at_once_and_no_other(  # type: ignore[no-untyped-def]
        run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the outbox synced on 20/11 over 30 days: every unit is chased towards Friday 04/12 (05/12 is a Saturday)
    monkeypatch.setenv("KEHOACH_SYNC_HORIZON_DAYS", "30")
    run("sync", "--year", "2026", "--now", "2026-11-20T06:30:00+07:00")
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'kehoach.db'}")

    def ladder(unit: str) -> dict[str, tuple[str, str]]:
        with session(engine) as db:
            return {r.key.split("/")[3]: (r.send_at.astimezone(VN_TZ).date().isoformat(), r.deadline.isoformat())
                    for r in listing(db, plan=world.PLAN_ID)
                    if r.unit == unit and r.period == "nam-2026" and r.channel == "email"
                    and r.kind in {"report_reminder", "report_due", "report_overdue"}}

    other_before = ladder("yk-thon-1")
    assert ladder("yk-thon-2")["0"] == ("2026-12-04", "2026-12-04")
    # When the office extends Thôn 2 to Thursday 10/12 (no sync afterwards)
    out = run("extend", *P, "--unit", "yk-thon-2", "--until", "10/12/2026", "--now", "2026-11-20T09:00")
    # Then Thôn 2's pending rows aim at 10/12 (reminders before it, overdue from 11/12), the .ics
    # sequence counts the move, and the other units' rows have not moved
    moved = ladder("yk-thon-2")
    assert moved["0"] == ("2026-12-10", "2026-12-10") and moved["-1"] == ("2026-12-09", "2026-12-10")
    assert moved["+1"] == ("2026-12-11", "2026-12-10")
    assert "7 lời nhắc chưa gửi" in out
    assert ladder("yk-thon-1") == other_before
    with session(engine) as db:
        row = next(r for r in listing(db, plan=world.PLAN_ID) if r.unit == "yk-thon-2" and r.kind == "report_due"
                   and r.channel == "email")
        assert row.context["ics_sequence"] == 1 and "10/12/2026" in row.subject


def test_draft_to_the_office_and_approved_report_to_so_noi_vu_arrive_with_the_docx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp_server: SMTPServer,
) -> None:
    # Given the seed Yết Kiêu plan, one body's report, and SMTP pointing at a local server
    for name, value in {"KEHOACH_CONFIG_DIR": str(REPO_ROOT / "config"), "KEHOACH_DATA_DIR": str(tmp_path),
                        "KEHOACH_SMTP_HOST": "127.0.0.1", "KEHOACH_SMTP_PORT": str(smtp_server.port),
                        "KEHOACH_SMTP_STARTTLS": "false"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    runner = CliRunner()
    yk = ["--plan", "2026-xa-yet-kieu-bdg", "--period", "bc-nam-2026"]
    for args in (["submit", *yk, "--unit", "xa-yk-cong-an", "--value", "blgd_so_vu=2", "--now", "2026-12-01T09:00"],
                 # When the office sends the draft for review and, approved, the report upward
                 ["rollup", *yk, "--send", "--send-upward", "--now", "2026-12-08T10:00"],
                 ["dispatch", "--now", "2026-12-08T10:05:00+07:00"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    # Then Phòng Văn hóa - Xã hội gets the draft and Sở Nội vụ the report, each with the báo cáo attached
    by_to = {}
    for m in smtp_server.recorder.messages:
        msg = email.message_from_bytes(m.content, policy=policy.default)
        by_to.setdefault(str(msg["Subject"]).split("]")[0] + "]", []).append((m.rcpt_tos, msg))
    assert set(by_to) >= {"[Dự thảo báo cáo tổng hợp]", "[Báo cáo]"}
    (draft_to, draft), = by_to["[Dự thảo báo cáo tổng hợp]"]
    (upward_to, upward), = by_to["[Báo cáo]"]
    assert any("vhxh" in a for a in draft_to) and any("noivu" in a or "snv" in a for a in upward_to), upward_to
    for msg in (draft, upward):
        (docx_part,) = [p for p in msg.iter_attachments() if p.get_filename().endswith(".docx")]
        (tmp_path / "got.docx").write_bytes(docx_part.get_content())
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in docx_text(tmp_path / "got.docx")


BREACH = ["--value", "blgd_nan_nhan__nam=0", "--value", "blgd_nan_nhan__nu=2",
          "--value", "blgd_nan_nhan_duoc_ho_tro__nam=1", "--value", "blgd_nan_nhan_duoc_ho_tro__nu=3"]


def test_submit_refuses_figures_that_break_a_rule_and_stores_nothing(run) -> None:  # type: ignore[no-untyped-def]
    # Given the plan's rule: supported victims <= victims; When Công an xã reports 4 supported of 2
    result = CliRunner().invoke(app, ["submit", *P, "--unit", "yk-cong-an", *BREACH])
    # Then the command fails with the rule's Vietnamese message and nothing is recorded
    assert result.exit_code == 1
    assert "Số nạn nhân được hỗ trợ không được lớn hơn số nạn nhân" in " ".join(result.output.split())
    assert json.loads(run("status", *P, "--format", "json"))["submitted"] == []


def test_rollup_docx_prints_each_formula_value(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Given 4 victims of whom 3 were supported, and 11 boys and 10 girls born
    run("submit", *P, "--unit", "yk-cong-an", "--value", "blgd_nan_nhan__nam=1", "--value", "blgd_nan_nhan__nu=3",
        "--value", "blgd_nan_nhan_duoc_ho_tro__nam=1", "--value", "blgd_nan_nhan_duoc_ho_tro__nu=2",
        "--now", "2026-12-01T09:00")
    run("submit", *P, "--unit", "yk-tram-y-te", "--value", "tre_sinh_ra__nam=11", "--value", "tre_sinh_ra__nu=10",
        "--now", "2026-12-01T09:00")
    out = tmp_path / "out"
    run("rollup", *P, "--out", str(out), "--now", "2026-12-08T10:00")
    text = docx_text(out / f"bao-cao-{world.PLAN_ID}-nam-2026.docx")
    # Then the plan's computed indicators appear with their values: 3/4 × 100 and 11/10 × 100
    assert "- Tỷ lệ nạn nhân bạo lực gia đình được tiếp cận dịch vụ hỗ trợ: 75,0 %." in text
    assert ("- Tỷ số giới tính khi sinh: 110,0 trẻ trai/100 trẻ gái "
            "(số trẻ sinh ra trong kỳ ít, chỉ mang tính tham khảo).") in text
    assert "Số liệu cần kiểm tra lại" not in text


def test_rollup_flags_a_unit_breaking_a_rule_instead_of_an_impossible_rate(
    run, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    # Given Công an xã reported 4 supported of 2 victims before the plan had its rule
    rule = world.PLAN.pop("rules")
    try:
        world.write_config(tmp_path / "config")
        run("submit", *P, "--unit", "yk-cong-an", *BREACH, "--now", "2026-12-01T09:00")
    finally:
        world.PLAN["rules"] = rule
    # When the rule is added and the office rolls up
    world.write_config(tmp_path / "config")
    out = tmp_path / "out"
    run("rollup", *P, "--out", str(out), "--now", "2026-12-08T10:00")
    text = docx_text(out / f"bao-cao-{world.PLAN_ID}-nam-2026.docx")
    # Then the unit is named with the rule's message, and no 200 % rate is printed
    assert "Số liệu cần kiểm tra lại" in text
    assert "- Công an xã: Số nạn nhân được hỗ trợ không được lớn hơn số nạn nhân (4 <= 2 không đúng)." in text
    assert ("- Tỷ lệ nạn nhân bạo lực gia đình được tiếp cận dịch vụ hỗ trợ: không tính được vì số liệu "
            "chưa hợp lệ, xem mục kiểm tra số liệu.") in text
    assert "200,0 %" not in text
    # and the Markdown summary says the same
    md = (out / f"bao-cao-{world.PLAN_ID}-nam-2026.md").read_text(encoding="utf-8")
    assert "**Số liệu cần kiểm tra lại**" in md and "- Công an xã: Số nạn nhân được hỗ trợ" in md
    assert "- Tỷ lệ nạn nhân bạo lực gia đình được tiếp cận dịch vụ hỗ trợ: không tính được" in md
    assert "200,0" not in md


def test_a_disaggregated_figure_is_submitted_by_part_and_summed_by_part(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Given Trạm Y tế reports people counselled by sex, with those whose sex is not recorded
    run("submit", *P, "--unit", "yk-tram-y-te", "--value", "tu_van_skss__nam=2", "--value", "tu_van_skss__nu=3",
        "--value", "tu_van_skss__khong_xac_dinh=1", "--now", "2026-12-01T09:00")
    out = tmp_path / "out"
    run("rollup", *P, "--out", str(out), "--now", "2026-12-08T10:00")
    # Then the báo cáo gives the total and each declared part
    text = docx_text(out / f"bao-cao-{world.PLAN_ID}-nam-2026.docx")
    assert "- Số người được tư vấn sức khỏe sinh sản: 6 người (nam: 2; nữ: 3; không xác định: 1)." in text


def test_money_goes_to_the_funds_section_and_texts_to_their_rollup_section(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("submit", *P, "--unit", "yk-vhxh", "--value", "kinh_phi_su_dung=15.000.000",
        "--value", "kien_nghi_de_xuat=Cấp thêm kinh phí cho các thôn.", "--value", "ket_qua_noi_bat=Phối hợp tốt.",
        "--now", "2026-12-01T09:00")
    out = tmp_path / "out"
    run("rollup", *P, "--out", str(out), "--now", "2026-12-08T10:00")
    lines = [p.text for p in Document(str(out / f"bao-cao-{world.PLAN_ID}-nam-2026.docx")).paragraphs]
    after = {h: lines[i + 1] for i, h in enumerate(lines[:-1])}
    assert after["III. KINH PHÍ THỰC HIỆN"] == "- Kinh phí đã sử dụng: 15.000.000 đồng."
    assert after["1. Ưu điểm"] == "- Phòng Văn hóa - Xã hội: Phối hợp tốt."
    assert after["VI. KIẾN NGHỊ, ĐỀ XUẤT"] == "- Phòng Văn hóa - Xã hội: Cấp thêm kinh phí cho các thôn."


def test_a_quarterly_period_is_collected_tracked_and_rolled_up_like_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the xã Hòa Bình plan's quarterly report, due "trước ngày 10 của tháng cuối quý"
    monkeypatch.setenv("KEHOACH_CONFIG_DIR", str(REPO_ROOT / "config"))
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)
    runner = CliRunner()
    q3 = ["--plan", "2026-xa-hoa-binh-cds", "--period", "bc-quy-3-2026"]

    def ok(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    # When the one-stop centre reports on Thursday 10/09 and the Youth Union on Friday 11/09
    ok("submit", *q3, "--unit", "xa-hb-ttphcc", "--value", "ho_so_truc_tuyen_toan_trinh=120", "--now", "2026-09-10T16:00")
    ok("submit", *q3, "--unit", "xa-hb-doan-tn", "--value", "luot_nguoi_duoc_huong_dan__nam=30",
       "--value", "luot_nguoi_duoc_huong_dan__nu=45", "--now", "2026-09-11T09:00")
    status = json.loads(ok("status", *q3, "--format", "json"))
    # Then the status follows the quarter's own deadline: one on time, one late, three missing
    assert status["label"] == "quý III năm 2026" and status["deadline"] == "2026-09-10"
    assert [u["id"] for u in status["on_time"]] == ["xa-hb-ttphcc"]
    assert [u["id"] for u in status["late"]] == ["xa-hb-doan-tn"]
    assert len(status["missing"]) == 3
    # and the roll-up sums the quarter's figures into its báo cáo
    out = tmp_path / "out"
    ok("rollup", *q3, "--out", str(out), "--now", "2026-09-16T10:00")
    text = docx_text(out / "bao-cao-2026-xa-hoa-binh-cds-bc-quy-3-2026.docx")
    assert "quý III năm 2026" in text and "120" in text and "75" in text


def test_a_day_off_in_the_offices_calendar_moves_the_deadline_for_status_and_the_rollup(  # type: ignore[no-untyped-def]
    run, tmp_path: Path
) -> None:
    # Given the office declares Monday 07/12/2026 a day off: the annual report due Saturday 05/12
    # then has until Tuesday 08/12 (a time limit ending on a day off runs to the next working day)
    (tmp_path / "config" / "calendar.yaml").write_text(
        'days_off:\n  - {date: "07/12/2026", reason: "Nghỉ bù của tỉnh"}\nworking_days: []\n', encoding="utf-8")
    run("submit", *P, "--unit", "yk-tram-y-te", "--value", "tuyen_truyen_so_cuoc=1", "--now", "2026-12-08T08:00")

    # Then a report sent on 08/12 is on time in the status, the roll-up's báo cáo and its summary
    status = json.loads(run("status", *P, "--format", "json"))
    assert [u["id"] for u in status["on_time"]] == ["yk-tram-y-te"] and status["late"] == []
    out = tmp_path / "out"
    run("rollup", *P, "--out", str(out), "--now", "2026-12-08T10:00")
    text = docx_text(out / f"bao-cao-{world.PLAN_ID}-nam-2026.docx")
    assert "1 đơn vị gửi đúng hạn" in text and "Đơn vị gửi muộn" not in text
