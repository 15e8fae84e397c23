"""The ``kehoach`` command line; one module per group of commands.

    plans.py     validate, preview
    contacts.py  contacts export, contacts import
    delivery.py  sync, dispatch, outbox
    lifecycle.py plan pause, resume, retire, list
    reports.py   submit, status, rollup, extend, link, portal
    runtime.py   run (embedded scheduler + portal), simulate
    backup.py    backup, restore
    importing.py import (a KẾ HOẠCH from .docx/.txt → draft plan YAML)
    ops.py       health, automations apply
    users.py     user add, passwd, disable (console accounts)
"""

from __future__ import annotations

from kehoach.cli import (  # noqa: F401  (registers their commands)
    backup, contacts, delivery, importing, lifecycle, ops, plans, reports, runtime, users,
)
from kehoach.cli.app import app


def main() -> None:
    app()
