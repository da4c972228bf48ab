"""Crawl runs, as the crawl process records them: listings stored in batches, counters kept true.

The crawl process stores what it finds and notes on its run, with every batch, its counters, errors
and a heartbeat, so that a run cut short (killed, timed out) still shows what it did. When the crawl
closes it records the status it concluded (``crawl_status``) and leaves the rest to the aggregator
(aggregator.finish), which marks removals, deduplicates and closes the run. Only a crawl started
without a run (``scrapy crawl KIND -a source=NAME``) closes its own run, marking nothing removed.

Only a crawl that completed successfully, found listings and lost none may have the source's other
listings marked removed; a failed, partial, cancelled or empty (suspect) crawl marks nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.db import get_sessionmaker, retrying
from aggregator.models import CrawlRun, Source
from aggregator.store import Batch, DuplicateKey, ListingStore, Outcome
from aggregator.types import utcnow

if TYPE_CHECKING:
    from aggregator.normalize.listing import ListingFields

logger = logging.getLogger(__name__)

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
PARTIAL = "partial"
CANCELLED = "cancelled"
TIMED_OUT = "timed_out"
RUN_STATUSES = (RUNNING, SUCCEEDED, FAILED, PARTIAL, CANCELLED, TIMED_OUT)

MAX_KEPT_ERRORS = 200  # each unreadable event is named, up to this many
DEFAULT_BATCH_SIZE = 200
COMMIT_EVERY_SECONDS = 2.0  # so a crawl's progress shows, and a killed crawl loses little

# Scrapy's close reasons that mean the crawl did not see the whole source.
_INCOMPLETE_REASONS = {
    "closespider_timeout": TIMED_OUT,
    "shutdown": CANCELLED,
    "cancelled": CANCELLED,
    "closespider_pagecount": PARTIAL,
    "closespider_itemcount": PARTIAL,
    "closespider_errorcount": FAILED,
}


def run_status(reason: str, errors: int, found: int) -> str:
    """The run's status from Scrapy's close reason, the errors met (failed requests, listings lost)
    and the listings found."""
    if reason in _INCOMPLETE_REASONS:
        return _INCOMPLETE_REASONS[reason]
    if reason != "finished":
        return FAILED
    if errors:
        return PARTIAL if found else FAILED
    return SUCCEEDED


@dataclass
class CrawlNotes:
    """What the crawler notes besides listings, read whenever the run is written: failed requests,
    repaired problems, items it could not make into events, its stats."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    dropped_urls: list[str] = field(default_factory=list)  # not http(s), left out of their listings
    stats: Callable[[], Mapping[str, Any]] = dict
    discovered: Callable[[], Mapping[str, Any] | None] = lambda: None


@dataclass
class CrawlRecorder:
    """Owns the session of one crawl: stores listings in batches and keeps the run's record."""

    session: Session
    run: CrawlRun
    store: ListingStore
    notes: CrawlNotes = field(default_factory=CrawlNotes)
    batch_size: int = DEFAULT_BATCH_SIZE
    closes_itself: bool = False  # no supervisor will finish this run
    duplicates: int = 0
    lost: list[str] = field(default_factory=list)  # listings the database refused
    seconds: float = 0.0  # spent writing
    _last_commit: float = field(default_factory=time.monotonic)

    @classmethod
    def open(
        cls,
        source_name: str,
        run_id: int | None,
        database_url: str | None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        notes: CrawlNotes | None = None,
    ) -> CrawlRecorder:
        """Resume the run the launcher created, or start one of ``source_name``.

        :raise LookupError: when no source has that name.
        """
        session = get_sessionmaker(database_url)()
        source = session.scalars(select(Source).where(Source.name == source_name)).one_or_none()
        if source is None:
            session.close()
            raise LookupError(f"no source named {source_name!r}")
        run = session.get(CrawlRun, run_id) if run_id else None
        if run is None:
            run = CrawlRun(source_id=source.id, trigger="spider", status=RUNNING, started_at=utcnow())
            session.add(run)
        store = ListingStore(session, source.id)
        run.seen_since = store.started_at
        run.heartbeat_at = store.started_at
        session.commit()  # no connection is held between writes
        return cls(session, run, store, notes or CrawlNotes(), max(1, batch_size), closes_itself=not run_id)

    def add(self, fields: ListingFields) -> bool:
        """Classify one listing; True when a batch is ready to ``take`` (full, or a little time
        passed since the last write).

        :raise DuplicateKey: when the crawl already gave this key.
        """
        try:
            self.store.add(fields)
        except DuplicateKey:
            self.duplicates += 1
            raise
        return self.store.pending >= self.batch_size or self.due()

    def due(self) -> bool:
        """Whether a little time passed since the last write: progress shows even while a crawl
        finds nothing (the caller writes then)."""
        return time.monotonic() - self._last_commit > COMMIT_EVERY_SECONDS

    def keep(self, key: str) -> None:
        """A listing the source still shows but whose new version was rejected: not removed."""
        self.store.keep(key)

    def take(self) -> Batch:
        """What was classified since the last ``take``, for ``write`` (in the thread that writes)."""
        return self.store.take()

    def write(self, batch: Batch | None = None) -> None:
        """Write and commit a batch (by default everything classified) with the run's progress.
        A busy database is waited for (aggregator.db.retrying); a batch it refuses is retried row by
        row, and a row it still refuses is lost, with the database's reason on the run."""
        batch = self.take() if batch is None else batch
        started = time.monotonic()
        try:
            retrying(self.session, lambda: self._commit(batch))
        except SQLAlchemyError:
            self._write_one_by_one(batch)
        self._last_commit = time.monotonic()
        self.seconds += self._last_commit - started

    def _commit(self, batch: Batch) -> None:
        self.store.write(batch)
        self._note_progress()
        self.session.commit()

    def _write_one_by_one(self, batch: Batch) -> None:
        for outcome, fields in batch.listings:

            def write_one(outcome: Outcome = outcome, fields: ListingFields = fields) -> None:
                self.store.write(Batch([(outcome, fields)]))
                self.session.commit()

            try:
                retrying(self.session, write_one)
            except SQLAlchemyError as exc:
                self.store.forget(batch, outcome, fields)
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                self.lost.append(f"{fields['title']!r} cannot be stored: {reason}")
        retrying(self.session, lambda: self._commit(Batch(touched=batch.touched)))

    def _note_progress(self) -> None:
        """The run's counters and errors as they stand (the caller commits)."""
        run, store, notes = self.run, self.store, self.notes
        stats = notes.stats()
        run.pages = int(stats.get("response_received_count", 0)) - int(
            stats.get("robotstxt/response_count", 0)
        )
        run.not_modified = int(stats.get("ess/not_modified", 0))
        run.listings_found = sum(store.counts.values())
        run.listings_new = store.counts[Outcome.NEW]
        run.listings_updated = store.counts[Outcome.UPDATED]
        run.listings_unchanged = store.counts[Outcome.UNCHANGED]
        remarks = [f"{self.duplicates} items repeated a key already given"] if self.duplicates else []
        if notes.dropped_urls:
            dropped = notes.dropped_urls
            remarks.append(f"{len(dropped)} URLs that were not http(s) left out, first {dropped[0]}")
        messages = [
            *notes.errors,
            *(f"rejected: {m}" for m in [*notes.rejected, *self.lost]),
            *(f"warning: {m}" for m in [*notes.warnings, *remarks]),
        ]
        run.error_count = len(notes.errors) + len(notes.rejected) + len(self.lost)
        run.errors = messages[:MAX_KEPT_ERRORS]
        if len(messages) > MAX_KEPT_ERRORS:
            run.errors = [*run.errors, f"… and {len(messages) - MAX_KEPT_ERRORS} more"]
        run.heartbeat_at = utcnow()

    def end(self, reason: str) -> CrawlRun:
        """Record how the crawl ended, from Scrapy's close reason; a crawl without a supervisor
        closes its run (nothing removed, its listings left to the next dedup)."""
        run = self.run

        def close() -> None:
            self._note_progress()
            run.crawl_status = run_status(
                reason, len(self.notes.errors) + len(self.lost), sum(self.store.counts.values())
            )
            run.discovered = dict(self.notes.discovered() or {}) or None
            if self.closes_itself:
                run.status = run.crawl_status
                run.finished_at = utcnow()
            self.session.commit()

        try:
            self.write()
            retrying(self.session, close)
            return run
        finally:
            self.session.close()
