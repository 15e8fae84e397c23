"""Running the flows in this process: the embedded runner (``kehoach run``), and the flows on a
simulated clock for the flow tests (``simulation_flows``; ``kehoach simulate`` itself makes the
flows' domain calls directly, without Prefect).

Without ``PREFECT_API_URL`` Prefect starts a temporary local server on the first flow run
(10–15 s here) and reuses it for the whole process; ``warm_up`` pays that once, up front.
When the process exits Prefect may log "Error flushing events" while its server stops: it
is harmless, and it is kept out of what the user reads (``quiet_exit``).
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from datetime import datetime
from typing import Any

from kehoach.runtime.schedules import Deployment


def configure(log_level: str = "WARNING") -> None:
    """Before Prefect is imported: its own console logs off (we print what matters), no analytics."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", log_level)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "WARNING")
    # Prefect gives its temporary server 20 s to answer; on a loaded 2-core machine it needed more
    # (the province benchmark's runs and a simulated year timed out there), as the test harness does.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    # Its SQLite answers 503 "database is locked" under many concurrent writers; the client retries
    # those, 5 times by default, which was too few for 150 plans at 16:30 on that machine (one plan's
    # run failed creating a task run): twice as many, with Prefect's own backoff.
    os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "10")


def warm_up() -> str:
    """Start (or reach) the Prefect API once; returns where it is."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        client.api_healthcheck()
        return str(client.api_url)


def quiet_exit() -> None:
    """Registered last, so it runs first at exit: silence Prefect's shutdown noise."""

    def hush() -> None:
        logging.disable(logging.CRITICAL)
        sys.stderr.flush()
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115  (lives until the interpreter ends)

    atexit.register(hush)


@contextmanager
def fast_runs() -> Iterator[None]:
    """No heartbeats: they guard long runs on workers, and cost ~1 s per flow run at teardown."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def flow_functions() -> dict[str, Callable[..., Any]]:
    from flows.campaign import campaign_flow
    from flows.collection import collection_flow
    from flows.dispatch import dispatch_flow
    from flows.recurring import recurring_flow
    from flows.rollup import rollup_flow
    from flows.sync import sync_flow

    return {"sync": sync_flow, "dispatch": dispatch_flow, "collection": collection_flow,
            "campaign": campaign_flow, "recurring": recurring_flow, "rollup": rollup_flow}


def runner_calls(say: Callable[[str], None]) -> dict[str, Callable[..., Any]]:
    """What the embedded runner injects: run the deployment's flow with its tags, and say so."""
    from prefect import tags

    def wrap(kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(d: Deployment, **params: Any) -> Any:
            say(f"chạy {d.name} {' '.join(f'{k}={v}' for k, v in params.items())}".rstrip())
            with tags(*d.tags, d.name):
                return fn(**params)

        return call

    return {kind: wrap(kind, fn) for kind, fn in flow_functions().items()}


def _outcome(fn: Callable[..., Any], **params: Any) -> Any:
    """Run a flow of a simulation: a dispatch that ends Failed still returns its summary, so the
    simulated year goes on and its table shows the failures."""
    state = fn(**params, simulation=True, return_state=True)
    return state.result(raise_on_failure=False)


def simulation_flows(plan_ids: list[str] | None) -> Any:
    """The flows as ``kehoach.runtime.simulation.Flows``; sync only the simulated plans when some are named."""
    from kehoach.runtime.simulation import Flows

    # Results persisted: under load Prefect's temporary server can hand back a final state
    # without its data (MissingResult, seen once in three full test runs); a stored result is
    # read back from storage instead, and each result is a small summary dict.
    fns = {kind: partial(_outcome, fn.with_options(persist_result=True)) for kind, fn in flow_functions().items()}

    def sync(now: datetime, year: int | None = None) -> Any:  # no year: every year the horizon reaches
        if not plan_ids:
            return fns["sync"](year=year, now=now)
        return [fns["sync"](year=year, plan_id=p, now=now) for p in plan_ids]

    return Flows(sync=sync, dispatch=fns["dispatch"], collection=fns["collection"],
                 campaign=fns["campaign"], recurring=fns["recurring"])
