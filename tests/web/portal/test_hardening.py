"""Portal hardening: text cleaned at the door, security headers, rate limits, streaming size limits."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from kehoach.plans.config import Config
from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.outbox import listing
from kehoach.store.submission_tables import Attachment, Submission
from kehoach.submissions.text import clean_text
from kehoach.web.app import create_app
from tests.disks import tmpfs
from tests.web.portal.conftest import NOW
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


def test_every_page_carries_the_security_headers_and_signed_pages_are_not_cached(
    client: TestClient, portal_settings: Settings,
) -> None:
    # Given a signed form, the confirmation of a post, an error page and the home page
    url = link(portal_settings)
    form = client.get(url)
    posted = client.post(url, data=good_form(form.text))
    for r in (form, posted, client.get(url.replace("s=", "s=x")), client.get("/")):
        # Then each one forbids framing, sniffing, referrers, inline script, and caching
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "unsafe-inline" not in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"
    # And the page has no inline style or script; its style sheet may be cached
    assert "<style" not in form.text and "<script>" not in form.text
    css = client.get("/static/portal.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")


def test_fifty_posts_on_one_link_store_five_and_queue_five_confirmations(
    client: TestClient, portal_settings: Settings, engine: Engine,
) -> None:
    # Given a unit's link, when a script posts it 50 times in a row
    url = link(portal_settings)
    data = good_form(client.get(url).text)
    answers = [client.post(url, data=data, follow_redirects=False) for _ in range(50)]
    # Then the first five are stored, the rest refused with 429, Retry-After and a Vietnamese reason
    assert [r.status_code for r in answers] == [303] * 5 + [429] * 45
    assert "vui lòng gửi lại sau khoảng 10 phút" in answers[5].text
    assert int(answers[5].headers["retry-after"]) == 600
    # (after 30 posts the address limit answers first)
    assert "quá nhiều lần gửi từ địa chỉ mạng này" in answers[-1].text
    with session(engine) as s:
        assert len(s.exec(select(Submission)).all()) == 5
        assert len([o for o in listing(s) if o.kind == "submission_received"]) == 5


def test_one_address_posting_across_many_links_is_limited(
    portal_settings: Settings, config: Config, engine: Engine,
) -> None:
    # Given a portal allowing 3 posts per address in 10 minutes
    settings = portal_settings.model_copy(update={"portal_posts_per_address": 3})
    with TestClient(create_app(settings, config, engine, clock=lambda: NOW)) as c:
        codes = []
        for unit in ("yk-cong-an", "yk-thon-1", "yk-thon-2", "yk-tram-y-te"):
            url = link(settings, unit=unit)
            codes.append(c.post(url, data={"csrf_token": "x"}).status_code)
    # Then the fourth post, whatever its link, is refused before anything is read
    assert codes == [403, 403, 403, 429]


def test_an_oversize_upload_is_refused_while_it_streams(
    portal_settings: Settings, config: Config, engine: Engine,
) -> None:
    # Given the portal (1 MB per file) and a 64 MB upload arriving in 64 KB chunks, chunked
    app = create_app(portal_settings, config, engine, clock=lambda: NOW)
    boundary = "xyz"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"tep_dinh_kem\"; filename=\"lon.docx\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\nPK").encode()
    chunks = [head] + [b"\0" * 65536] * 1024
    pulled = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal pulled
        body = chunks[pulled] if pulled < len(chunks) else b""
        pulled += 1
        return {"type": "http.request", "body": body, "more_body": pulled < len(chunks)}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    path, query = link(portal_settings).split("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
             "headers": [(b"host", b"testserver"), (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
                         (b"transfer-encoding", b"chunked")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    # Then it answers 413 in Vietnamese after reading little more than the limit, and stores nothing
    assert sent[0]["status"] == 413
    assert "vượt quá dung lượng cho phép (1 MB mỗi tệp)" in b"".join(m.get("body", b"") for m in sent).decode()  # type: ignore[misc]
    assert pulled * 65536 < 2 * 1024 * 1024
    with session(engine) as s:
        assert s.exec(select(Submission)).all() == []


@pytest.mark.parametrize("version", ["²", "1" * 30, "-1", "0", "1e3", "١"])
def test_a_malformed_version_on_the_confirmation_is_400(
    client: TestClient, portal_settings: Settings, version: str,
) -> None:
    r = client.get(link(portal_settings).replace("/yk-cong-an?", "/yk-cong-an/da-nhan?") + f"&v={version}")
    assert r.status_code == 400 and "Số phiên bản" in r.text


def test_the_expiry_is_accepted_in_its_one_canonical_spelling_only(
    client: TestClient, portal_settings: Settings,
) -> None:
    url = link(portal_settings)
    e = re.search(r"e=(\d+)", url)[1]  # type: ignore[index]
    assert client.get(url).status_code == 200
    for other in (f"%2B{e}", f"0{e}", f"%20{e}", f"{e[:3]}_{e[3:]}", "9" * 30):
        r = client.get(url.replace(f"e={e}", f"e={other}"))
        assert r.status_code == 403 and "không hợp lệ" in r.text, other


def test_a_right_to_left_override_never_reaches_a_stored_file_name(
    client: TestClient, portal_settings: Settings, engine: Engine,
) -> None:
    url = link(portal_settings)
    r = client.post(url, data=good_form(client.get(url).text),
                    files={"tep_dinh_kem": ("bao-cao\u202excod.docx", BytesIO(b"PK\x03\x04" + b"\0" * 50))})
    assert r.status_code == 200
    with session(engine) as s:
        assert s.exec(select(Attachment)).one().filename == "bao-caoxcod.docx"


@pytest.fixture
def small_disk(portal_settings: Settings) -> Iterator[Path]:
    """The uploads folder on a 1.5 MB tmpfs: the disk fills during the second upload."""
    with tmpfs(portal_settings.data_dir / "uploads", "1536k") as uploads:
        yield uploads


def test_an_upload_on_a_full_disk_leaves_no_file_and_answers_in_vietnamese(
    client: TestClient, portal_settings: Settings, engine: Engine, small_disk: Path,
) -> None:
    # Given a first report whose 900 KB file fits on the disk
    url = link(portal_settings)
    data = good_form(client.get(url).text)
    body = b"PK\x03\x04" + b"\0" * (900 * 1024)
    assert client.post(url, data=data, files={"tep_dinh_kem": ("mot.docx", BytesIO(body))}).status_code == 200
    # When a second one arrives and the disk fills while its file is written
    r = client.post(url, data=data, files={"tep_dinh_kem": ("hai.docx", BytesIO(body))})
    # Then the unit reads why in Vietnamese, and neither a version nor a truncated file remains
    assert r.status_code == 507 and "hết dung lượng lưu trữ" in r.text and "chưa được ghi nhận" in r.text
    with session(engine) as s:
        assert [x.version for x in s.exec(select(Submission))] == [1]
    files = sorted(p.name for p in small_disk.rglob("*") if p.is_file())
    assert files == ["mot.docx"]
    # And once space is freed, the same report goes through
    (next(small_disk.rglob("mot.docx"))).unlink()
    assert client.post(url, data=data, files={"tep_dinh_kem": ("hai.docx", BytesIO(body))}).status_code == 200
