"""Events → iCalendar, the way calendar clients need it.

A calendar is a header, one VTIMEZONE per TZID its events use, and one VEVENT per event. Each
VEVENT depends on its event alone (never on the request): the aggregator renders it once per change
and keeps it in ``Event.vevent`` (aggregator.fragments); a feed only concatenates text.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import timedelta

import icalendar

from aggregator.clock import HOME_ZONE
from aggregator.fragments import (
    Fragment,
    calendar_title,
    description_text,
    event_component,
    fragment,
    place_text,
    sources_of,
)
from web.vtimezone import vtimezone

PRODID = "-//ESS Agenda//Agenda de l'ESS//FR"
REFRESH = timedelta(hours=6)
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


def calendar_properties(name: str | None, zone: str = HOME_ZONE) -> icalendar.Calendar:
    """A subscription's properties (``name`` given), or a single download's: no name, no refresh
    interval, which would make a client offer to subscribe to a one-event file."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name is not None:
        calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone)
    if name is not None:
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT6H")
    return calendar


@functools.lru_cache(maxsize=64)
def calendar_header(name: str | None, zone: str = HOME_ZONE) -> str:
    """Everything before the first component."""
    text = calendar_properties(name, zone).to_ical().decode("utf-8")
    return text.removesuffix("END:VCALENDAR" + CRLF)


@functools.lru_cache(maxsize=256)
def vtimezone_text(tzid: str, first_year: int, last_year: int) -> str:
    """The zone over the years the calendar's events span, in RRULE form (web.vtimezone)."""
    text: str = vtimezone(tzid, first_year, last_year).to_ical().decode("utf-8")
    return text


def assemble(name: str | None, fragments: Sequence[Fragment], zone: str = HOME_ZONE) -> bytes:
    """A whole calendar from fragments: header, the VTIMEZONEs they need, the VEVENTs. Without a
    ``name``, a single download in ``zone`` rather than a subscription."""
    parts = [calendar_header(name, zone)]
    zones = sorted({f.tzid for f in fragments if f.tzid})
    if zones:
        first = min(f.first for f in fragments if f.tzid).year
        last = max(f.last for f in fragments if f.tzid).year
        parts.extend(vtimezone_text(tzid, first, last) for tzid in zones)
    parts.extend(f.text for f in fragments)
    parts.append("END:VCALENDAR" + CRLF)
    return "".join(parts).encode("utf-8")
