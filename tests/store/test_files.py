"""The data directory is private: database and uploads 0600 in 0700 folders, written whole."""

from __future__ import annotations

import os
import stat
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from kehoach.calendar import VN_TZ
from kehoach.settings import Settings
from kehoach.store.db import make_engine, session
from kehoach.store.files import write_private
from kehoach.submissions.record import Upload, record_submission


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_database_signing_key_and_uploads_are_private_whatever_the_umask(tmp_path: Path) -> None:
    # Given a permissive umask, as a shell often has
    old = os.umask(0o022)
    try:
        data = tmp_path / "data"
        engine = make_engine(f"sqlite:///{data / 'kehoach.db'}")
        with engine.begin() as conn:
            conn.execute(text("SELECT 1"))
        Settings(data_dir=data).signing_key()
        with session(engine) as s:
            record_submission(s, data, plan_id="p", period="nam-2026", unit_id="u", values={},
                              now=datetime(2026, 12, 1, tzinfo=VN_TZ), source="cli",
                              uploads=[Upload("bao-cao.pdf", b"%PDF-1.4 ...")])
        engine.dispose()
    finally:
        os.umask(old)
    # Then no other account can read any of it
    assert mode(data) == 0o700 and mode(data / "kehoach.db") == 0o600
    assert mode(data / "portal-secret") == 0o600
    folder = data / "uploads" / "p" / "nam-2026" / "u" / "1"
    assert mode(folder) == 0o700 and mode(data / "uploads") == 0o700
    assert mode(folder / "bao-cao.pdf") == 0o600
    assert all(mode(p) == 0o600 for p in data.glob("kehoach.db*"))  # -wal and -shm too


def test_a_failed_write_leaves_no_file_at_all(tmp_path: Path) -> None:
    # Given a folder where the real name is a directory, so the final rename fails
    target = tmp_path / "a.pdf"
    target.mkdir()
    (target / "x").write_text("x")
    with pytest.raises(OSError):
        write_private(target, b"%PDF")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


def test_a_second_engine_in_a_process_keeps_what_the_first_writes_when_another_process_closes(tmp_path: Path) -> None:
    """`kehoach run` opens the database more than once while `kehoach user add` (another process)
    opens and closes it. Closing any descriptor of the file drops every POSIX lock the process holds
    on it, so the other process's close took itself for the last user and deleted the write-ahead
    log under the first engine: its next writes were lost ("disk I/O error" at the console's login)."""
    import subprocess
    import sys

    db = tmp_path / "data" / "kehoach.db"
    url = f"sqlite:///{db}"
    # Given a process with an open connection that has written, and a second engine made after it
    first = make_engine(url)
    with first.begin() as conn:
        conn.execute(text("CREATE TABLE note (body TEXT)"))
        conn.execute(text("INSERT INTO note VALUES ('trước')"))
    make_engine(url)
    # When another process opens the database, reads and closes it
    peek = "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); print(c.execute('SELECT count(*) FROM note').fetchone()[0]); c.close()"
    assert subprocess.run([sys.executable, "-c", peek, str(db)], capture_output=True, text=True, check=True).stdout == "1\n"
    # Then what the first engine writes next is in the database for everyone
    with first.begin() as conn:
        conn.execute(text("INSERT INTO note VALUES ('sau')"))
    seen = subprocess.run([sys.executable, "-c", peek, str(db)], capture_output=True, text=True, check=True)
    assert seen.stdout == "2\n"
    first.dispose()
