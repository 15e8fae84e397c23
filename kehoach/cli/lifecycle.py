"""``kehoach plan pause|resume|retire|list``: stop a plan's reminders on purpose, or resume them."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from kehoach.cli.app import app
from kehoach.cli.common import config, console, fail, parse_now, settings

if TYPE_CHECKING:
    from kehoach.plans.lifecycle import PlanState

plan_app = typer.Typer(help="Tạm dừng, tiếp tục hoặc dừng hẳn một kế hoạch.", no_args_is_help=True)
app.add_typer(plan_app, name="plan")

By = typer.Option(None, "--by", help="người thực hiện (mặc định: tài khoản máy đang dùng)")
Reason = typer.Option(None, "--reason", help="lý do, ghi vào nhật ký và vào các thông báo bị bỏ qua")


def _change(plan_id: str, state: PlanState, by: str | None, reason: str | None) -> None:
    from kehoach.plans.lifecycle import STATE_VI, PlanStateError, set_plan_state
    from kehoach.store.db import make_engine, session
    from kehoach.store.outbox import listing

    cfg, engine = config(), make_engine(settings().resolved_database_url)
    if plan_id not in cfg.plans:
        with session(engine) as db:
            if not listing(db, plan=plan_id, limit=1):
                known = ", ".join(sorted(cfg.plans)) or "(không có)"
                fail(f"không có kế hoạch '{plan_id}' trong cấu hình hay trong hộp thư đi; các kế hoạch hiện có: {known}")
    try:
        set_plan_state(engine, plan_id, state, by=by or getpass.getuser(), now=parse_now(None), reason=reason)
    except PlanStateError as exc:
        fail(str(exc))
    with session(engine) as db:
        pending = len(listing(db, plan=plan_id, status="pending"))
    console.print(f"[green]✓[/] {plan_id}: {STATE_VI[state]}; còn {pending} thông báo chờ gửi.", highlight=False)


@plan_app.command("pause", help="Tạm dừng: không gửi gì của kế hoạch cho đến khi tiếp tục.")
def pause(plan_id: str = typer.Argument(..., metavar="ID"), by: str | None = By, reason: str | None = Reason) -> None:
    from kehoach.plans.lifecycle import PlanState

    _change(plan_id, PlanState.PAUSED, by, reason)


@plan_app.command("resume", help="Tiếp tục: gửi những thông báo vẫn còn đến hạn.")
def resume(plan_id: str = typer.Argument(..., metavar="ID"), by: str | None = By, reason: str | None = Reason) -> None:
    from kehoach.plans.lifecycle import PlanState

    _change(plan_id, PlanState.ACTIVE, by, reason)


@plan_app.command("retire", help="Dừng hẳn: bỏ qua mọi thông báo chờ gửi (ghi lý do); không thể tiếp tục lại.")
def retire(plan_id: str = typer.Argument(..., metavar="ID"), by: str | None = By, reason: str | None = Reason) -> None:
    from kehoach.plans.lifecycle import PlanState

    _change(plan_id, PlanState.RETIRED, by, reason)


@plan_app.command("list", help="Các kế hoạch và trạng thái của chúng.")
def list_plans() -> None:
    from kehoach.plans.lifecycle import STATE_VI, PlanState, plan_states
    from kehoach.store.db import make_engine

    cfg, engine = config(), make_engine(settings().resolved_database_url)
    states = plan_states(engine)
    table = Table("Kế hoạch", "Trạng thái", title="Các kế hoạch")
    for plan_id in sorted(set(cfg.plans) | set(states)):
        note = "" if plan_id in cfg.plans else " (không còn trong cấu hình)"
        table.add_row(plan_id, STATE_VI[states.get(plan_id, PlanState.ACTIVE)] + note)
    console.print(table)
