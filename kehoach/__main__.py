"""``python -m kehoach`` is the ``kehoach`` command."""

from kehoach.cli import main

main()
