"""Text at the door: Word's breaks, control and bidi characters, NFC; the roll-up survives old data."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import update
from sqlmodel import select
from typer.testing import CliRunner

from kehoach.cli import app
from kehoach.store.db import make_engine, session
from kehoach.store.submission_tables import Submission
from kehoach.submissions.record import safe_filename
from kehoach.submissions.text import clean_line, clean_text
from tests import reporting_world as world

P = ["--plan", world.PLAN_ID, "--period", "nam-2026"]
DIRTY = "Đã tổ chức\v3 hội nghị\x00\x1b[31m;\fhết\ttrang\u202e"


def test_breaks_become_newlines_controls_and_bidi_go_and_text_is_nfc() -> None:
    assert clean_text(DIRTY) == "Đã tổ chức\n3 hội nghị[31m;\nhết\ttrang"
    assert clean_text("a\r\nb\rc\u2028d\x85e") == "a\nb\nc\nd\ne"
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hường")
    assert decomposed != "Nguyễn Thị Hường" and clean_text(decomposed) == "Nguyễn Thị Hường"
    assert clean_line(" Lê\vVăn\tA ") == "Lê Văn A"


def test_stored_file_names_lose_right_to_left_overrides_and_other_bidi_controls() -> None:
    # "bao-cao‮xcod.exe" shows as "bao-caoexe.docx" in a file manager
    assert safe_filename("bao-cao\u202excod.exe") == "bao-caoxcod.exe"
    assert safe_filename("\u2067hồ sơ\u2069\u200f.pdf") == "hồ sơ.pdf"
    assert safe_filename("..\\..\\a\x00b.docx") == "ab.docx"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    world.write_config(tmp_path / "config")
    monkeypatch.setenv("KEHOACH_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("KEHOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("KEHOACH_DATABASE_URL", raising=False)

    def invoke(*args: str) -> str:
        result = CliRunner().invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_cli_cleans_text_and_rollup_survives_a_nul_already_stored(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Given a narrative recorded from the CLI with Word's manual line break
    run("submit", *P, "--unit", "yk-cong-an", "--value", "tuyen_truyen_so_cuoc=3",
        "--value", f"ket_qua_noi_bat={DIRTY}", "--now", "2026-12-01T09:00")
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'kehoach.db'}")
    with session(engine) as s:
        stored = s.exec(select(Submission)).one()
        assert stored.values["ket_qua_noi_bat"] == clean_text(DIRTY)
        # and another stored before the door cleaned text (written straight into the database)
        s.execute(update(Submission).values(values={**stored.values, "ket_qua_noi_bat": "Dòng 1\vDòng 2\x00\x1b"}))
        s.commit()
    engine.dispose()
    # When the office rolls the period up, the báo cáo is written, the break kept as a line break
    out = tmp_path / "out"
    run("rollup", *P, "--out", str(out), "--now", "2026-12-08T10:00")
    doc = Document(str(out / f"bao-cao-{world.PLAN_ID}-nam-2026.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert re.search(r"Dòng 1\nDòng 2$", text, re.M)
    assert "\x00" not in text and "\x1b" not in text
