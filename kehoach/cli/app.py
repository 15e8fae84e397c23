"""The typer application every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="kehoach",
    help="kehoach: biến KẾ HOẠCH thành nhắc việc, thu thập báo cáo và báo cáo tổng hợp.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
