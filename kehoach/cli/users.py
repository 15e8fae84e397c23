"""``kehoach user add|passwd|disable``: the console's accounts from the command line.

The first account of an installation can only be made here; passwords are asked twice
with a hidden prompt, or read from standard input (``--password-stdin``) for scripts.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kehoach.cli.app import app
from kehoach.cli.common import config, console, fail, parse_now, settings
from kehoach.web.console.roles import Role

user_app = typer.Typer(help="Tài khoản trang quản lý: tạo, đổi mật khẩu, khóa.", no_args_is_help=True)
app.add_typer(user_app, name="user")

Username = Annotated[str, typer.Argument(metavar="USERNAME", help="tên đăng nhập")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="đọc mật khẩu từ dòng đầu của đầu vào chuẩn")]
ROLES = " | ".join(r.value for r in Role)


def _password(from_stdin: bool) -> str:
    """The new password, from stdin or asked twice without echo; checked before anything is written."""
    from kehoach.web.console.accounts import AccountError, check_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    try:
        check_password(password)
    except AccountError as exc:
        fail(str(exc))
    return password


@user_app.command("add", help=f"Tạo tài khoản. Vai trò: {ROLES}.")
def add(
    username: Username,
    office: Annotated[str, typer.Option("--office", help="mã đơn vị (trong danh bạ) của người dùng")],
    role: Annotated[str, typer.Option("--role", help=ROLES)],
    email: Annotated[str | None, typer.Option("--email", help="email, cũng dùng để đăng nhập")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    from kehoach.store.db import make_engine, session
    from kehoach.web.console.accounts import AccountError, add_user, check_new_user

    cfg = config()
    with session(make_engine(settings().resolved_database_url)) as db:
        try:
            check_new_user(db, cfg.directory, username=username, office=office, role=role, email=email)
            password = _password(password_stdin)
            user = add_user(db, cfg.directory, username=username, office=office, role=role, password=password,
                            email=email, now=parse_now(None))
        except AccountError as exc:
            fail(str(exc))
    console.print(f"[green]✓[/] Đã tạo tài khoản {user.username} ({user.role}, {cfg.directory.label(user.office)}).",
                  highlight=False)


@user_app.command("passwd", help="Đặt mật khẩu mới (kết thúc các phiên đang đăng nhập, mở khóa tài khoản).")
def passwd(username: Username, password_stdin: PasswordStdin = False) -> None:
    from kehoach.store.db import make_engine, session
    from kehoach.web.console.accounts import AccountError, set_password
    from kehoach.web.console.accounts import find as find_user

    with session(make_engine(settings().resolved_database_url)) as db:
        try:
            find_user(db, username)
            set_password(db, username, _password(password_stdin))
        except AccountError as exc:
            fail(str(exc))
    console.print(f"[green]✓[/] Đã đổi mật khẩu của {username}.", highlight=False)


@user_app.command("disable", help="Khóa tài khoản: không đăng nhập được nữa, các phiên đang mở kết thúc ngay.")
def disable(username: Username) -> None:
    from kehoach.store.db import make_engine, session
    from kehoach.web.console.accounts import AccountError, disable_user

    with session(make_engine(settings().resolved_database_url)) as db:
        try:
            disable_user(db, username)
        except AccountError as exc:
            fail(str(exc))
    console.print(f"[green]✓[/] Đã khóa tài khoản {username}.", highlight=False)
