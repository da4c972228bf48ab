"""Events → iCalendar, the way calendar clients need it.

A calendar is a header, one VTIMEZONE per TZID its events use, and one VEVENT per event. Each
VEVENT depends on its event alone (never on the request): the aggregator renders it once per change
and keeps it in ``Event.vevent`` (aggregator.fragments); a feed only concatenates text.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import icalendar

from aggregator.fragments import (
    Fragment,
    calendar_title,
    description_text,
    event_component,
    fragment,
    place_text,
    sources_of,
)

PRODID = "-//ESS Agenda//Agenda de l'ESS//FR"
REFRESH = timedelta(hours=6)
HOME_ZONE = "Europe/Paris"
CRLF = "\r\n"

__all__ = [
    "Fragment",
    "assemble",
    "calendar_header",
    "calendar_properties",
    "calendar_title",
    "description_text",
    "event_component",
    "fragment",
    "place_text",
    "sources_of",
]


def calendar_properties(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", HOME_ZONE)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    return calendar


@functools.lru_cache(maxsize=64)
def calendar_header(name: str) -> str:
    """Everything before the first component."""
    text = calendar_properties(name).to_ical().decode("utf-8")
    return text.removesuffix("END:VCALENDAR" + CRLF)


@functools.lru_cache(maxsize=256)
def vtimezone_text(tzid: str, first_year: int, last_year: int) -> str:
    """The zone's transitions over the years the calendar's events span."""
    component = icalendar.Timezone.from_tzinfo(
        ZoneInfo(tzid), first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )
    text: str = component.to_ical().decode("utf-8")
    return text


def assemble(name: str, fragments: Sequence[Fragment]) -> bytes:
    """A whole calendar from fragments: header, the VTIMEZONEs they need, the VEVENTs."""
    parts = [calendar_header(name)]
    zones = sorted({f.tzid for f in fragments if f.tzid})
    if zones:
        first = min(f.first for f in fragments if f.tzid).year
        last = max(f.last for f in fragments if f.tzid).year
        parts.extend(vtimezone_text(tzid, first, last) for tzid in zones)
    parts.extend(f.text for f in fragments)
    parts.append("END:VCALENDAR" + CRLF)
    return "".join(parts).encode("utf-8")
