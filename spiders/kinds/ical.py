"""The ``ical`` kind: iCalendar feeds as WordPress, Google and Outlook export them.

Time zones: VTIMEZONE or only X-WR-TIMEZONE (repaired with ``x-wr-timezone``), Windows names
("Romance Standard Time") mapped to IANA; UTC and floating times; all-day and multi-day dates (the
exclusive DTEND becomes the inclusive last day). An item's ``timezone`` is set only when the feed
states one.

Recurring series (RRULE, RDATE, EXDATE, moved occurrences) are expanded with
``recurring-ical-events`` from ESS_RECURRENCE_PAST_DAYS back to ESS_RECURRENCE_HORIZON_DAYS ahead;
single events are kept whatever their date. Keys: the UID, plus the RECURRENCE-ID for an
occurrence of a series. The Events Calendar (Tribe) exports UIDs that embed the start and end
("10001544-1796047200-1796054400@host") and change on rescheduling: those events are keyed by their
URL instead (plus the occurrence date for a series).

Settings read: ESS_RECURRENCE_HORIZON_DAYS, ESS_RECURRENCE_PAST_DAYS.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone import tzid_from_dt
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from scrapy.http import Response

from aggregator import clock
from spiders.constants import CANCELLED
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

# "<post id>-<start epoch>-<end epoch>@host": The Events Calendar's UIDs, unstable by design.
TRIBE_UID = re.compile(r"^\d+-\d{9,11}-\d{9,11}@")
RECURRING_PROPERTIES = ("RRULE", "RDATE")
END_OF_EVENT = re.compile(r"^END:VEVENT[ \t\r]*$", re.IGNORECASE | re.MULTILINE)
MAX_RAW_CHARS = 5000


def iana_zone(name: str | None) -> str | None:
    """The IANA name for a TZID or X-WR-TIMEZONE value (Windows names mapped), or None."""
    if not name:
        return None
    name = WINDOWS_TO_OLSON.get(name.strip(), name.strip())
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


class IcalSpider(EventSpider):
    name = "ical"
    kind = "ical"

    def parse(self, response: Response, **kwargs: Any) -> list[EventItem]:
        with warnings.catch_warnings():
            # icalendar warns when it guesses a vendor-prefixed TZID
            # ("/freeassociation.sourceforge.net/Europe/Paris"); such feeds are common and the
            # guess is right. The block is not a generator: the filter never outlives it.
            warnings.filterwarnings("ignore", module="icalendar")
            return list(self._parse_items(response))

    def _parse_items(self, response: Response) -> Iterator[EventItem]:
        calendar = self._parse_calendar(response)
        if calendar is None:
            return
        zone = self._calendar_zone(calendar)
        for event, recurrence in self._occurrences(calendar):
            item = self._parse_event(event, recurrence, response, zone)
            if item is not None:
                yield item

    # -- the calendar -----------------------------------------------------------------------

    def _parse_calendar(self, response: Response) -> icalendar.Calendar | None:
        """The calendar with X-WR-TIMEZONE applied, or None (recorded) when it cannot be read.

        A truncated feed keeps its complete events; the truncation is an error of the run.
        """
        text = self.text_of(response)
        try:
            calendar = _read_calendar(text)
        except ValueError as exc:
            complete = self._complete_part(text)
            if complete is None:
                self.record_error(f"{response.url}: not a readable iCalendar feed ({_first_line(exc)})")
                return None
            self.record_error(f"{response.url}: truncated iCalendar feed; its complete events were kept")
            calendar = complete
        return self._repair_x_wr_timezone(calendar, response.url)

    @staticmethod
    def _complete_part(text: str) -> icalendar.Calendar | None:
        """The events before the point where a cut-off feed stops."""
        if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
            return None
        ends = list(END_OF_EVENT.finditer(text))
        if not ends:
            return None
        try:
            return _read_calendar(text[: ends[-1].end()] + "\r\nEND:VCALENDAR\r\n")
        except ValueError:
            return None

    def _repair_x_wr_timezone(self, calendar: icalendar.Calendar, url: str) -> icalendar.Calendar:
        declared = str(calendar.get("X-WR-TIMEZONE") or "")
        if not declared:
            return calendar
        zone = iana_zone(declared)
        if zone is None:
            self.record_warning(f"{url}: unknown X-WR-TIMEZONE {declared!r} ignored")
            del calendar["X-WR-TIMEZONE"]
            return calendar
        calendar["X-WR-TIMEZONE"] = zone
        try:
            return x_wr_timezone.to_standard(calendar)
        except Exception as exc:  # the library raises what the broken data makes it meet
            self.record_warning(f"{url}: cannot apply X-WR-TIMEZONE ({exc})")
            return calendar

    @staticmethod
    def _calendar_zone(calendar: icalendar.Calendar) -> str | None:
        """The zone the calendar states for itself: X-WR-TIMEZONE, else its only VTIMEZONE."""
        declared = iana_zone(str(calendar.get("X-WR-TIMEZONE") or ""))
        if declared:
            return declared
        zones = {iana_zone(str(tz.get("TZID") or "")) for tz in calendar.walk("VTIMEZONE")}
        return zones.pop() if len(zones) == 1 else None

    def _occurrences(
        self, calendar: icalendar.Calendar
    ) -> Iterator[tuple[icalendar.Event, date | datetime | None]]:
        """(event, RECURRENCE-ID or None): single events as they are, series expanded."""
        events = [e for e in calendar.walk("VEVENT") if isinstance(e, icalendar.Event)]
        series = {str(e.get("UID")) for e in events if any(p in e for p in RECURRING_PROPERTIES)}
        for event in events:
            if str(event.get("UID")) not in series:
                yield event, _recurrence_id(event)
        if series:
            yield from self._expand(calendar, series)

    def _expand(
        self, calendar: icalendar.Calendar, series: set[str]
    ) -> Iterator[tuple[icalendar.Event, date | datetime | None]]:
        today = clock.today()
        past = self.settings.getint("ESS_RECURRENCE_PAST_DAYS", 365)
        horizon = self.settings.getint("ESS_RECURRENCE_HORIZON_DAYS", 365)
        # between() leaves out its end: the horizon's last day is in.
        window = (today - timedelta(days=past), today + timedelta(days=horizon + 1))
        try:
            query = recurring_ical_events.of(calendar, skip_bad_series=True)
            for occurrence in query.between(*window):
                if str(occurrence.get("UID")) in series:
                    yield occurrence, _recurrence_id(occurrence)
        except Exception as exc:  # the library raises many kinds on broken recurrence data
            self.record_error(f"cannot expand recurring events: {_first_line(exc)}")

    # -- one event --------------------------------------------------------------------------

    def _parse_event(
        self,
        event: icalendar.Event,
        recurrence: date | datetime | None,
        response: Response,
        calendar_zone: str | None,
    ) -> EventItem | None:
        url = self._parse_url(event, response)
        key = self._parse_key(event, recurrence, url)
        title = str(event.get("SUMMARY") or "")
        if event.errors:
            name, problem = event.errors[0]
            self.reject(f"{title or key!r}: {name} {problem}", key=key)
            return None
        try:
            start, end, all_day = self._parse_times(event)
        except (ValueError, TypeError, KeyError) as exc:
            self.reject(f"{title or key!r}: unusable dates ({_first_line(exc)})", key=key)
            return None
        lat, lon = self._parse_geo(event)
        return EventItem(
            key=key,
            title=title,
            description=str(event.get("DESCRIPTION") or ""),
            start=start,
            end=end,
            all_day=all_day,
            timezone=self._parse_timezone(start, calendar_zone),
            lat=lat,
            lon=lon,
            categories=self._parse_categories(event),
            url=url,
            image=self._parse_image(event, response),
            status=self._parse_status(event, title),
            organizer=self._parse_organizer(event),
            raw=_raw(event),
            location_name=str(event.get("LOCATION") or "") or None,  # one line; split by normalization
        )

    def _parse_key(self, event: icalendar.Event, recurrence: date | datetime | None, url: str | None) -> str:
        """UID (+ RECURRENCE-ID); the URL (+ occurrence date) where the UID is not stable."""
        uid = str(event.get("UID") or "").strip()
        if (TRIBE_UID.match(uid) or not uid) and url:
            return url if recurrence is None else f"{url}#{_as_date(recurrence).isoformat()}"
        if recurrence is None:
            return uid
        return f"{uid}#{_recurrence_text(recurrence)}"

    def _parse_times(self, event: icalendar.Event) -> tuple[date | datetime, date | datetime | None, bool]:
        start: date | datetime = _iana(event.start)
        has_end = "DTEND" in event or "DURATION" in event
        end: date | datetime | None = _iana(event.end) if has_end else None
        all_day = not isinstance(start, datetime)
        if all_day and isinstance(end, date) and not isinstance(end, datetime):
            end = max(start, end - timedelta(days=1))  # iCal's DTEND is exclusive
        return start, end, all_day

    @staticmethod
    def _parse_timezone(start: date | datetime, calendar_zone: str | None) -> str | None:
        """The event's own zone; the calendar's for dates, floating and UTC times; else None."""
        key = getattr(getattr(start, "tzinfo", None), "key", None)
        if key and key != "UTC":
            return str(key)
        return calendar_zone

    @staticmethod
    def _parse_url(event: icalendar.Event, response: Response) -> str | None:
        url = str(event.get("URL") or "").strip()
        return response.urljoin(url) if url else None

    @staticmethod
    def _parse_geo(event: icalendar.Event) -> tuple[float | None, float | None]:
        geo = event.get("GEO")
        if geo is None:
            return None, None
        return getattr(geo, "latitude", None), getattr(geo, "longitude", None)

    @staticmethod
    def _parse_categories(event: icalendar.Event) -> list[str]:
        values = event.get("CATEGORIES")
        if values is None:
            return []
        values = values if isinstance(values, list) else [values]
        return [str(cat) for value in values for cat in getattr(value, "cats", [value])]

    @staticmethod
    def _parse_image(event: icalendar.Event, response: Response) -> str | None:
        """RFC 7986 IMAGE, else an ATTACH of an image type."""
        for name, wanted_type in (("IMAGE", ""), ("ATTACH", "image/")):
            values = event.get(name)
            for value in values if isinstance(values, list) else [values]:
                media_type = str(getattr(value, "params", {}).get("FMTTYPE", ""))
                link = str(value or "")
                if (
                    value is not None
                    and media_type.startswith(wanted_type)
                    and link.startswith(("http", "/"))
                ):
                    return response.urljoin(link)
        return None

    def _parse_status(self, event: icalendar.Event, title: str) -> str:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            return CANCELLED
        return self.status_from_text(title)

    @staticmethod
    def _parse_organizer(event: icalendar.Event) -> str | None:
        organizer = event.get("ORGANIZER")
        if organizer is None:
            return None
        return str(getattr(organizer, "params", {}).get("CN") or "") or None


def _raw(event: icalendar.Event) -> dict[str, Any]:
    """The event's properties as plain values (serializing it back to iCalendar costs too much)."""
    return {name.lower(): _plain(value) for name, value in event.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    moment = getattr(value, "dt", None)
    if isinstance(moment, date | timedelta):
        return str(moment)
    return str(value)[:MAX_RAW_CHARS]


def _read_calendar(text: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(text)
    if not isinstance(calendar, icalendar.Calendar):
        raise ValueError("no VCALENDAR")
    return calendar


def _iana(value: date | datetime) -> date | datetime:
    """A datetime in a VTIMEZONE that names an IANA or Windows zone, moved onto that IANA zone."""
    if not isinstance(value, datetime) or value.tzinfo is None or isinstance(value.tzinfo, ZoneInfo):
        return value
    name = iana_zone(tzid_from_dt(value))
    if name is None:
        return value
    return value.replace(tzinfo=ZoneInfo(name))


def _recurrence_id(event: icalendar.Event) -> date | datetime | None:
    value = event.get("RECURRENCE-ID")
    return getattr(value, "dt", None) if value is not None else None


def _recurrence_text(value: date | datetime) -> str:
    """RECURRENCE-ID as text that does not depend on how the feed wrote its zone."""
    if not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    moved = _iana(value)
    assert isinstance(moved, datetime)
    if moved.tzinfo is None:
        return moved.strftime("%Y%m%dT%H%M%S")
    return moved.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
