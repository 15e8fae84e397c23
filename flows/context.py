"""What every flow shares: settings, config and the database, loaded once per process.

Loading the plans and building the holiday calendar takes a moment; a dispatch every 15
minutes (or a simulated year of them) must not pay it each time, yet a change made in the
console (a contact, an uploaded plan) is seen by the next run. The cache is keyed by the
settings that decide what is loaded, so a test that points at another data folder gets its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from prefect.runtime import flow_run
from sqlalchemy import Engine

from kehoach.calendar import VN_TZ
from kehoach.plans.config import Config
from kehoach.plans.live import LiveConfig
from kehoach.settings import Settings
from kehoach.store.db import make_engine


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    live: LiveConfig
    engine: Engine

    @property
    def config(self) -> Config:
        """The config as of now: reloaded when the console changed the directory or a plan file."""
        return self.live.current(datetime.now(VN_TZ))


@lru_cache(maxsize=8)
def _runtime(_key: str) -> Runtime:
    settings = Settings()
    if settings.server_mode:
        settings.signing_key()  # refuse to run at all without the installation's one signing key
    engine = make_engine(settings.resolved_database_url)
    return Runtime(settings, LiveConfig(settings, engine), engine)


def runtime() -> Runtime:
    s = Settings()
    key = "|".join(str(v) for v in (s.config_dir, s.data_dir, s.resolved_database_url, s.smtp_host, s.smtp_port))
    return _runtime(key)


NOW_TOLERANCE = timedelta(minutes=5)


class NowRefused(ValueError):
    """A ``now`` far from the clock in a real run: one mistyped date would skip months of reminders."""


def vn_now(now: datetime | None = None, simulation: bool = False) -> datetime:
    """The flow's ``now``: the one given, else the clock, in Asia/Ho_Chi_Minh.

    Every deployment exposes ``now`` in the UI's "Custom run" form. A real run given 31/12 would
    find the year's reminders too late and skip them all, so a ``now`` more than a few minutes
    from the clock is refused unless the run says it is a simulation (or a dry run, which
    passes ``simulation=True`` because it sends and records nothing).
    """
    clock = datetime.now(VN_TZ)
    if now is None:
        return clock
    now = now.astimezone(VN_TZ) if now.tzinfo else now.replace(tzinfo=VN_TZ)
    if not simulation and abs(now - clock) > NOW_TOLERANCE:
        raise NowRefused(
            f"now={now:%d/%m/%Y %H:%M} lệch đồng hồ ({clock:%d/%m/%Y %H:%M}) quá "
            f"{int(NOW_TOLERANCE.total_seconds() // 60)} phút: chỉ dùng được khi mô phỏng "
            "(simulation=true) hoặc chạy thử (dry_run=true)")
    return now


def run_name(kind: str, *keys: str) -> Callable[[], str]:
    """A flow-run name like ``collection 2026-stp-lang-son-bdg bc-nam-2026 @ 2026-12-10 16:30``."""

    def name() -> str:
        params: dict[str, Any] = flow_run.parameters or {}
        parts = [kind] + [str(params[k]) for k in keys if params.get(k) is not None]
        parts.append("@ " + vn_now(params.get("now"), simulation=True).strftime("%Y-%m-%d %H:%M"))
        return " ".join(parts)

    return name


def tag_run(*tags: str) -> None:
    """Add tags (plan id, kind) to the current flow run, whoever started it (deployment, runner, test)."""
    from prefect import get_client

    run_id = flow_run.id
    if run_id is None:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id).tags
        wanted = sorted(set(current) | {t for t in tags if t})
        if wanted != sorted(current):
            client.update_flow_run(run_id, tags=wanted)
