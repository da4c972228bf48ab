"""One item → the normalized columns of a Listing.

Normalization is the gate every item passes to reach the database, whichever spider made it: its
text comes out plain (entities decoded, markup dropped, white space folded), so no listing is
stored with markup, even one that decoding entities revealed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypedDict
from urllib.parse import urlsplit

from aggregator.normalize.categories import categorize
from aggregator.normalize.online import is_online
from aggregator.normalize.places import listing_place
from aggregator.normalize.status import event_status
from aggregator.normalize.times import TimeError, normalize_times
from aggregator.normalize.zones import event_zone, stated_zone, zone_abroad
from core.http import WEB_SCHEMES
from core.text import plain_line, plain_text

URL_FIELDS = ("url", "image")
PLACE_LINES = ("location_name", "address", "postcode", "city")  # the place fields given as text
PLACE_FIELDS = (
    "location_name",
    "address",
    "postcode",
    "city",
    "insee",
    "department",
    "region",
    "lat",
    "lon",
    "online",
)
MAX_TITLE = 500
MAX_DESCRIPTION = 20_000
# Halves of split emoji: JSON can carry them, no database encoding stores them.
_SURROGATES = re.compile("[\ud800-\udfff]")
# Browsers drop these from a URL before reading it: "java\tscript:" is "javascript:".
_URL_CONTROLS = re.compile("[\x00-\x1f\x7f]")


class ListingFields(TypedDict):
    """A normalized listing: the columns of aggregator.models.Listing that its source's item gives
    (the store adds the source and the dates it was seen)."""

    key: str
    title: str
    description: str
    start: datetime
    end: datetime | None
    all_day: bool
    timezone: str
    url: str | None
    image: str | None
    status: str
    online: bool
    location_name: str | None
    address: str | None
    postcode: str | None
    city: str | None
    insee: str | None
    department: str | None
    region: str | None
    country: str | None
    lat: float | None
    lon: float | None
    organizer: str | None
    categories: list[str]
    raw: Any  # the payload the item was read from, as given (aggregator.db.json_text writes it)
    content_hash: str  # of every other column but raw


class NormalizationError(ValueError):
    """An item that cannot become a listing (no title, impossible dates…)."""


def _text(value: Any, limit: int = 2000) -> str | None:
    if value is None:
        return None
    text = _SURROGATES.sub("", str(value)).strip()
    return text[:limit] or None


def _line(value: Any, limit: int = 2000) -> str | None:
    """Plain text on one line, cut to ``limit``."""
    return plain_line(value)[:limit] or None


def web_address(value: Any) -> str | None:
    """``value`` as an absolute http(s) URL with a host, else None: a ``javascript:``, ``data:`` or
    ``vbscript:`` link, in any case, is never stored, so never published."""
    text = _text(value)
    if text is None:
        return None
    url = _URL_CONTROLS.sub("", text)
    try:
        parts = urlsplit(url)
    except ValueError:  # an invalid IPv6 host
        return None
    return url if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else None


def normalize_item(
    item: Mapping[str, Any],
    default_region: str | None = None,
    default_zone: str | None = None,
    dropped: list[str] | None = None,
) -> ListingFields:
    """The Listing columns for ``item``; raises NormalizationError on what cannot be stored.

    The place is resolved first, since it decides the zone that naive local times are read in:
    the zone the item states, else its département's, else the source's (``default_zone``, then
    that of ``default_region``), else Europe/Paris. A URL that is not http(s) is left out, and
    named in ``dropped`` when given.
    """
    title = _line(item.get("title"), MAX_TITLE)
    if not title:
        raise NormalizationError("no title")
    key = _text(item.get("key"), 500) or _text(item.get("url"), 500)
    if not key:
        raise NormalizationError(f"no key for {title!r}")
    given = {name: _line(item.get(name)) if name in PLACE_LINES else item.get(name) for name in PLACE_FIELDS}
    given["title"] = title
    given["country"] = _line(item.get("country"), 100)
    online = is_online(given)
    place = listing_place(given, online, default_region, zone_abroad(default_zone))
    stated = item.get("timezone")
    tz = event_zone(stated, place.department, place.region, default_zone)
    try:
        start, end, all_day = normalize_times(
            item.get("start"), item.get("end"), item.get("all_day"), tz, stated_zone(stated)
        )
    except TimeError as exc:
        raise NormalizationError(f"{title!r}: {exc}") from exc

    description = plain_text(item.get("description"))[:MAX_DESCRIPTION]
    source_categories = [c for c in (_line(c, 100) for c in item.get("categories") or []) if c]
    urls = {name: web_address(item.get(name)) for name in URL_FIELDS}
    if dropped is not None:
        dropped.extend(
            f"{title!r}: {name} {str(item[name])[:80]!r}"
            for name in URL_FIELDS
            if urls[name] is None and _text(item.get(name))
        )
    fields = ListingFields(
        key=key,
        title=title,
        description=description,
        start=start,
        end=end,
        all_day=all_day,
        timezone=tz.key,
        url=urls["url"],
        image=urls["image"],
        status=event_status(item.get("status"), title, description),
        online=online,
        location_name=place.location_name,
        address=place.address,
        postcode=place.postcode,
        city=place.city,
        insee=place.insee,
        department=place.department,
        region=place.region,
        country=place.country,
        lat=place.lat,
        lon=place.lon,
        organizer=_line(item.get("organizer")),
        categories=categorize(title, source_categories, description),
        raw=item.get("raw") or {},
        content_hash="",
    )
    fields["content_hash"] = content_hash(fields)
    return fields


def rejection(item: Mapping[str, Any], exc: Exception) -> str:
    """Why an item was rejected, after the page it was read from when known."""
    page = item.get("page")
    return f"{page}: {exc}" if page else str(exc)


def content_hash(fields: Mapping[str, Any]) -> str:
    """A digest of what a listing says, to skip rewriting unchanged listings."""
    payload = {k: v for k, v in fields.items() if k not in ("raw", "content_hash")}
    blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()
