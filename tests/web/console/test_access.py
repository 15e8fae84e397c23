"""Roles and tenant isolation: an office sees its own plans only; a clerk cannot reach admin pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kehoach.plans.config import Config
from kehoach.store.db import session
from kehoach.submissions.record import extensions
from kehoach.web.console.accounts import add_user
from tests.web.console.conftest import DT_PLAN, LS_PLAN, NOW, PASSWORD, YK_PLAN, csrf_of, log_in

DT_TITLE = "Thực hiện công tác bình đẳng giới và vì sự tiến bộ của phụ nữ năm 2026"


def test_a_clerk_sees_only_the_plans_of_her_office(client: TestClient) -> None:
    # Given the clerk of Phòng Văn hóa - Xã hội xã Yết Kiêu
    log_in(client, "vt-yetkieu")
    # When she opens the home page
    home = client.get("/quan-ly/").text
    # Then it lists the commune's plan and neither Sở's
    assert f"/quan-ly/ke-hoach/{YK_PLAN}" in home
    assert DT_PLAN not in home and LS_PLAN not in home


def test_an_admin_sees_every_office_s_plans(client: TestClient) -> None:
    log_in(client, "quantri")
    home = client.get("/quan-ly/").text
    for plan in (DT_PLAN, LS_PLAN, YK_PLAN):
        assert f"/quan-ly/ke-hoach/{plan}\"" in home
    assert DT_TITLE in home


def test_another_office_s_plan_by_url_is_404_and_shows_nothing_of_it(client: TestClient) -> None:
    # Given the commune's clerk, who knows the Sở's plan id
    log_in(client, "vt-yetkieu")
    missing = client.get("/quan-ly/ke-hoach/khong-co-ke-hoach-nay")
    for url in (f"/quan-ly/ke-hoach/{DT_PLAN}", f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026"):
        # When she opens the plan and its board by URL
        answer = client.get(url)
        # Then she gets the same 404 as for a plan that does not exist, naming nothing of it
        assert answer.status_code == 404
        assert DT_TITLE not in answer.text and "Văn phòng Sở Tư pháp Đồng Tháp" not in answer.text
        assert answer.text.replace(url, "") == missing.text.replace("/quan-ly/ke-hoach/khong-co-ke-hoach-nay", "")


def test_another_office_s_extension_post_is_404_and_changes_nothing(client: TestClient, engine: Engine) -> None:
    # Given the commune's clerk with a valid form token of her own session
    log_in(client, "vt-yetkieu")
    token = csrf_of(client.get("/quan-ly/").text)
    # When she posts an extension to the Sở's board
    answer = client.post(f"/quan-ly/ke-hoach/{DT_PLAN}/bc-nam-2026/gia-han",
                         data={"csrf_token": token, "don_vi": "stp-dt-tgpl", "den_ngay": "2026-12-31"})
    # Then it is 404 and no extension is stored
    assert answer.status_code == 404
    with session(engine) as s:
        assert extensions(s, DT_PLAN, "bc-nam-2026") == {}


def test_a_clerk_opening_the_admin_accounts_page_gets_403(client: TestClient) -> None:
    # Given a clerk (van_thu)
    log_in(client, "vt-dongthap")
    # When she opens the accounts page, an admin's page
    answer = client.get("/quan-ly/tai-khoan")
    # Then 403, and her menu does not offer it
    assert answer.status_code == 403
    assert "Không có quyền truy cập" in answer.text
    assert "/quan-ly/tai-khoan" not in client.get("/quan-ly/").text
    # while the admin sees every account with its office and role
    client.cookies.clear()
    log_in(client, "quantri")
    page = client.get("/quan-ly/tai-khoan")
    assert page.status_code == 200
    assert "vt-yetkieu" in page.text and "Phòng Văn hóa - Xã hội" in page.text and "Văn thư" in page.text


def test_console_pages_without_a_session_go_to_the_login_page(client: TestClient) -> None:
    for url in ("/quan-ly/", f"/quan-ly/ke-hoach/{DT_PLAN}", "/quan-ly/tai-khoan"):
        answer = client.get(url)
        assert answer.status_code == 303 and answer.headers["location"] == f"/quan-ly/dang-nhap?tiep={url}"


def test_an_account_of_the_issuing_body_sees_the_plans_it_issues(client: TestClient, engine: Engine,
                                                                 config: Config) -> None:
    # Given a leader's account at UBND xã Yết Kiêu, the body that issues the commune's plan
    with session(engine) as s:
        add_user(s, config.directory, username="ld-yetkieu", office="xa-yk-ubnd", role="lanh_dao",
                 password=PASSWORD, email=None, now=NOW)
    log_in(client, "ld-yetkieu")
    # Then its home lists the commune's plan and no other
    home = client.get("/quan-ly/").text
    assert f'href="/quan-ly/ke-hoach/{YK_PLAN}"' in home
    assert DT_PLAN not in home and LS_PLAN not in home
