"""Artifacts an admin reads in the Prefect UI: a Markdown summary and tables.

Artifact keys must be lowercase letters, digits and dashes; a key makes the UI keep the
history of one thing (one plan's period, the dispatcher) across runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact

from kehoach.calendar import VN_TZ


def artifact_key(*parts: str) -> str:
    key = "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-") for p in parts if p)
    return key[:100].strip("-") or "kehoach"


ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def cell(value: Any) -> Any:
    """What a person reads in an artifact: dates as dd/mm/yyyy, times as HH:MM dd/mm/yyyy (Asia/Ho_Chi_Minh)."""
    if isinstance(value, datetime):
        return f"{value.astimezone(VN_TZ):%H:%M %d/%m/%Y}" if value.tzinfo else f"{value:%H:%M %d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, str) and (m := ISO_DATE.match(value)):
        return f"{m[3]}/{m[2]}/{m[1]}"
    return value


def publish_markdown(key: str, markdown: str, description: str) -> None:
    create_markdown_artifact(markdown=markdown, key=artifact_key(key), description=description)


def publish_table(key: str, rows: Sequence[Mapping[str, Any]], description: str) -> None:
    """A table artifact; an empty one says so instead of showing nothing."""
    table = [{k: cell(v) for k, v in r.items()} for r in rows] or [{"Kết quả": "Không có gì"}]
    create_table_artifact(table=table, key=artifact_key(key), description=description)


def markdown_table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "_Không có gì._\n"
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(str(cell(r.get(h, ""))).replace("|", "/") for h in head) + " |")
    return "\n".join(lines) + "\n"
