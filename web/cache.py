"""The web's one cache: what a view derives from events, keyed by (view, what it shows, data version).

The aggregator bumps ``DataVersion`` whenever an event changes, so a key holding the version never
serves stale data, and every worker process can keep its own cache without coordination. Counts,
page ids, feeds and GeoJSON are all kept here (``versioned_key`` is the one key recipe); facet counts
alone are served stale while a background thread counts them again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app, g
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from aggregator.models import DataVersion
from web.db import get_engine

logger = logging.getLogger(__name__)

T = TypeVar("T")

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
BUILD_WAIT_SECONDS = 10.0  # how long a request waits for another one building what it needs


@dataclass(frozen=True)
class DataState:
    """How far the events have changed: a counter and when it last moved."""

    version: int
    changed_at: datetime


# Built once: a cached response's only query should not be rebuilt on every request.
_STATE = select(DataVersion.version, DataVersion.changed_at).order_by(DataVersion.id).limit(1)


def data_state(bind: Session | Connection) -> DataState:
    row = bind.execute(_STATE).first()
    if row is None:
        return DataState(0, EPOCH)
    return DataState(row.version, row.changed_at)


class VersionedCache:
    """A thread-safe LRU of derived values, bounded by entry count and by total size."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._bytes = 0
        self._refreshing: set[Hashable] = set()
        self._building: dict[Hashable, threading.Event] = {}
        self._queue: queue.SimpleQueue[tuple[Hashable, Callable[[], Any], int]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, value: Any, size: int = 1) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def get_or_build(
        self, key: Hashable, build: Callable[[], Any], size: Callable[[Any], int] | None = None
    ) -> Any:
        """The cached value, built (outside the lock: builds may take a while) on a miss; a build
        giving None keeps nothing.

        One thread builds a key at a time; the others asking for it meanwhile wait for its value:
        after a data change every client asks for the same pages at once, and building each of them
        in several threads sharing one interpreter would only make all of them late.
        """
        while True:
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    return entry[0]
                building = self._building.get(key)
                if building is None:
                    building = self._building[key] = threading.Event()
                    break
            building.wait(BUILD_WAIT_SECONDS)
            if not building.is_set():  # a build that takes that long is not waited for twice
                return build()
        try:
            value = build()
            if value is not None:  # None: nothing to keep
                self.put(key, value, size(value) if size else 1)
            return value
        finally:
            with self._lock:
                del self._building[key]
            building.set()

    def refresh(self, key: Hashable, build: Callable[[], Any], size: int = 1) -> None:
        """Rebuild ``key`` in the background; readers keep the old value meanwhile.

        One thread rebuilds, one key after the other: a data change makes every page stale at
        once, and rebuilding them all at the same time would slow down the requests being served.
        """
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._rebuild, name="ess-agenda-refresh", daemon=True)
                self._worker.start()
        self._queue.put((key, build, size))

    def _rebuild(self) -> None:
        while True:
            key, build, size = self._queue.get()
            try:
                self.put(key, build(), size)
            except Exception:  # a failed rebuild leaves the old value; the next reader retries
                logger.exception("cannot refresh %r", key)
            finally:
                with self._lock:
                    self._refreshing.discard(key)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def app_cache() -> VersionedCache:
    """This app's cache (one per process and app)."""
    cache: VersionedCache = current_app.extensions["ess_agenda_cache"]
    return cache


def current_state() -> DataState:
    """The data state, read once per request."""
    if "data_state" not in g:
        # A bare connection: a cached feed's only query should not pay for an ORM session.
        with get_engine().connect() as connection:
            g.data_state = data_state(connection)
    state: DataState = g.data_state
    return state


def versioned_key(view: str, *parts: Hashable) -> tuple[Hashable, ...]:
    """The key of what ``view`` shows for ``parts`` (filters, day…) at the current data version."""
    return (view, *parts, current_state().version)


def serve_stale() -> None:
    """Note that this request shows a value of an earlier data version (refreshed meanwhile): what
    it builds must not be kept under the current one."""
    g.served_stale = True


def served_stale() -> bool:
    return bool(g.get("served_stale"))


def cached(key: Hashable, build: Callable[[], T], size: Callable[[T], int] | None = None) -> T:
    """The value cached under ``key``, built on a miss."""
    value: T = app_cache().get_or_build(key, build, size)
    return value
