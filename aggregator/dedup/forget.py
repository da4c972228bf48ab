"""Listings that go for good, when an operator deletes their source, and the events they leave.

An event other sources still show is recomputed from their listings: the deleted ones may have given
its title, times or place. A coming event no listing is left to show is retired as one every source
dropped (cancelled, with the note): no crawl could ever update it again, and subscribers' calendars
show it cancelled rather than keep it as it was. It keeps its UID. A past event stays as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aggregator.db import chunks
from aggregator.dedup.engine import DedupStats, deduplicate
from aggregator.dedup.identity import bump_data_version, clear_fragments
from aggregator.dedup.locking import lock_for_dedup
from aggregator.dedup.merge import RETIRED_NOTE, apply_fields, is_past
from aggregator.fragments import render_missing
from aggregator.models import Event, Listing
from aggregator.types import utcnow
from core.status import CANCELLED


@dataclass(frozen=True)
class Forgotten:
    listings: int  # deleted
    recomputed: int  # events other sources still show
    retired: int  # coming events no listing is left to show
    dedup: DedupStats


def forget_listings(session: Session, listing_ids: Iterable[int], now: datetime | None = None) -> Forgotten:
    """Delete listings and bring their events in line (see the module docstring).

    Takes the dedup lock, held until the caller's transaction ends: commit soon after.
    """
    now = now or utcnow()
    lock_for_dedup(session)
    ids = sorted(set(listing_ids))
    event_ids = {e for e in _select_in(session, Listing.event_id, Listing.id, ids) if e is not None}
    for chunk in chunks(ids):
        session.execute(delete(Listing).where(Listing.id.in_(chunk)))
    stats = deduplicate(session, _select_in(session, Listing.id, Listing.event_id, event_ids), now)
    orphans = event_ids - set(_select_in(session, Listing.event_id, Listing.event_id, event_ids))
    retired = _retire(session, orphans, now)
    session.flush()
    clear_fragments(session, event_ids)  # they name the sources of the event
    render_missing(session)
    if event_ids:
        bump_data_version(session)
    return Forgotten(len(ids), len(event_ids) - len(orphans), retired, stats)


def _select_in(session: Session, column: Any, key: Any, values: Iterable[int]) -> list[Any]:
    """``column`` of the listings whose ``key`` is among ``values``, a chunk of them at a time."""
    found: list[Any] = []
    for chunk in chunks(sorted(values)):
        found += session.scalars(select(column).where(key.in_(chunk)))
    return found


def _retire(session: Session, event_ids: set[int], now: datetime) -> int:
    """Retire the coming events among ``event_ids``; returns how many changed."""
    retired = 0
    for event_id in sorted(event_ids):
        event = session.get(Event, event_id)  # None: merged into another event by the recompute
        if event is None or is_past(event, now):
            continue
        fields = {"status": CANCELLED, "status_note": RETIRED_NOTE}
        retired += apply_fields(event, fields, now, is_new=False).any
    return retired
