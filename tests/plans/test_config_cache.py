"""The validated config is kept in the data folder between commands, and never served stale."""

import os
import pickle
import tarfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.errors import PlanError
from kehoach.plans.config import load_config
from kehoach.plans.config_cache import CACHE_NAME
from kehoach.plans.directory_edit import GroupValues, apply_changes
from kehoach.plans.directory_store import stored_directory
from kehoach.settings import Settings
from kehoach.store.backup import backup
from kehoach.store.db import make_engine, session
from tests.factories import PLAN, write_config

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=VN_TZ)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(config_dir=write_config(tmp_path), data_dir=tmp_path / "data")


def load(settings: Settings, engine: Engine):
    return load_config(settings, engine=engine, now=NOW)


def tamper(settings: Settings, title: str) -> None:
    """Rewrite the cached plan's title, keeping the file's key: what a load returns tells where it came from."""
    path = settings.data_dir / CACHE_NAME
    key, config = pickle.loads(path.read_bytes())
    plan = config.plans["2026-thu-nghiem"]
    config.plans["2026-thu-nghiem"] = plan.model_copy(update={"title": title})
    path.write_bytes(pickle.dumps((key, config)))


def test_the_second_load_comes_from_a_private_cache(settings: Settings, engine: Engine) -> None:
    load(settings, engine)  # seeds the directory
    first = load(settings, engine)
    cache = settings.data_dir / CACHE_NAME
    assert cache.stat().st_mode & 0o777 == 0o600
    tamper(settings, "Từ bộ nhớ đệm")
    assert load(settings, engine).plans["2026-thu-nghiem"].title == "Từ bộ nhớ đệm"
    assert first.plans["2026-thu-nghiem"].title == "Kế hoạch thử nghiệm năm 2026"


def test_the_load_that_seeds_a_fresh_database_leaves_the_cache_the_next_one_reads(
        settings: Settings, engine: Engine) -> None:
    seeded = load(settings, engine)  # a fresh database: this load seeds the directory
    assert (settings.data_dir / CACHE_NAME).exists()
    tamper(settings, "Từ bộ nhớ đệm")
    second = load(settings, engine)
    assert second.plans["2026-thu-nghiem"].title == "Từ bộ nhớ đệm"
    with session(engine) as s:
        assert second.directory == seeded.directory == stored_directory(s)


def test_an_edited_plan_file_is_read_again(settings: Settings, engine: Engine) -> None:
    load(settings, engine), load(settings, engine)
    tamper(settings, "Cũ")
    plan_file = settings.plans_dir / "plan.yaml"
    plan_file.write_text(PLAN.replace("title: Kế hoạch thử nghiệm năm 2026", "title: Kế hoạch đã sửa"), encoding="utf-8")
    assert load(settings, engine).plans["2026-thu-nghiem"].title == "Kế hoạch đã sửa"


def test_a_broken_plan_file_is_reported_not_hidden_by_the_cache(settings: Settings, engine: Engine) -> None:
    load(settings, engine), load(settings, engine)
    (settings.plans_dir / "plan.yaml").write_text(PLAN.replace("lead: [phong-1]", "lead: [phong-9]"), encoding="utf-8")
    with pytest.raises(PlanError) as info:
        load(settings, engine)
    assert "phong-9" in str(info.value.issues[0])


def test_a_directory_edit_in_the_database_is_seen(settings: Settings, engine: Engine) -> None:
    before = load(settings, engine)
    load(settings, engine)
    with session(engine) as s:
        apply_changes(s, before.plans.values(), by="x", now=NOW, groups=[GroupValues("cac-don-vi", "Tên mới")])
    assert load(settings, engine).directory.group("cac-don-vi").name == "Tên mới"


def test_a_corrupt_cache_is_ignored_and_replaced(settings: Settings, engine: Engine) -> None:
    load(settings, engine), load(settings, engine)
    cache = settings.data_dir / CACHE_NAME
    cache.write_bytes(b"\x80\x05 not a pickle")
    assert load(settings, engine).plans["2026-thu-nghiem"].title == "Kế hoạch thử nghiệm năm 2026"
    assert pickle.loads(cache.read_bytes())[1].plans["2026-thu-nghiem"].title == "Kế hoạch thử nghiệm năm 2026"


def test_a_cache_others_could_write_is_not_read(settings: Settings, engine: Engine) -> None:
    load(settings, engine), load(settings, engine)
    tamper(settings, "Ai đó sửa")
    os.chmod(settings.data_dir / CACHE_NAME, 0o666)
    assert load(settings, engine).plans["2026-thu-nghiem"].title == "Kế hoạch thử nghiệm năm 2026"


def test_a_backup_leaves_the_cache_out(settings: Settings, tmp_path: Path) -> None:
    url = f"sqlite:///{settings.data_dir / 'kehoach.db'}"
    engine = make_engine(url)
    load(settings, engine), load(settings, engine)
    assert (settings.data_dir / CACHE_NAME).exists()
    archive = backup(settings.data_dir, url, tmp_path / "sao-luu.tar.gz", NOW).archive
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "data/kehoach.db" in names and f"data/{CACHE_NAME}" not in names


def test_the_cached_plans_are_the_loaded_ones_in_their_order_and_can_change(settings: Settings, engine: Engine) -> None:
    second = PLAN.replace("id: 2026-thu-nghiem", "id: 2026-thu-nghiem-2")
    (settings.plans_dir / "plan-2.yaml").write_text(second, encoding="utf-8")
    load(settings, engine)
    loaded = load(settings, engine)
    cached = load(settings, engine)  # from the cache: each plan rebuilt as it is read
    assert list(cached.plans) == list(loaded.plans) == ["2026-thu-nghiem-2", "2026-thu-nghiem"]  # by file name
    assert cached.plans["2026-thu-nghiem"] == loaded.plans["2026-thu-nghiem"]
    kept = vars(cached.plans)["_plans"]  # the one plan read is rebuilt, the other still pickled
    assert not isinstance(kept["2026-thu-nghiem"], bytes) and isinstance(kept["2026-thu-nghiem-2"], bytes)
    assert list(cached.plans.values()) == list(loaded.plans.values())
    # an upload in the console replaces a plan in the running config
    cached.plans["2026-thu-nghiem"] = cached.plans["2026-thu-nghiem"].model_copy(update={"title": "Mới"})
    assert cached.plans["2026-thu-nghiem"].title == "Mới" and len(cached.plans) == 2
    del cached.plans["2026-thu-nghiem-2"]
    assert list(cached.plans) == ["2026-thu-nghiem"] and "2026-thu-nghiem-2" not in cached.plans
