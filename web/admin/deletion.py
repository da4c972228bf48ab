"""What deleting a source would do, told before the operator confirms (``source_admin.delete_source``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator.dedup.forget import Forgotten
from aggregator.dedup.merge import RETIRED_NOTE, event_end
from aggregator.models import Event, Listing, Source
from aggregator.source_admin import crawl_running
from core.status import CANCELLED


@dataclass(frozen=True)
class DeletionImpact:
    listings: int  # the source's listings, removed ones included
    retired: int  # coming events only the source announces: subscribers will see them cancelled
    running: bool  # a crawl of the source runs: deleting is refused until it ends


def deletion_impact(session: Session, source: Source, now: datetime) -> DeletionImpact:
    listings = session.scalar(select(func.count(Listing.id)).where(Listing.source_id == source.id))
    return DeletionImpact(
        listings=listings or 0,
        retired=_coming_events_it_alone_shows(session, source, now),
        running=crawl_running(session, source),
    )


def _coming_events_it_alone_shows(session: Session, source: Source, now: datetime) -> int:
    """The events ``forget_listings`` would retire: coming, shown by no other source, not yet retired.
    A merge the recompute might make is not foreseen."""
    elsewhere = select(Listing.id).where(Listing.event_id == Event.id, Listing.source_id != source.id)
    query = select(Event.start, Event.end, Event.all_day, Event.status, Event.status_note).where(
        Event.id.in_(select(Listing.event_id).where(Listing.source_id == source.id)),
        ~elsewhere.exists(),
        func.coalesce(Event.end, Event.start) >= now - timedelta(days=1),  # all-day ones end a day late
    )
    return sum(
        event_end(start, end, all_day) > now and (status, note) != (CANCELLED, RETIRED_NOTE)
        for start, end, all_day, status, note in session.execute(query)
    )


def deleted_message(name: str, gone: Forgotten) -> str:
    """What the deletion did, for the flash."""
    listings = ngettext("%(num)d annonce", "%(num)d annonces", gone.listings)
    recomputed = ngettext(
        "%(num)d événement recalculé à partir de ses autres sources",
        "%(num)d événements recalculés à partir de leurs autres sources",
        gone.recomputed,
    )
    retired = ngettext(
        "%(num)d événement à venir annulé pour les abonnés",
        "%(num)d événements à venir annulés pour les abonnés",
        gone.retired,
    )
    return _(
        "Source %(name)s supprimée avec %(listings)s ; %(recomputed)s, %(retired)s.",
        name=name,
        listings=listings,
        recomputed=recomputed,
        retired=retired,
    )
