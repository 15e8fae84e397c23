"""``kehoach run`` as an admin starts it: one scheduler per database, a second one refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kehoach.runtime.runner import LEASE
from kehoach.settings import REPO_ROOT
from kehoach.store import leases
from kehoach.store.db import make_engine

CLI = [sys.executable, "-c", "from kehoach.cli import main; main()"]


def test_a_second_kehoach_run_on_the_same_database_exits_non_zero_naming_the_holder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEHOACH_")}
    env |= {"KEHOACH_DATA_DIR": str(tmp_path / "data"), "PREFECT_HOME": str(tmp_path / "prefect"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'kehoach.db'}")
    # Given a `kehoach run --no-portal` that holds the scheduler
    first = subprocess.Popen([*CLI, "run", "--no-portal"], env=env, cwd=REPO_ROOT, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while leases.current(engine, LEASE) is None:
            assert first.poll() is None and time.monotonic() < deadline, "the first runner never took the scheduler"
            time.sleep(0.2)
        # When a second one starts on the same database
        second = subprocess.run([*CLI, "run", "--no-portal"], env=env, cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=60)
        # Then it exits non-zero at once, saying who holds the scheduler
        assert second.returncode == 1
        assert f"pid {first.pid}" in second.stdout and "đang chạy" in second.stdout
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
