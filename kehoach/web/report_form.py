"""The report form as both doors show and check it: the unit's signed page and the office's
console (a report recorded on a unit's behalf). One set of fields, one check of a posted form
(``forms.validate`` for the figures and texts, ``record.check_upload`` for the files), one way
to show what a version holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.datastructures import FormData, UploadFile

from kehoach.plans.directory import Directory
from kehoach.plans.model import IndicatorKind, Plan, Report
from kehoach.submissions.forms import NUMERIC_KINDS, Validated, fields_of, form_indicators, report_indicators, validate
from kehoach.submissions.record import UnsupportedType, Upload, UploadTooLarge, check_upload

FILE_FIELD = "tep_dinh_kem"


def form_rows(plan: Plan, directory: Directory, report: Report, unit_id: str) -> list[dict[str, Any]]:
    """What ``report_fields.html`` draws: each indicator the unit reports, with its input names."""
    rows: list[dict[str, Any]] = []
    for ind in form_indicators(plan, directory, report, unit_id):
        parts = [(f.name, f.label if f.part else "") for f in fields_of([ind])]
        rows.append({"indicator": ind, "kind": ind.kind.value, "parts": parts, "numeric": ind.kind in NUMERIC_KINDS})
    return rows


async def read_report(form: FormData, plan: Plan, directory: Directory, report: Report, unit_id: str,
                      limit: int) -> tuple[dict[str, str], Validated, list[Upload], int]:
    """The posted texts, their check, the files, and the status to answer if the check failed
    (413 for a file too large, 415 for a wrong type, else 400)."""
    raw = {k: v for k, v in form.items() if isinstance(v, str)}
    checked = validate(form_indicators(plan, directory, report, unit_id), raw, plan.validation_rules)
    uploads = [Upload(f.filename, await f.read(limit + 1)) for f in form.getlist(FILE_FIELD)
               if isinstance(f, UploadFile) and f.filename]
    status = 400
    for upload in uploads:
        try:
            check_upload(upload, limit)
        except UploadTooLarge as exc:
            checked.errors[FILE_FIELD], status = str(exc), 413
        except UnsupportedType as exc:
            checked.errors[FILE_FIELD], status = str(exc), 415
    return raw, checked, uploads, status


def shown_values(plan: Plan, report: Report, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A version's values as (indicator label, text) in the form's words."""
    labels = {i.id: i for i in report_indicators(plan, report)}
    shown = []
    for key, value in values.items():
        ind = labels.get(key)
        if ind is None:
            continue
        if ind.kind is IndicatorKind.FLAG:
            text = "Có" if value else "Không"
        elif ind.kind is IndicatorKind.TEXT:
            text = value
        elif ind.parts:
            split = ", ".join(f"{o.label[:1].lower()}{o.label[1:]} {value.get(o.id, 0)}" for o in ind.parts)
            text = f"{sum(value.get(o.id, 0) for o in ind.parts)} ({split})"
        else:
            text = str(value["tong"])
        shown.append((ind.label, text))
    return shown
