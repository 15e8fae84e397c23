"""The config a long-running process serves, reloaded when the directory or a plan file changed.

The console edits the directory in the database and writes uploaded plans into the plans
folder; a worker that loaded the config an hour ago must see both. ``LiveConfig.current``
costs one small query and a folder listing, and reloads only when something changed.
"""

from __future__ import annotations

import threading
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from kehoach.errors import PlanError
from kehoach.plans.config import Config, load_config, plan_files
from kehoach.plans.config_cache import Stamps, file_stamps
from kehoach.plans.directory_store import directory_revision
from kehoach.settings import Settings

Revision = tuple[int, Stamps]


def revision(settings: Settings, engine: Engine) -> Revision:
    """The directory's change counter and the plan files' names, sizes and times."""
    with Session(engine) as session:
        directory = directory_revision(session)
    return directory, file_stamps(plan_files(settings))


class LiveConfig:
    def __init__(self, settings: Settings, engine: Engine, config: Config | None = None):
        self.settings, self.engine = settings, engine
        self._lock = threading.Lock()
        self._config = config
        self._revision: Revision | None = revision(settings, engine) if config is not None else None

    def current(self, now: datetime) -> Config:
        """The config as of now; a reload that fails validation keeps the last good one (PlanError if none)."""
        seen = revision(self.settings, self.engine)
        with self._lock:
            if self._config is None or seen != self._revision:
                try:
                    fresh = load_config(self.settings, engine=self.engine, now=now)
                    if self._config is not None and fresh.overrides == self._config.overrides:
                        fresh._calendars = self._config._calendars  # holidays.VN is slow to build
                    self._config = fresh
                except PlanError:
                    if self._config is None:
                        raise
                self._revision = revision(self.settings, self.engine)
            return self._config
