"""``kehoach validate`` and ``kehoach preview``: check the config, see the year's schedule."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kehoach.cli.app import app
from kehoach.cli.common import config, console, fail, settings

if TYPE_CHECKING:
    from kehoach.expansion.preview import YearPreview
    from kehoach.notification import Notification

class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@app.command(help="Kiểm tra danh bạ đơn vị, lịch nghỉ và các kế hoạch; liệt kê mọi lỗi kèm tệp, dòng và vị trí.")
def validate(
    files: Annotated[list[Path] | None, typer.Argument(help="các tệp kế hoạch; mặc định config/plans/*.yaml")] = None,
) -> None:
    """Check the unit directory, the calendar overrides and the plans; list every error found."""
    from kehoach.plans.checks import schedule_warnings
    from kehoach.plans.config import plan_files
    from kehoach.plans.loader import read_yaml

    cfg = config(files or None, database=False)
    for path in files or plan_files(settings()):
        doc = read_yaml(path)
        plan_id = doc.data.get("id")
        if plan_id in cfg.plans:
            for warning in schedule_warnings(doc, cfg.plans[plan_id]):
                console.print(f"[yellow]⚠[/] {warning}", highlight=False)
    for plan in cfg.plans.values():
        console.print(
            f"[green]✓[/] {plan.id}: {len(plan.tasks)} nhiệm vụ, {len(plan.reports)} báo cáo, "
            f"{len(plan.campaigns)} đợt, {len(plan.occasions)} ngày kỷ niệm, {len(plan.indicators)} chỉ tiêu",
            highlight=False,
        )
    console.print(f"[green]Hợp lệ:[/] {len(cfg.plans)} kế hoạch, {len(cfg.directory.units)} đơn vị.")


@app.command(help="Xem trước mọi thông báo các kế hoạch sẽ gửi trong năm, theo ngày làm việc.")
def preview(
    year: Annotated[int, typer.Option(help="năm cần xem")],
    plan: Annotated[str | None, typer.Option(help="chỉ kế hoạch có mã này")] = None,
    format: Annotated[Format, typer.Option("--format", help="table, json hoặc csv")] = Format.TABLE,
) -> None:
    """Every notification the plans will send in a year, on its working day, written as it is read."""
    from kehoach.expansion.preview import YearPreview

    cfg = config()
    try:
        plans = [cfg.plan(plan)] if plan else list(cfg.plans.values())
    except KeyError as exc:
        fail(str(exc.args[0]))
    found = YearPreview(plans, year, cfg.directory, cfg.calendar([year]))
    if format is Format.JSON:
        _write_json(found)
    elif format is Format.CSV:
        rows = (n.as_dict() for n in found.notifications())
        first = next(rows, None)
        writer = csv.DictWriter(sys.stdout, fieldnames=list(first) if first else ["key"])
        writer.writeheader()
        if first is not None:
            writer.writerow(first)
            writer.writerows(rows)
    else:
        _print_table(found, {u.id: u.name for u in cfg.directory.units}, year)


def _write_json(found: YearPreview) -> None:
    """The notifications as one JSON list, exactly as ``json.dump(..., indent=1)`` writes it, an
    event at a time: each event's fields are written once into a pattern, then only the key, unit
    and channel of each notification go into it."""
    from json.encoder import encode_basestring  # what json.dump uses for strings without ensure_ascii

    encode = json.JSONEncoder(ensure_ascii=False).encode
    out = sys.stdout
    out.write("[")
    shown: Notification | None = None
    pattern, items, comma = "", [], ""
    for first, key, unit, channel in found.recipients():
        if first is not shown:
            if items:
                out.write(comma + ",".join(items))
                comma, items = ",", []
            shown = first
            fields = {encode(k): encode(v).replace("{", "{{").replace("}", "}}") for k, v in first.as_dict().items()}
            fields |= {_KEY: "{0}", _UNIT: "{1}", _CHANNEL: "{2}"}
            pattern = "\n {{\n  " + ",\n  ".join(f"{k}: {v}" for k, v in fields.items()) + "\n }}"
        items.append(pattern.format(encode_basestring(key), encode_basestring(unit), encode_basestring(channel)))
    out.write(comma + ",".join(items) + ("\n]\n" if shown is not None else "]\n"))


_KEY, _UNIT, _CHANNEL = (json.dumps(k) for k in ("key", "unit", "channel"))


def _print_table(found: YearPreview, names: dict[str, str], year: int) -> None:
    """One table per month; one row per event, its recipients summarised."""
    from notifications.vietnamese import vi_date

    for month, events in groupby(found.events(), key=lambda e: e.day.month):
        table = Table(title=f"Tháng {month}/{year}", title_justify="left", show_lines=False, expand=True)
        table.add_column("Ngày gửi", style="cyan", no_wrap=True)
        for col, style in (("Kế hoạch", "magenta"), ("Loại", ""), ("Nội dung", ""), ("Gửi đến", "green")):
            table.add_column(col, style=style, overflow="fold")
        for e in events:
            table.add_row(vi_date(e.day), e.plan, e.kind_label, e.subject,
                          f"{e.recipients(names)} ({', '.join(e.channels)})")
        console.print(table)
    console.print(f"Tổng cộng {found.total} thông báo.")
