"""Event identity: which UID each cluster of listings carries, and the data version feeds rely on.

A UID is minted once and kept while any of its listings remains. Each existing event is claimed by
the cluster holding its oldest listing: when clusters merge, the oldest of the events they claim
survives and the others become its aliases; when a cluster splits, the part holding the oldest
listing keeps the UID and the rest gets a new one.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aggregator.config import get_settings
from aggregator.db import chunks
from aggregator.models import DataVersion, Event, Listing
from aggregator.types import utcnow


def mint_uid(host: str | None = None) -> str:
    """A new opaque UID: 80 random bits at our host (ESS_AGENDA_UID_HOST)."""
    return f"{secrets.token_hex(10)}@{host or get_settings().uid_host}"


def bump_data_version(session: Session) -> None:
    """Tell every cache keyed on the data version that events changed (one UPDATE, in place)."""
    now = utcnow()
    bumped = session.execute(update(DataVersion).values(version=DataVersion.version + 1, changed_at=now))
    if not getattr(bumped, "rowcount", 0):
        session.add(DataVersion(version=1, changed_at=now))
        session.flush()


def clear_fragments(session: Session, event_ids: Iterable[int]) -> int:
    """Drop the cached VEVENT of these events; returns how many had one.

    An explicit UPDATE, never ``event.vevent = None``: the ORM writes nothing for an attribute it
    loaded as None, though a feed may have stored a text since. Events already loaded keep the
    value they had (matching them against the session's every object would cost more).
    """
    cleared = 0
    for chunk in chunks(sorted(set(event_ids))):
        result = session.execute(
            update(Event).where(Event.id.in_(chunk), Event.vevent.is_not(None)).values(vevent=None),
            execution_options={"synchronize_session": False},
        )
        cleared += int(getattr(result, "rowcount", 0))
    return cleared


def clear_source_fragments(session: Session, source_id: int) -> None:
    """A source renamed: the fragments of the events it announces name it under its old title."""
    events = session.scalars(select(Listing.event_id).where(Listing.source_id == source_id).distinct())
    announced = [e for e in events if e is not None]
    clear_fragments(session, announced)
    if announced:
        bump_data_version(session)


@dataclass(frozen=True)
class EventAge:
    """What decides which of two events is the older."""

    created_at: datetime
    uid: str


@dataclass
class Plan:
    """One cluster: its listings, the event it keeps (None: a new one) and the events it absorbs."""

    listings: list[int]
    event_id: int | None
    absorbed: list[int] = field(default_factory=list)


def plan_identities(
    clusters: Sequence[Sequence[int]],
    event_of: Mapping[int, int | None],
    ages: Mapping[int, EventAge],
    listing_age: Callable[[int], tuple[datetime, str, str]],
) -> list[Plan]:
    """Which event each cluster carries on, given the event each listing belonged to."""
    holders: dict[int, list[int]] = defaultdict(list)
    for listing, event in event_of.items():
        if event is not None:
            holders[event].append(listing)
    cluster_of = {listing: index for index, cluster in enumerate(clusters) for listing in cluster}
    claims: dict[int, list[int]] = defaultdict(list)
    for event, listings in holders.items():
        anchor = min(listings, key=listing_age)
        if anchor in cluster_of:
            claims[cluster_of[anchor]].append(event)
    plans = []
    for index, cluster in enumerate(clusters):
        events = sorted(claims.get(index, []), key=lambda e: (ages[e].created_at, ages[e].uid))
        plans.append(Plan(list(cluster), events[0] if events else None, events[1:]))
    return plans
