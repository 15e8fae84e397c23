"""Logging in and out: argon2 hashes, a generic error, the lock, the address limit, CSRF, expiry."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.plans.config import Config
from kehoach.settings import Settings
from kehoach.store.account_tables import ConsoleSession, ConsoleUser
from kehoach.store.db import session
from kehoach.web.app import create_app
from kehoach.web.console.auth import LOGIN_POSTS_PER_ADDRESS
from tests.web.console.conftest import PASSWORD, Clock, csrf_of, log_in

GENERIC = "Tên đăng nhập hoặc mật khẩu không đúng."


def test_the_password_is_stored_as_an_argon2_hash_never_as_text(client: TestClient, engine: Engine) -> None:
    # Given the accounts made by add_user
    with session(engine) as s:
        user = s.exec(select(ConsoleUser).where(ConsoleUser.username == "vt-dongthap")).one()
    # Then the database holds an argon2id hash, not the password
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_login_by_username_or_email_opens_the_home_page(client: TestClient) -> None:
    # When the clerk logs in with her username, then with her email
    for login in ("vt-dongthap", "VT-DongThap@kehoach.example"):
        client.cookies.clear()
        answer = log_in(client, login)
        # Then she is sent to the console's home, with an HttpOnly, SameSite=Lax session cookie
        assert answer.status_code == 303 and answer.headers["location"] == "/quan-ly/"
        cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("kehoach_phien="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/quan-ly" in cookie
        assert "Secure" not in cookie  # served over http here (development)
        assert "Việc cần làm hôm nay" in client.get("/quan-ly/").text


def test_a_wrong_password_and_an_unknown_user_get_the_same_generic_error(client: TestClient) -> None:
    # When a known user types a wrong password, and an unknown user tries
    wrong = log_in(client, "vt-dongthap", "sai-mat-khau-roi")
    unknown = log_in(client, "khong-co-ai", PASSWORD)
    # Then both see the same page, which says neither which part was wrong nor logs anyone in
    for answer in (wrong, unknown):
        assert answer.status_code == 401
        assert GENERIC in answer.text
        assert "kehoach_phien" not in answer.headers.get("set-cookie", "")
    assert "không tồn tại" not in unknown.text and "mật khẩu sai" not in wrong.text.lower()


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(client: TestClient, clock: Clock) -> None:
    # Given five wrong passwords in a row
    for _ in range(5):
        assert log_in(client, "vt-dongthap", "doan-mo-mat-khau").status_code == 401
    # Then even the right password is refused, with the same generic error
    locked = log_in(client, "vt-dongthap")
    assert locked.status_code == 401 and GENERIC in locked.text
    # ... still 14 minutes later
    clock.advance(timedelta(minutes=14))
    assert log_in(client, "vt-dongthap").status_code == 401
    # and after the 15 minutes, the right password opens the console
    clock.advance(timedelta(minutes=1, seconds=1))
    assert log_in(client, "vt-dongthap").status_code == 303


def test_too_many_login_posts_from_one_address_answer_429(client: TestClient) -> None:
    # Given one address that posts the login form as often as the limit allows, with other usernames each time
    for i in range(LOGIN_POSTS_PER_ADDRESS):
        assert log_in(client, f"doan-ten-{i}", "x" * 12).status_code == 401
    # When it posts once more, even with the right password
    answer = log_in(client, "vt-yetkieu")
    # Then it is refused with 429 and told when to come back
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0
    assert "Có quá nhiều lần gửi từ địa chỉ mạng này" in answer.text


def test_a_login_or_logout_post_with_a_foreign_csrf_token_is_403(client: TestClient, engine: Engine) -> None:
    # A login post whose token does not match the browser's cookie
    page = client.get("/quan-ly/dang-nhap")
    forged = client.post("/quan-ly/dang-nhap", data={"csrf_token": "0" * 64, "ten_dang_nhap": "vt-dongthap",
                                                      "mat_khau": PASSWORD, "tiep": "/quan-ly/"})
    assert forged.status_code == 403 and csrf_of(page.text) != "0" * 64
    # A logout post without a token, and with another session's token
    assert log_in(client, "vt-dongthap").status_code == 303
    other = TestClient(client.app, follow_redirects=False)
    assert log_in(other, "vt-yetkieu").status_code == 303
    foreign = csrf_of(other.get("/quan-ly/").text)
    assert client.post("/quan-ly/dang-xuat", data={}).status_code == 403
    assert client.post("/quan-ly/dang-xuat", data={"csrf_token": foreign}).status_code == 403
    # Then the session is still open
    assert client.get("/quan-ly/").status_code == 200


def test_logout_ends_the_session_in_the_database(client: TestClient, engine: Engine) -> None:
    # Given a logged-in clerk
    log_in(client, "vt-dongthap")
    token = csrf_of(client.get("/quan-ly/").text)
    cookie = client.cookies.get("kehoach_phien")
    # When she logs out
    out = client.post("/quan-ly/dang-xuat", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"].startswith("/quan-ly/dang-nhap")
    # Then the session row is gone, and the old cookie, replayed, leads to the login page
    with session(engine) as s:
        assert s.exec(select(ConsoleSession)).all() == []
    client.cookies.set("kehoach_phien", cookie or "", path="/quan-ly")
    assert client.get("/quan-ly/").headers["location"] == "/quan-ly/dang-nhap?tiep=/quan-ly/"


def test_an_expired_session_goes_to_login_and_comes_back_to_the_page_asked_for(client: TestClient,
                                                                               clock: Clock) -> None:
    # Given a clerk logged in at 09:00
    log_in(client, "vt-dongthap")
    board = "/quan-ly/ke-hoach/2026-stp-dong-thap-bdg/bc-nam-2026"
    assert client.get(board).status_code == 200
    # When she opens the board nine hours later
    clock.advance(timedelta(hours=9))
    answer = client.get(board)
    # Then she is sent to the login page, which remembers the board
    assert answer.status_code == 303
    login_page = client.get(answer.headers["location"])
    assert f'name="tiep" value="{board}"' in login_page.text
    # and logging in again brings her back to the board
    again = log_in(client, "vt-dongthap", back=board)
    assert again.headers["location"] == board
    assert "Báo cáo kết quả" in client.get(board).text


def test_a_form_posted_after_the_session_expired_leads_back_to_its_page_after_login(client: TestClient,
                                                                                   clock: Clock) -> None:
    # Given a clerk whose session ends while the board is open
    log_in(client, "vt-dongthap")
    board = "/quan-ly/ke-hoach/2026-stp-dong-thap-bdg/bc-nam-2026"
    token = csrf_of(client.get(board).text)
    clock.advance(timedelta(hours=8))
    # When she posts the extension form
    answer = client.post(f"{board}/gia-han", data={"csrf_token": token, "don_vi": "stp-dt-tgpl",
                                                  "den_ngay": "2026-12-31", "trang": board})
    # Then she is sent to log in, and from there back to the board
    assert answer.status_code == 303 and answer.headers["location"] == f"/quan-ly/dang-nhap?tiep={board}"
    assert log_in(client, "vt-dongthap", back=board).headers["location"] == board


def test_login_never_sends_the_user_to_another_site(client: TestClient) -> None:
    for back in ("https://ke-gian.example/", "//ke-gian.example/quan-ly/", "/nop-bao-cao/x", "/quan-ly/../nop-bao-cao"):
        assert log_in(client, "vt-dongthap", back=back).headers["location"] == "/quan-ly/"
        client.cookies.clear()


def test_the_session_cookie_is_secure_when_the_app_is_served_over_https(
    console_settings: Settings, config: Config, engine: Engine, accounts: dict[str, tuple[str, str]]
) -> None:
    # Given the app behind https
    settings = console_settings.model_copy(update={"portal_base_url": "https://kehoach.example"})
    with TestClient(create_app(settings, config, engine, clock=Clock()), base_url="https://testserver",
                    follow_redirects=False) as web:
        # When the clerk logs in
        answer = log_in(web, "vt-dongthap")
    # Then the session cookie is marked Secure (and, over http in development, it is not: see above)
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("kehoach_phien="))
    assert "Secure" in cookie and "HttpOnly" in cookie
