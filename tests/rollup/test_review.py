"""The báo cáo review: versions of the office's texts, approval of the latest, the approved DOCX
sent upward through the same path as ``kehoach rollup --send-upward``; narrative HTML stays text.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from kehoach.calendar import VN_TZ, build_calendar
from kehoach.cli import app
from kehoach.plans.directory import Directory
from kehoach.rollup.narrative import OfficeTexts
from kehoach.rollup.review import (
    ReviewError,
    approve,
    current_approval,
    drafts,
    rollup_for_review,
    save_draft,
)
from kehoach.rollup.sending import send_approved
from kehoach.store.db import make_engine, session
from kehoach.store.documents import local_files
from kehoach.store.submission_tables import Submission
from kehoach.store.tables import Outbox
from kehoach.submissions.periods import resolve_period
from kehoach.submissions.record import record_submission
from notifications.render import render_message
from tests import reporting_world as world

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=VN_TZ)
EVIL = "<script>alert('x')</script> & <b>đậm</b>"

CAL = build_calendar([2026])  # the public holidays: these worlds declare no calendar.yaml


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    e = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with session(e) as s:
        record_submission(s, tmp_path, plan_id=world.PLAN_ID, period="nam-2026", unit_id="yk-cong-an",
                          values={"tuyen_truyen_so_cuoc": {"tong": 3}}, now=datetime(2026, 12, 1, tzinfo=VN_TZ),
                          source="cli")
    return e


def review(s, texts: OfficeTexts | None = None):  # type: ignore[no-untyped-def]
    plan = world.plan()
    r = rollup_for_review(s, plan, world.directory(), resolve_period(plan, "nam-2026"), date(2026, 12, 8), CAL)
    return r if texts is None else (r, save_draft(s, r, texts, by="vanthu.yk", now=NOW))


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def test_each_save_is_a_new_version_and_the_draft_shows_the_latest_texts(engine: Engine) -> None:
    with session(engine) as s:
        review(s, OfficeTexts({"dac_diem_tinh_hinh": "Xã có 2 thôn."}))
        review(s, OfficeTexts({"dac_diem_tinh_hinh": "Xã có 2 thôn, 1 trạm y tế.", "kien_nghi": "Cấp thêm kinh phí."},
                              {"tuyen_truyen_so_cuoc": "số liệu ước"}))
        assert [d.version for d in drafts(s, world.PLAN_ID, "nam-2026")] == [2, 1]
        r = review(s)
    from kehoach.rollup.sections import body_sections

    lines = [text for _, text in body_sections(r)]
    assert lines[1:3] == ["I. ĐẶC ĐIỂM TÌNH HÌNH", "Xã có 2 thôn, 1 trạm y tế."]
    assert "- Số cuộc tuyên truyền về bình đẳng giới: 3 cuộc (số liệu ước)." in lines
    assert lines[lines.index("VII. KIẾN NGHỊ, ĐỀ XUẤT") + 1] == "Cấp thêm kinh phí."


def test_unknown_section_or_figure_is_refused(engine: Engine) -> None:
    with session(engine) as s, pytest.raises(ReviewError, match="không có chỉ tiêu “khong_co”"):
        review(s, OfficeTexts({}, {"khong_co": "x"}))


def test_only_the_latest_version_can_be_approved_and_the_docx_is_stored(engine: Engine) -> None:
    with session(engine) as s:
        r, v1 = review(s, OfficeTexts({"danh_gia_chung": "Bản một."}))
        _, v2 = review(s, OfficeTexts({"danh_gia_chung": EVIL}))
        with pytest.raises(ReviewError, match="không phải bản mới nhất"):
            approve(s, r, v1.version, by="lanhdao.yk", now=NOW)
        approval = approve(s, r, v2.version, by="lanhdao.yk", now=NOW)
        assert current_approval(s, world.PLAN_ID, "nam-2026") == approval
        # Then the stored DOCX carries the narrative as literal text, not markup
        assert EVIL in docx_text(approval.docx)
        # And a later edit makes the approval stale: nothing is approved until the leader approves again
        review(s, OfficeTexts({"danh_gia_chung": "Bản ba."}))
        assert current_approval(s, world.PLAN_ID, "nam-2026") is None


def test_sending_the_approved_report_submits_to_the_city_and_emails_so_noi_vu_escaped(
    engine: Engine, tmp_path: Path
) -> None:
    with session(engine) as s:
        r, v = review(s, OfficeTexts({"danh_gia_chung": EVIL}))
        approval = approve(s, r, v.version, by="lanhdao.yk", now=NOW)
        # And a unit reports after the approval: what goes up is still what the leader approved
        record_submission(s, tmp_path, plan_id=world.PLAN_ID, period="nam-2026", unit_id="yk-thon-1",
                          values={"tuyen_truyen_so_cuoc": {"tong": 5}}, now=NOW, source="cli")
        # Sở Nội vụ with an email address, so the report also goes by email
        units = [u | {"emails": ["snv@noivu.example"]} if u["id"] == "so-noi-vu" else u for u in world.DIRECTORY["units"]]
        directory = Directory.model_validate(world.DIRECTORY | {"units": units})
        result = send_approved(s, tmp_path, [world.plan(), world.city_plan()], directory, r, approval,
                               by="lanhdao.yk", now=NOW)
        assert result.submissions == [(world.CITY_PLAN_ID, "nam-2026", 1)] and result.emailed_to == "Sở Nội vụ"
        assert approval.sent_by == "lanhdao.yk"
        up = s.exec(select(Submission).where(Submission.plan == world.CITY_PLAN_ID)).one()
        assert up.values["tuyen_truyen_so_cuoc"] == {"tong": 3}
        row = s.exec(select(Outbox).where(Outbox.kind == "report_upward")).one()
        # (the files travel as references into the database, as the dispatcher resolves them)
        context = {**row.context, "files": local_files(s, row.context["files"])}
    # The email attaches the approved DOCX, and its HTML body shows the narrative escaped
    msg = render_message(row.kind, context, key=row.key, channel="email", to=["snv@x.example"], to_name="Sở Nội vụ")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;đậm&lt;/b&gt;" in (msg.html or "")
    assert "<script>" not in (msg.html or "") and EVIL in msg.text
    docx = next(a for a in msg.attachments if a.filename.endswith(".docx"))
    assert docx.data == approval.docx


def test_the_cli_sends_the_approved_version_and_refuses_an_unapproved_one(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.write_config(tmp_path / "config")
    for name, value in {"KEHOACH_CONFIG_DIR": str(tmp_path / "config"), "KEHOACH_DATA_DIR": str(tmp_path),
                        "KEHOACH_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}.items():
        monkeypatch.setenv(name, value)
    args = ["rollup", "--plan", world.PLAN_ID, "--period", "nam-2026", "--send-upward", "--now", "2026-12-08T10:00"]
    # Given a saved draft the leader has not approved: the CLI refuses, as the console does
    with session(engine) as s:
        r, v = review(s, OfficeTexts({"danh_gia_chung": "Đã duyệt."}))
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "chưa được lãnh đạo phê duyệt" in refused.output
    # When the leader approves, the CLI sends that version
    with session(engine) as s:
        approve(s, r, v.version, by="lanhdao.yk", now=NOW)
    sent = CliRunner().invoke(app, args)
    assert sent.exit_code == 0, sent.output
    assert "Gửi bản đã phê duyệt (phiên bản 1)" in sent.output
    status = CliRunner().invoke(app, ["status", "--plan", world.CITY_PLAN_ID, "--period", "nam-2026", "--format", "json"])
    assert [u["id"] for u in json.loads(status.output)["submitted"]] == ["ubnd-xa-yet-kieu"]
