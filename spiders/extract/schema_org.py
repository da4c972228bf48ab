"""A schema.org ``Event`` node (as spiders.extract.structured_data gives it) → EventItem fields.

Dates: a date alone is an all-day day (schema.org's ``endDate`` is then the last day, inclusive); a
date-time with an offset is an aware instant; without one it is the local wall time, read later in
the event's zone. The timezone is left to the pipeline unless the node states it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.parser import isoparse

from aggregator.normalize.location_line import parse_location
from aggregator.normalize.status import status_from_source
from aggregator.normalize.times import loose_iso
from aggregator.normalize.zones import wall_clock
from core.status import CONFIRMED, POSTPONED
from core.text import clean_line, html_to_text
from spiders.extract.links import canonical_url, web_url
from spiders.extract.structured_data import schema_name, types_of

ONLINE_MODE = "OnlineEventAttendanceMode"
VIRTUAL_TYPES = frozenset({"VirtualLocation"})
ADDRESS_TYPES = frozenset({"PostalAddress"})

_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_COUNTRY = re.compile(r"[,\s]*\bFrance\s*$", re.IGNORECASE)
_LATE_EVENING = time(23, 59)


def event_fields(event: dict[str, Any], base_url: str, zone: ZoneInfo | None = None) -> dict[str, Any]:
    """Every EventItem field but ``key`` and ``raw``, read from one Event node; ``zone``, the
    source's, has the final word on an offset it never has (see ``wall_clock``)."""
    start, end, all_day = parse_times(event.get("startDate"), event.get("endDate"))
    if zone is not None and isinstance(start, datetime) and wall_clock(start, zone) is not start:
        start = wall_clock(start, zone)
        end = end.replace(tzinfo=zone) if isinstance(end, datetime) else end
    return {
        "title": clean_line(text_of(event.get("name"))),
        "description": html_to_text(text_of(event.get("description"))),
        # An unreadable start stays as written, for the run to name it.
        "start": start if start is not None else text_of(event.get("startDate")) or None,
        "end": end,
        "all_day": all_day,
        "timezone": None,
        **place_fields(event),
        "organizer": ", ".join(names_of(event.get("organizer"))) or None,
        "categories": categories_of(event),
        "url": _link(text_of(event.get("url")), base_url),
        "image": _link(_image_url(event.get("image")), base_url),
        "status": _status(event, start),
    }


def _status(event: dict[str, Any], start: Any) -> str:
    """EventPostponed with a new start date (one other than ``previousStartDate``) happens then."""
    status = status_from_source(event_status(event)) or CONFIRMED
    previous = previous_start(event)
    if status == POSTPONED and previous is not None and start is not None and previous != start:
        return CONFIRMED
    return status


def event_status(event: dict[str, Any]) -> str | None:
    """``EventCancelled``, ``EventPostponed``…, whatever prefix the page wrote, or None."""
    value = text_of(event.get("eventStatus"))
    return schema_name(value) or None


def previous_start(event: dict[str, Any]) -> date | datetime | None:
    """The date a rescheduled event was first announced for."""
    return parse_date(event.get("previousStartDate"))


# -- values -------------------------------------------------------------------------------


def text_of(value: Any) -> str:
    """A plain string from a JSON-LD value: a string, a number, ``{"@value": …}`` or a list (French
    first)."""
    if isinstance(value, list):
        texts = [v for v in value if not isinstance(v, dict) or v.get("@language", "fr").startswith("fr")]
        return next((t for t in map(text_of, texts or value) if t), "")
    if isinstance(value, dict):
        return text_of(value.get("@value") or value.get("@id") or "")
    if isinstance(value, bool) or value is None:
        return ""
    return str(value).strip()


def names_of(value: Any) -> list[str]:
    """Names of things (organizers, topics): strings as they are, nodes by their ``name``."""
    values = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in values:
        name = text_of(item.get("name") or item.get("legalName")) if isinstance(item, dict) else text_of(item)
        name = clean_line(name)
        if name and name not in names:
            names.append(name)
    return names


def categories_of(event: dict[str, Any]) -> list[str]:
    """Keywords (a comma-separated string or a list) and topics (``about``), without repeats."""
    keywords = event.get("keywords")
    words = keywords.split(",") if isinstance(keywords, str) else names_of(keywords)
    found: list[str] = []
    for word in [*words, *names_of(event.get("about"))]:
        word = clean_line(word)
        if word and word not in found:
            found.append(word)
    return found


def _image_url(value: Any) -> str:
    if isinstance(value, list):
        return next((u for u in map(_image_url, value) if u), "")
    if isinstance(value, dict):
        return text_of(value.get("url") or value.get("contentUrl"))
    return text_of(value)


def _link(href: str, base_url: str) -> str | None:
    url = web_url(href, base_url) if href else None
    return canonical_url(url) if url else None


# -- dates --------------------------------------------------------------------------------


def parse_date(value: Any) -> date | datetime | None:
    """An ISO 8601 date (→ date) or date-time (→ datetime, aware when an offset is given)."""
    raw = text_of(value)
    if not raw:
        return None
    try:
        if _DATE_ONLY.match(raw):
            return date.fromisoformat(raw)
        return datetime.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return isoparse(raw)  # also reads 24:00 and a few shapes fromisoformat refuses
    except (ValueError, OverflowError):
        return loose_iso(raw)  # "2024-5-28T16:30+0:00", as some CMSs write it


def parse_times(
    start_value: Any, end_value: Any
) -> tuple[date | datetime | None, date | datetime | None, bool]:
    """(start, end, all_day) from ``startDate``/``endDate``; ``end`` of an all-day event is its last
    day."""
    start, end = parse_date(start_value), parse_date(end_value)
    if start is None:
        return None, None, False
    if not isinstance(start, datetime):
        last = end.date() if isinstance(end, datetime) else end
        return start, last if last is not None and last >= start else start, True
    if end is not None and not isinstance(end, datetime):
        # A time to start and only a day to end: it ends with that day.
        end = (
            None if end <= start.date() else datetime.combine(end + timedelta(days=1), time.min, start.tzinfo)
        )
    if _is_whole_days(start, end):
        assert end is not None
        last = end.date() - timedelta(days=1) if end.time() == time.min else end.date()
        return start.date(), max(last, start.date()), True
    return start, end, False


def _is_whole_days(start: datetime, end: datetime | None) -> bool:
    """Midnight to 23:59 (or to a later midnight): how many CMSs write an all-day event."""
    if end is None or start.time() != time.min:
        return False
    return end.time() >= _LATE_EVENING or (end.time() == time.min and end.date() > start.date())


# -- places -------------------------------------------------------------------------------


def place_fields(event: dict[str, Any]) -> dict[str, Any]:
    """Place name, address, postcode, city, région, lat/lon, or ``online`` with no place at all."""
    locations = [loc for loc in _as_list(event.get("location")) if loc]
    virtual = [loc for loc in locations if isinstance(loc, dict) and types_of(loc) & VIRTUAL_TYPES]
    physical = [loc for loc in locations if loc not in virtual]
    mode = schema_name(text_of(event.get("eventAttendanceMode")))
    if mode == ONLINE_MODE or event_status(event) == "EventMovedOnline" or (virtual and not physical):
        return {"online": True}
    if not physical:
        return {"online": False}
    place = physical[0]
    if isinstance(place, dict):
        return {"online": False, **_place(place)}
    return {"online": False, **_free_text_place(text_of(place))}


def _place(place: dict[str, Any]) -> dict[str, Any]:
    if types_of(place) & ADDRESS_TYPES:
        return _address(place)
    fields: dict[str, Any] = {"location_name": clean_line(text_of(place.get("name"))) or None}
    address = place.get("address")
    if isinstance(address, list):
        address = address[0] if address else None
    if isinstance(address, dict):
        fields.update(_address(address))
    elif address:
        fields.update(_split_address(text_of(address)))
    geo: dict[str, Any] = place["geo"] if isinstance(place.get("geo"), dict) else place
    fields.update(lat=_coordinate(geo.get("latitude")), lon=_coordinate(geo.get("longitude")))
    return fields


def _address(address: dict[str, Any]) -> dict[str, Any]:
    street = clean_line(text_of(address.get("streetAddress")))
    postcode = clean_line(text_of(address.get("postalCode")))
    city = clean_line(text_of(address.get("addressLocality")))
    if not (postcode and city):  # "21000 Dijon" written whole in one of the fields
        guessed = _split_address(", ".join(filter(None, [street, postcode, city])))
        if guessed.get("postcode"):
            street, postcode, city = guessed["address"] or "", guessed["postcode"], guessed["city"]
    country = clean_line(text_of(address.get("addressCountry")))
    return {
        "address": street or None,
        "postcode": postcode or None,
        "city": city or None,
        "region": clean_line(text_of(address.get("addressRegion"))) or None,
        **({"country": country} if country else {}),
    }


def _split_address(text: str) -> dict[str, Any]:
    """``"12 rue de la Famille, 25000 Besançon"`` → street, postcode and commune, split by the one
    rule for one-line places; without a postcode it is all street."""
    line = clean_line(text)
    parts = parse_location(line)
    if parts.postcode is None:
        return {"address": _COUNTRY.sub("", line) or None}
    street = ", ".join(part for part in (parts.name, parts.address) if part)
    return {"address": street or None, "postcode": parts.postcode, "city": parts.city}


def _free_text_place(text: str) -> dict[str, Any]:
    """A location written as one string, split by the one rule for one-line places."""
    parts = parse_location(clean_line(text))
    return {
        "location_name": parts.name,
        "address": parts.address,
        "postcode": parts.postcode,
        "city": parts.city,
    }


def _coordinate(value: Any) -> float | None:
    try:
        number = float(text_of(value).replace(",", "."))
    except ValueError:
        return None
    return number if number == number else None  # NaN


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
