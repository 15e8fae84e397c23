"""Settings that must hold together: server mode needs the installation's one signing key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from kehoach.errors import SettingsError
from kehoach.settings import REPO_ROOT, Settings

SHARED_DB = "postgresql://kehoach:x@db.example:5432/kehoach"


def test_embedded_mode_makes_one_key_per_data_folder(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert not s.server_mode
    assert s.signing_key() == Settings(data_dir=tmp_path).signing_key()
    assert (tmp_path / "portal-secret").stat().st_mode & 0o077 == 0


def test_server_mode_without_a_portal_secret_is_refused(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, database_url=SHARED_DB)
    assert s.server_mode
    with pytest.raises(SettingsError, match="KEHOACH_PORTAL_SECRET"):
        s.signing_key()
    assert not (tmp_path / "portal-secret").exists()  # no key of its own that other workers would not share
    shared = Settings(data_dir=tmp_path, database_url=SHARED_DB, portal_secret=SecretStr("one-key"))
    assert shared.signing_key() == b"one-key"


def test_kehoach_portal_in_server_mode_without_a_secret_does_not_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(tmp_path), "KEHOACH_DATABASE_URL": SHARED_DB}
    done = subprocess.run([sys.executable, "-c", "from kehoach.cli import main; main()", "portal"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert done.returncode == 1
    assert "KEHOACH_PORTAL_SECRET" in done.stderr and "chế độ máy chủ" in done.stderr


def test_an_unreachable_database_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(tmp_path), "KEHOACH_DATABASE_URL": SHARED_DB, "KEHOACH_PORTAL_SECRET": "s"}
    done = subprocess.run([sys.executable, "-c", "from kehoach.cli import main; main()", "status",
                           "--plan", "2026-stp-dong-thap-bdg"], env=env, capture_output=True, text=True, timeout=60,
                          cwd=REPO_ROOT)
    assert done.returncode == 1
    assert "không kết nối được cơ sở dữ liệu" in done.stderr and "db.example" in done.stderr
    assert "Traceback" not in done.stderr and ":x@" not in done.stderr  # nor the password
