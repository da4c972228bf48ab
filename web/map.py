"""The map: ``/carte`` shows any agenda view's events on tiles, fed by ``/api/events.geojson``.

Both take the agenda's filters (web/filters.py). The GeoJSON has one Point feature per placed event
(the source's coordinates, else its commune's centre), built once per (filters, day, data version).
Without JavaScript the page lists the next events place by place. Tiles come from ``TILE_URL``; the
page's Content-Security-Policy lets images come from that host alone (besides ours).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from aggregator.export import moment_text
from aggregator.models import Event
from core.folding import fold
from web.agenda import LIST_ONLY, canonical_redirect
from web.cache import versioned_key
from web.dates import today
from web.db import get_session
from web.facets import facet_counts
from web.feeds import last_modified
from web.filters import Filters, checked_titles, describe, regions
from web.http import Representation, cached_representation, etag_for, send
from web.links import filtered_url
from web.queries import load_in_order, page_ids, where
from web.security import policy

bp = Blueprint("map", __name__)
api = Blueprint("geojson", __name__, url_prefix="/api")

GEOJSON_TYPE = "application/geo+json"
MAX_AGE = 300
LISTED = 100  # events the page lists by place, for readers without JavaScript
COORDINATE_DECIMALS = 5  # about a metre


@dataclass
class Place:
    """Events sharing a place, as the page lists them."""

    label: str
    events: list[Event] = field(default_factory=list)


def by_place(events: Sequence[Event]) -> list[Place]:
    """Events grouped under their place ("Couvent des Jacobins, Rennes (35)"), places by name."""
    places: dict[str, Place] = {}
    for event in events:
        label = place_label(event)
        places.setdefault(label, Place(label)).events.append(event)
    return sorted(places.values(), key=lambda place: fold(place.label))


def place_label(event: Event) -> str:
    if event.online:
        return gettext("En ligne")
    town = f"{event.city} ({event.department})" if event.city and event.department else event.city
    label = ", ".join(part for part in (event.location_name, town) if part)
    return label or gettext("Lieu non précisé")


def tile_origin(template: str) -> str:
    """The scheme and host a tile URL template loads from ("{s}" subdomains become a wildcard)."""
    parts = urlsplit(template.replace("{s}", "subdomain"))
    return f"{parts.scheme}://{parts.netloc.replace('subdomain', '*')}"


@bp.get("/carte")
def index() -> Response | str:
    """The events of any agenda view on a map, with the list's facets."""
    filters = Filters.parse(request.args)
    moved = canonical_redirect(filters)
    if moved is not None:
        return moved
    session = get_session()
    titles = checked_titles(session, filters)
    start = today()
    counts = facet_counts(session, filters, start)
    listed = load_in_order(session, page_ids(session, filters, start, 1, LISTED), *LIST_ONLY)
    body = render_template(
        "map.html",
        filters=filters,
        counts=counts,
        places=by_place(listed),
        listed=len(listed),
        regions=regions(),
        titles=titles,
        description=describe(filters, titles),
        geojson_url=filtered_url("geojson.events", filters),
        tile_url=current_app.config["TILE_URL"],
        tile_attribution=current_app.config["TILE_ATTRIBUTION"],
    )
    response = Response(body, mimetype="text/html")
    image_sources = f"'self' data: {tile_origin(current_app.config['TILE_URL'])}"
    response.headers["Content-Security-Policy"] = policy(**{"img-src": image_sources})
    return response


@api.get("/events.geojson")
def events() -> Response:
    """Placed events matching the filters, from today on, as a GeoJSON FeatureCollection."""
    filters = Filters.parse(request.args)
    start = today()
    key = versioned_key("geojson", filters.query_string, start, request.host_url)

    def build() -> Representation:
        session = get_session()
        checked_titles(session, filters)
        body = json.dumps(feature_collection(filters, start), ensure_ascii=False, separators=(",", ":"))
        return Representation(body.encode(), etag_for(*key), last_modified(start), GEOJSON_TYPE)

    return send(cached_representation(key, build), MAX_AGE)


def feature_collection(filters: Filters, start: date) -> dict[str, Any]:
    session = get_session()
    rows = session.execute(
        select(
            Event.uid,
            Event.title,
            Event.start,
            Event.end,
            Event.all_day,
            Event.timezone,
            Event.status,
            Event.location_name,
            Event.city,
            Event.lat,
            Event.lon,
        )
        .where(*where(session, filters, start), Event.lat.is_not(None), Event.lon.is_not(None))
        .order_by(Event.start, Event.id)
    )
    # One url_for for all: the rest of each page's URL is its UID.
    page = url_for("events.show", uid="-", _external=True)[:-1]
    features = []
    for row in rows:
        zone = ZoneInfo(row.timezone)  # zoneinfo keeps each zone once
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row.lon, COORDINATE_DECIMALS), round(row.lat, COORDINATE_DECIMALS)],
                },
                "properties": {
                    "uid": row.uid,
                    "title": row.title,
                    "start": moment_text(row.start, zone, row.all_day),
                    "end": moment_text(row.end, zone, row.all_day),
                    "all_day": row.all_day,
                    "status": row.status,
                    "place": row.location_name,
                    "city": row.city,
                    "url": page + quote(row.uid, safe="@"),
                },
            }
        )
    return {"type": "FeatureCollection", "filters": filters.to_args(), "features": features}
