"""The typer application every command module registers on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="kehoach",
    help="Turns KẾ HOẠCH plans into reminders, report collection and roll-ups.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
