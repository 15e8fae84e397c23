"""The validated config kept between commands, under the fingerprint of what it was loaded from.

A province's config (3,000 units, 150 plan files) takes seconds to parse and cross-check even
with libyaml, and every command needs it, while it rarely changes between two commands. The
fingerprint is the directory's revision in the database, the names, sizes and modification
times of contacts.yaml, calendar.yaml and every plan file, and the same of kehoach's own source
(a new version may validate differently); anything else is a miss, and a miss just loads.

The cache is a pickle: it rebuilds the frozen pydantic models as they were, much faster than
validating them again from JSON. Each plan is pickled on its own and rebuilt only when a command
first asks for it (``CachedPlans``): ``kehoach status --plan X`` of a province rebuilds one plan,
not 150. Unpickling can run code named in the file, so the file lives
in the data folder next to the database, is written 0600, and is read only when it is owned by
this account and neither group- nor world-accessible: whoever could write it could already
change the database. A corrupt, unreadable or stale file is ignored and replaced.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kehoach.store.files import write_private

if TYPE_CHECKING:
    from kehoach.plans.config import Config
    from kehoach.plans.model import Plan

CACHE_NAME = "config-cache.pickle"
_SOURCE = Path(__file__).resolve().parent.parent  # the kehoach package

Stamps = tuple[tuple[str, int, int], ...]


class CachedPlans(MutableMapping[str, "Plan"]):
    """Plans by id, in the order they were loaded; one kept pickled is rebuilt when first read."""

    def __init__(self, plans: Mapping[str, Plan | bytes]):
        self._plans: dict[str, Plan | bytes] = dict(plans)

    def __getitem__(self, plan_id: str) -> Plan:
        plan = self._plans[plan_id]
        if isinstance(plan, bytes):
            plan = self._plans[plan_id] = pickle.loads(plan)  # noqa: S301  (from the private cache file)
        return plan

    def __setitem__(self, plan_id: str, plan: Plan) -> None:
        self._plans[plan_id] = plan

    def __delitem__(self, plan_id: str) -> None:
        del self._plans[plan_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._plans)

    def __len__(self) -> int:
        return len(self._plans)

    def __reduce__(self) -> tuple[type[CachedPlans], tuple[dict[str, bytes]]]:
        pickled = {k: p if isinstance(p, bytes) else pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL)
                   for k, p in self._plans.items()}
        return CachedPlans, (pickled,)


def file_stamps(paths: Iterable[Path]) -> Stamps:
    """Name, modification time and size of each file that exists."""
    found = []
    for p in paths:
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        found.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(found)


def fingerprint(database_url: str, directory_revision: int, files: Iterable[Path]) -> str:
    """One digest of everything the validated config depends on."""
    parts = (sys.version, database_url, directory_revision, file_stamps(files),
             file_stamps(sorted(_SOURCE.rglob("*.py"))))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def read(data_dir: Path, key: str) -> Config | None:
    """The cached config for ``key``, or None (no file, another key, not private, unreadable)."""
    path = data_dir / CACHE_NAME
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
                return None
            stored_key, config = pickle.load(f)  # noqa: S301  (private file: see the module's docstring)
    except Exception:  # noqa: BLE001  (a cache that cannot be read is a miss, whatever the reason)
        return None
    return config if stored_key == key else None  # type: ignore[no-any-return]


def write(data_dir: Path, key: str, config: Config) -> None:
    """Keep ``config`` for ``key``; a cache that cannot be written is only a slower next start."""
    # holidays' calendars are rebuilt on demand; each plan is pickled apart, rebuilt when read
    bare: Any = replace(config, plans=CachedPlans(config.plans), _calendars={})
    try:
        write_private(data_dir / CACHE_NAME, pickle.dumps((key, bare), protocol=pickle.HIGHEST_PROTOCOL))
    except (OSError, pickle.PicklingError):
        return
