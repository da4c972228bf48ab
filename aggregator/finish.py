"""The end of a crawl, the aggregator's part: removals, deduplication, fragments, the run closed.

The crawl process stored its listings and noted how it ended (aggregator.runs). Whoever launched it
— the ``crawl`` command, the scheduler, the scheduler following a Scrapyd job — then finishes the
run here, in its own process: after a complete crawl the listings it did not see are marked removed,
every listing the crawl changed is placed in its event, the VEVENT of every changed event is
rendered, and the run gets its final status.
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from aggregator.db import retrying
from aggregator.dedup import deduplicate
from aggregator.fragments import render_missing
from aggregator.models import CrawlRun, Listing
from aggregator.runs import MAX_KEPT_ERRORS, SUCCEEDED
from aggregator.store import mark_unseen
from aggregator.types import utcnow

logger = logging.getLogger(__name__)


def finish_run(session: Session, run: CrawlRun, status: str, note: str | None = None) -> None:
    """Close ``run`` with ``status`` (``note``, an error saying why it ended so, goes first)."""
    removed: list[int] = []

    def close_crawl() -> None:
        nonlocal removed
        if note:
            run.errors = [note, *run.errors][:MAX_KEPT_ERRORS]
            run.error_count += 1
        if status == SUCCEEDED and run.seen_since is not None:
            if run.listings_found == 0 and _had_listings(session, run.source_id):
                run.suspect = True
            else:
                removed = mark_unseen(session, run.source_id, run.seen_since)
                run.listings_removed = len(removed)
        if run.discovered:
            run.source.discovered = dict(run.discovered)
        session.commit()

    retrying(session, close_crawl)
    changed = _changed_listings(session, run) | set(removed)

    def place() -> None:
        dedup = deduplicate(session, changed)
        run.events_created += dedup.created
        run.events_merged += dedup.merged
        render_missing(session)
        session.commit()

    try:
        retrying(session, place)
    except Exception as exc:  # whatever dedup raises, the crawl's record stands
        logger.exception("deduplication failed after crawl run %s", run.id)
        run.errors = [*run.errors, f"deduplication failed: {exc}"][: MAX_KEPT_ERRORS + 1]
        run.error_count += 1

    def close() -> None:
        run.status = status
        run.finished_at = utcnow()
        session.commit()

    retrying(session, close)


def _changed_listings(session: Session, run: CrawlRun) -> set[int]:
    """The source's listings this crawl wrote, and those no dedup has placed yet."""
    changed: ColumnElement[bool] = Listing.event_id.is_(None)
    if run.seen_since is not None:
        changed = or_(changed, Listing.changed_at >= run.seen_since)
    return set(session.scalars(select(Listing.id).where(Listing.source_id == run.source_id, changed)))


def _had_listings(session: Session, source_id: int) -> bool:
    count = session.scalar(
        select(func.count(Listing.id)).where(Listing.source_id == source_id, Listing.removed.is_(False))
    )
    return bool(count)
