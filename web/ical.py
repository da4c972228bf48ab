"""Events → iCalendar text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import icalendar

from aggregator.models import Event

PRODID = "-//ESS Agenda//ess-agenda.fr//FR"


def event_component(event: Event) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("dtstamp", event.updated_at)
    vevent.add("last-modified", event.updated_at)
    vevent.add("sequence", event.sequence)
    cancelled = event.status == "cancelled"
    vevent.add("summary", f"ANNULÉ : {event.title}" if cancelled else event.title)
    if event.all_day:
        vevent.add("dtstart", event.start_date)
        vevent.add("dtend", event.end_date + timedelta(days=1))
    else:
        vevent.add("dtstart", event.local_start)
        if event.local_end is not None:
            vevent.add("dtend", event.local_end)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    place = ", ".join(p for p in (event.location_name, event.address, event.city) if p)
    if place:
        vevent.add("location", place)
    if event.url:
        vevent.add("url", event.url)
    if event.description:
        vevent.add("description", event.description)
    return vevent


def render_calendar(events: Iterable[Event], name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    for event in events:
        calendar.add_component(event_component(event))
    calendar.add_missing_timezones()
    return calendar.to_ical()
