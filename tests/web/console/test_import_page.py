"""The console's import page: upload a KẾ HOẠCH, review the draft beside its text, correct, save paused."""

from __future__ import annotations

import shutil
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from kehoach.plans.config import Config
from kehoach.plans.lifecycle import PlanState, plan_states
from kehoach.plans.loader import load_plan
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.db import session
from kehoach.web.console.accounts import add_user
from tests.importer.make_documents import write_documents
from tests.web.console.conftest import NOW, PASSWORD, csrf_of, log_in

PAGE = "/quan-ly/nhap-ke-hoach"


@pytest.fixture
def console_settings(tmp_path: Path) -> Settings:
    """A copy of config/, so a saved plan lands in the test's own plans folder."""
    shutil.copytree(REPO_ROOT / "config", tmp_path / "config")
    return Settings(config_dir=tmp_path / "config", data_dir=tmp_path / "data",
                    portal_secret=SecretStr("test-secret"), portal_base_url="http://testserver")


def upload(client, name: str, data: bytes):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(PAGE).text)
    return client.post(PAGE, data={"csrf_token": token}, files={"tep": (name, data)})


def saved_files(settings: Settings) -> set[str]:
    return {p.name for p in settings.plans_dir.glob("*.yaml")}


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in entries.items():
            z.writestr(k, v)
    return buf.getvalue()


BAD = {
    "cu.doc": (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "lưu lại dạng .docx"),
    "thu.txt": ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nKính gửi: Sở Tư pháp\nĐề nghị Sở xem xét.\n".encode(),
                "không phải một KẾ HOẠCH"),
    "rong.docx": (b"", "tệp rỗng"),
    "bang.docx": (_zip({"xl/workbook.xml": b"<workbook/>"}), "rong.docx"),
    "lon.txt": (b"a" * (21 * 1024 * 1024), "vượt giới hạn 20 MB"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_file_that_is_not_a_plan_shows_the_importer_s_error_and_saves_nothing(client, console_settings, name):
    data, expected = BAD[name]
    before = saved_files(console_settings)
    assert log_in(client, "vt-yetkieu").status_code == 303
    response = upload(client, name, data)
    assert response.status_code == 400
    if name != "bang.docx":
        assert expected in response.text
    assert f"{name}:" in response.text and 'id="loi-nhap"' in response.text
    assert saved_files(console_settings) == before
    assert not any((console_settings.data_dir / "imports").rglob(name))


def test_review_shows_tasks_beside_their_section_then_saves_a_paused_plan_that_validates(
        client, console_settings, engine: Engine, config: Config):
    assert log_in(client, "vt-yetkieu").status_code == 303
    doc = write_documents(console_settings.data_dir.parent)[0]
    review = upload(client, doc.name, doc.read_bytes())
    assert review.status_code == 200
    html = review.text
    # the content section's source lines and the tasks read from them stand side by side
    assert 'id="muc-II"' in html and "Chủ trì:" in html and 'name="han_' in html
    assert "Phối hợp:" in html and "Cần xem lại:" in html
    token = html.split('name="token" value="')[1].split('"')[0]
    form = {"csrf_token": csrf_of(html), "token": token, "ma": "2026-yk-nhap-thu"}
    for select in html.split('<select name="')[1:]:
        form[select.split('"')[0]] = "xa-yk-vhxh"
    # a date the validator refuses: the error names line and path, nothing is saved
    due_field = html.split('name="han_')[1].split('"')[0]
    bad = client.post(f"{PAGE}/luu", data={**form, f"han_{due_field}": "31/02"})
    assert bad.status_code == 400 and 'id="loi-kiem-tra"' in bad.text
    assert f"tasks[{due_field}]" in bad.text or f"tasks.{due_field}" in bad.text
    assert "dòng " in bad.text
    assert "2026-yk-nhap-thu.yaml" not in saved_files(console_settings)
    assert "2026-yk-nhap-thu" not in plan_states(engine)
    # with the proposed units chosen from the directory, the plan is saved, paused
    saved = client.post(f"{PAGE}/luu", data={**form, f"han_{due_field}": "20/05"})
    assert saved.status_code == 303, saved.text
    assert plan_states(engine)["2026-yk-nhap-thu"] is PlanState.PAUSED
    plan = load_plan(console_settings.plans_dir / "2026-yk-nhap-thu.yaml", config.directory)
    assert plan.id == "2026-yk-nhap-thu" and plan.office == "xa-yk-vhxh"
    assert "due: 20/05" in (console_settings.plans_dir / "2026-yk-nhap-thu.yaml").read_text(encoding="utf-8")
    listing = client.get(saved.headers["location"]).text
    assert 'data-plan="2026-yk-nhap-thu"' in listing and "tạm dừng" in listing


def test_only_a_clerk_or_admin_may_save(client, console_settings, engine: Engine, config: Config):
    with session(engine) as s:
        add_user(s, config.directory, username="ld-yetkieu", office="xa-yk-vhxh", role="lanh_dao",
                 password=PASSWORD, email=None, now=NOW)
    assert log_in(client, "ld-yetkieu").status_code == 303
    doc = write_documents(console_settings.data_dir.parent)[0]
    review = upload(client, doc.name, doc.read_bytes())
    assert review.status_code == 200 and "Chỉ văn thư hoặc quản trị mới lưu được" in review.text
    token = review.text.split('name="token" value="')[1].split('"')[0]
    refused = client.post(f"{PAGE}/luu", data={"csrf_token": csrf_of(review.text), "token": token, "ma": "x-y"})
    assert refused.status_code == 403
    assert saved_files(console_settings) == {p.name for p in (REPO_ROOT / "config" / "plans").glob("*.yaml")}
