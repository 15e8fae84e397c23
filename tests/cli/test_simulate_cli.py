"""``kehoach simulate`` reaches no real person, even with SMTP and Zalo configured."""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
from pathlib import Path

import pytest

from kehoach.settings import REPO_ROOT
from tests.cli.test_delivery_cli import CLI
from tests.servers.smtp import SMTPServer
from tests.servers.zalo import APP_ID, SECRET_KEY, ZaloServer

pytestmark = pytest.mark.prefect


def test_simulation_with_smtp_and_zalo_configured_sends_nothing_to_either(
    tmp_path: Path, smtp_server: SMTPServer, zalo_server: ZaloServer,
) -> None:
    # Given an installation whose settings point at an SMTP server and a Zalo account
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env = {**clean, "KEHOACH_DATA_DIR": str(tmp_path / "data"), "PREFECT_HOME": str(tmp_path / "prefect"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
           "KEHOACH_SMTP_HOST": "127.0.0.1", "KEHOACH_SMTP_PORT": str(smtp_server.port),
           "KEHOACH_ZALO_APP_ID": APP_ID, "KEHOACH_ZALO_SECRET_KEY": SECRET_KEY,
           "KEHOACH_ZALO_REFRESH_TOKEN": zalo_server.state.new_refresh_token(),
           "KEHOACH_ZALO_API_BASE": zalo_server.url, "KEHOACH_ZALO_OAUTH_BASE": zalo_server.url}
    sim = tmp_path / "sim"
    # When the Action Month kickoff day is simulated without --smtp
    done = subprocess.run([*CLI, "simulate", "--from", "2026-11-16", "--to", "2026-11-16", "--data-dir", str(sim)],
                          env=env, capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    # Then the SMTP server and Zalo received nothing, no Zalo token was spent,
    assert smtp_server.recorder.messages == [] and smtp_server.recorder.connections == 0
    assert zalo_server.state.requests == []
    # and the messages are in the simulation's own Maildir and Zalo record, where a person can read them
    assert "Maildir" in done.stdout
    assert len(list(mailbox.Maildir(sim / "maildir", create=False))) > 0
    zalo = [json.loads(line) for line in (sim / "zalo-mo-phong.jsonl").read_text(encoding="utf-8").splitlines()]
    assert zalo and all(m["template_data"] for m in zalo)


def test_send_to_needs_smtp(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    done = subprocess.run([*CLI, "simulate", "--from", "2026-11-16", "--to", "2026-11-16",
                           "--send-to", "toi@so.example", "--data-dir", str(tmp_path / "sim")],
                          env={**clean, "KEHOACH_DATA_DIR": str(tmp_path)}, capture_output=True, text=True,
                          timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 1 and "--send-to" in done.stderr
