"""What discovery finds at a site's address, for the "add a source" page.

Discovery reads pages with the spiders' extractors, which the web does not import: the composition
root that builds the app (``aggregator.cli.web_app``) hands it ``aggregator.discovery``'s, as a
``Discover``.

Discovery fetches a page of another site, which may take its time: it runs on a small pool of worker
threads, never on a request's thread for longer than ``WAIT_SECONDS``. A page still running says
so, and asking again for the same address shows the result once it is there; past ``MAX_PENDING``
discoveries waiting, a new one is refused at once. However many operators press "Découvrir", the
public pages keep their threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

WORKERS = 2
MAX_PENDING = 8
WAIT_SECONDS = 2.0
KEEP_SECONDS = 300.0  # how long a result nobody asked for again is kept


class DiscoveryFailed(Exception):
    """Discovery could not read the site; the message says why."""


class DiscoveryBusy(DiscoveryFailed):
    """Too many discoveries are running: nothing was started."""


@dataclass(frozen=True)
class Found:
    """One way the site publishes its events: the kind that reads it, where, and what pointed there."""

    kind: str
    url: str
    how: str
    guessed: bool
    events: int  # events (posts, for a news feed) fetching it gave
    outcome: str  # what fetching it showed: "12 events", "HTTP 404"…


# The event sources the site at an address offers (``allow_private``: loopback and private addresses
# may be fetched), those yielding events first; raises DiscoveryFailed when the site cannot be read.
Discover = Callable[[str, bool], list[Found]]


def no_discovery(url: str, allow_private: bool) -> list[Found]:
    """The discovery of an app built without one (``create_app`` alone)."""
    raise DiscoveryFailed("this server was started without discovery (see ess-agenda serve)")


class Discoveries:
    """The discoveries of one web process: at most ``WORKERS`` at once, one per address."""

    def __init__(self, discover: Discover, workers: int = WORKERS, max_pending: int = MAX_PENDING) -> None:
        self._discover = discover
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="discovery")
        self._max_pending = max_pending
        self._jobs: dict[tuple[str, bool], tuple[float, Future[list[Found]]]] = {}
        self._lock = threading.Lock()

    def find(self, url: str, allow_private: bool, wait: float = WAIT_SECONDS) -> list[Found] | None:
        """What discovery found at ``url``, or None while it still runs (ask again later).

        :raise DiscoveryFailed: the site cannot be read.
        :raise DiscoveryBusy: too many discoveries are waiting already.
        """
        key = (url.strip(), allow_private)
        future = self._job(key)
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            return None
        finally:
            if future.done():  # shown once: asking again discovers again
                with self._lock:
                    if key in self._jobs and self._jobs[key][1] is future:
                        del self._jobs[key]

    def _job(self, key: tuple[str, bool]) -> Future[list[Found]]:
        now = time.monotonic()
        with self._lock:
            for old, (started, job) in list(self._jobs.items()):
                if job.done() and now - started > KEEP_SECONDS:
                    del self._jobs[old]
            if key in self._jobs:
                return self._jobs[key][1]
            if sum(not job.done() for _, job in self._jobs.values()) >= self._max_pending:
                raise DiscoveryBusy("too many discoveries are running: try again in a minute")
            future = self._pool.submit(self._discover, *key)
            self._jobs[key] = (now, future)
            return future
