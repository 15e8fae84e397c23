"""The three seed plans expand to the 2026 schedule a clerk would expect."""

from datetime import date

import pytest

from kehoach.plans.config import Config, load_config
from kehoach.expansion.expand import expand
from kehoach.notification import Kind, Notification
from kehoach.settings import Settings

DT, LS, YK = "2026-stp-dong-thap-bdg", "2026-stp-lang-son-bdg", "2026-xa-yet-kieu-bdg"


@pytest.fixture(scope="module")
def cfg() -> Config:
    return load_config(Settings())


@pytest.fixture(scope="module")
def year(cfg) -> dict[str, list[Notification]]:
    cal = cfg.calendar([2026])
    return {pid: expand(plan, 2026, cfg.directory, cal) for pid, plan in cfg.plans.items()}


def on(notes, day: date, kind: Kind | None = None) -> list[Notification]:
    return [n for n in notes if n.send_at.date() == day and (kind is None or n.kind is kind)]


def test_no_notification_falls_on_a_weekend_or_holiday(cfg, year):
    cal = cfg.calendar([2026])
    for notes in year.values():
        assert notes
        bad = [n.key for n in notes if not cal.is_working_day(n.send_at.date())]
        assert bad == []


def test_dong_thap_last_reminder_before_saturday_30_5_goes_to_the_office_on_friday(year):
    # Given the Sở must report to Sở Nội vụ before 30/05/2026, a Saturday
    before = [n for n in year[DT] if n.send_at.date() < date(2026, 5, 30)
              and n.kind in (Kind.REPORT_REMINDER, Kind.REPORT_DUE, Kind.OFFICE_COMPILE)]
    last = max(before, key=lambda n: n.send_at)
    # Then the last reminder is Friday 29/05 to Văn phòng Sở, aimed at that Friday
    assert last.send_at.date() == date(2026, 5, 29)
    assert last.kind is Kind.OFFICE_COMPILE and last.unit == "stp-dt-van-phong"
    assert last.deadline == date(2026, 5, 29)
    assert "Sở Nội vụ" in last.subject and "Thứ Sáu, 29/05/2026" in last.subject
    # and the units were asked for their 6-month figures on the days of the ladder before it
    unit_days = sorted({n.send_at.date() for n in year[DT] if n.period == "bc-6-thang-2026"
                        and n.kind in (Kind.REPORT_REMINDER, Kind.REPORT_DUE)})
    assert unit_days == [date(2026, 5, 6), date(2026, 5, 13), date(2026, 5, 18), date(2026, 5, 19),
                         date(2026, 5, 20)]


def test_dong_thap_units_that_have_not_reported_are_escalated_to_van_phong(year):
    esc = [n for n in year[DT] if n.kind is Kind.ESCALATION and n.period == "bc-nam-2026"]
    assert sorted({n.send_at.date() for n in esc}) == [date(2026, 11, 23), date(2026, 11, 26)]
    assert {n.unit for n in esc} == {"stp-dt-van-phong"}


def test_nothing_on_sunday_15_11_the_action_month_is_kicked_off_on_monday(year, cfg):
    for pid, notes in year.items():
        if not cfg.plans[pid].campaigns:
            continue  # the chuyển đổi số and CCHC plans hold no campaign
        assert on(notes, date(2026, 11, 15)) == []
        kickoff = on(notes, date(2026, 11, 16), Kind.CAMPAIGN_KICKOFF)
        campaign_units = {u.id for u in cfg.directory.resolve(cfg.plans[pid].campaigns[0].units)}
        assert {n.unit for n in kickoff} == campaign_units, pid
        assert "Thứ Hai" not in kickoff[0].subject and "Chủ Nhật, 15/11/2026" in kickoff[0].subject
        # notice five working days before 15/11, weekly on Mondays, closing on Tuesday 15/12
        assert {n.send_at.date() for n in notes if n.kind is Kind.CAMPAIGN_NOTICE} == {date(2026, 11, 9)}
        assert sorted({n.send_at.date() for n in notes if n.kind is Kind.CAMPAIGN_WEEKLY}) == [
            date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14)]
        assert {n.send_at.date() for n in notes if n.kind is Kind.CAMPAIGN_CLOSING} == {date(2026, 12, 15)}


def test_yet_kieu_bodies_report_by_friday_4_12_for_saturday_5_12(year, cfg):
    due = [n for n in year[YK] if n.kind is Kind.REPORT_DUE]
    assert {n.send_at.date() for n in due} == {date(2026, 12, 4)}
    expected = {u.id for u in cfg.directory.resolve(cfg.plans[YK].reports[0].units)}
    assert {n.unit for n in due} == expected
    assert {"xa-yk-thon-1", "xa-yk-cong-an"} <= expected
    # overdue notices count from Monday 07/12, the legal deadline
    assert sorted({n.send_at.date() for n in year[YK] if n.kind is Kind.REPORT_OVERDUE}) == [
        date(2026, 12, 8), date(2026, 12, 10)]
    # the commune's own report to Sở Nội vụ is Phòng Văn hóa - Xã hội's job
    compile_ = [n for n in year[YK] if n.kind is Kind.OFFICE_COMPILE]
    assert {n.unit for n in compile_} == {"xa-yk-vhxh"}


def test_yet_kieu_occasions_in_force_after_june(year):
    occasions = sorted({(n.send_at.date(), n.context["occasion_date"]) for n in year[YK] if n.kind is Kind.OCCASION})
    # 08/03 falls before the plan takes effect (01/06/2026); 28/06 is a Sunday, 20/10 a Tuesday
    assert occasions == [(date(2026, 6, 22), "2026-06-28"), (date(2026, 10, 13), "2026-10-20")]


def test_lang_son_follows_the_national_regime_by_default(year):
    due = {n.period: n.deadline for n in year[LS] if n.kind is Kind.REPORT_DUE}
    assert due == {"bc-6-thang-2026": date(2026, 6, 10), "bc-nam-2026": date(2026, 12, 10),
                   "bc-thang-hanh-dong-2026": date(2026, 12, 18)}
    # each task's lead unit is reminded of it every quarter from the plan's start
    nv2 = sorted({n.send_at.date() for n in year[LS] if n.kind is Kind.TASK_REMINDER and n.unit == "stp-ls-nv2"})
    assert nv2 == [date(2026, 5, 4), date(2026, 7, 1), date(2026, 10, 1)]


def test_every_task_and_report_of_every_plan_reaches_someone(cfg, year):
    for pid, plan in cfg.plans.items():
        items = {n.context["item"]["id"] for n in year[pid]}
        missing = [t.id for t in plan.tasks if t.cadence.value != "theo_dot" and t.id not in items
                   and (t.due is None or t.due.occurs_in(2026))]  # the CCHC plan's sơ kết is due in 2028
        missing += [r.id for r in plan.reports if r.id not in items]
        assert missing == [], pid


def test_a_campaign_closing_asks_for_its_reports_results_with_that_deadline_or_asks_nothing(year, cfg):
    # Đồng Tháp's Action Month report is due 20/12/2026 (a Sunday): the closing carries Friday 18/12 and the period
    closing = [n for n in year[DT] if n.kind is Kind.CAMPAIGN_CLOSING]
    assert {(n.deadline, n.period) for n in closing} == {(date(2026, 12, 18), "bc-thang-hanh-dong-2026")}
    assert "đề nghị báo cáo kết quả" in closing[0].subject and "18/12/2026" in closing[0].subject
    # Yết Kiêu's plan folds the results into its annual report (due before the campaign ends): no request
    closing = [n for n in year[YK] if n.kind is Kind.CAMPAIGN_CLOSING]
    assert {(n.deadline, n.period) for n in closing} == {(None, None)}
    assert closing[0].subject.startswith("[Kết thúc] ")
    # and Phòng Kinh tế, whose only duty is funding, gets none of the Action Month's messages
    assert not [n for n in year[YK] if n.kind.value.startswith("campaign_") and n.unit == "xa-yk-kinh-te"]


def test_a_campaign_report_of_any_kind_and_a_span_from_to(cfg):
    plan = cfg.plans[DT]
    data = plan.model_dump(by_alias=True, exclude={"year"})
    # the campaign's results go into a report of another kind tied to it: the annual one, due Friday 20/11
    data["campaigns"][0]["report"] = None
    data["reports"] = [r for r in data["reports"] if r["id"] != "bc-thang-hanh-dong"]
    data["reports"][1]["campaign"] = "thang-hanh-dong"
    data["indicators"] = []
    data["span"] = {"from": date(2026, 3, 1), "to": date(2027, 2, 28)}
    changed = type(plan).model_validate(data)
    assert list(changed.span_years) == [2026, 2027] and changed.year == 2026
    notes = expand(changed, 2026, cfg.directory, cfg.calendar([2026]))
    closing = {(n.deadline, n.period) for n in notes if n.kind is Kind.CAMPAIGN_CLOSING}
    assert closing == {(date(2026, 11, 20), "bc-nam-2026")}
    # the span ends 28/02/2027: no 2027 period ends inside it, so nothing of 2027 is chased
    assert not [n for n in expand(changed, 2027, cfg.directory, cfg.calendar([2027]))
                if n.period and n.period.endswith("-2027")]
