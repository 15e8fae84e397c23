"""``kehoach --help`` starts without the heavy libraries: each command imports what it uses."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["sqlalchemy", "sqlmodel", "jinja2", "docx", "icalendar", "openpyxl", "holidays", "prefect", "argon2",
         "pydantic", "pydantic_settings"]

PROBE = f"""
import json, sys
from kehoach.cli import app
try:
    app(["--help"])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""


def test_help_imports_none_of_the_heavy_libraries():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "sync" in done.stdout and "rollup" in done.stdout  # every command is listed
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_a_command_still_finds_what_it_imports_late():
    done = subprocess.run([sys.executable, "-m", "kehoach", "sync", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "--year" in done.stdout
