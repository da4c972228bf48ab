"""The ``ical`` kind: iCalendar feeds as WordPress, Google and Outlook export them.

Recurring events are expanded into occurrences over ESS_RECURRENCE_HORIZON_DAYS; each occurrence is
its own listing keyed by UID + RECURRENCE-ID.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import icalendar
import recurring_ical_events
import x_wr_timezone
from scrapy.http import Response

from spiders.constants import CANCELLED, CONFIRMED
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

PAST_DAYS = 3 * 365  # past events are kept: an agenda's archive is part of its value


class IcalSpider(EventSpider):
    name = "ical"
    kind = "ical"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[EventItem]:
        calendar = self._parse_calendar(response)
        if calendar is None:
            return
        zone = str(calendar.get("X-WR-TIMEZONE") or self.default_timezone)
        for component in self._occurrences(calendar):
            yield self._parse_event(component, response, zone)

    def _parse_calendar(self, response: Response) -> icalendar.Calendar | None:
        """The calendar with X-WR-TIMEZONE applied, or None (recorded) when it cannot be read."""
        try:
            calendar = icalendar.Calendar.from_ical(response.text)
        except (ValueError, IndexError, KeyError) as exc:
            self.record_error(f"{response.url}: not a readable iCalendar feed ({exc})")
            return None
        return x_wr_timezone.to_standard(calendar)

    def _occurrences(self, calendar: icalendar.Calendar) -> Iterator[icalendar.Event]:
        today = date.today()
        horizon = self.settings.getint("ESS_RECURRENCE_HORIZON_DAYS", 365)
        window = (today - timedelta(days=PAST_DAYS), today + timedelta(days=horizon))
        try:
            yield from recurring_ical_events.of(calendar, skip_bad_series=True).between(*window)
        except Exception as exc:  # the library raises many kinds on broken recurrence data
            self.record_error(f"cannot expand recurring events: {exc}")

    def _parse_event(self, event: icalendar.Event, response: Response, zone: str) -> EventItem:
        start, end, all_day = self._parse_times(event)
        url = str(event.get("URL") or "") or None
        return EventItem(
            key=self._parse_key(event, start),
            title=str(event.get("SUMMARY") or ""),
            description=str(event.get("DESCRIPTION") or ""),
            start=start,
            end=end,
            all_day=all_day,
            timezone=self._parse_timezone(start, zone),
            location_name=str(event.get("LOCATION") or "") or None,
            categories=self._parse_categories(event),
            url=response.urljoin(url) if url else None,
            status=self._parse_status(event),
            organizer=self._parse_organizer(event),
            raw={"uid": str(event.get("UID") or ""), "ical": event.to_ical().decode()[:5000]},
        )

    def _parse_key(self, event: icalendar.Event, start: date | datetime) -> str:
        """UID + occurrence start: several occurrences share a UID."""
        return f"{event.get('UID', '')}#{start.isoformat()}"

    def _parse_times(self, event: icalendar.Event) -> tuple[date | datetime, date | datetime | None, bool]:
        start: date | datetime = event.start
        end: date | datetime | None = event.end if ("DTEND" in event or "DURATION" in event) else None
        all_day = not isinstance(start, datetime)
        if all_day and isinstance(end, date) and not isinstance(end, datetime):
            end = max(start, end - timedelta(days=1))  # iCal's DTEND is exclusive
        return start, end, all_day

    def _parse_timezone(self, start: date | datetime, zone: str) -> str:
        tzinfo = getattr(start, "tzinfo", None)
        key = getattr(tzinfo, "key", None) or getattr(tzinfo, "zone", None)
        return str(key) if key and key != "UTC" else zone

    def _parse_categories(self, event: icalendar.Event) -> list[str]:
        values = event.get("CATEGORIES")
        if values is None:
            return []
        values = values if isinstance(values, list) else [values]
        return [str(cat) for value in values for cat in getattr(value, "cats", [value])]

    def _parse_status(self, event: icalendar.Event) -> str:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            return CANCELLED
        status = self.status_from_text(str(event.get("SUMMARY") or ""))
        return status if status != CONFIRMED else CONFIRMED

    def _parse_organizer(self, event: icalendar.Event) -> str | None:
        organizer = event.get("ORGANIZER")
        if organizer is None:
            return None
        return str(organizer.params.get("CN") or "") or None
