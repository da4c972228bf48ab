"""Events → iCalendar, the way calendar clients need it.

A calendar is a header, one VTIMEZONE per TZID its events use, and one VEVENT per event. Each
VEVENT depends on its event alone (never on the request), so it is rendered once per change and kept
in ``Event.vevent`` (see web.fragments); a feed only concatenates text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import icalendar

from aggregator.models import Event
from spiders.constants import CANCELLED, CONFIRMED, POSTPONED
from web.vtimezone import vtimezone

PRODID = "-//ESS Agenda//Agenda de l'ESS//FR"
REFRESH = timedelta(hours=6)
HOME_ZONE = "Europe/Paris"
CRLF = "\r\n"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

STATUS = {CANCELLED: "CANCELLED", POSTPONED: "TENTATIVE"}
# Google Calendar hides STATUS:CANCELLED: the summary says it too.
SUMMARY_PREFIX = {CANCELLED: "ANNULÉ : ", POSTPONED: "REPORTÉ : "}


def calendar_title(event: Event) -> str:
    """The title a calendar shows: its status said first when it is not plainly on."""
    return SUMMARY_PREFIX.get(event.status, "") + event.title


@dataclass(frozen=True)
class Fragment:
    """One event's VEVENT text, with what the calendar around it must provide."""

    text: str
    tzid: str | None
    first: date
    last: date


def sources_of(event: Event) -> list[tuple[str, str | None]]:
    """(source title, page URL) for every source still announcing the event, by title."""
    pairs = {
        (listing.source.title or listing.source.name, listing.url)
        for listing in event.listings
        if not listing.removed
    }
    return sorted(pairs, key=lambda pair: (pair[0].casefold(), pair[1] or ""))


def place_text(event: Event) -> str | None:
    if event.online and not (event.location_name or event.address or event.city):
        return "En ligne"
    town = " ".join(part for part in (event.postcode, event.city) if part)
    parts = [event.location_name, event.address, town]
    return ", ".join(dict.fromkeys(part for part in parts if part)) or None


def description_text(event: Event) -> str:
    """Plain text: the description, the organizer (when ORGANIZER cannot say it), then every
    source announcing the event."""
    lines = [event.description.strip()] if event.description and event.description.strip() else []
    if event.status_note and event.status == CONFIRMED:
        lines.insert(0, event.status_note[:1].upper() + event.status_note[1:] + ".")
    if event.organizer and _organizer(event) is None:
        lines.append(f"Organisé par : {event.organizer}")
    sources = sources_of(event)
    if sources:
        links = (f"- {title} : {url}" if url else f"- {title}" for title, url in sources)
        lines.append("Annoncé sur :\n" + "\n".join(links))
    return "\n\n".join(lines)


def _organizer(event: Event) -> icalendar.vCalAddress | None:
    """ORGANIZER only for an organizer given with an e-mail address: with any other URI, Outlook
    turns the event into a meeting invitation. Without one, the description names the organizer."""
    match = EMAIL.search(event.organizer or "")
    if match is None:
        return None
    address = icalendar.vCalAddress(f"mailto:{match.group(0)}")
    name = " ".join(EMAIL.sub("", event.organizer or "").strip(" <>()[],;:").split())
    if name:
        # Parameter values cannot hold a double quote (RFC 5545 §3.1).
        address.params["CN"] = name.replace('"', "'")
    return address


def event_component(event: Event) -> icalendar.Event:
    """The VEVENT of one event; DTSTAMP is the last change, so the same event renders the same."""
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.updated_at)
    vevent.add("created", event.created_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.sequence)
    vevent.add("summary", calendar_title(event))
    if event.all_day:
        vevent.add("dtstart", event.start_date)
        vevent.add("dtend", event.end_date + timedelta(days=1))
    else:
        vevent.add("dtstart", event.local_start)
        if event.local_end is not None and event.local_end > event.local_start:
            vevent.add("dtend", event.local_end)
    vevent.add("status", STATUS.get(event.status, "CONFIRMED"))
    vevent.add("transp", "TRANSPARENT")
    place = place_text(event)
    if place:
        vevent.add("location", place)
    if event.lat is not None and event.lon is not None:
        vevent.add("geo", (event.lat, event.lon))
    if event.url:
        vevent.add("url", event.url)
    if event.categories:
        vevent.add("categories", [str(c) for c in event.categories])
    organizer = _organizer(event)
    if organizer is not None:
        vevent.add("organizer", organizer)
    description = description_text(event)
    if description:
        vevent.add("description", description)
    return vevent


def fragment(event: Event, text: str | None = None) -> Fragment:
    """The event's fragment, from its stored text or rendered now."""
    if text is None:
        text = event_component(event).to_ical().decode("utf-8")
    return Fragment(text, None if event.all_day else event.timezone, event.start_date, event.end_date)


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
