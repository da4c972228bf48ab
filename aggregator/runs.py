"""Crawl runs: record what one crawl of one source stored, and close it with a status."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator.db import get_sessionmaker
from aggregator.dedup import deduplicate
from aggregator.models import CrawlRun, Listing, Source
from aggregator.store import ListingStore
from aggregator.types import utcnow

logger = logging.getLogger(__name__)

RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
PARTIAL = "partial"
CANCELLED = "cancelled"
TIMED_OUT = "timed_out"
RUN_STATUSES = (RUNNING, SUCCEEDED, FAILED, PARTIAL, CANCELLED, TIMED_OUT)

MAX_KEPT_ERRORS = 20

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
    if reason in _INCOMPLETE_REASONS:
        return _INCOMPLETE_REASONS[reason]
    if reason != "finished":
        return FAILED
    if fetch_errors:
        return PARTIAL if found else FAILED
    return SUCCEEDED


@dataclass
class CrawlRecorder:
    """Owns the session of one crawl: stores listings, then closes the run and deduplicates."""

    session: Session
    run: CrawlRun
    store: ListingStore
    rejected: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, source_name: str, run_id: int | None, database_url: str | None) -> CrawlRecorder:
        session = get_sessionmaker(database_url)()
        source = session.scalars(select(Source).where(Source.name == source_name)).one()
        run = session.get(CrawlRun, run_id) if run_id else None
        if run is None:
            run = CrawlRun(source_id=source.id, trigger="spider", status=RUNNING, started_at=utcnow())
            session.add(run)
        session.commit()
        return cls(session, run, ListingStore(session, source.id, started_at=run.started_at))

    def save(self, fields: Mapping[str, Any]) -> None:
        self.store.add(fields)
        self.session.commit()

    def finish(self, reason: str, stats: Mapping[str, Any], fetch_errors: list[str]) -> CrawlRun:
        """Close the run: status, counters, removals after a complete crawl, then dedup."""
        run, store = self.run, self.store
        found = sum(store.counts.values())
        run.status = run_status(reason, len(fetch_errors), found)
        run.pages = int(stats.get("response_received_count", 0))
        run.not_modified = int(stats.get("ess/not_modified", 0))
        run.listings_found = found
        run.listings_new = store.counts["new"]
        run.listings_updated = store.counts["updated"]
        run.listings_unchanged = store.counts["unchanged"]
        messages = fetch_errors + [f"rejected: {m}" for m in self.rejected]
        run.error_count = len(messages)
        run.errors = messages[:MAX_KEPT_ERRORS]
        if run.status == SUCCEEDED:
            if found == 0 and self._had_listings():
                run.suspect = True
            else:
                run.listings_removed = store.mark_missing()
        dedup = deduplicate(self.session, store.changed_ids)
        run.events_created, run.events_merged = dedup.created, dedup.merged
        run.finished_at = utcnow()
        self.session.commit()
        self.session.close()
        return run

    def _had_listings(self) -> bool:
        count = self.session.scalar(
            select(func.count(Listing.id)).where(
                Listing.source_id == self.store.source_id, Listing.removed.is_(False)
            )
        )
        return bool(count)
