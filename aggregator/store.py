"""Store listings: upsert by (source, key) with a content hash; mark what a complete crawl missed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aggregator.models import Listing
from aggregator.types import utcnow


class Outcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class ListingStore:
    """Writes one crawl's listings of one source; call ``finish`` once the crawl is over."""

    session: Session
    source_id: int
    started_at: datetime = field(default_factory=utcnow)
    seen: set[str] = field(default_factory=set)
    changed_ids: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=lambda: {o.value: 0 for o in Outcome})

    def add(self, fields: Mapping[str, Any]) -> Outcome:
        """Insert or update one listing; an unchanged one is only marked as seen."""
        key = fields["key"]
        self.seen.add(key)
        now = utcnow()
        listing = self.session.scalars(
            select(Listing).where(Listing.source_id == self.source_id, Listing.key == key)
        ).one_or_none()
        if listing is None:
            listing = Listing(source_id=self.source_id, first_seen=now, last_seen=now, changed_at=now)
            for name, value in fields.items():
                setattr(listing, name, value)
            self.session.add(listing)
            outcome = Outcome.NEW
        elif listing.content_hash == fields["content_hash"] and not listing.removed:
            listing.last_seen = now
            listing.missed_crawls = 0
            outcome = Outcome.UNCHANGED
        else:
            for name, value in fields.items():
                setattr(listing, name, value)
            listing.last_seen = listing.changed_at = now
            listing.removed, listing.removed_at, listing.missed_crawls = False, None, 0
            outcome = Outcome.UPDATED
        self.session.flush()
        if outcome is not Outcome.UNCHANGED:
            self.changed_ids.add(listing.id)
        self.counts[outcome.value] += 1
        return outcome

    def mark_missing(self) -> int:
        """Listings this complete crawl did not see: marked removed (never deleted).

        Only call after a crawl that completed successfully and found listings.
        """
        now = utcnow()
        missing = select(Listing.id).where(
            Listing.source_id == self.source_id,
            Listing.last_seen < self.started_at,
        )
        ids = [i for i in self.session.scalars(missing)]
        if not ids:
            return 0
        self.session.execute(
            update(Listing).where(Listing.id.in_(ids)).values(missed_crawls=Listing.missed_crawls + 1)
        )
        newly = list(
            self.session.scalars(select(Listing.id).where(Listing.id.in_(ids), Listing.removed.is_(False)))
        )
        if newly:
            self.session.execute(
                update(Listing)
                .where(Listing.id.in_(newly))
                .values(removed=True, removed_at=now, changed_at=now)
            )
        self.changed_ids.update(ids)
        return len(newly)
