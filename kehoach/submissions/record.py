"""Storing submissions: versions, attachments on disk, and the queries tracking needs.

Submitting again adds a version rather than overwriting, so the office can always see what a
unit sent and when. Attachment names are reduced to a safe base name before they touch the
disk: a name like ``../../x.docx`` is stored as ``x.docx`` inside the version's folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from kehoach.errors import SubmissionError
from kehoach.store.files import write_private
from kehoach.store.submission_tables import Attachment, Extension, Submission
from kehoach.submissions.text import clean_line, clean_text

ALLOWED_TYPES = {".docx": b"PK", ".xlsx": b"PK", ".pdf": b"%PDF"}


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as the sender's machine gave it, and its bytes."""

    filename: str
    content: bytes


def safe_filename(name: str) -> str:
    """The last path component, without control or bidi characters or a leading dot; never empty."""
    base = PureWindowsPath(PurePosixPath(clean_line(name)).name).name
    base = re.sub(r"[<>:\"/\\|?*]", "_", base).strip(" .")
    return base[-200:] or "tep-dinh-kem"


def _clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Every text value through ``clean_text``: whichever door it came by, nothing unsafe is stored."""
    return {k: clean_text(v) if isinstance(v, str) else v for k, v in values.items()}


def check_upload(upload: Upload, max_bytes: int) -> None:
    """Raise SubmissionError with a Vietnamese message for a file the office cannot accept."""
    if len(upload.content) > max_bytes:
        raise UploadTooLarge(
            f"Tệp “{safe_filename(upload.filename)}” vượt quá dung lượng cho phép "
            f"({max_bytes // (1024 * 1024)} MB)."
        )
    suffix = Path(safe_filename(upload.filename)).suffix.lower()
    magic = ALLOWED_TYPES.get(suffix)
    if magic is None or not upload.content.startswith(magic):
        raise UnsupportedType(
            f"Tệp “{safe_filename(upload.filename)}” không đúng loại được chấp nhận "
            "(chỉ nhận .docx, .xlsx, .pdf)."
        )


class UploadTooLarge(SubmissionError):
    """An attachment over the size limit (the portal answers 413)."""


class UnsupportedType(SubmissionError):
    """An attachment whose extension or content is not .docx/.xlsx/.pdf (the portal answers 415)."""


class StorageFailed(SubmissionError):
    """The disk refused an attachment (full, quota, I/O error): nothing was stored (the portal answers 507)."""


def next_version(session: Session, plan_id: str, period: str, unit_id: str) -> int:
    return next_versions(session, [(plan_id, period, unit_id)])[plan_id, period, unit_id]


def next_versions(session: Session, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
    """The next version of each ``(plan, period, unit)``: one query per plan and period."""
    units: dict[tuple[str, str], set[str]] = {}
    for plan_id, period, unit_id in keys:
        units.setdefault((plan_id, period), set()).add(unit_id)
    out: dict[tuple[str, str, str], int] = {}
    for (plan_id, period), wanted in units.items():
        stmt = (select(Submission.unit, func.max(Submission.version))
                .where(Submission.plan == plan_id, Submission.period == period, col(Submission.unit).in_(wanted))
                .group_by(Submission.unit))
        found = dict(session.exec(stmt).all())
        out |= {(plan_id, period, u): int(found.get(u) or 0) + 1 for u in wanted}
    return out


@dataclass(frozen=True)
class NewSubmission:
    """One version to store: what a unit sent for one plan and period."""

    plan_id: str
    period: str
    unit_id: str
    values: dict[str, Any]
    uploads: Sequence[Upload] = ()
    estimate: bool = False
    submitter: str | None = None
    from_plan: str | None = None


def record_submission(
    session: Session,
    data_dir: Path,
    *,
    plan_id: str,
    period: str,
    unit_id: str,
    values: dict[str, Any],
    now: datetime,
    source: str,
    uploads: Sequence[Upload] = (),
    max_upload_bytes: int = 10 * 1024 * 1024,
    estimate: bool = False,
    submitter: str | None = None,
    from_plan: str | None = None,
) -> Submission:
    """Store a new version with its files and commit; files are checked before anything is written."""
    new = NewSubmission(plan_id, period, unit_id, values, uploads, estimate, submitter, from_plan)
    [row] = record_submissions(session, data_dir, [new], now=now, source=source, max_upload_bytes=max_upload_bytes)
    return row


def record_submissions(session: Session, data_dir: Path, items: Sequence[NewSubmission], *, now: datetime,
                       source: str, max_upload_bytes: int = 10 * 1024 * 1024) -> list[Submission]:
    """Store new versions with their files and commit once: all of them or, on an error, none.

    Every file is checked before anything is written; a unit named twice gets two versions.
    """
    for item in items:
        for upload in item.uploads:
            check_upload(upload, max_upload_bytes)
    versions = next_versions(session, [(i.plan_id, i.period, i.unit_id) for i in items])
    rows = []
    for item in items:
        key = (item.plan_id, item.period, item.unit_id)
        rows.append(Submission(
            plan=item.plan_id, period=item.period, unit=item.unit_id, version=versions[key], submitted_at=now,
            source=source, values=_clean_values(item.values), estimate=item.estimate,
            submitter=clean_line(item.submitter) if item.submitter else None, from_plan=item.from_plan,
        ))
        versions[key] += 1
    session.add_all(rows)
    session.flush()
    written: list[Path] = []
    try:
        for row, item in zip(rows, items, strict=True):
            _store_uploads(session, data_dir, row, item.uploads, written)
        session.commit()
    except (OSError, SubmissionError) as exc:
        session.rollback()  # the versions and their files go together, or not at all
        for path in written:
            path.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StorageFailed(
                "Máy chủ không lưu được tệp đính kèm (có thể đã hết dung lượng lưu trữ); báo cáo chưa được ghi nhận. "
                "Vui lòng gửi lại sau ít phút hoặc báo cơ quan đầu mối."
            ) from exc
        raise
    return rows


def _store_uploads(session: Session, data_dir: Path, row: Submission, uploads: Sequence[Upload],
                   written: list[Path]) -> None:
    """Write one version's files and add their rows; each path goes into ``written`` as soon as it
    is written, so a failure part-way leaves the caller every file to remove."""
    folder = Path("uploads") / row.plan / row.period / row.unit / str(row.version)
    for name, upload in _unique_names(uploads):
        target = (data_dir / folder / name).resolve()
        if not target.is_relative_to((data_dir / "uploads").resolve()):
            raise SubmissionError(f"tên tệp không hợp lệ: {upload.filename!r}")
        write_private(target, upload.content)
        written.append(target)
        assert row.id is not None
        session.add(Attachment(submission_id=row.id, filename=name, path=str(folder / name), size=len(upload.content)))


def _unique_names(uploads: Sequence[Upload]) -> list[tuple[str, Upload]]:
    """Each upload's safe name, numbered when two files share one (``a.pdf``, ``a-2.pdf``)."""
    used: set[str] = set()
    named = []
    for upload in uploads:
        name = safe_filename(upload.filename)
        stem, suffix = Path(name).stem, Path(name).suffix
        n = 1
        while name in used:
            n += 1
            name = f"{stem}-{n}{suffix}"
        used.add(name)
        named.append((name, upload))
    return named


def versions(session: Session, plan_id: str, period: str) -> list[Submission]:
    """Every version for a period, oldest first."""
    stmt = (
        select(Submission)
        .where(Submission.plan == plan_id, Submission.period == period)
        .order_by(Submission.unit, Submission.version)  # type: ignore[arg-type]
    )
    return list(session.exec(stmt))


def latest_submissions(session: Session, plan_id: str, period: str) -> dict[str, Submission]:
    """The version that counts, per unit."""
    return {row.unit: row for row in versions(session, plan_id, period)}


def first_submitted_at(session: Session, plan_id: str, period: str) -> dict[str, datetime]:
    """When each unit first submitted: a later correction does not make a report late."""
    stmt = (
        select(Submission.unit, Submission.submitted_at)  # not the values: 500 units' JSON to decode for nothing
        .where(Submission.plan == plan_id, Submission.period == period)
        .order_by(Submission.unit, Submission.version)  # type: ignore[arg-type]
    )
    first: dict[str, datetime] = {}
    for unit, at in session.exec(stmt):
        first.setdefault(unit, at)
    return first


def attachments_of(session: Session, submission_id: int) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(Attachment.submission_id == submission_id)))


def grant_extension(session: Session, plan_id: str, period: str, unit_id: str, until: date, now: datetime) -> Extension:
    """Record (or move) a unit's later due date for one period."""
    stmt = select(Extension).where(Extension.plan == plan_id, Extension.period == period, Extension.unit == unit_id)
    row = session.exec(stmt).first() or Extension(plan=plan_id, period=period, unit=unit_id, until=until, granted_at=now)
    row.until, row.granted_at = until, now
    session.add(row)
    session.commit()
    return row


def extensions(session: Session, plan_id: str, period: str) -> dict[str, date]:
    stmt = select(Extension).where(Extension.plan == plan_id, Extension.period == period)
    return {row.unit: row.until for row in session.exec(stmt)}


def plan_extensions(session: Session, plan_id: str) -> dict[tuple[str, str], date]:
    """Every extension of a plan, by (period, unit): expansion moves these units' ladders."""
    stmt = select(Extension).where(Extension.plan == plan_id)
    return {(row.period, row.unit): row.until for row in session.exec(stmt)}
