"""Storing submissions one at a time and many at once: one code path, the same rows and files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from kehoach.calendar import VN_TZ
from kehoach.store.db import make_engine, session
from kehoach.store.submission_tables import Attachment, Submission
from kehoach.submissions.record import (
    NewSubmission,
    Upload,
    UnsupportedType,
    record_submission,
    record_submissions,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=VN_TZ)
PDF = b"%PDF-1.4 ..."


def stored(engine: Engine) -> list[tuple[str, str, str, int, dict[str, object], str | None]]:
    with session(engine) as s:
        return [(r.plan, r.period, r.unit, r.version, r.values, r.submitter)
                for r in s.exec(select(Submission).order_by(Submission.id))]  # type: ignore[arg-type]


def attachments(engine: Engine) -> list[tuple[str, int]]:
    with session(engine) as s:
        return [(a.path, a.size) for a in s.exec(select(Attachment).order_by(Attachment.id))]  # type: ignore[arg-type]


def test_many_at_once_store_what_one_at_a_time_stores(tmp_path: Path) -> None:
    # Given the same submissions, among them a unit that already submitted once and a unit named twice
    items = [NewSubmission("p", "nam-2026", "a", {"tong": 1, "ghi_chu": "Đã\x00 làm"}, [Upload("bc.pdf", PDF)]),
             NewSubmission("p", "nam-2026", "b", {"tong": 2}, submitter=" Chị\u202e Lan "),
             NewSubmission("p", "nam-2026", "a", {"tong": 3}),
             NewSubmission("q", "quy-1-2026", "a", {"tong": 4})]
    engines = {}
    for way in ("one", "many"):
        data = tmp_path / way
        engine = engines[way] = make_engine(f"sqlite:///{data / 'kehoach.db'}")
        with session(engine) as s:
            record_submission(s, data, plan_id="p", period="nam-2026", unit_id="a", values={"tong": 0},
                              now=NOW, source="cli")
        # When they are recorded one by one, or all in one call
        with session(engine) as s:
            if way == "one":
                rows = [record_submission(s, data, plan_id=i.plan_id, period=i.period, unit_id=i.unit_id,
                                          values=i.values, uploads=i.uploads, submitter=i.submitter,
                                          now=NOW, source="cli") for i in items]
            else:
                rows = record_submissions(s, data, items, now=NOW, source="cli")
            assert [r.version for r in rows] == [2, 1, 3, 1]
    # Then the rows, their cleaned values, the attachments and the files on disk are the same
    assert stored(engines["one"]) == stored(engines["many"])
    assert stored(engines["many"])[1][4] == {"tong": 1, "ghi_chu": "Đã làm"}
    assert attachments(engines["one"]) == attachments(engines["many"]) == [("uploads/p/nam-2026/a/2/bc.pdf", len(PDF))]
    assert (tmp_path / "many" / "uploads/p/nam-2026/a/2/bc.pdf").read_bytes() == PDF


def test_one_refused_file_stores_none_of_the_batch(tmp_path: Path) -> None:
    # Given a batch whose last submission carries a file of a type the office does not accept
    engine = make_engine(f"sqlite:///{tmp_path / 'kehoach.db'}")
    items = [NewSubmission("p", "nam-2026", "a", {"tong": 1}, [Upload("bc.pdf", PDF)]),
             NewSubmission("p", "nam-2026", "b", {"tong": 2}, [Upload("virus.exe", b"MZ")])]
    # When it is recorded, it is refused with the file named
    with session(engine) as s, pytest.raises(UnsupportedType, match="virus.exe"):
        record_submissions(s, tmp_path, items, now=NOW, source="cli")
    # and nothing at all was stored
    assert stored(engine) == [] and attachments(engine) == []
    assert not (tmp_path / "uploads").exists()
