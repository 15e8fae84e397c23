"""``kehoach run`` on a fresh install says where the office logs in and the command that makes
the first account; that command, run as printed, opens a console with the three seed plans."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kehoach.settings import REPO_ROOT
from tests.servers.smtp import free_port
from tests.web.console.conftest import DT_PLAN, LS_PLAN, YK_PLAN, csrf_of

COMMAND = re.compile(r"^\s+(\.venv/bin/kehoach user add .+)$")
URL = re.compile(r"trang quản lý của văn phòng: (http://\S+/quan-ly/)")


def test_run_prints_the_login_address_and_the_first_account_command_that_works(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(tmp_path / "data"), "KEHOACH_PORTAL_PORT": str(port),
            "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",  # a loaded CI machine is slow to start it
            "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    # Given `kehoach run` on an installation without accounts
    run = subprocess.Popen([sys.executable, "-m", "kehoach", "run"], env=env, cwd=REPO_ROOT, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = command = None
        seen: list[str] = []
        deadline = time.monotonic() + 180
        assert run.stdout is not None
        while command is None and time.monotonic() < deadline:
            line = run.stdout.readline()
            assert line or run.poll() is None, "".join(seen)
            seen.append(line)
            url = (m := URL.search(line)) and m.group(1) or url
            command = (m := COMMAND.match(line)) and m.group(1) or None
        # Then it printed where to log in and the exact command for the first account
        assert url == f"http://127.0.0.1:{port}/quan-ly/", "".join(seen)
        assert command == ".venv/bin/kehoach user add quantri --office skhcn-ls-van-phong --role quan_tri"
        # When the admin runs that command (the password from stdin instead of the prompt)
        args = shlex.split(command)[1:]
        made = subprocess.run([sys.executable, "-m", "kehoach", *args, "--password-stdin"], input="mat-khau-quan-tri\n",
                              capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120)
        assert made.returncode == 0, made.stderr
        # Then the printed address logs her in, to the three seed plans
        with httpx.Client(base_url=url, follow_redirects=True, timeout=30) as web:
            deadline = time.monotonic() + 240  # `run` syncs the three plans before it serves; slow on a loaded machine
            while True:
                try:
                    page = web.get("dang-nhap")
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "the console never answered"
                    time.sleep(0.5)
            home = web.post("dang-nhap", data={"csrf_token": csrf_of(page.text), "tiep": "/quan-ly/",
                                               "ten_dang_nhap": "quantri", "mat_khau": "mat-khau-quan-tri"})
        assert home.status_code == 200 and "Việc cần làm hôm nay" in home.text, _output_after_stop(run)
        for plan in (DT_PLAN, LS_PLAN, YK_PLAN):
            assert f'href="/quan-ly/ke-hoach/{plan}"' in home.text
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGTERM)  # the stop systemd sends
            try:
                run.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(run.pid, signal.SIGKILL)
                run.wait(timeout=10)


def _output_after_stop(run: subprocess.Popen[str]) -> str:
    """What `run` printed after the first-account line (its traceback when a page failed)."""
    os.killpg(run.pid, signal.SIGTERM)
    try:
        out, _ = run.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        out, _ = run.communicate(timeout=10)
    return out[-6000:]
