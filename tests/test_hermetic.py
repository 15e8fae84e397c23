"""Tests never inherit the shell's real SMTP relay, Zalo credentials, database or Prefect API."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from kehoach.settings import REPO_ROOT


def test_a_shells_real_settings_never_reach_a_test_or_its_children(tmp_path: Path) -> None:
    # Given a shell set up for real work: a relay, Zalo credentials, a Prefect server
    shell = {**os.environ, "KEHOACH_SMTP_HOST": "relay.that-must-not-be-used.vn",
             "KEHOACH_ZALO_REFRESH_TOKEN": "real-token", "PREFECT_API_URL": "http://prefect.that-must-not-be-used.vn/api",
             "KEHOACH_TEST_POSTGRES_URL": "postgresql://kept"}
    probe = tmp_path / "test_probe.py"
    probe.write_text(textwrap.dedent("""
        import os, subprocess, sys
        from kehoach.settings import Settings

        def test_probe():
            settings = Settings()
            assert settings.smtp_host is None and settings.zalo_refresh_token is None
            child = subprocess.run([sys.executable, "-c", "import os; print(sorted(os.environ))"],
                                   capture_output=True, text=True, check=True).stdout
            assert "KEHOACH_SMTP_HOST" not in child and "PREFECT_API_URL" not in child
            assert os.environ["KEHOACH_TEST_POSTGRES_URL"] == "postgresql://kept"
    """), encoding="utf-8")
    # When pytest runs a test with this project's tests/conftest.py
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider",
                           "-p", "tests.conftest", str(probe)], cwd=REPO_ROOT, env=shell, capture_output=True, text=True, timeout=120)
    # Then the test and its child process see none of them; the test database is kept
    assert done.returncode == 0, done.stdout + done.stderr
