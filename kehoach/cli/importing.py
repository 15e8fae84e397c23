"""``kehoach import``: a KẾ HOẠCH (.docx or .txt) → a draft plan YAML to review, never a guess left unmarked."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from kehoach.cli.app import app
from kehoach.cli.common import console, fail, settings
from kehoach.errors import PlanError

if TYPE_CHECKING:
    from kehoach.importer.draft import Draft


@app.command(name="import", help="Đọc một KẾ HOẠCH (.docx hoặc .txt) và viết bản nháp kế hoạch YAML để rà soát.")
def import_plan(
    document: Annotated[Path, typer.Argument(help="tệp kế hoạch .docx hoặc .txt")],
    out: Annotated[Path | None, typer.Option("--out", help="tệp YAML sẽ viết; mặc định config/plans/<mã>.yaml")] = None,
) -> None:
    """Read the plan by rules, write the draft and its proposed units, print what needs review."""
    from kehoach.importer.document import read_document
    from kehoach.importer.draft import build_draft
    from kehoach.importer.errors import DocumentError
    from kehoach.importer.render import plan_yaml, proposed_yaml
    from kehoach.plans.loader import load_directory
    from kehoach.plans.model import ID_PATTERN

    s = settings()
    try:
        directory = load_directory(s.contacts_file)
    except PlanError as exc:
        fail(f"danh bạ đơn vị {s.contacts_file} không hợp lệ: {exc.issues[0]}")
    plan_id = out.stem if out is not None else None
    if plan_id is not None and not re.fullmatch(ID_PATTERN, plan_id):
        fail(f"tên tệp '{out}' không dùng được làm mã kế hoạch (chữ thường không dấu, số, '-')")
    try:
        draft = build_draft(read_document(document), document.name, directory, plan_id)
    except DocumentError as exc:
        fail(str(exc))
    target = out or s.plans_dir / f"{draft.data['id']}.yaml"
    if target.exists():
        fail(f"tệp {target} đã có; chọn tên khác bằng --out để không ghi đè")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(plan_yaml(draft, document.name), encoding="utf-8")
    proposed_file = None
    if draft.proposed:
        proposed_file = target.with_name(f"{target.stem}.don-vi-de-xuat.yaml")
        proposed_file.write_text(proposed_yaml(draft), encoding="utf-8")
    _summary(draft, target, proposed_file)


def _summary(draft: Draft, target: Path, proposed_file: Path | None) -> None:
    from kehoach.importer.render import REVIEW

    table = Table(title=f"Đã nhập {target}", title_justify="left")
    table.add_column("Mục", style="cyan")
    table.add_column("Số lượng", justify="right")
    d = draft.data
    table.add_row("Nhiệm vụ", str(len(d["tasks"])))
    table.add_row("Báo cáo", str(len(d["reports"])))
    table.add_row("Đợt / ngày kỷ niệm", f"{len(d['campaigns'])} / {len(d['occasions'])}")
    table.add_row("Hạn, mốc thời gian tìm thấy", str(draft.deadlines))
    table.add_row("Đơn vị khớp danh bạ", str(draft.matched))
    table.add_row("Đơn vị đề xuất thêm", str(len(draft.proposed)))
    table.add_row(f"Trường cần xem lại ({REVIEW})", str(len({p for p, _ in draft.reviews}) + len(draft.notes)))
    console.print(table)
    if proposed_file is not None:
        console.print(f"Đơn vị đề xuất: {proposed_file} (thêm vào danh bạ rồi chạy kehoach validate)", highlight=False)
