"""The ``kehoach`` command line; one module per group of commands.

    plans.py     validate, preview
"""

from __future__ import annotations

from kehoach.cli import plans  # noqa: F401  (registers its commands)
from kehoach.cli.app import app


def main() -> None:
    app()
