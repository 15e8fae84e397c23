"""expand(): dated notifications from a small plan, stable keys, nothing on a day off."""

import gc
from datetime import date, datetime, time
from pathlib import Path

import pytest

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config, load_config
from kehoach.expansion import expand as expand_module
from kehoach.expansion.expand import expand
from kehoach.notification import Kind
from kehoach.settings import Settings
from tests.factories import CONTACTS, PLAN, write_config


def load(tmp_path: Path, plan: str = PLAN, contacts: str = CONTACTS) -> Config:
    return load_config(Settings(config_dir=write_config(tmp_path, plan=plan, contacts=contacts)))


@pytest.fixture
def notes(tmp_path):
    cfg = load(tmp_path)
    return expand(cfg.plan("2026-thu-nghiem"), 2026, cfg.directory, cfg.calendar([2026]))


def days(notes, kind, unit=None):
    return sorted({n.send_at.date() for n in notes if n.kind is kind and (unit is None or n.unit == unit)})


def test_report_ladder_aims_at_friday_before_saturday_due(notes):
    # Given a report due 05/12/2026, a Saturday
    # Then reminders come 10, 5, 2 and 1 working days before Friday 04/12, and on it
    assert days(notes, Kind.REPORT_REMINDER, "phong-1") == [
        date(2026, 11, 19), date(2026, 11, 27), date(2026, 12, 2), date(2026, 12, 3)]
    assert days(notes, Kind.REPORT_DUE) == [date(2026, 12, 4)]
    due = [n for n in notes if n.kind is Kind.REPORT_DUE and n.unit == "phong-1"]
    assert due[0].deadline == date(2026, 12, 4)
    assert due[0].subject == "[Hạn hôm nay] Báo cáo kết quả năm 2026 – hạn Thứ Sáu, 04/12/2026"


def test_overdue_counts_from_the_legal_deadline_and_escalates_to_the_office(notes):
    # legal deadline: Monday 07/12 (a limit ending on a day off moves to the next working day)
    assert days(notes, Kind.REPORT_OVERDUE) == [date(2026, 12, 8), date(2026, 12, 10)]
    escalations = [n for n in notes if n.kind is Kind.ESCALATION]
    assert {n.unit for n in escalations} == {"van-phong"}
    assert escalations[0].context["expected_units"] == ["Văn phòng Sở", "Phòng Nghiệp vụ 1", "Phòng Nghiệp vụ 2"]


def test_office_compile_deadline_for_the_upward_report(notes):
    # upward due 15/12 (Tuesday): 5 and 1 working days before, and on the day
    assert days(notes, Kind.OFFICE_COMPILE, "van-phong") == [
        date(2026, 12, 8), date(2026, 12, 14), date(2026, 12, 15)]


def test_each_unit_is_reached_on_each_of_its_channels(notes):
    due = {(n.unit, n.channel) for n in notes if n.kind is Kind.REPORT_DUE}
    assert due == {("van-phong", "email"), ("van-phong", "zalo"), ("phong-1", "email"), ("phong-2", "zalo")}


def test_continuous_task_reminded_on_first_working_day_of_each_quarter(notes):
    assert days(notes, Kind.TASK_REMINDER, "phong-1") == [
        date(2026, 1, 2), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]


def test_nothing_is_sent_on_a_day_off_and_always_at_eight(tmp_path, notes):
    cal = load(tmp_path).calendar([2026])
    assert all(cal.is_working_day(n.send_at.date()) for n in notes)
    assert {n.send_at.timetz() for n in notes} == {time(8, 0, tzinfo=VN_TZ)}


def test_expansion_is_deterministic_and_keys_are_unique(tmp_path, notes):
    cfg = load(tmp_path)
    again = expand(cfg.plan("2026-thu-nghiem"), 2026, cfg.directory, cfg.calendar([2026]))
    assert again == notes
    assert len({n.key for n in notes}) == len(notes)


def test_keys_survive_a_date_change(tmp_path, notes):
    # Given the office moves the due date, When re-expanding, Then the ladder keeps its keys
    cfg = load(tmp_path / "moved", plan=PLAN.replace("due: 05/12", "due: 10/12"))
    moved = expand(cfg.plan("2026-thu-nghiem"), 2026, cfg.directory, cfg.calendar([2026]))
    assert {n.key for n in moved} == {n.key for n in notes}
    key = "2026-thu-nghiem/report_due/nam-2026/0/phong-1/email"
    assert [n.send_at for n in moved if n.key == key] == [datetime(2026, 12, 10, 8, tzinfo=VN_TZ)]


def test_plan_taking_effect_mid_year_sends_nothing_before(tmp_path):
    cfg = load(tmp_path, plan=PLAN.replace("effective_from: 01/01/2026", "effective_from: 15/05/2026"))
    notes = expand(cfg.plan("2026-thu-nghiem"), 2026, cfg.directory, cfg.calendar([2026]))
    assert min(n.send_at.date() for n in notes) == date(2026, 5, 15)
    assert days(notes, Kind.TASK_REMINDER, "phong-1")[:2] == [date(2026, 5, 15), date(2026, 7, 1)]


def test_unit_without_any_contact_still_gets_a_notification(tmp_path):
    contacts = CONTACTS.replace('    zalo: "0900000002"\n', "")
    cfg = load(tmp_path, contacts=contacts)
    notes = expand(cfg.plan("2026-thu-nghiem"), 2026, cfg.directory, cfg.calendar([2026]))
    assert {n.channel for n in notes if n.unit == "phong-2"} == {"email"}


def test_a_plan_or_directory_replaced_in_a_running_process_is_expanded_anew(tmp_path) -> None:
    # Given a plan expanded once in this process (its year's events are kept for the next sync)
    cfg = load(tmp_path)
    plan, cal = cfg.plan("2026-thu-nghiem"), cfg.calendar([2026])
    before = expand(plan, 2026, cfg.directory, cal)
    assert expand(plan, 2026, cfg.directory, cal) == before
    # When the plan is replaced by an edited copy (an upload in the console), and the directory
    # by one where the group has one more unit (an edit in the console)
    moved = load(tmp_path / "v2", PLAN.replace("due: 15/12", "due: 31/12").replace("due: 05/12", "due: 24/12"))
    grown = load(tmp_path / "v3", contacts=CONTACTS + "  - id: phong-3\n    name: Phòng 3\n    groups: [cac-don-vi]\n")
    # Then each expansion follows what it was given, not what was expanded before
    assert days(expand(moved.plan("2026-thu-nghiem"), 2026, cfg.directory, cal), Kind.REPORT_DUE) == [
        date(2026, 12, 24)]
    assert days(expand(plan, 2026, grown.directory, cal), Kind.REPORT_DUE, "phong-3") == [date(2026, 12, 4)]
    assert days(before, Kind.REPORT_DUE, "phong-3") == []
    assert [u.id for u in grown.directory.resolve(["cac-don-vi"])] == ["van-phong", "phong-1", "phong-2", "phong-3"]
    assert [u.id for u in cfg.directory.resolve(["cac-don-vi"])] == ["van-phong", "phong-1", "phong-2"]


def test_a_plan_gone_from_the_process_takes_its_kept_events_with_it(tmp_path) -> None:
    # Given a plan expanded once (its year's events kept for the next sync in this process)
    cfg = load(tmp_path)
    plan = cfg.plan("2026-thu-nghiem")
    expand(plan, 2026, cfg.directory, cfg.calendar([2026]))
    kept = dict(expand_module._kept)
    assert (id(plan), 2026, id(cfg.calendar([2026])), id(cfg.directory)) in kept
    # When the plan is gone (replaced in a running config, the old one dropped)
    gone = (id(plan), 2026, id(cfg.calendar([2026])), id(cfg.directory))
    del cfg.plans["2026-thu-nghiem"], plan, kept
    gc.collect()
    # Then its events are not kept any more
    assert gone not in expand_module._kept
