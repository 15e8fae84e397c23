"""Handler status codes and storage effects of the unit submission pages (TestClient)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import BytesIO

from sqlalchemy import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from kehoach.settings import Settings
from kehoach.store.db import session
from kehoach.store.outbox import listing
from kehoach.store.submission_tables import Attachment, Submission
from kehoach.submissions.links import make_link
from tests import reporting_world as world
from tests.web.portal.conftest import NOW

PERIOD = "nam-2026"
DOCX = b"PK\x03\x04" + b"\x00" * 100


def link(settings: Settings, unit: str = "yk-cong-an", period: str = PERIOD, plan: str = world.PLAN_ID,
         expires: timedelta = timedelta(days=30)) -> str:
    return make_link(settings, plan, unit, period, NOW + expires).removeprefix("http://testserver")


def good_form(page: str) -> dict[str, str]:
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
    assert token
    return {
        "csrf_token": token[1], "tuyen_truyen_so_cuoc": "3", "tuyen_truyen_luot_nguoi__nam": "10",
        "tuyen_truyen_luot_nguoi__nu": "12", "blgd_nan_nhan__nam": "0", "blgd_nan_nhan__nu": "2",
        "blgd_nan_nhan_duoc_ho_tro__nam": "0", "blgd_nan_nhan_duoc_ho_tro__nu": "1",
        "ket_qua_noi_bat": "Tổ chức 3 buổi tuyên truyền", "kien_nghi_de_xuat": "",
    }


def count(engine: Engine) -> int:
    with session(engine) as s:
        return len(list(s.exec(select(Submission))))


def test_signed_link_shows_the_units_form_in_vietnamese(client: TestClient, portal_settings: Settings) -> None:
    r = client.get(link(portal_settings))
    assert r.status_code == 200
    assert "Công an xã" in r.text and "Số nạn nhân bạo lực gia đình" in r.text
    assert "Số trẻ sinh ra sống" not in r.text  # only Trạm Y tế reports births


def test_valid_post_stores_a_version_confirms_and_queues_the_email(
    client: TestClient, portal_settings: Settings, engine: Engine
) -> None:
    url = link(portal_settings)
    data = good_form(client.get(url).text)
    r = client.post(url, data=data, files={"tep_dinh_kem": ("bao-cao.docx", BytesIO(DOCX))})
    assert r.status_code == 200 and "Đã nhận báo cáo" in r.text and "phiên bản số 1" in r.text
    r2 = client.post(url, data=data)
    assert "phiên bản số 2" in r2.text
    with session(engine) as s:
        rows = list(s.exec(select(Submission)))
        assert [x.version for x in rows] == [1, 2]
        assert rows[0].values["tuyen_truyen_luot_nguoi"] == {"nam": 10, "nu": 12}
        queued = [o for o in listing(s) if o.kind == "submission_received"]
    assert {o.unit for o in queued} == {"yk-cong-an"} and len(queued) == 2


def test_tampered_link_is_403_in_vietnamese(client: TestClient, portal_settings: Settings) -> None:
    url = link(portal_settings).replace("yk-cong-an", "yk-thon-1")
    r = client.get(url)
    assert r.status_code == 403 and "không hợp lệ" in r.text


def test_expired_link_is_403(client: TestClient, portal_settings: Settings) -> None:
    r = client.get(link(portal_settings, expires=timedelta(seconds=-1)))
    assert r.status_code == 403 and "hết hạn" in r.text


def test_link_for_another_period_is_403(client: TestClient, portal_settings: Settings) -> None:
    url = link(portal_settings).replace(PERIOD, "thang-hanh-dong-2026")
    assert client.get(url).status_code == 403


def test_unknown_plan_period_or_unit_is_404(client: TestClient, portal_settings: Settings) -> None:
    assert client.get(link(portal_settings, plan="khong-co")).status_code == 404
    assert client.get(link(portal_settings, period="quy-2026")).status_code == 404
    assert client.get(link(portal_settings, unit="ubnd-xa-khac")).status_code == 404
    r = client.get("/khong-co-trang")
    assert r.status_code == 404 and "Không tìm thấy" in r.text


def test_upload_over_the_limit_is_413_and_nothing_stored(
    client: TestClient, portal_settings: Settings, engine: Engine
) -> None:
    url = link(portal_settings)
    big = b"PK" + b"\x00" * (1024 * 1024 + 10)
    r = client.post(url, data=good_form(client.get(url).text), files={"tep_dinh_kem": ("to.docx", BytesIO(big))})
    assert r.status_code == 413 and "vượt quá dung lượng" in r.text
    assert count(engine) == 0


def test_file_type_outside_the_list_is_415_with_a_message(
    client: TestClient, portal_settings: Settings, engine: Engine
) -> None:
    url = link(portal_settings)
    data = good_form(client.get(url).text)
    r = client.post(url, data=data, files={"tep_dinh_kem": ("virus.exe", BytesIO(b"MZ\x90"))})
    assert r.status_code == 415 and "chỉ nhận .docx, .xlsx, .pdf" in r.text
    # a renamed file is caught by its content, not its name
    r = client.post(url, data=data, files={"tep_dinh_kem": ("gia.pdf", BytesIO(b"not a pdf"))})
    assert r.status_code == 415
    assert count(engine) == 0


def test_negative_or_non_numeric_figure_shows_the_error_beside_the_field(
    client: TestClient, portal_settings: Settings, engine: Engine
) -> None:
    url = link(portal_settings)
    data = good_form(client.get(url).text) | {"tuyen_truyen_so_cuoc": "-3", "blgd_nan_nhan__nu": "hai"}
    r = client.post(url, data=data)
    assert r.status_code == 400
    assert re.search(r'id="tuyen_truyen_so_cuoc"[^>]*value="-3"[^>]*class="invalid"', r.text.replace("\n", " "))
    assert '<p class="error" id="loi-tuyen_truyen_so_cuoc">Số liệu không được âm.</p>' in r.text
    assert 'id="loi-blgd_nan_nhan__nu">Vui lòng nhập một số nguyên không âm' in r.text
    assert count(engine) == 0


def test_post_without_the_csrf_token_or_cookie_is_403(
    client: TestClient, portal_settings: Settings, engine: Engine
) -> None:
    url = link(portal_settings)
    data = good_form(client.get(url).text)
    assert client.post(url, data=data | {"csrf_token": "0" * 64}).status_code == 403
    client.cookies.clear()
    assert client.post(url, data=data).status_code == 403
    assert count(engine) == 0


def test_file_name_with_path_parts_is_stored_inside_the_version_folder(
    client: TestClient, portal_settings: Settings, engine: Engine
) -> None:
    url = link(portal_settings)
    r = client.post(url, data=good_form(client.get(url).text),
                    files={"tep_dinh_kem": ("../../x.docx", BytesIO(DOCX))})
    assert r.status_code == 200
    with session(engine) as s:
        att = s.exec(select(Attachment)).one()
    stored = (portal_settings.data_dir / att.path).resolve()
    assert att.filename == "x.docx"
    assert stored == (portal_settings.data_dir / "uploads" / world.PLAN_ID / PERIOD / "yk-cong-an" / "1" / "x.docx").resolve()
    assert stored.read_bytes() == DOCX
    assert not (portal_settings.data_dir.parent / "x.docx").exists()


def test_portal_home_tells_a_visitor_without_a_link_what_to_do(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "đường dẫn riêng" in page.text and "Triển khai thực hiện công tác bình đẳng giới" in page.text
