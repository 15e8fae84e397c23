"""Portal hardening: text cleaned at the door, security headers, rate limits, streaming size limits."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.submission_tables import Submission
from kehoach.submissions.text import clean_text
from tests.web.portal.test_routes import good_form, link

DIRTY = "Đã tổ chức\v3 hội nghị\x00\x1b[31m;\fhết\ttrang\u202e"


def test_portal_stores_a_narrative_with_word_breaks_and_nul_cleaned(
    client: TestClient, portal_settings: Settings, engine: Engine,
) -> None:
    # Given a unit's form, when its narrative carries a vertical tab, NUL and ESC
    url = link(portal_settings)
    r = client.post(url, data={**good_form(client.get(url).text), "ket_qua_noi_bat": DIRTY,
                               "nguoi_gui": "Lê\u202e Văn\vA"})
    # Then the submission is accepted and stored clean
    assert r.status_code == 200 and "Đã nhận báo cáo" in r.text
    with session(engine) as s:
        row = s.exec(select(Submission)).one()
    assert row.values["ket_qua_noi_bat"] == clean_text(DIRTY).strip()
    assert row.submitter == "Lê Văn A"
