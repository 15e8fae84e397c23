"""``kehoach contacts export|import``: the directory kept in the database, as YAML or Excel."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from kehoach.cli.app import app
from kehoach.cli.common import config, console, err_console, fail, parse_now, settings

contacts = typer.Typer(help="Danh bạ đơn vị (lưu trong cơ sở dữ liệu): xuất ra YAML/Excel, nhập từ Excel.",
                       no_args_is_help=True)
app.add_typer(contacts, name="contacts")


@contacts.command("export", help="Ghi danh bạ từ cơ sở dữ liệu ra config/contacts.yaml (hoặc tệp .yaml/.xlsx chỉ định).")
def export(out: Annotated[Path | None, typer.Option("--out", help="tệp đích, .yaml hoặc .xlsx")] = None) -> None:
    """Write the database's directory back to contacts.yaml, or to an Excel sheet."""
    from kehoach.plans.directory_store import export_yaml, stored_groups, stored_units
    from kehoach.plans.directory_xlsx import write_xlsx
    from kehoach.store.db import make_engine, session

    s = settings()
    config()  # seeds a fresh database from contacts.yaml, so there is always something to export
    target = out or s.contacts_file
    with session(make_engine(s.resolved_database_url)) as db:
        if target.suffix.lower() == ".xlsx":
            units = stored_units(db)
            target.write_bytes(write_xlsx(units, stored_groups(db)))
            n = len(units)
        elif target.suffix.lower() in (".yaml", ".yml"):
            n = export_yaml(db, target)
        else:
            fail(f"--out '{target}': chỉ ghi được tệp .yaml hoặc .xlsx")
    console.print(f"Đã ghi {n} đơn vị vào {target}.")


@contacts.command("import", help="Nhập danh bạ từ bảng tính .xlsx (mỗi dòng một đơn vị); có lỗi thì không nhập gì.")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="tệp .xlsx")],
            now: Annotated[str | None, typer.Option("--now")] = None) -> None:
    """Add or update the units of an Excel sheet, all or nothing, with an audit line per change."""
    from kehoach.plans.directory_edit import DirectoryEditError, apply_changes
    from kehoach.plans.directory_store import stored_groups, stored_units
    from kehoach.plans.directory_xlsx import read_xlsx
    from kehoach.store.db import make_engine, session

    s, cfg = settings(), config()
    with session(make_engine(s.resolved_database_url)) as db:
        try:
            units, groups = read_xlsx(file.read_bytes(), {u.id for u in stored_units(db)},
                                      {g.id for g in stored_groups(db)})
            changes = apply_changes(db, cfg.plans.values(), by=getpass.getuser(), now=parse_now(now),
                                    source="cli", units=units, groups=groups)
        except DirectoryEditError as exc:
            for line in exc.errors:
                err_console.print(f"[red]✗[/] {line}", highlight=False, soft_wrap=True)
            fail(f"{len(exc.errors)} lỗi trong {file.name}; chưa nhập gì.")
    console.print(f"Đã nhập {len(units)} đơn vị từ {file.name}: {len(changes)} thay đổi được ghi vào nhật ký.")
