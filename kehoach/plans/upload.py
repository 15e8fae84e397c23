"""A plan uploaded through the console: validated like ``kehoach validate``, then written atomically.

Nothing changes unless the upload is valid: YAML syntax, the plan schema, every unit and
group it names (against the directory in use), a plan id that no other file already holds,
and, for an office's clerk, a plan that office follows. The file is written to a temporary
name in the plans folder and renamed over ``<plan-id>.yaml``, so a reader never sees half of it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kehoach.errors import PlanError, PlanIssue
from kehoach.plans import limits
from kehoach.plans.directory import Directory
from kehoach.plans.loader import parse_yaml, plan_from_doc
from kehoach.plans.model import Plan


def check_upload(data: bytes, name: str, directory: Directory, plans: Mapping[str, Plan], plans_dir: Path,
                 office: str | None) -> Plan:
    """The uploaded plan, validated; PlanError with every issue (line and YAML path) otherwise.

    ``office`` is the uploader's office (None for an admin): a clerk may add or replace only
    plans whose follow-up office is theirs.
    """
    if len(data) > limits.MAX_PLAN_BYTES:
        raise PlanError([limits.size_issue(name, len(data))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanError([PlanIssue(name, "", None, "tệp không phải văn bản UTF-8 (cần tệp .yaml)")]) from None
    plan = plan_from_doc(parse_yaml(text, name), directory)
    issues = []
    if office is not None and office not in (plan.office, plan.issuer):
        issues.append(PlanIssue(name, "office", None, f"kế hoạch do văn phòng '{plan.office}' theo dõi, "
                                                     f"không phải văn phòng của bạn ('{office}')"))
    existing = plans.get(plan.id)
    target = plans_dir / f"{plan.id}.yaml"
    if existing is not None and not target.exists():
        issues.append(PlanIssue(name, "id", None, f"mã kế hoạch '{plan.id}' đã dùng ở tệp khác"))
    if existing is not None and office is not None and office not in (existing.office, existing.issuer):
        issues.append(PlanIssue(name, "id", None, f"kế hoạch '{plan.id}' đã có và thuộc văn phòng khác"))
    if issues:
        raise PlanError(issues)
    return plan


def write_plan(plans_dir: Path, plan: Plan, data: bytes) -> Path:
    """Write the upload as ``<plan-id>.yaml``, atomically (temporary file, fsync, rename)."""
    plans_dir.mkdir(parents=True, exist_ok=True)
    target = plans_dir / f"{plan.id}.yaml"
    draft = plans_dir / f".{plan.id}.{os.getpid()}.upload"
    with draft.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(draft, target)
    return target
