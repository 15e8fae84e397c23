"""``kehoach run`` as systemd and Docker run and stop it: the shipped unit file is valid, its
ExecStart line serves the portal, and its stop signal (SIGTERM) ends it as cleanly as Ctrl-C,
shutdown step included, with Prefect's temporary server gone too."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kehoach.settings import REPO_ROOT

UNIT = REPO_ROOT / "deploy" / "kehoach.service"
INSTALLED = "/opt/kehoach/.venv/bin/kehoach"  # where the unit expects the checkout's venv


def unit_settings() -> dict[str, list[str]]:
    """Each ``Key=value`` of the unit file, values in order."""
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_the_systemd_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is missing in CI (Debian package systemd)")
        pytest.skip("systemd-analyze not installed")
    # Given the unit, pointing at this checkout's venv instead of /opt/kehoach
    unit = tmp_path / "kehoach.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED, str(Path(sys.executable).parent / "kehoach")))
    done = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    # And a broken one is caught, so the check can fail
    unit.write_text(unit.read_text().replace("Type=exec", "Type=exce"))
    broken = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert "Failed to parse service type" in broken.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_units_stop_signal_stops_run_cleanly_with_its_prefect_server(tmp_path: Path) -> None:
    # Given the unit's ExecStart line and Environment, run with the state folder in tmp_path
    unit = unit_settings()
    state = str(tmp_path / "state")
    command = shlex.split(unit["ExecStart"][0].replace(INSTALLED, f"{sys.executable} -m kehoach"))
    environment = dict(shlex.split(e)[0].split("=", 1) for e in unit["Environment"])
    environment = {k: v.replace("/var/lib/kehoach", state) for k, v in environment.items()}
    assert command[-1] == "run" and environment["KEHOACH_DATA_DIR"] == state
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KEHOACH_", "PREFECT_"))}
    env = {**clean, **environment, "KEHOACH_PORTAL_PORT": str(port), "COLUMNS": "200"}
    log = (tmp_path / "run.log").open("w+")
    proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, (tmp_path / "run.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.5)
        children = descendants(proc.pid)
        assert children, "Prefect's temporary server runs as a child process"
        # When systemd stops it with the unit's KillSignal (docker stop sends the same SIGTERM)
        assert unit["KillSignal"] == ["SIGTERM"]
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=int(unit["TimeoutStopSec"][0]))
    finally:
        if proc.poll() is None:
            proc.kill()
    # Then it ran its shutdown step, exited 0, and left no process behind
    output = (tmp_path / "run.log").read_text()
    assert code == 0, output
    assert "đang dừng: chờ các luồng đang chạy xong…" in output and "đã dừng." in output
    deadline = time.monotonic() + 10
    while any(alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in children if alive(p)]
