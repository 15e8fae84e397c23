"""Backup and restore of an installation's data folder (embedded mode).

A backup is one ``.tar.gz``: a consistent copy of the SQLite database taken with SQLite's
online backup API (safe while ``kehoach run`` is writing), and every other file of the data
folder — uploads, roll-ups, the Maildir, the portal's signing key (without it every link
already sent stops working), the Zalo token — plus ``manifest.json`` with the row counts
the restore checks. The simulation's folder (``mo-phong``) is left out: it is emptied on
every run anyway.

With PostgreSQL (server mode) the archive holds the files only; the database is saved
with ``pg_dump`` and brought back with ``pg_restore`` (README, "Backups").
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kehoach.errors import KehoachError
from kehoach.plans.config_cache import CACHE_NAME
from kehoach.store.files import private_dir

DB_NAME = "kehoach.db"
MANIFEST = "manifest.json"
# The config cache is a pickle: rebuilt by the next command, never taken from an archive.
SKIPPED = {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", "mo-phong", CACHE_NAME}
COUNTED = {"submission": "bản báo cáo", "attachment": "tệp đính kèm", "outbox": "thông báo",
           "delivery_attempt": "lần gửi"}


class BackupError(KehoachError):
    """A backup that cannot be made or restored; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class BackupReport:
    archive: Path
    database: str  # "sqlite" or "postgresql"
    files: int
    counts: dict[str, int]  # rows per table in the copied database (empty for PostgreSQL)


def _counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables & set(COUNTED))}
        counts["outbox_sent"] = conn.execute("SELECT count(*) FROM outbox WHERE status='sent'").fetchone()[0] \
            if "outbox" in tables else 0
    conn.close()
    return counts


def _sqlite_path(database_url: str) -> Path | None:
    return Path(database_url.removeprefix("sqlite:///")) if database_url.startswith("sqlite:///") else None


def backup(data_dir: Path, database_url: str, out: Path, now: datetime) -> BackupReport:
    """Write the archive ``out``; the live database is copied page by page, never read torn."""
    db = _sqlite_path(database_url)
    if not data_dir.is_dir():
        raise BackupError(f"không có thư mục dữ liệu {data_dir}")
    out = out.resolve()
    with tempfile.TemporaryDirectory(prefix="kehoach-backup-") as tmp:
        copy = Path(tmp) / DB_NAME
        counts: dict[str, int] = {}
        if db is not None:
            if not db.exists():
                raise BackupError(f"không có cơ sở dữ liệu {db}")
            src, dst = sqlite3.connect(db), sqlite3.connect(copy)
            with dst:
                src.backup(dst)
            src.close()
            dst.close()
            counts = _counts(copy)
        manifest = {"format": 1, "created_at": now.isoformat(), "database": "sqlite" if db else "postgresql",
                    "counts": counts}
        (Path(tmp) / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        files = 0
        part = out.with_name(f".{out.name}.part")
        with tarfile.open(part, "w:gz") as tar:
            tar.add(Path(tmp) / MANIFEST, MANIFEST)
            if db is not None:
                tar.add(copy, f"data/{DB_NAME}")
            for path in sorted(data_dir.rglob("*")):
                rel = path.relative_to(data_dir)
                if rel.parts[0] in SKIPPED or path.resolve() in (out, part.resolve()) or not path.is_file():
                    continue
                tar.add(path, f"data/{rel.as_posix()}", recursive=False)
                files += 1
        part.chmod(0o600)
        part.replace(out)
    return BackupReport(out, manifest["database"], files, counts)  # type: ignore[arg-type]


# Python's own "data" filter where it exists (3.11.4+); Debian 12's 3.11.2 has none, so
# _plain_members does the part that matters: plain files and folders, inside the target.
_DATA_FILTER = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def _plain_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for m in members:
        parts = Path(m.name).parts
        if not (m.isfile() or m.isdir()) or m.name.startswith("/") or ".." in parts:
            raise BackupError(f"tệp sao lưu chứa mục không hợp lệ: {m.name!r}")
    return members


def restore(archive: Path, data_dir: Path, database_url: str) -> BackupReport:
    """Unpack ``archive`` into ``data_dir``, which must not hold a database yet; checked before it is used.

    The files land in a sibling folder first and are renamed into place once the database
    passed SQLite's integrity check and holds the counts the manifest recorded.
    """
    db = _sqlite_path(database_url)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"thư mục dữ liệu {data_dir} không trống; hãy khôi phục vào một thư mục mới "
                          "(đặt KEHOACH_DATA_DIR) hoặc chuyển thư mục cũ đi chỗ khác trước")
    if db is not None and db.exists():
        raise BackupError(f"đã có cơ sở dữ liệu {db}; không ghi đè")
    private_dir(data_dir.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.khoi-phuc-", dir=data_dir.parent))
    try:
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(staging, members=_plain_members(tar), **_DATA_FILTER)
            manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, EOFError, zlib.error, tarfile.TarError, ValueError, KeyError) as exc:
            raise BackupError(f"tệp sao lưu {archive} không đọc được: {exc}") from None
        if (manifest["database"] == "sqlite") != (db is not None):
            raise BackupError(
                f"tệp sao lưu {archive} là của chế độ {manifest['database']}, còn cấu hình hiện dùng "
                f"{'SQLite' if db else 'PostgreSQL'}; với PostgreSQL, cơ sở dữ liệu khôi phục bằng pg_restore")
        restored = staging / "data"
        private_dir(restored)
        (restored / CACHE_NAME).unlink(missing_ok=True)
        copy = restored / DB_NAME
        counts: dict[str, int] = {}
        if manifest["database"] == "sqlite":
            with sqlite3.connect(copy) as conn:
                verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            conn.close()
            counts = _counts(copy)
            if verdict != "ok" or counts != manifest["counts"]:
                raise BackupError(f"tệp sao lưu {archive} bị hỏng: kiểm tra cơ sở dữ liệu cho '{verdict}', "
                                  f"số dòng {counts} khác với lúc sao lưu {manifest['counts']}")
        for path in [restored, *restored.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)
        files = sum(1 for p in restored.rglob("*") if p.is_file() and p != copy)
        if data_dir.exists():
            data_dir.rmdir()
        restored.rename(data_dir)
        if db is not None and db.resolve() != (data_dir / DB_NAME).resolve():
            private_dir(db.parent)
            shutil.move(data_dir / DB_NAME, db)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return BackupReport(archive, manifest["database"], files, counts)
