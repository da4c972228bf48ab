"""Ingesting one crawl's items in a process of its own: normalize, store and dedup, close the run.

Normalizing and storing a listing cost about as much CPU as parsing its page, and Scrapy downloads
and parses on one thread: done in the crawler's process, they would slow the crawl down by as much.
Here they run in a child process, on another core, while the crawl goes on. The crawler hands items
over in batches through a bounded queue, so a crawl that outpaces its database waits instead of
piling items up in memory. The responses it remembers for conditional requests travel with them:
the ingest process is the crawl's one writer, so the crawl itself never waits on a database lock.

The child is a fresh interpreter (multiprocessing's "spawn"): forking would copy the crawler's
reactor and its threads, and starting it does not wait for its imports, so the crawl is not held up.
It stops when the crawl says it ended, and dies with the crawl, whatever stopped that: an orphan
must not go on writing a run the crawl's supervisor has closed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import queue
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from aggregator.executors.child import die_with_parent
from aggregator.normalize import NormalizationError, normalize_item
from aggregator.normalize.listing import rejection
from aggregator.runs import CrawlRecorder
from aggregator.store import DuplicateKey

logger = logging.getLogger(__name__)

BATCH_SIZE = 50  # items per hand-over
BATCH_SECONDS = 1.0  # a slow crawl still hands its items over this often
MAX_QUEUED_BATCHES = 20  # past this, handing over waits for the ingest process
# How often a process waiting on the other checks that it is still there: the crawl, blocked on a
# full queue, soon; the ingest process, idle between batches, at leisure.
CRAWL_ALIVE_CHECK_SECONDS = 0.5
INGEST_ALIVE_CHECK_SECONDS = 5.0
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"

_context = multiprocessing.get_context("spawn")


class IngestFailed(RuntimeError):
    """The ingest process is gone: nothing more of this crawl can be stored."""


@dataclass(frozen=True)
class IngestJob:
    source_name: str
    run_id: int | None
    database_url: str | None
    batch_size: int
    default_region: str | None = None
    log_level: str = "INFO"
    log_file: str | None = None  # the crawl's (LOG_FILE), else standard error
    default_zone: str | None = None  # the source's options.timezone


@dataclass(frozen=True)
class CrawlEnd:
    """What only the crawler knows when it closes, for the run's record."""

    reason: str
    stats: Mapping[str, int | float | str]
    fetch_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # items the spider could not make into events
    kept_keys: list[str] = field(default_factory=list)  # and their listings, kept as they were


@dataclass(frozen=True)
class IngestReport:
    error: str | None = None  # set when nothing could be stored
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class Batch:
    """Items (pickled one by one) and remembered responses (aggregator.http_cache rows)."""

    items: list[bytes] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.items) >= BATCH_SIZE or len(self.responses) >= BATCH_SIZE


Message = Batch | CrawlEnd


class Ingester:
    """The crawler's end of an ingest process: hands items and responses over, then has the run
    closed."""

    def __init__(self, job: IngestJob) -> None:
        self._items: multiprocessing.Queue[Message] = _context.Queue(MAX_QUEUED_BATCHES)
        self._reports, reports = _context.Pipe(duplex=False)
        self._process = _context.Process(
            target=ingest, args=(job, self._items, reports), name=f"ingest {job.source_name}", daemon=True
        )
        self._process.start()
        reports.close()  # the child's end: once the child is gone, reading ours says so
        self._batch = Batch()
        self._sent_at = time.monotonic()

    def add(self, item: dict[str, Any]) -> None:
        """Queue ``item``.

        :raise IngestFailed: the ingest process is gone.
        :raise pickle.PicklingError, TypeError…: ``item`` cannot be handed over (pickled here, so that
            the item at fault is the one refused).
        """
        self._batch.items.append(pickle.dumps(item, pickle.HIGHEST_PROTOCOL))
        self._send_when_due()

    def remember(self, response: dict[str, Any]) -> None:
        """Queue a response to remember (an aggregator.http_cache row).

        :raise IngestFailed: the ingest process is gone.
        """
        self._batch.responses.append(response)
        self._send_when_due()

    def _send_when_due(self) -> None:
        if self._batch.full or time.monotonic() - self._sent_at > BATCH_SECONDS:
            self._put(self._batch)
            self._batch = Batch()
            self._sent_at = time.monotonic()

    def close(self, end: CrawlEnd) -> IngestReport:
        """Hand over the rest and the crawl's end; wait until all is deduplicated and the run closed."""
        try:
            if self._batch.items or self._batch.responses:
                self._put(self._batch)
            self._put(end)
            return self._report()
        except IngestFailed as exc:
            self._items.cancel_join_thread()
            return IngestReport(error=str(exc))
        finally:
            # The process, done, exits on its own: waiting for it would only hold the crawl up.
            self._items.close()
            self._reports.close()

    def _check_alive(self) -> None:
        self._process.join(timeout=0)
        if self._process.exitcode is not None:
            # What the queue still buffers can never be read: flushing it at exit would hang.
            self._items.cancel_join_thread()
            raise IngestFailed(f"the ingest process died (exit code {self._process.exitcode})")

    def _put(self, message: Message) -> None:
        while True:
            self._check_alive()  # a dead process would leave a full queue to wait on
            try:
                self._items.put(message, timeout=CRAWL_ALIVE_CHECK_SECONDS)
                return
            except queue.Full:
                continue

    def _report(self) -> IngestReport:
        wait([self._reports, self._process.sentinel])
        if self._reports.poll():
            try:
                report: IngestReport = self._reports.recv()
                return report
            except EOFError:
                pass
        self._check_alive()
        raise IngestFailed("the ingest process ended without a report")


def ingest(job: IngestJob, items: multiprocessing.Queue[Message], reports: Connection) -> None:
    """The ingest process: store what ``items`` brings until the crawl's end, then report."""
    die_with_parent()
    # Ctrl-C reaches a terminal's whole process group: the crawl stops gracefully and says when
    # to close the run, so the ingest process must not stop first. SIGTERM still ends it: that is
    # how the crawl's process, exiting without having closed it, stops it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:  # gone before it could be watched
        raise SystemExit("the crawl is gone")
    logging.basicConfig(level=job.log_level, format=LOG_FORMAT, filename=job.log_file)
    try:
        recorder = CrawlRecorder.open(job.source_name, job.run_id, job.database_url, job.batch_size)
    except LookupError as exc:
        # An ad hoc crawl (-a url=...) has no source row to store under.
        while not isinstance(_next(items), CrawlEnd):
            pass
        reports.send(IngestReport(error=f"nothing was stored: {exc}"))
        return
    reports.send(_store(recorder, job, items))


def _store(recorder: CrawlRecorder, job: IngestJob, items: multiprocessing.Queue[Message]) -> IngestReport:
    started = time.process_time()
    item_errors: list[str] = []
    while not isinstance(message := _next(items), CrawlEnd):
        for pickled in message.items:
            try:
                _store_one(recorder, pickle.loads(pickled), job.default_region, job.default_zone)
            except Exception as exc:  # one item's failure must not lose the others
                logger.exception("cannot store an item of %s", job.source_name)
                item_errors.append(f"cannot store an item: {exc.__class__.__name__}: {exc}")
        recorder.remember(message.responses)
    recorder.rejected[:0] = message.rejected  # the spider met its own rejections first
    for key in message.kept_keys:
        recorder.keep(key)
    recorder.finish(message.reason, message.stats, [*message.fetch_errors, *item_errors], message.warnings)
    return IngestReport(seconds={**recorder.seconds, "ingest_cpu": time.process_time() - started})


def _store_one(
    recorder: CrawlRecorder, item: dict[str, Any], default_region: str | None, default_zone: str | None
) -> None:
    dropped: list[str] = []
    try:
        fields = normalize_item(
            item, default_region=default_region, default_zone=default_zone, dropped=dropped
        )
    except NormalizationError as exc:
        reason = rejection(item, exc)
        logger.warning("rejected: %s", reason)
        recorder.reject(reason, item.get("key"))
        return
    recorder.dropped_urls.extend(dropped)
    try:
        recorder.save(fields)
    except DuplicateKey as exc:  # counted by the recorder, reported on the run
        logger.debug("%s", exc)


def _next(items: multiprocessing.Queue[Message]) -> Message:
    """The next message; exits when the crawl is gone without saying it ended."""
    while True:
        try:
            return items.get(timeout=INGEST_ALIVE_CHECK_SECONDS)
        except queue.Empty:
            parent = multiprocessing.parent_process()
            if parent is not None and not parent.is_alive():
                raise SystemExit("the crawl is gone") from None
