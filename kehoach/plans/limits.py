"""The size a plan file may have, checked before it is validated or expanded.

A real KẾ HOẠCH fits in a few dozen kilobytes (the largest seed is 37 KB, 43 indicators, its
longest paragraph 560 characters). Without limits a 50 MB plan grew a 1.8 GB database, and
10,000 nested brackets crashed ``validate`` with a traceback. The limits sit far above any
real plan and far below harm:

    file              512 KB
    any list          500 items   (tasks, reports, units, indicators, content paragraphs…)
    any text          5,000 characters
    nesting           20 levels
"""

from __future__ import annotations

from typing import Any

from kehoach.errors import PlanIssue

MAX_PLAN_BYTES = 512 * 1024
MAX_ITEMS = 500
MAX_TEXT = 5_000
MAX_DEPTH = 20


def size_issue(file: str, size: int) -> PlanIssue:
    return PlanIssue(file, "", None, f"tệp quá lớn ({size / 1024:,.0f} KB; tối đa {MAX_PLAN_BYTES // 1024} KB cho một kế hoạch)")


def depth_issue(file: str) -> PlanIssue:
    return PlanIssue(file, "", None, f"cấu trúc lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)")


def oversize(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], str]]:
    """Where a parsed plan exceeds the limits: (YAML path, Vietnamese message), one per place."""
    if len(path) > MAX_DEPTH:
        return [(path, f"cấu trúc lồng nhau quá sâu (tối đa {MAX_DEPTH} cấp)")]
    found: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(data, str) and len(data) > MAX_TEXT:
        found.append((path, f"nội dung dài {len(data):,} ký tự; tối đa {MAX_TEXT:,}".replace(",", ".")))
    elif isinstance(data, dict):
        if len(data) > MAX_ITEMS:
            found.append((path, f"có {len(data)} khóa; tối đa {MAX_ITEMS}"))
        for key, value in list(data.items())[:MAX_ITEMS]:
            found += oversize(value, (*path, str(key)))
    elif isinstance(data, list):
        if len(data) > MAX_ITEMS:
            found.append((path, f"danh sách có {len(data)} phần tử; tối đa {MAX_ITEMS}"))
        for i, value in enumerate(data[:MAX_ITEMS]):
            found += oversize(value, (*path, i))
    return found
