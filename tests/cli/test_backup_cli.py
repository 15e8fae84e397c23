"""``kehoach backup`` then ``kehoach restore`` into a fresh data folder: nothing is missing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine, text

from kehoach.settings import REPO_ROOT, Settings
from kehoach.submissions.links import verify
from tests.servers.smtp import SMTPServer
from tests.store.conftest import _postgres_url

PLAN, PERIOD, UNIT = "2026-xa-yet-kieu-bdg", "bc-nam-2026", "xa-yk-thon-1"


def kehoach(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "kehoach", *args], env={**env, "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    return done


def ok(env: dict[str, str], *args: str) -> str:
    done = kehoach(env, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_backup_restored_into_a_fresh_folder_has_every_submission_file_and_sent_row(
    tmp_path: Path, smtp_server: SMTPServer,
) -> None:
    # Given an installation that sent reminders, received a report with a file, and rolled it up
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env = {**clean, "KEHOACH_DATA_DIR": str(tmp_path / "data"), "KEHOACH_CONFIG_DIR": str(REPO_ROOT / "config"),
           "KEHOACH_SMTP_HOST": "127.0.0.1", "KEHOACH_SMTP_PORT": str(smtp_server.port)}
    ok(env, "sync", "--year", "2026", "--now", "2026-11-19T06:30:00+07:00")
    ok(env, "dispatch", "--now", "2026-11-19T08:05:00+07:00")
    report = tmp_path / "bao-cao-thon-1.pdf"
    report.write_bytes(b"%PDF-1.4 " + os.urandom(5000))
    ok(env, "submit", "--plan", PLAN, "--period", PERIOD, "--unit", UNIT, "--file", str(report), "--now", "2026-12-01T09:00")
    ok(env, "rollup", "--plan", PLAN, "--period", PERIOD, "--now", "2026-12-08T10:00")
    link = ok(env, "link", "--plan", PLAN, "--unit", UNIT, "--period", PERIOD).strip().split()[-1]
    before = {"outbox": ok(env, "outbox", "--format", "json"),
              "status": ok(env, "status", "--plan", PLAN, "--period", PERIOD, "--format", "json")}
    # When it is backed up, with a reader holding the database open meanwhile
    reader = sqlite3.connect(tmp_path / "data" / "kehoach.db")
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM outbox").fetchone()
    archive = tmp_path / "sao-luu.tar.gz"
    said = ok(env, "backup", "--out", str(archive))
    reader.close()
    # And restored into a fresh data folder
    fresh = {**env, "KEHOACH_DATA_DIR": str(tmp_path / "moi")}
    restored = ok(fresh, "restore", str(archive))
    # Then every sent row, submission and file is there, and old links still open the form
    sent = [r for r in json.loads(before["outbox"]) if r["status"] == "sent"]
    assert sent and f"({len(sent)} đã gửi)" in said and f"({len(sent)} đã gửi)" in restored
    assert ok(fresh, "outbox", "--format", "json") == before["outbox"]
    assert ok(fresh, "status", "--plan", PLAN, "--period", PERIOD, "--format", "json") == before["status"]
    assert [u["id"] for u in json.loads(before["status"])["submitted"]] == [UNIT]
    copies = list((tmp_path / "moi" / "uploads").rglob("*.pdf"))
    assert [p.read_bytes() for p in copies] == [report.read_bytes()]
    assert list((tmp_path / "moi" / "rollups" / PLAN / PERIOD).glob("*.docx"))
    query = parse_qs(urlsplit(link).query)
    verify(Settings(data_dir=tmp_path / "moi"), PLAN, UNIT, PERIOD, query["e"][0], query["s"][0],
           datetime.now(UTC))  # the signing key came back: a link sent before the backup still opens
    assert (tmp_path / "moi" / "portal-secret").read_text() == (tmp_path / "data" / "portal-secret").read_text()
    with tarfile.open(archive) as tar:
        assert not [n for n in tar.getnames() if n.endswith(("-wal", "-shm"))]


def test_restore_never_overwrites_an_installation_and_refuses_a_damaged_archive(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env = {**clean, "KEHOACH_DATA_DIR": str(tmp_path / "data"), "KEHOACH_CONFIG_DIR": str(REPO_ROOT / "config")}
    ok(env, "sync", "--year", "2026", "--now", "2026-11-19T06:30:00+07:00")
    archive = tmp_path / "sao-luu.tar.gz"
    ok(env, "backup", "--out", str(archive))
    # Restoring over the live folder is refused, and the folder is untouched
    again = kehoach(env, "restore", str(archive))
    assert again.returncode == 1 and "không trống" in again.stderr
    # A truncated archive is refused and leaves no half-restored folder
    cut = tmp_path / "hong.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    broken = kehoach({**env, "KEHOACH_DATA_DIR": str(tmp_path / "moi")}, "restore", str(cut))
    assert broken.returncode == 1 and "không đọc được" in broken.stderr
    assert not (tmp_path / "moi").exists() and not list(tmp_path.glob(".moi.khoi-phuc-*"))


@pytest.mark.postgres
def test_the_documented_postgresql_procedure_brings_everything_back(tmp_path: Path) -> None:
    # Given a server-mode installation on its own PostgreSQL database
    base = _postgres_url()
    names = [f"kehoach_bk_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f"CREATE DATABASE {name}"))
    urls = [base.rsplit("/", 1)[0] + f"/{name}" for name in names]
    try:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
        env = {**clean, "KEHOACH_DATA_DIR": str(tmp_path / "data"), "KEHOACH_CONFIG_DIR": str(REPO_ROOT / "config"),
               "KEHOACH_DATABASE_URL": urls[0], "KEHOACH_PORTAL_SECRET": "mot-khoa-chung"}
        ok(env, "sync", "--year", "2026", "--now", "2026-11-19T06:30:00+07:00")
        ok(env, "dispatch", "--now", "2026-11-19T08:05:00+07:00")
        report = tmp_path / "bao-cao.pdf"
        report.write_bytes(b"%PDF-1.4 " + os.urandom(3000))
        ok(env, "submit", "--plan", PLAN, "--period", PERIOD, "--unit", UNIT, "--file", str(report), "--now", "2026-12-01T09:00")
        before = [ok(env, "outbox", "--format", "json"), ok(env, "status", "--plan", PLAN, "--period", PERIOD, "--format", "json")]
        # When the README's procedure is followed: pg_dump and kehoach backup, then into an
        # empty database and an empty data folder, pg_restore and kehoach restore
        dump = tmp_path / "kehoach.dump"
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), urls[0]], check=True, timeout=120)
        files = tmp_path / "files.tar.gz"
        assert "PostgreSQL không nằm trong tệp này" in ok(env, "backup", "--out", str(files))
        subprocess.run(["pg_restore", "--no-owner", "-d", urls[1], str(dump)], check=True, timeout=120)
        fresh = {**env, "KEHOACH_DATA_DIR": str(tmp_path / "moi"), "KEHOACH_DATABASE_URL": urls[1]}
        ok(fresh, "restore", str(files))
        # Then the outbox, the submission and its file are all there
        assert [ok(fresh, "outbox", "--format", "json"),
                ok(fresh, "status", "--plan", PLAN, "--period", PERIOD, "--format", "json")] == before
        assert [p.read_bytes() for p in (tmp_path / "moi" / "uploads").rglob("*.pdf")] == [report.read_bytes()]
        assert any(r["status"] == "sent" for r in json.loads(before[0]))
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
