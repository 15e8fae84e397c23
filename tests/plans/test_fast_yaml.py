"""libyaml reads every value as the round-trip parser does, and a bad file still gets its line."""

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from kehoach.errors import PlanError
from kehoach.plans import fast_yaml
from kehoach.plans.config import load_config
from kehoach.settings import Settings
from tests.factories import PLAN, write_config

ROOT = Path(__file__).resolve().parents[2]
TRICKY = """\
zalo: 0900000003
octal_looking: 017
octal: 0o17
hex: 0x1f
binary: 0b11
underscored: 1_000
signed: +5
exponent: 1e3
float: 2.50
yes_word: yes
on_word: on
clock: 16:30
day: 01/06/2026
iso_day: 2026-01-02
nothing: ~
empty:
quoted: '5'
truthy: True
list: [a, 'b, c', 3]
"""


def plain(data):
    """Round-trip containers as plain dicts and lists."""
    if isinstance(data, dict):
        return {k: plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    return data


def builtin(value):
    """The value's built-in type (ruamel's rt parser returns int and float subclasses)."""
    return next(t for t in type(value).__mro__ if t.__module__ in ("builtins", "datetime"))


@pytest.mark.parametrize("text", [TRICKY, *(p.read_text(encoding="utf-8") for p in sorted(
    [*(ROOT / "config" / "plans").glob("*.yaml"), ROOT / "config" / "contacts.yaml", ROOT / "config" / "calendar.yaml"]))])
def test_libyaml_reads_the_same_values_as_the_round_trip_parser(text):
    expected = plain(YAML(typ="rt", pure=True).load(text))
    found = fast_yaml.load(text)
    assert found == expected
    assert [builtin(v) for v in found.values()] == [builtin(v) for v in expected.values()]  # 1 is not 1.0 or True


def test_a_duplicate_key_is_still_refused_with_its_line(tmp_path):
    twice = PLAN.replace("title: Kế hoạch thử nghiệm năm 2026\n", "title: Kế hoạch thử nghiệm năm 2026\ntitle: Lần hai\n")
    cfg = write_config(tmp_path, plan=twice)
    with pytest.raises(PlanError) as info:
        load_config(Settings(config_dir=cfg))
    [issue] = info.value.issues
    assert issue.file.endswith("plan.yaml") and issue.line == 3 and "lỗi cú pháp YAML" in issue.message
