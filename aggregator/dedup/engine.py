"""Incremental deduplication: each changed listing joins the event it matches or starts one."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.dedup.identity import bump_data_version, mint_uid
from aggregator.dedup.merge import apply_fields, merged_fields
from aggregator.models import Event, Listing


@dataclass
class DedupStats:
    created: int = 0
    merged: int = 0
    updated: int = 0


def match_key(listing: Listing) -> tuple[str, str]:
    """Same local start and same normalized title."""
    text = unicodedata.normalize("NFKD", listing.title).encode("ascii", "ignore").decode().lower()
    return listing.local_start.isoformat(), " ".join(re.findall(r"[a-z0-9]+", text))


def _find_event(session: Session, listing: Listing) -> Event | None:
    key = match_key(listing)
    candidates = session.scalars(
        select(Listing).where(
            Listing.start == listing.start,
            Listing.id != listing.id,
            Listing.event_id.is_not(None),
        )
    )
    for other in candidates:
        if match_key(other) == key:
            return other.event
    return None


def deduplicate(session: Session, listing_ids: Iterable[int]) -> DedupStats:
    """Attach each listing to its event (creating one where none matches) and re-merge fields."""
    stats = DedupStats()
    touched: set[int] = set()
    for listing in session.scalars(select(Listing).where(Listing.id.in_(list(listing_ids)))):
        if listing.event is None:
            event = _find_event(session, listing)
            if event is None:
                event = Event(uid=mint_uid(), **merged_fields([listing]))
                session.add(event)
                stats.created += 1
            else:
                stats.merged += 1
            listing.event = event
        session.flush()
        assert listing.event_id is not None
        touched.add(listing.event_id)
    for event in session.scalars(select(Event).where(Event.id.in_(touched))):
        stats.updated += apply_fields(event, merged_fields(event.listings))
    if touched:
        bump_data_version(session)
    return stats


def rebuild(session: Session) -> DedupStats:
    """Recompute every event from its listings."""
    ids = list(session.scalars(select(Listing.id)))
    return deduplicate(session, ids)
