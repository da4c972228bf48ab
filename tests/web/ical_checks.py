"""Three independent iCalendar parsers, and the wire rules they do not all enforce."""

from __future__ import annotations

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream


def check_wire_format(body: bytes) -> None:
    """CRLF line ends, no line over 75 octets (RFC 5545 §3.1)."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    too_long = [line for line in lines if len(line) > 75]
    assert not too_long, too_long[:3]


def parse_three_ways(body: bytes) -> icalendar.Calendar:
    """The calendar as icalendar reads it, once vobject and ical (strict) accepted it too."""
    check_wire_format(body)
    calendar = icalendar.Calendar.from_ical(body)
    errors = [(component.name, component.errors) for component in calendar.walk() if component.errors]
    assert not errors, errors
    text = body.decode("utf-8")
    vobject.readOne(text, validate=True)
    stream = IcsCalendarStream.calendar_from_ics(text)
    assert len(stream.events) == len(calendar.walk("VEVENT"))
    return calendar


def uids(calendar: icalendar.Calendar) -> list[str]:
    return [str(vevent["UID"]) for vevent in calendar.walk("VEVENT")]


def vevent(calendar: icalendar.Calendar, uid: str) -> icalendar.Event:
    return next(v for v in calendar.walk("VEVENT") if str(v["UID"]) == uid)
