"""The contacts pages: an office's units, edited with `kehoach validate`'s checks and an audit trail."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from sqlalchemy import Engine
from sqlmodel import select

from kehoach.plans.directory_xlsx import COLUMNS
from kehoach.store.db import session
from kehoach.store.directory_tables import DirectoryChange, DirectoryUnit
from kehoach.web.console.accounts import add_user
from tests.store.test_directory import sheet
from tests.web.console.conftest import NOW, PASSWORD, csrf_of, log_in

PAGE = "/quan-ly/danh-ba"
UNIT = "stp-dt-nv1"  # a member of the group stp-dt-don-vi, which the Đồng Tháp plan names


def form_of(client, unit: str = UNIT, **changes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(f"{PAGE}/{unit}")
    assert page.status_code == 200
    return {"csrf_token": csrf_of(page.text), "ten": "Phòng Nghiệp vụ I", "email": "nv1@stp-dongthap.example",
            "zalo": "0900000104", "nhom": "stp-dt-don-vi", "cap_tren": "stp-dt", **changes}


def stored(engine: Engine, unit: str = UNIT) -> DirectoryUnit:
    with session(engine) as s:
        return s.exec(select(DirectoryUnit).where(DirectoryUnit.id == unit)).one()


def test_office_sees_units_its_plans_name_and_not_another_offices(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    listing = client.get(PAGE)
    assert listing.status_code == 200
    assert f"{PAGE}/{UNIT}" in listing.text
    assert "xa-yk-thon" not in listing.text
    assert client.get(f"{PAGE}/xa-yk-thon").status_code == 404
    assert client.get(f"{PAGE}/khong-co").status_code == 404


def test_edit_writes_audit_line_shown_on_the_units_page(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    old = stored(engine).emails
    data = form_of(client, email="moi.nv1@stp.example")
    response = client.post(f"{PAGE}/{UNIT}", data=data)
    assert response.status_code == 303
    assert stored(engine).emails == ["moi.nv1@stp.example"]
    page = client.get(response.headers["location"]).text
    row = page.split('id="lich-su"')[1]
    assert "vt-dongthap" in row and "moi.nv1@stp.example" in row and ", ".join(old) in row
    with session(engine) as s:
        change = s.exec(select(DirectoryChange).where(DirectoryChange.object_id == UNIT,
                                                      DirectoryChange.field == "emails")).one()
    assert (change.by, change.new) == ("vt-dongthap", "moi.nv1@stp.example")


def test_bad_email_and_phone_shown_beside_the_field_and_nothing_saved(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    before = stored(engine)
    for field, value in (("email", "khong-phai-email"), ("zalo", "12ab")):
        response = client.post(f"{PAGE}/{UNIT}", data=form_of(client, **{field: value}))
        assert response.status_code == 400
        assert f'id="e-{field}"' in response.text, response.text
        assert stored(engine) == before
    with session(engine) as s:
        assert not s.exec(select(DirectoryChange).where(DirectoryChange.object_id == UNIT)).all()


def test_deactivate_refused_while_a_plan_names_the_unit(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    response = client.post(f"{PAGE}/stp-dt-van-phong", data=form_of(client, "stp-dt-van-phong", hanh_dong="ngung",
                                                                      ten="Văn phòng Sở Tư pháp Đồng Tháp",
                                                                      email="vanphong@stp-dongthap.example",
                                                                      zalo="0900000103"))
    assert response.status_code == 400
    assert "2026-stp-dong-thap-bdg" in response.text
    assert stored(engine, "stp-dt-van-phong").active


def test_edit_needs_csrf_and_an_editing_role(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    data = form_of(client, email="x@stp.example")
    assert client.post(f"{PAGE}/{UNIT}", data={**data, "csrf_token": "gia-mao"}).status_code == 403
    assert client.post(f"{PAGE}/{UNIT}", data={k: v for k, v in data.items() if k != "csrf_token"}).status_code == 403
    assert stored(engine).emails != ["x@stp.example"]


def test_a_leader_may_read_contacts_but_not_edit(client, engine, config) -> None:  # type: ignore[no-untyped-def]
    with session(engine) as s:
        add_user(s, config.directory, username="ld-dongthap", office="stp-dt-van-phong", role="lanh_dao",
                 password=PASSWORD, email="ld@kehoach.example", now=NOW)
    log_in(client, "ld-dongthap")
    page = client.get(f"{PAGE}/{UNIT}")
    assert page.status_code == 200 and 'name="ten"' not in page.text
    data = {"csrf_token": csrf_of(client.get(PAGE).text), "ten": "X", "email": "x@stp.example"}
    assert client.post(f"{PAGE}/{UNIT}", data=data).status_code == 403
    assert stored(engine).name == "Phòng Nghiệp vụ I"


def post_sheet(client, data: bytes):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get(PAGE).text)
    return client.post(f"{PAGE}/nhap", data={"csrf_token": token}, files={"tep": ("danh-ba.xlsx", data)})


def units_in_db(engine: Engine) -> list[tuple[str, str, list[str]]]:
    with session(engine) as s:
        return [(u.id, u.name, list(u.emails)) for u in s.exec(select(DirectoryUnit).order_by(DirectoryUnit.id))]


def test_a_bad_sheet_lists_row_numbered_errors_and_imports_nothing(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    before = units_in_db(engine)
    missing = post_sheet(client, sheet([["a", "A", "", "", "", ""]], [c for c in COLUMNS.values() if c != "Email"]))
    assert missing.status_code == 400 and "thiếu cột “Email”" in missing.text
    rows = [["stp-dt-moi", "Đơn vị mới", "stp-dt", "", "moi@stp-dongthap.example", ""],
            ["stp-dt-moi-2", "Đơn vị B", "stp-dt", "", "sai-email", ""],
            ["stp-dt-moi", "Đơn vị mới lần hai", "stp-dt", "", "", ""]]
    bad = post_sheet(client, sheet(rows))
    assert bad.status_code == 400
    errors = bad.text.split('id="loi-nhap"')[1]
    assert "Dòng 3: Email [0]: địa chỉ email &#39;sai-email&#39; không hợp lệ" in errors
    assert "Dòng 4: mã đơn vị “stp-dt-moi” trùng với dòng 2." in errors
    assert units_in_db(engine) == before


def test_export_then_import_a_changed_sheet_updates_with_audit(client, engine) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "vt-dongthap")
    exported = client.get(f"{PAGE}.xlsx")
    assert exported.status_code == 200
    wb = load_workbook(io.BytesIO(exported.content))
    ws = wb["Đơn vị"]
    ids = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert UNIT in ids and "xa-yk-thon" not in ids
    ws.cell(row=ids.index(UNIT) + 2, column=5).value = "tu-excel@stp-dongthap.example"
    buf = io.BytesIO()
    wb.save(buf)
    response = post_sheet(client, buf.getvalue())
    assert response.status_code == 303, response.text
    assert stored(engine).emails == ["tu-excel@stp-dongthap.example"]
    page = client.get(f"{PAGE}/{UNIT}").text.split('id="lich-su"')[1]
    assert "tu-excel@stp-dongthap.example" in page and "vt-dongthap" in page


def test_an_admin_sees_every_unit(client) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "quantri")
    listing = client.get(PAGE).text
    assert f"{PAGE}/xa-yk-thon" in listing and f"{PAGE}/{UNIT}" in listing
