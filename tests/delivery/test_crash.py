"""benchmarks/crash.py in small: SIGKILLs mid-send lose nothing, leave nothing stuck, repeat little."""

from __future__ import annotations

import json
import subprocess
import sys

from kehoach.delivery.dispatcher import Options
from kehoach.settings import REPO_ROOT


def test_sigkills_at_random_points_lose_nothing_and_repeat_at_most_the_concurrency() -> None:
    done = subprocess.run([sys.executable, "benchmarks/crash.py", "--units", "200", "--kills", "2",
                           "--concurrency", "5", "--seed", "7"],
                          capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["kills_mid_send"] >= 1, result
    assert result["lost"] == 0 and result["stuck_after_lease"] == 0 and result["unexpected"] == 0, result
    assert result["max_duplicates_per_kill"] <= 5, result


def test_sigkills_during_digests_repeat_at_most_the_in_flight_bound_in_notifications() -> None:
    # Given 5 notifications per unit, sent as one digest each, and SIGKILLs mid-send
    done = subprocess.run([sys.executable, "benchmarks/crash.py", "--units", "100", "--per-unit", "5", "--kills", "2",
                           "--concurrency", "5", "--seed", "3"],
                          capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # Then nothing is lost or stuck, and a kill repeats at most Options.in_flight notifications
    assert result["kills_mid_send"] >= 1 and result["per_unit"] == 5, result
    assert result["lost"] == 0 and result["stuck_after_lease"] == 0 and result["unexpected"] == 0, result
    assert result["max_duplicates_per_kill"] <= Options().in_flight, result
