"""Per-event VEVENT fragments: rendered by the aggregator once per change, kept in ``Event.vevent``.

Each VEVENT depends on its event alone (never on a request). Whatever changes an event, or the
listings announcing it, clears its fragment (aggregator.dedup.identity.clear_fragments); the
aggregator then renders every cleared one (``render_missing``) at the end of a crawl and of a dedup
(``ess-agenda dedup``, an operator's correction, a source deleted); ``ess-agenda feeds render``
renders them all again. The web only reads them (web.ical assembles a feed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar
from icalendar import vCalAddress, vCategory, vDDDTypes, vGeo, vInt, vText, vUri
from icalendar.parser import Contentline
from icalendar.timezone.tzid import tzid_from_dt
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from aggregator.db import chunks
from aggregator.models import Event, Listing
from core.status import CANCELLED, CONFIRMED, POSTPONED

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
STATUS = {CANCELLED: "CANCELLED", POSTPONED: "TENTATIVE"}
# Google Calendar hides STATUS:CANCELLED: the summary says it too.
SUMMARY_PREFIX = {CANCELLED: "ANNULÉ : ", POSTPONED: "REPORTÉ : "}
# RFC 5545 §3.1: a content line of 75 octets or more is folded (icalendar folds them so).
FOLD_OCTETS = 75
Property = vText | vDDDTypes | vInt | vCategory | vGeo | vUri | vCalAddress
Value = str | int | date | datetime | list[str] | tuple[float, float] | vUri | vCalAddress


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


def _organizer(event: Event) -> vCalAddress | None:
    """ORGANIZER only for an organizer given with an e-mail address: with any other URI, Outlook
    turns the event into a meeting invitation. Without one, the description names the organizer."""
    match = EMAIL.search(event.organizer or "")
    if match is None:
        return None
    address = vCalAddress(f"mailto:{match.group(0)}")
    name = " ".join(EMAIL.sub("", event.organizer or "").strip(" <>()[],;:").split())
    if name:
        # Parameter values cannot hold a double quote (RFC 5545 §3.1).
        address.params["CN"] = name.replace('"', "'")
    return address


def event_properties(event: Event) -> list[tuple[str, Value]]:
    """The VEVENT's properties as plain values, in the order icalendar's writer sorts them; DTSTAMP
    is the last change, so the same event renders the same. A value's iCalendar type follows from
    its Python type (a URI and an address are icalendar's own)."""
    properties: list[tuple[str, Value]] = [("SUMMARY", calendar_title(event))]
    if event.all_day:
        properties += [("DTSTART", event.start_date), ("DTEND", event.end_date + timedelta(days=1))]
    else:
        properties.append(("DTSTART", event.local_start))
        if event.local_end is not None and event.local_end > event.local_start:
            properties.append(("DTEND", event.local_end))
    properties += [("DTSTAMP", event.updated_at), ("UID", event.uid), ("SEQUENCE", event.sequence)]
    if event.categories:
        properties.append(("CATEGORIES", [str(c) for c in event.categories]))
    properties.append(("CREATED", event.created_at))
    description = description_text(event)
    if description:
        properties.append(("DESCRIPTION", description))
    if event.lat is not None and event.lon is not None:
        properties.append(("GEO", (event.lat, event.lon)))
    properties.append(("LAST-MODIFIED", event.updated_at))
    place = place_text(event)
    if place:
        properties.append(("LOCATION", place))
    organizer = _organizer(event)
    if organizer is not None:
        properties.append(("ORGANIZER", organizer))
    properties += [("STATUS", STATUS.get(event.status, "CONFIRMED")), ("TRANSP", "TRANSPARENT")]
    if event.url:
        properties.append(("URL", vUri(event.url)))
    return properties


def event_component(event: Event) -> icalendar.Event:
    """The event as an icalendar component."""
    vevent = icalendar.Event()
    for name, value in event_properties(event):
        vevent.add(name, _property(value))
    return vevent


def _property(value: Value) -> Property:
    """The icalendar value of a property."""
    match value:
        case vCalAddress() | vUri():
            return value
        case str():
            return vText(value)
        case int():
            return vInt(value)
        case list():
            return vCategory(value)
        case tuple():
            return vGeo(value)
        case _:
            return vDDDTypes(value)


def vevent_text(event: Event) -> str:
    """The event's VEVENT as icalendar's component writer gives it (``event_component(event).to_ical()``),
    written here line by line: building and checking an icalendar value for every property made
    rendering the costliest step of a crawl's finish. A test holds the two equal."""
    lines = ["BEGIN:VEVENT"]
    lines += (_fold(_content_line(name, value)) for name, value in event_properties(event))
    lines.append("END:VEVENT\r\n")
    return "\r\n".join(lines)


def _content_line(name: str, value: Value) -> str:
    match value:
        case vCalAddress():  # parameters quoted by icalendar
            return str(Contentline.from_parts(name, value.params, value))
        case vUri() | int():
            return f"{name}:{value}"
        case str():
            return f"{name}:{_escape(value)}"
        case list():
            return f"{name}:{','.join(map(_escape, value))}"
        case tuple():
            return f"{name}:{float(value[0])};{float(value[1])}"
        case datetime():
            stamp = f"{value:%Y%m%dT%H%M%S}"
            tzid = tzid_from_dt(value)
            return f"{name}:{stamp}Z" if tzid == "UTC" else f"{name};TZID={tzid}:{stamp}"
        case _:
            return f"{name};VALUE=DATE:{value:%Y%m%d}"


def _escape(text: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11), as icalendar does it: every line break becomes ``\\n``.
    (icalendar's own ``escape_char`` is deprecated for use outside the library.)"""
    return (
        text.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _fold(line: str) -> str:
    """Fold a content line as icalendar does (RFC 5545 §3.1): pieces of at most ``FOLD_OCTETS`` - 1
    octets, cut neither inside a character nor between a backslash or caret and what it escapes.
    (icalendar's ``foldline`` walks the line a character at a time: every description is folded.)"""
    data = line.encode()
    if len(data) < FOLD_OCTETS:
        return line
    pieces = []
    start = 0
    while len(data) - start >= FOLD_OCTETS:
        end = start + FOLD_OCTETS - 1
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: the cut would split a character
            end -= 1
        if data[end - 1] in b"\\^" and end - 1 > start:
            end -= 1
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return b"\r\n ".join(pieces).decode()


# What a fragment reads of an event's listings: their sources, pages and whether they are removed.
_SOURCES = (
    selectinload(Event.listings)
    .load_only(Listing.source_id, Listing.url, Listing.removed)
    .selectinload(Listing.source)
)


def fragment(event: Event, text: str | None = None) -> Fragment:
    """The event's fragment, from its stored text or rendered now."""
    if text is None:
        text = vevent_text(event)
    return Fragment(text, None if event.all_day else event.timezone, event.start_date, event.end_date)


def render(session: Session, ids: list[int]) -> dict[int, Fragment]:
    """The fragments of these events, rendered now (nothing stored)."""
    rendered: dict[int, Fragment] = {}
    for chunk in chunks(ids):
        for event in session.scalars(select(Event).where(Event.id.in_(chunk)).options(_SOURCES)):
            rendered[event.id] = fragment(event)
    return rendered


def render_all(session: Session) -> int:
    """Render and store every event's fragment again (the caller commits); returns how many."""
    session.execute(update(Event).values(vevent=None), execution_options={"synchronize_session": False})
    return render_missing(session)


def render_missing(session: Session) -> int:
    """Render and store the fragment of every event whose fragment was cleared; returns how many.

    The caller commits. A fragment is stored only if its event has not changed since it was read.
    """
    table = Event.__table__
    assert isinstance(table, Table)
    store = (
        update(table)
        .where(
            table.c.id == bindparam("b_id"),
            table.c.updated_at == bindparam("b_updated"),
            table.c.vevent.is_(None),
        )
        .values(vevent=bindparam("b_text"))
    )
    missing = list(session.scalars(select(Event.id).where(Event.vevent.is_(None)).order_by(Event.id)))
    for chunk in chunks(missing):
        events = session.scalars(select(Event).where(Event.id.in_(chunk)).options(_SOURCES)).all()
        stamps = [{"b_id": e.id, "b_updated": e.updated_at, "b_text": fragment(e).text} for e in events]
        if stamps:
            session.execute(store, stamps)
    return len(missing)
