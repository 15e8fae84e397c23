"""A small real disk for full-disk tests: a tmpfs mounted on a folder (root needed; CI runs as root)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    """``folder`` (created) as a tmpfs of ``size`` (mount's spelling: ``4m``, ``1536k``) until the block ends.

    Skipped where mounting is not allowed, except under CI=true, where it fails. Unmounted
    lazily: a failed test may still hold a file or a database connection open on it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a tmpfs in CI (root is needed): {done.stderr}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)
