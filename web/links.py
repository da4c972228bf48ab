"""Links the pages offer: filtered agenda URLs, feed subscriptions, calendar and map services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from flask import url_for

from aggregator.models import Event
from aggregator.normalize.geography import geography
from web.filters import Filters
from web.ical import calendar_title, description_text, place_text

GOOGLE_RENDER = "https://calendar.google.com/calendar/render"
OSM = "https://www.openstreetmap.org/"


def filtered_url(endpoint: str, filters: Filters, page: int = 1, **values: Any) -> str:
    """``endpoint`` with these filters as its query string (page 1 left implicit)."""
    args: dict[str, Any] = {**values, **filters.to_args()}
    if page > 1:
        args["page"] = page
    return url_for(endpoint, **args)


@dataclass(frozen=True)
class Subscription:
    """Every way to subscribe to the feed of one set of filters."""

    https: str
    webcal: str
    google: str
    atom: str
    json: str


def subscription(filters: Filters) -> Subscription:
    args: dict[str, Any] = filters.to_args()
    feed = url_for("feeds.calendar", _external=True, **args)
    webcal = "webcal://" + feed.split("://", 1)[1]
    return Subscription(
        https=feed,
        webcal=webcal,
        google=f"{GOOGLE_RENDER}?cid={quote(webcal, safe='')}",
        atom=url_for("feeds.atom", **args),
        json=url_for("api.events", **args),
    )


def google_event_link(event: Event) -> str:
    """Google Calendar's "add this event" form, prefilled."""
    if event.all_day:
        dates = f"{event.start_date:%Y%m%d}/{event.end_date + timedelta(days=1):%Y%m%d}"
    else:
        end = event.local_end if event.local_end and event.local_end > event.local_start else None
        end = end or event.local_start + timedelta(hours=1)
        dates = f"{event.local_start:%Y%m%dT%H%M%S}/{end:%Y%m%dT%H%M%S}"
    params = {"action": "TEMPLATE", "text": calendar_title(event), "dates": dates, "ctz": event.timezone}
    details = description_text(event)
    if details:
        params["details"] = details[:1500]
    place = place_text(event)
    if place:
        params["location"] = place
    return f"{GOOGLE_RENDER}?{urlencode(params)}"


def map_link(event: Event) -> str | None:
    """The place on OpenStreetMap: a pin when coordinates are known (the whole commune when they are
    its centre), else a search."""
    if event.lat is not None and event.lon is not None:
        zoom = 13 if geography().is_centre(event.insee, event.lat, event.lon) else 17
        return f"{OSM}?mlat={event.lat:.6f}&mlon={event.lon:.6f}#map={zoom}/{event.lat:.6f}/{event.lon:.6f}"
    if event.online:
        return None
    town = " ".join(p for p in (event.postcode, event.city) if p)
    query = ", ".join(p for p in (event.address, town) if p)
    return f"{OSM}search?{urlencode({'query': query})}" if query else None
