"""Crawl runs: record what one crawl of one source stored, and close it with a status.

What a crawl stores is deduplicated after each write, while the crawl goes on: its events show
as they are found, and its end has only the last batch and the removals left to place.

Only a crawl that completed successfully and found listings may mark the source's other listings
removed; a failed, partial, cancelled or empty (suspect) crawl marks nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from aggregator.db import get_sessionmaker
from aggregator.dedup import deduplicate
from aggregator.http_cache import upsert_http_cache
from aggregator.models import CrawlRun, Listing, Source
from aggregator.store import DuplicateKey, ListingStore, Outcome
from aggregator.types import utcnow

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
RESPONSE_BYTES_PER_WRITE = 8 * 1024 * 1024  # remembered bodies held before a write
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


def run_status(reason: str, fetch_errors: int, found: int) -> str:
    """The run's status from Scrapy's close reason, the errors met and the listings found."""
    if reason in _INCOMPLETE_REASONS:
        return _INCOMPLETE_REASONS[reason]
    if reason != "finished":
        return FAILED
    if fetch_errors:
        return PARTIAL if found else FAILED
    return SUCCEEDED


@dataclass
class CrawlRecorder:
    """Owns the session of one crawl: stores listings and remembered responses in batches and
    dedups each, then closes the run and dedups what its end changed."""

    session: Session
    run: CrawlRun
    store: ListingStore
    rejected: list[str] = field(default_factory=list)
    batch_size: int = DEFAULT_BATCH_SIZE
    duplicates: int = 0
    dropped_urls: list[str] = field(default_factory=list)  # not http(s), left out of their listings
    responses: list[dict[str, Any]] = field(default_factory=list)  # to remember, not yet written
    response_bytes: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"write": 0.0, "dedup": 0.0})
    _last_commit: float = field(default_factory=time.monotonic)

    @classmethod
    def open(
        cls,
        source_name: str,
        run_id: int | None,
        database_url: str | None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> CrawlRecorder:
        """Start (or resume, when the launcher created it) the run of ``source_name``.

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
        session.flush()
        store = ListingStore(session, source.id, started_at=run.started_at)
        session.commit()  # no connection is held between writes
        return cls(session, run, store, batch_size=max(1, batch_size))

    def save(self, fields: Mapping[str, Any]) -> Outcome:
        """Queue one listing; writes a batch when it is full or a little time has passed.

        :raise DuplicateKey: when the crawl already gave this key.
        """
        try:
            outcome = self.store.add(fields)
        except DuplicateKey:
            self.duplicates += 1
            raise
        if (
            self.store.pending >= self.batch_size
            or time.monotonic() - self._last_commit > COMMIT_EVERY_SECONDS
        ):
            self._write_and_place()
        return outcome

    def remember(self, responses: list[dict[str, Any]]) -> None:
        """Queue responses to remember (aggregator.http_cache rows), written with the listings."""
        self.responses.extend(responses)
        self.response_bytes += sum(len(row["body"] or b"") for row in responses)
        if len(self.responses) >= self.batch_size or self.response_bytes >= RESPONSE_BYTES_PER_WRITE:
            self._write_and_place()

    def keep(self, key: str) -> None:
        """A listing the source still shows but whose new version was rejected: not removed."""
        self.store.keep(key)

    def reject(self, reason: str, key: str | None = None) -> None:
        """An item that cannot be stored; its listing, if known, is kept as it was."""
        self.rejected.append(reason)
        if key:
            self.keep(key)

    def _write_and_place(self) -> None:
        """Write what is queued, then place the listings it changed in their events."""
        self.write()
        if self.store.changed_ids:
            self._deduplicate(final=False)

    def write(self) -> None:
        """Write and commit what is queued; a batch the database refuses is retried row by row, and
        a row it still refuses is rejected with the database's reason."""
        started = time.monotonic()
        responses, self.responses, self.response_bytes = self.responses, [], 0
        try:
            self.store.flush()
            self._stage_responses(responses)
            self.session.commit()
        except SQLAlchemyError:
            self.session.rollback()
            self._write_one_by_one()
            self._stage_responses(responses)
            self.session.commit()
        self._last_commit = time.monotonic()
        self.seconds["write"] += self._last_commit - started

    def _write_one_by_one(self) -> None:
        for outcome, fields in self.store.take_pending():
            try:
                self.store.write_one(outcome, fields)
                self.session.commit()
            except SQLAlchemyError as exc:
                self.session.rollback()
                self.store.forget(outcome, fields)
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                self.rejected.append(f"{fields.get('title')!r} cannot be stored: {reason}")
        self.store.flush()
        self.session.commit()

    def _stage_responses(self, responses: list[dict[str, Any]]) -> None:
        """Add remembered responses to the transaction; if the database refuses them, they alone
        are dropped: the next crawl fetches those pages in full."""
        if not responses:
            return
        try:
            with self.session.begin_nested():
                upsert_http_cache(self.session.connection(), responses)
        except SQLAlchemyError as exc:
            logger.warning("cannot remember %d responses: %s", len(responses), exc)

    def finish(
        self,
        reason: str,
        stats: Mapping[str, Any],
        fetch_errors: Sequence[str],
        warnings: Sequence[str] = (),
    ) -> CrawlRun:
        """Close the run: status, counters, removals after a complete crawl, then dedup."""
        self.write()
        run, store = self.run, self.store
        found = sum(store.counts.values())
        run.status = run_status(reason, len(fetch_errors), found)
        run.pages = int(stats.get("response_received_count", 0)) - int(
            stats.get("robotstxt/response_count", 0)
        )
        run.not_modified = int(stats.get("ess/not_modified", 0))
        run.listings_found = found
        run.listings_new = store.counts[Outcome.NEW]
        run.listings_updated = store.counts[Outcome.UPDATED]
        run.listings_unchanged = store.counts[Outcome.UNCHANGED]
        notes = [f"{self.duplicates} items repeated a key already given"] if self.duplicates else []
        if self.dropped_urls:
            notes.append(
                f"{len(self.dropped_urls)} URLs that were not http(s) left out, first " + self.dropped_urls[0]
            )
        messages = [
            *fetch_errors,
            *(f"rejected: {m}" for m in self.rejected),
            *(f"warning: {m}" for m in [*warnings, *notes]),
        ]
        run.error_count = len(fetch_errors) + len(self.rejected)
        run.errors = messages[:MAX_KEPT_ERRORS]
        if len(messages) > MAX_KEPT_ERRORS:
            run.errors = [*run.errors, f"… and {len(messages) - MAX_KEPT_ERRORS} more"]
        if run.status == SUCCEEDED:
            if found == 0 and self._had_listings():
                run.suspect = True
            else:
                run.listings_removed = store.mark_missing()
        run.finished_at = utcnow()
        self.session.commit()
        self._deduplicate(final=True)
        self.session.close()
        return run

    def _deduplicate(self, final: bool) -> None:
        """Dedup what changed since the last dedup; the listings stay stored whatever happens.

        A failure during the crawl leaves its listings to the next dedup; the final one's is an error
        of the run.
        """
        run = self.run
        started = time.monotonic()
        changed = set(self.store.changed_ids)
        try:
            dedup = deduplicate(self.session, changed)
            run.events_created += dedup.created
            run.events_merged += dedup.merged
            self.session.commit()
            self.store.changed_ids -= changed
        except Exception as exc:  # whatever dedup raises, the crawl's record stands
            self.session.rollback()
            if final:
                logger.exception("deduplication failed after crawl run %s", run.id)
                run.errors = [*run.errors, f"deduplication failed: {exc}"][: MAX_KEPT_ERRORS + 1]
                run.error_count += 1
                self.session.commit()
            else:
                logger.exception("deduplication failed during crawl run %s; retried at its end", run.id)
        self.seconds["dedup"] += time.monotonic() - started

    def _had_listings(self) -> bool:
        count = self.session.scalar(
            select(func.count(Listing.id)).where(
                Listing.source_id == self.store.source_id, Listing.removed.is_(False)
            )
        )
        return bool(count)
