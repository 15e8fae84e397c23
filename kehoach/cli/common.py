"""What every command shares: settings, loading the config with readable errors, the clock.

The command modules import the domain (SQLAlchemy, Jinja2, python-docx, icalendar…) inside
the commands that use it, so ``kehoach --help`` and a command's start-up pay only for what
that command needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from kehoach.calendar import VN_TZ
from kehoach.errors import PlanError, SettingsError

if TYPE_CHECKING:
    from kehoach.plans.config import Config
    from kehoach.settings import Settings

console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]Lỗi:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    from kehoach.settings import Settings  # pydantic-settings: a tenth of a second ``--help`` does without

    return Settings()


def serving_settings() -> Settings:
    """Settings for a process that signs or checks links (run, portal): in server mode every
    process must share KEHOACH_PORTAL_SECRET, so a missing one stops it before it starts."""
    s = settings()
    try:
        s.signing_key()
    except SettingsError as exc:
        fail(str(exc))
    return s


def config(files: Iterable[Path] | None = None, *, database: bool = True) -> Config:
    """The validated config, or every issue printed and exit code 1.

    The directory is the database's (seeded from contacts.yaml on a fresh install), as the
    console's; ``database=False`` reads only the files under config/ (``kehoach validate``).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from kehoach.plans.config import load_config
    from kehoach.store.db import make_engine

    s = settings()
    try:
        if not database:
            return load_config(s, files)
        return load_config(s, files, engine=make_engine(s.resolved_database_url), now=datetime.now(VN_TZ))
    except PlanError as exc:
        for issue in exc.issues:
            err_console.print(f"[red]✗[/] {issue}", highlight=False, soft_wrap=True)
        fail(f"{len(exc.issues)} lỗi trong cấu hình; chưa có gì được thay đổi.")
    except OperationalError as exc:
        where = make_url(s.resolved_database_url).render_as_string(hide_password=True)
        fail(f"không kết nối được cơ sở dữ liệu {where} (KEHOACH_DATABASE_URL): {exc.orig}")


def parse_now(value: str | None) -> datetime:
    """``--now`` as ISO 8601; a naive value is taken as Asia/Ho_Chi_Minh. Default: the clock."""
    if value is None:
        return datetime.now(VN_TZ)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now '{value}' không phải thời điểm ISO 8601 (ví dụ 2026-11-16T08:00:00+07:00)")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)
