"""Operators' corrections: "the same event" or "not the same" between listings, which every later
dedup and rebuild respects.

The admin pages call ``mark_same`` and ``mark_different`` with the UIDs of two events (a UID that
became an alias still names its event), or ``separate_listing`` to take one listing out of its
event. A verdict on two events is stored for every pair of their listings, so it still holds when
either event later gains listings from other sources.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.dedup.engine import DedupStats, deduplicate
from aggregator.fragments import render_missing
from aggregator.models import DedupCorrection, Event, EventAlias, Listing
from aggregator.types import utcnow


class CorrectionError(ValueError):
    """A correction that names no event or listing we know."""


def find_event(session: Session, uid: str) -> Event:
    """The event a UID names, directly or as an alias."""
    event = session.scalars(select(Event).where(Event.uid == uid)).one_or_none()
    if event is None:
        alias = session.get(EventAlias, uid)
        event = alias.event if alias is not None else None
    if event is None:
        raise CorrectionError(f"no event with UID {uid!r}")
    return event


def record(session: Session, a: int, b: int, same: bool, author: str | None) -> None:
    """Store one verdict on two listings, replacing any earlier one on the same pair."""
    if a == b:
        return
    low, high = sorted((a, b))
    query = select(DedupCorrection).where(
        DedupCorrection.listing_a_id == low, DedupCorrection.listing_b_id == high
    )
    row = session.scalars(query).one_or_none()
    if row is None:
        row = DedupCorrection(
            listing_a_id=low, listing_b_id=high, same=same, author=author, created_at=utcnow()
        )
        session.add(row)
    else:
        row.same, row.author, row.created_at = same, author, utcnow()


def _listing_ids(event: Event) -> list[int]:
    return sorted(listing.id for listing in event.listings)


def _judge_events(session: Session, uid_a: str, uid_b: str, same: bool, author: str | None) -> DedupStats:
    first, second = find_event(session, uid_a), find_event(session, uid_b)
    if first.id == second.id:
        if same:
            return DedupStats()
        raise CorrectionError("both UIDs name one event: separate one of its listings instead")
    ids_a, ids_b = _listing_ids(first), _listing_ids(second)
    for a in ids_a:
        for b in ids_b:
            record(session, a, b, same, author)
    session.flush()
    return _placed(session, ids_a + ids_b)


def mark_same(session: Session, event_a_uid: str, event_b_uid: str, author: str | None = None) -> DedupStats:
    """An operator says two events are one: they merge now and stay merged."""
    return _judge_events(session, event_a_uid, event_b_uid, True, author)


def mark_different(
    session: Session, event_a_uid: str, event_b_uid: str, author: str | None = None
) -> DedupStats:
    """An operator says two events are not the same: no later dedup merges them."""
    return _judge_events(session, event_a_uid, event_b_uid, False, author)


def mark_listings(
    session: Session, listing_a_id: int, listing_b_id: int, same: bool, author: str | None = None
) -> DedupStats:
    """An operator's verdict on two listings."""
    for listing_id in (listing_a_id, listing_b_id):
        if session.get(Listing, listing_id) is None:
            raise CorrectionError(f"no listing {listing_id}")
    record(session, listing_a_id, listing_b_id, same, author)
    session.flush()
    return _placed(session, [listing_a_id, listing_b_id])


def separate_listing(session: Session, listing_id: int, author: str | None = None) -> DedupStats:
    """An operator says a listing is not the event it was merged into: it leaves and stays out."""
    listing = session.get(Listing, listing_id)
    if listing is None:
        raise CorrectionError(f"no listing {listing_id}")
    others = [] if listing.event is None else [i for i in _listing_ids(listing.event) if i != listing_id]
    for other in others:
        record(session, listing_id, other, False, author)
    session.flush()
    return _placed(session, [listing_id, *others])


def _placed(session: Session, listing_ids: list[int]) -> DedupStats:
    """Dedup the listings a verdict concerns, and render the fragments of the events it changed."""
    stats = deduplicate(session, listing_ids)
    render_missing(session)
    return stats
