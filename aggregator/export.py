"""Canonical events as plain data: the JSON the CLI and the API return."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import selectinload

from aggregator.clock import HOME_ZONE
from aggregator.models import Event, Listing

PARIS = ZoneInfo(HOME_ZONE)


def events_where(conditions: Sequence[ColumnElement[bool]]) -> Select[Event]:
    """Events meeting ``conditions`` (with their listings and sources loaded), by start."""
    query = select(Event).options(selectinload(Event.listings).selectinload(Listing.source))
    return query.where(*conditions).order_by(Event.start, Event.id)


def local_midnight(day: date) -> datetime:
    """Days are French days: they start at midnight in Paris."""
    return datetime.combine(day, time.min, tzinfo=PARIS)


def moment_text(value: datetime | None, zone: ZoneInfo, all_day: bool) -> str | None:
    """ISO 8601 in the event's zone; the date alone for an all-day event."""
    if value is None:
        return None
    local = value.astimezone(zone)
    return local.date().isoformat() if all_day else local.isoformat()


def _moment(event: Event, value: datetime | None) -> str | None:
    return moment_text(value, event.zone, event.all_day)


def event_as_dict(event: Event) -> dict[str, Any]:
    sources = sorted(
        {(listing.source.name, listing.url) for listing in event.listings if not listing.removed},
        key=lambda pair: pair[0],
    )
    end = event.end if event.end is not None or not event.all_day else event.start
    return {
        "uid": event.uid,
        "title": event.title,
        "description": event.description,
        "start": _moment(event, event.start),
        "end": _moment(event, end),
        "all_day": event.all_day,
        "timezone": event.timezone,
        "online": event.online,
        "location": {
            "name": event.location_name,
            "address": event.address,
            "city": event.city,
            "postcode": event.postcode,
            "department": event.department,
            "region": event.region,
            "country": event.country,
            "lat": event.lat,
            "lon": event.lon,
        },
        "categories": list(event.categories or []),
        "url": event.url,
        "status": event.status,
        "sequence": event.sequence,
        "sources": [{"name": name, "url": url} for name, url in sources],
        "updated": event.updated_at.isoformat(),
    }
