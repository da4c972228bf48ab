"""The ``ical`` kind: iCalendar feeds as WordPress, Google and Outlook export them.

Time zones: VTIMEZONE or only X-WR-TIMEZONE (repaired with ``x-wr-timezone``), Windows names
("Romance Standard Time") mapped to IANA; UTC and floating times; all-day and multi-day dates (the
exclusive DTEND becomes the inclusive last day). An item's ``timezone`` is set only when the feed
states one.

Recurring series (RRULE, RDATE, EXDATE, moved occurrences) are expanded with
``recurring-ical-events`` from ESS_RECURRENCE_PAST_DAYS back to ESS_RECURRENCE_HORIZON_DAYS ahead;
single events are kept whatever their date. A series gives at most ESS_MAX_OCCURRENCES occurrences
(``options.max_occurrences``); the rest is noted on the run. Keys: the UID, plus the RECURRENCE-ID for an
occurrence of a series. The Events Calendar (Tribe) exports UIDs that embed the start and end
("10001544-1796047200-1796054400@host") and change on rescheduling: those events are keyed by their
URL instead (plus the occurrence date for a series).

Faults are contained: a feed icalendar cannot read whole (a VTIMEZONE with two TZIDs makes it raise
AttributeError) is read component by component, a broken VTIMEZONE dropped (times then read by
their TZID's IANA name, else as local times of X-WR-TIMEZONE or the source's zone) and a broken
event rejected with its reason; any one event's failure rejects that event alone.

Settings read: ESS_RECURRENCE_HORIZON_DAYS, ESS_RECURRENCE_PAST_DAYS, ESS_MAX_OCCURRENCES.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone
from icalendar.timezone import tzid_from_dt
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from scrapy.http import Response

from aggregator import clock
from core.kinds import ICAL
from core.status import CANCELLED
from core.zones import named_zone
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

# "<post id>-<start epoch>-<end epoch>@host": The Events Calendar's UIDs, unstable by design.
TRIBE_UID = re.compile(r"^\d+-\d{9,11}-\d{9,11}@")
RECURRING_PROPERTIES = ("RRULE", "RDATE")
# A broken one of these rejects its event; any other broken property is left out of it.
TIME_PROPERTIES = frozenset({"DTSTART", "DTEND", "DURATION", "RECURRENCE-ID", "RRULE", "RDATE", "EXDATE"})
END_OF_EVENT = re.compile(r"^END:VEVENT[ \t\r]*$", re.IGNORECASE | re.MULTILINE)
# One top-level component of a feed, from its BEGIN line to its END line.
COMPONENT = re.compile(
    r"^BEGIN:(VTIMEZONE|VEVENT)[ \t\r]*$.*?^END:\1[ \t\r]*(?:\n|$)", re.IGNORECASE | re.MULTILINE | re.DOTALL
)
PROPERTY_LINE = r"^{}(?:;[^:\r\n]*)?:(.*?)\r?$"
DEFAULT_MAX_OCCURRENCES = 1000
MAX_RAW_CHARS = 5000


def iana_zone(name: str | None) -> str | None:
    """The IANA name for a TZID or X-WR-TIMEZONE value (Windows names mapped), or None."""
    if not name:
        return None
    name = WINDOWS_TO_OLSON.get(name.strip(), name.strip())
    return name if named_zone(name) else None


class IcalSpider(EventSpider):
    name = kind = ICAL

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
        for event, recurrence in self._occurrences(calendar, response.url):
            try:
                item = self._parse_event(event, recurrence, response, zone)
            except Exception as exc:  # icalendar raises what each broken value makes it meet
                title = str(event.get("SUMMARY") or event.get("UID") or "an event")
                self.reject(f"{response.url}: {title!r}: unreadable ({_reason(exc)})")
                continue
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
            if COMPONENT.search(text) and not self._is_cut_off(text):
                calendar = self._read_by_component(text, response.url)
                return self._repair_x_wr_timezone(calendar, response.url)
            complete = self._complete_part(text)
            if complete is None:
                self.record_error(f"{response.url}: not a readable iCalendar feed ({_first_line(exc)})")
                return None
            self.record_error(f"{response.url}: truncated iCalendar feed; its complete events were kept")
            calendar = complete
        except Exception:  # icalendar's own bugs on broken data: read what can be read
            calendar = self._read_by_component(text, response.url)
        return self._repair_x_wr_timezone(calendar, response.url)

    @staticmethod
    def _is_cut_off(text: str) -> bool:
        """A feed whose end is missing (handled as truncated, keeping its complete events)."""
        return not re.search(r"^END:VCALENDAR[ \t\r]*$", text, re.IGNORECASE | re.MULTILINE)

    def _read_by_component(self, text: str, url: str) -> icalendar.Calendar:
        """The calendar rebuilt from the components that can be read one by one; each broken
        VTIMEZONE is dropped (a warning), each broken VEVENT rejected with its reason."""
        blocks = [m.group(0) for m in COMPONENT.finditer(text)]
        skeleton = COMPONENT.sub("", text)
        if not _readable(skeleton):
            skeleton = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
        head, tail = _split_skeleton(skeleton)
        zones: list[str] = []
        events: list[str] = []
        for block in blocks:
            is_zone = block[6:15].upper() == "VTIMEZONE"
            problem = _problem(head + "".join(zones) + block + tail)
            if problem is None:
                (zones if is_zone else events).append(block)
            elif is_zone:
                tzids = ", ".join(_property_values(block, "TZID")) or "?"
                self.record_warning(f"{url}: broken VTIMEZONE ({tzids}) dropped: {problem}")
            else:
                summary = next(iter(_property_values(block, "SUMMARY")), "") or next(
                    iter(_property_values(block, "UID")), "an event"
                )
                self.reject(f"{url}: {summary!r}: unreadable event ({problem})")
        return _read_calendar(head + "".join(zones) + "".join(events) + tail)

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
        self, calendar: icalendar.Calendar, url: str
    ) -> Iterator[tuple[icalendar.Event, date | datetime | None]]:
        """(event, RECURRENCE-ID or None): single events as they are, series expanded."""
        events = [e for e in calendar.walk("VEVENT") if isinstance(e, icalendar.Event)]
        series = {str(e.get("UID")) for e in events if any(p in e for p in RECURRING_PROPERTIES)}
        for event in events:
            if str(event.get("UID")) not in series:
                yield event, _recurrence_id(event)
        if series:
            yield from self._expand(calendar, series, url)

    def _expand(
        self, calendar: icalendar.Calendar, series: set[str], url: str
    ) -> Iterator[tuple[icalendar.Event, date | datetime | None]]:
        today = clock.today()
        past = self.settings.getint("ESS_RECURRENCE_PAST_DAYS", 365)
        horizon = self.settings.getint("ESS_RECURRENCE_HORIZON_DAYS", 365)
        # between() leaves out its end: the horizon's last day is in.
        first, last = today - timedelta(days=past), today + timedelta(days=horizon)
        cap = self.settings.getint("ESS_MAX_OCCURRENCES", DEFAULT_MAX_OCCURRENCES)
        zones = list(calendar.walk("VTIMEZONE"))
        for uid in sorted(series):
            one = icalendar.Calendar()
            for component in [*zones, *(e for e in calendar.walk("VEVENT") if str(e.get("UID")) == uid)]:
                one.add_component(component)
            try:
                occurrences = _series_between(one, first, last, cap + 1)
            except Exception as exc:  # the library raises many kinds on broken recurrence data
                self.reject(f"{url}: recurring event {uid!r}: cannot expand ({_reason(exc)})")
                continue
            if len(occurrences) > cap:
                self.record_warning(
                    f"series {uid!r} has more than {cap} occurrences from {first} to {last}: "
                    f"the first {cap} are kept (options.max_occurrences)"
                )
            for occurrence in occurrences[:cap]:
                yield occurrence, _recurrence_id(occurrence)

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
        for name, problem in event.errors:
            if name is None:  # a line icalendar could not even split into a property
                self.record_warning(f"{response.url}: {title or key!r}: a line ignored ({problem})")
                continue
            if name.upper() in TIME_PROPERTIES:
                self.reject(f"{response.url}: {title or key!r}: {name} {problem}", key=key)
                return None
            self.record_warning(f"{response.url}: {title or key!r}: {name} ignored ({problem})")
            event.pop(name, None)
        try:
            start, end, all_day = self._parse_times(event)
        except (ValueError, TypeError, KeyError) as exc:
            self.reject(f"{response.url}: {title or key!r}: unusable dates ({_first_line(exc)})", key=key)
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


def _series_between(
    calendar: icalendar.Calendar, first: date, last: date, enough: int
) -> list[icalendar.Event]:
    """The occurrences happening from ``first`` to ``last`` (inclusive), the earliest ``enough``
    at least: read in windows that double, so an endless minutely series costs only its first day.
    """
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    found: dict[str, icalendar.Event] = {}  # an occurrence spanning two windows is met twice
    # From the series' own start when it is later: the windows before it would only grow empty.
    begin, span = max(first, _series_start(calendar) or first), 1
    while begin <= last and len(found) < enough:
        stop = min(begin + timedelta(days=span), last + timedelta(days=1))  # between() leaves out stop
        for occurrence in query.between(begin, stop):
            moment = _recurrence_id(occurrence) or occurrence.start
            found.setdefault(_recurrence_text(moment), occurrence)
        begin, span = stop, span * 2
    return list(found.values())


def _series_start(calendar: icalendar.Calendar) -> date | None:
    """The first day any of the calendar's events starts on, if they say."""
    days = []
    for event in calendar.walk("VEVENT"):
        start = event.get("DTSTART")
        value = getattr(start, "dt", None)
        if isinstance(value, datetime):
            days.append(value.date())
        elif isinstance(value, date):
            days.append(value)
    return min(days, default=None)


def _readable(text: str) -> bool:
    return _problem(text) is None


def _problem(text: str) -> str | None:
    """Why icalendar cannot read ``text``, or None."""
    try:
        _read_calendar(text)
    except Exception as exc:  # any failure of the library on this piece alone
        return f"{type(exc).__name__}: {_first_line(exc)}"
    return None


def _split_skeleton(skeleton: str) -> tuple[str, str]:
    """The calendar's text before its END:VCALENDAR line, and from it on."""
    end = list(re.finditer(r"^END:VCALENDAR[ \t\r]*$", skeleton, re.IGNORECASE | re.MULTILINE))
    if not end:
        return skeleton.rstrip() + "\r\n", "END:VCALENDAR\r\n"
    cut = end[-1].start()
    return skeleton[:cut], skeleton[cut:]


def _property_values(block: str, name: str) -> list[str]:
    """The raw values of one property in a component's text (for messages about broken ones)."""
    pattern = re.compile(PROPERTY_LINE.format(re.escape(name)), re.IGNORECASE | re.MULTILINE)
    return [m.group(1).strip()[:200] for m in pattern.finditer(block)]


def _iana(value: date | datetime) -> date | datetime:
    """A datetime in a VTIMEZONE that names an IANA or Windows zone, moved onto that IANA zone;
    one in a TZID nothing defines becomes a local (naive) time."""
    if not isinstance(value, datetime) or value.tzinfo is None or isinstance(value.tzinfo, ZoneInfo):
        return value
    if value.utcoffset() is None:
        return value.replace(tzinfo=None)
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


def _reason(exc: BaseException) -> str:
    """The exception's kind and first line: a KeyError alone says only the missing name."""
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
