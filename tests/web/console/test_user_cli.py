"""``kehoach user add|passwd|disable`` as an admin runs them, then the console they open."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from select import select as readable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from kehoach.plans.config import load_config
from kehoach.settings import REPO_ROOT, Settings
from kehoach.store.account_tables import ConsoleUser
from kehoach.store.db import make_engine, session
from kehoach.web.app import create_app
from tests.web.console.conftest import NOW, log_in


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    return {**clean, "KEHOACH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}


def kehoach(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kehoach", *args], input=stdin, capture_output=True, text=True,
                          cwd=REPO_ROOT, env=env, timeout=120)


def usernames(data_dir: Path) -> list[str]:
    engine = make_engine(f"sqlite:///{data_dir / 'kehoach.db'}")
    with session(engine) as s:
        found = [u.username for u in s.exec(select(ConsoleUser))]
    engine.dispose()
    return found


@pytest.fixture
def console(env: dict[str, str]) -> Iterator[TestClient]:
    """The web app over the data folder the commands wrote to."""
    settings = Settings(data_dir=Path(env["KEHOACH_DATA_DIR"]), portal_base_url="http://testserver")
    engine = make_engine(settings.resolved_database_url)
    app = create_app(settings, load_config(settings, engine=engine, now=NOW), engine, clock=lambda: NOW)
    with TestClient(app, follow_redirects=False) as c:
        yield c
    engine.dispose()


def test_an_unknown_office_or_role_is_a_vietnamese_error_and_creates_nothing(env: dict[str, str]) -> None:
    office = kehoach(env, "user", "add", "vanthu", "--office", "van-phong-khong-co", "--role", "van_thu",
                     "--password-stdin", stdin="mat-khau-du-dai-1\n")
    assert office.returncode == 1
    assert "không có đơn vị 'van-phong-khong-co' trong danh bạ" in office.stderr
    role = kehoach(env, "user", "add", "vanthu", "--office", "stp-dt-van-phong", "--role", "giam_doc",
                   "--password-stdin", stdin="mat-khau-du-dai-1\n")
    assert role.returncode == 1
    assert "vai trò 'giam_doc' không hợp lệ; chọn một trong: van_thu, lanh_dao, quan_tri" in role.stderr
    short = kehoach(env, "user", "add", "vanthu", "--office", "stp-dt-van-phong", "--role", "van_thu",
                    "--password-stdin", stdin="ngan\n")
    assert short.returncode == 1 and "mật khẩu phải có ít nhất 10 ký tự" in short.stderr
    assert usernames(Path(env["KEHOACH_DATA_DIR"])) == []


def test_add_passwd_disable_from_the_command_line_govern_the_console_login(
    env: dict[str, str], console: TestClient
) -> None:
    # Given a clerk made with a password from stdin
    added = kehoach(env, "user", "add", "vanthu", "--office", "stp-dt-van-phong", "--role", "van_thu",
                    "--email", "vanthu@stp-dongthap.example", "--password-stdin", stdin="mat-khau-ban-dau\n")
    assert added.returncode == 0, added.stderr
    assert "Đã tạo tài khoản vanthu (van_thu, Văn phòng Sở Tư pháp Đồng Tháp)" in added.stdout
    assert kehoach(env, "user", "add", "vanthu", "--office", "stp-dt-van-phong", "--role", "van_thu",
                   "--password-stdin", stdin="mat-khau-khac-nua\n").returncode == 1
    # Then she logs in with it
    assert log_in(console, "vanthu@stp-dongthap.example", "mat-khau-ban-dau").status_code == 303
    # When the admin sets a new password, her open session ends and only the new password works
    assert kehoach(env, "user", "passwd", "vanthu", "--password-stdin", stdin="mat-khau-moi-hon\n").returncode == 0
    assert console.get("/quan-ly/").status_code == 303
    assert log_in(console, "vanthu", "mat-khau-ban-dau").status_code == 401
    assert log_in(console, "vanthu", "mat-khau-moi-hon").status_code == 303
    # When the admin disables the account, the session ends and the password no longer opens it
    disabled = kehoach(env, "user", "disable", "vanthu")
    assert disabled.returncode == 0 and "Đã khóa tài khoản vanthu" in disabled.stdout
    assert console.get("/quan-ly/").status_code == 303
    assert log_in(console, "vanthu", "mat-khau-moi-hon").status_code == 401
    assert kehoach(env, "user", "disable", "khong-co").returncode == 1


def _in_a_terminal(env: dict[str, str], args: list[str], lines: list[str]) -> tuple[int, str]:
    """Run a command in a pseudo-terminal (its controlling terminal, as a person's shell is) and type
    ``lines``, each once the prompt before it has been shown in full (click prints ": " last)."""
    pid, leader = pty.fork()
    if pid == 0:  # the child: become the command, and never come back into pytest
        try:
            os.chdir(REPO_ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "kehoach", *args], env)
        finally:
            os._exit(127)
    out, pending = b"", list(lines)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not readable([leader], [], [], 0.5)[0]:
            continue
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the command ended and closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if pending and out.endswith(b": "):
            os.write(leader, (pending.pop(0) + "\n").encode())
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(leader)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def test_the_password_is_asked_twice_without_echo(env: dict[str, str]) -> None:
    # When the admin types the password twice at the hidden prompt
    code, shown = _in_a_terminal(env, ["user", "add", "quantri", "--office", "stp-dt-van-phong", "--role", "quan_tri"],
                                 ["mat-khau-bi-mat-1", "mat-khau-bi-mat-1"])
    # Then the account is made and the password never appeared on the screen
    assert code == 0, shown
    assert "Mật khẩu:" in shown and "Nhập lại mật khẩu:" in shown
    assert "mat-khau-bi-mat-1" not in shown
    assert usernames(Path(env["KEHOACH_DATA_DIR"])) == ["quantri"]
