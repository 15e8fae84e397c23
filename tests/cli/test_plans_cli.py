"""``kehoach validate`` and ``kehoach preview`` as a user runs them."""

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from kehoach.calendar import build_calendar
from kehoach.expansion.expand import expand
from kehoach.plans.config import load_config
from kehoach.settings import Settings
from tests.factories import PLAN, write_config

REPO = Path(__file__).resolve().parents[2]


def kehoach(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kehoach", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "COLUMNS": "200", **(env or {})}, timeout=60)


def test_validate_the_seed_plans():
    files = sorted(str(p) for p in (REPO / "config" / "plans").glob("*.yaml"))
    result = kehoach("validate", *files)
    assert result.returncode == 0, result.stderr
    assert "Hợp lệ: 5 kế hoạch" in result.stdout


def test_validate_a_broken_plan_lists_every_error_and_exits_1(tmp_path):
    cfg = write_config(tmp_path, plan=PLAN.replace("lead: [phong-1]", "lead: [phong-9]")
                       .replace("coordinating: [cac-don-vi]", "coordinating: [nhom-khong-co]"))
    result = kehoach("validate", env={"KEHOACH_CONFIG_DIR": str(cfg)})
    assert result.returncode == 1
    assert "plan.yaml:16: tasks[0].lead[0]: đơn vị 'phong-9' không có trong danh bạ đơn vị" in result.stderr
    assert "plan.yaml:17: tasks[0].coordinating[0]: đơn vị 'nhom-khong-co'" in result.stderr
    assert "2 lỗi trong cấu hình" in result.stderr


def test_preview_json_lists_each_plans_reminders_on_working_days():
    result = kehoach("preview", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"key", "plan", "kind", "send_at", "unit", "channel", "deadline", "subject"} <= set(rows[0])
    cal = build_calendar([2026], extra_working_days={date(2026, 8, 22): "làm bù"})
    for plan in ("2026-stp-dong-thap-bdg", "2026-stp-lang-son-bdg", "2026-xa-yet-kieu-bdg"):
        kinds = {r["kind"] for r in rows if r["plan"] == plan}
        assert {"report_reminder", "report_due", "campaign_kickoff", "campaign_closing", "escalation"} <= kinds
    assert any(r["kind"] == "occasion" for r in rows if r["plan"] == "2026-xa-yet-kieu-bdg")
    for r in rows:
        sent = datetime.fromisoformat(r["send_at"])
        assert r["send_at"].endswith("+07:00")
        assert cal.is_working_day(sent.date()), r


def test_preview_json_and_csv_are_every_notification_by_time_then_key_as_before_streaming():
    """Written as the events are read, byte for byte what ``json.dump(indent=1)`` and ``csv.DictWriter``
    of the sorted expansions wrote."""
    cfg = load_config(Settings(config_dir=REPO / "config"))
    cal = cfg.calendar([2026])
    notes = sorted((n for p in cfg.plans.values() for n in expand(p, 2026, cfg.directory, cal)),
                   key=lambda n: (n.send_at, n.key))
    result = kehoach("preview", "--year", "2026", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stdout == json.dumps([n.as_dict() for n in notes], ensure_ascii=False, indent=1) + "\n"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(notes[0].as_dict()))
    writer.writeheader()
    writer.writerows(n.as_dict() for n in notes)
    result = kehoach("preview", "--year", "2026", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.replace("\r\n", "\n") == buf.getvalue().replace("\r\n", "\n")
    empty = kehoach("preview", "--year", "2040", "--format", "json")
    assert empty.returncode == 0 and empty.stdout == "[]\n"


def test_preview_table_groups_by_month_in_vietnamese():
    result = kehoach("preview", "--year", "2026", "--plan", "2026-xa-yet-kieu-bdg")
    assert result.returncode == 0, result.stderr
    assert "Tháng 11/2026" in result.stdout and "Thứ Hai, 16/11/2026" in result.stdout
    assert "Tháng 3/2026" not in result.stdout  # the commune's plan takes effect in June


def test_preview_of_an_unknown_plan_names_the_known_ones():
    result = kehoach("preview", "--year", "2026", "--plan", "khong-co")
    assert result.returncode == 1
    assert "không có kế hoạch 'khong-co'" in result.stderr and "2026-xa-yet-kieu-bdg" in result.stderr


def test_preview_csv_has_a_header_and_rows():
    result = kehoach("preview", "--year", "2026", "--plan", "2026-stp-lang-son-bdg", "--format", "csv")
    lines = result.stdout.splitlines()
    assert lines[0].startswith("key,plan,kind,unit,channel,send_at,deadline")
    assert len(lines) > 100


BAD = PLAN.replace("""    cadence: thuong_xuyen
reports:""", """    cadence: thuong_xuyen
  - id: ii-2
    section: II.2
    title: Số hóa hồ sơ
    content: [Số hóa hồ sơ]
    lead: [phong-1]
    cadence: theo_thoi_han
    window: {quarter: 5, year: 2026}
  - id: ii-3
    section: II.3
    title: Kiện toàn
    content: [Kiện toàn Ban chỉ đạo, tuyên truyền, phổ biến pháp luật]
    lead: [phong-1]
    cadence: theo_thoi_han
    due: 15/09/2027
campaigns:
  - id: cao-diem
    title: Đợt cao điểm
    start: 01/10
    end: 31/10
    units: [cac-don-vi]
    activities: [Tuyên truyền, phổ biến pháp luật về bình đẳng giới]
reports:
  - id: quy
    title: Báo cáo quý
    period: quy
    units: [cac-don-vi]
    to: van-phong
    due: trước ngày mười của tháng cuối quý
  - id: dot
    title: Báo cáo đợt
    period: theo_dot
    campaign: cao-diem
    units: [cac-don-vi]
    to: van-phong
    due: 20/09
  - id: sau
    title: Báo cáo 6 tháng
    period: 6_thang
    units: [cac-don-vi]
    to: van-phong
    due: 10/12/2025""").replace("upward: {to: Sở Nội vụ, unit: snv, due: 15/12}", "upward: {to: Sở Nội vụ, unit: snv, due: 01/12}")


def test_validate_names_an_unreadable_due_rule_and_a_quarter_5_with_file_line_and_path(tmp_path):
    result = kehoach("validate", env={"KEHOACH_CONFIG_DIR": str(write_config(tmp_path, plan=BAD))})
    assert result.returncode == 1
    err = " ".join(result.stderr.split())
    assert "plan.yaml:25: tasks[1].window.quarter: quý 5 không tồn tại (chỉ có quý 1 đến quý 4)" in err
    assert ("plan.yaml:46: reports[0].due: không đọc được quy tắc hạn 'trước ngày mười của tháng cuối quý'; "
            "viết dd/mm, dd/mm/yyyy, 'ngày 10 của tháng cuối kỳ'") in err


def test_validate_names_every_date_that_cannot_work_with_file_line_and_path(tmp_path):
    plan = BAD.replace("quarter: 5", "quarter: 3").replace("trước ngày mười của tháng cuối quý", "05/12")
    result = kehoach("validate", env={"KEHOACH_CONFIG_DIR": str(write_config(tmp_path, plan=plan))})
    assert result.returncode == 1
    err = " ".join(result.stderr.split())
    assert "plan.yaml:32: tasks[2].due: ngày 15/09/2027 nằm ngoài thời gian của kế hoạch (năm 2026)" in err
    assert "plan.yaml:59: reports[2].due: ngày 10/12/2025 nằm ngoài thời gian của kế hoạch (năm 2026)" in err
    assert ("plan.yaml:46: reports[0].due: kỳ 'quy' lặp lại trong năm nên cần quy tắc hạn theo kỳ "
            "(ví dụ 'ngày 10 của tháng cuối kỳ', 'ngày 20 của tháng sau'), không phải ngày cố định 05/12") in err
    assert ("plan.yaml:53: reports[1].due: báo cáo kết quả 'dot' có hạn trước ngày đợt 'cao-diem' bắt đầu "
            "(01/10/2026)") in err
    assert ("plan.yaml:66: reports[3].upward.due: hạn gửi Sở Nội vụ 01/12/2026 sớm hơn hạn các đơn vị gửi "
            "báo cáo (05/12/2026, kỳ nam-2026)") in err


def test_validate_warns_of_an_early_due_date_and_a_comma_that_split_a_sentence(tmp_path):
    plan = PLAN.replace("due: 05/12\n", "due: 05/12\n  - id: chuyen-de\n    title: Báo cáo chuyên đề\n"
                        "    period: chuyen_de\n    units: [cac-don-vi]\n    to: van-phong\n    due: 20/06/2026\n"
                        "    window: {from: 01/07/2026, to: 31/08/2026}\n")
    plan = plan.replace("content: [Tuyên truyền pháp luật về bình đẳng giới]",
                        "content: [Tuyên truyền, phổ biến pháp luật về bình đẳng giới, \"Số hóa, lưu trữ hồ sơ\"]")
    result = kehoach("validate", env={"KEHOACH_CONFIG_DIR": str(write_config(tmp_path, plan=plan))})
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert ("plan.yaml:15: tasks[0].content[1]: cảnh báo: 'phổ biến pháp luật về bình đẳng giới' có vẻ là phần "
            "sau của câu trước, bị dấu phẩy không đặt trong ngoặc kép tách ra; hãy đặt cả câu trong dấu ngoặc kép") in out
    assert out.count("cảnh báo: '") == 1  # the quoted "Số hóa, lưu trữ hồ sơ" is one item, as meant
    assert ("plan.yaml:31: reports[1].due: cảnh báo: hạn 20/06/2026 của kỳ chuyen-de-2026 trước khi kỳ lấy số liệu "
            "bắt đầu (01/07/2026); Nghị định 09/2019 cần ít nhất một ngày làm việc") in out


def test_dd_mm_yyyy_is_a_date_wherever_a_date_is(tmp_path):
    plan = PLAN.replace("due: 05/12", "due: 05/12/2026").replace("due: 15/12}", "due: 15/12/2026}")
    result = kehoach("validate", env={"KEHOACH_CONFIG_DIR": str(write_config(tmp_path, plan=plan))})
    assert result.returncode == 0, result.stderr


def _rows(year: int) -> list[dict]:
    result = kehoach("preview", "--year", str(year), "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_preview_2026_chases_each_quarter_before_its_deadline_and_dated_tasks_from_the_start():
    rows = [r for r in _rows(2026) if r["plan"] == "2026-xa-hoa-binh-cds" and r["channel"] == "email"]
    cal = build_calendar([2026], extra_working_days={date(2026, 8, 22): "làm bù"})
    # Quarterly report "trước ngày 10 của tháng cuối quý": 10/03, 10/06, 10/09, 10/12/2026, all working days
    for q, deadline in enumerate(("2026-03-10", "2026-06-10", "2026-09-10", "2026-12-10"), 1):
        period = [r for r in rows if r["period"] == f"bc-quy-{q}-2026" and r["unit"] == "xa-hb-kinh-te"]
        due = [r for r in period if r["kind"] == "report_due"]
        assert [r["deadline"] for r in due] == [deadline] and due[0]["send_at"].startswith(deadline)
        before = [r for r in period if r["kind"] == "report_reminder"]
        assert before and all(r["send_at"][:10] < deadline for r in before)
        assert all(cal.is_working_day(date.fromisoformat(r["send_at"][:10])) for r in period)
    # the first quarter's reminders start when the plan takes effect (02/03), not before
    assert min(r["send_at"] for r in rows if r["period"] == "bc-quy-1-2026") >= "2026-03-02"
    # A dated task ("trước ngày 31/3/2026") is announced the day the plan takes effect, then laddered
    task = sorted((r["send_at"][:10], r["key"].split("/")[4]) for r in rows
                  if "/task_reminder/ii-1-kien-toan-to-cong-nghe-so/" in r["key"] and r["unit"] == "xa-hb-van-phong")
    assert task[0] == ("2026-03-02", "announce")
    assert [s for d, s in task if d <= "2026-03-31"] == ["announce", "-10", "-5", "-2", "-1", "0"]
    assert [s for d, s in task if d > "2026-03-31"] == ["+1", "+3"]  # overdue notices to the lead unit
    # A window task ("trong Quý III/2026") gets a notice when the window opens, the ladder before it closes
    window = sorted((r["send_at"][:10], r["key"].split("/")[4], r["deadline"]) for r in rows
                    if "/ii-2-so-hoa-ho-so/" in r["key"] and r["unit"] == "xa-hb-ttphcc" and r["kind"] == "task_reminder")
    assert ("2026-07-01", "open", "2026-09-30") in window
    assert ("2026-09-30", "0", "2026-09-30") in window
    # Each milestone of a task has its own ladder
    steps = {(r["key"].split("/")[4], r["key"].split("/")[5], r["deadline"]) for r in rows
             if "/task_reminder/ii-3-thanh-toan-khong-dung-tien-mat/2026/m" in r["key"]}
    assert {("m1", "0", "2026-06-15"), ("m1", "-10", "2026-06-15"), ("m2", "0", "2026-09-15")} <= steps


def test_preview_2028_for_the_multi_year_plan_and_nothing_for_the_2026_plans():
    rows = _rows(2028)
    assert {r["plan"] for r in rows} == {"2026-2030-skhcn-lang-son-cchc"}
    cchc = [r for r in rows if r["unit"] == "skhcn-ls-thanh-tra" and r["channel"] == "email"]
    assert {r["period"] for r in cchc if r["kind"] == "report_due"} == (
        {f"bc-thang-{m:02d}-2028" for m in range(1, 13)} | {"bc-nam-2028"})
    # the sơ kết task dated 30/06/2028 is chased in 2028 only
    assert any("/ii-4-so-ket-giai-doan/2028/0/" in r["key"] for r in rows)
    rows_2027 = _rows(2027)
    assert {r["plan"] for r in rows_2027} == {"2026-2030-skhcn-lang-son-cchc"}  # "năm 2026" plans have ended
    assert not any("/ii-4-so-ket-giai-doan/" in r["key"] for r in rows_2027)
    assert _rows(2031) == []
