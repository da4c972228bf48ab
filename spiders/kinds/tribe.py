"""The ``tribe`` kind: WordPress "The Events Calendar" REST API (``/wp-json/tribe/events/v1/events``).

Pages are followed through ``next_rest_url``. Times are the local ``start_date``/``end_date`` read in
the event's ``timezone`` (an IANA name; WordPress also allows offsets such as "UTC+1"), else in the
source's ``options.timezone`` (an offset is often the site's untouched default, "UTC+0", under
wall-clock times), else the ``utc_*`` dates. The venue's fields are used only when non-empty, its
country so that a place abroad is known as such; ``cost`` and ``website`` are not
kept. The post ``id`` is the stable key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from scrapy.http import Request, Response

from core.kinds import TRIBE
from core.status import CANCELLED, POSTPONED
from core.zones import named_zone
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# The Events Calendar's "Event Status" add-on writes these.
STATUS_WORDS = {"canceled": CANCELLED, "cancelled": CANCELLED, "postponed": POSTPONED}


class TribeSpider(EventSpider):
    name = kind = TRIBE

    def parse(self, response: Response, **kwargs: Any) -> Iterator[EventItem | Request]:
        data = self._parse_page(response)
        if data is None:
            return
        for event in data["events"]:
            if not isinstance(event, dict):
                self.reject(f"{response.url}: an event that is not an object")
                continue
            item = self._parse_event(event, response)
            if item is not None:
                yield item
        next_url = data.get("next_rest_url")
        if isinstance(next_url, str) and next_url:
            yield self.request(response.urljoin(next_url), self.parse)

    def _parse_page(self, response: Response) -> dict[str, Any] | None:
        """The decoded page, or None (recorded) when it is not an events page of the API."""
        try:
            data = json.loads(self.text_of(response))
        except ValueError as exc:
            self.record_error(f"{response.url}: invalid JSON ({exc})")
            return None
        if not isinstance(data, dict) or not isinstance(data.get("events"), list):
            self.record_error(f"{response.url}: no 'events' list in the response")
            return None
        return data

    def _parse_event(self, event: dict[str, Any], response: Response) -> EventItem | None:
        key = str(event.get("id") or event.get("url") or "")
        try:
            start, end, all_day, zone = self._parse_times(event)
        except ValueError as exc:
            self.reject(f"{response.url}: {event.get('title') or key!r}: {exc}", key=key)
            return None
        venue = self._parse_venue(event)
        return EventItem(
            key=key,
            title=_text(event.get("title")),
            description=_text(event.get("description")),
            start=start,
            end=end,
            all_day=all_day,
            timezone=zone,
            location_name=venue.get("venue"),
            address=venue.get("address"),
            postcode=venue.get("zip"),
            city=venue.get("city"),
            country=venue.get("country"),
            lat=venue.get("geo_lat"),
            lon=venue.get("geo_lng"),
            organizer=self._parse_organizer(event),
            categories=self._parse_categories(event),
            url=self._parse_url(event, response),
            image=self._parse_image(event, response),
            status=self._parse_status(event),
            raw=event,
        )

    def _parse_times(
        self, event: dict[str, Any]
    ) -> tuple[date | datetime | None, date | datetime | None, bool, str | None]:
        """(start, end, all_day, zone): local times in the stated zone or the source's, else the UTC
        ones."""
        all_day = bool(event.get("all_day"))
        zone = _iana(event.get("timezone")) or _iana(self.source_zone)
        start, end = _local(event.get("start_date")), _local(event.get("end_date"))
        if zone is None or start is None:
            start = _utc(event.get("utc_start_date")) or start
            end = _utc(event.get("utc_end_date")) or end
        if start is None:
            raise ValueError(f"no readable start date ({event.get('start_date')!r})")
        if all_day:
            # The Events Calendar ends an all-day event at 23:59:59 of its last day.
            local_end = end.astimezone(ZoneInfo(zone)) if zone and end and end.tzinfo else end
            local_start = start.astimezone(ZoneInfo(zone)) if zone and start.tzinfo else start
            return local_start.date(), local_end.date() if local_end else None, True, zone
        return start, end, False, zone

    @staticmethod
    def _parse_venue(event: dict[str, Any]) -> dict[str, Any]:
        """The venue's non-empty fields ("venue" is an empty list when the event has none)."""
        venue = event.get("venue")
        if not isinstance(venue, dict):
            return {}
        return {name: value for name, value in venue.items() if value not in (None, "", [], {})}

    @staticmethod
    def _parse_organizer(event: dict[str, Any]) -> str | None:
        organizers = event.get("organizer")
        if not isinstance(organizers, list):
            return None
        names = [_text(o.get("organizer")) for o in organizers if isinstance(o, dict)]
        return ", ".join(name for name in names if name) or None

    @staticmethod
    def _parse_categories(event: dict[str, Any]) -> list[str]:
        """Categories, then tags, by name."""
        terms = [*(event.get("categories") or []), *(event.get("tags") or [])]
        return [_text(term.get("name")) for term in terms if isinstance(term, dict) and term.get("name")]

    @staticmethod
    def _parse_url(event: dict[str, Any], response: Response) -> str | None:
        url = event.get("url")
        return response.urljoin(url) if isinstance(url, str) and url else None

    @staticmethod
    def _parse_image(event: dict[str, Any], response: Response) -> str | None:
        image = event.get("image")  # false when the event has none
        url = image.get("url") if isinstance(image, dict) else None
        return response.urljoin(url) if isinstance(url, str) and url else None

    def _parse_status(self, event: dict[str, Any]) -> str:
        stated = str(event.get("event_status") or event.get("status_reason") or "").lower()
        if stated in STATUS_WORDS:
            return STATUS_WORDS[stated]
        return self.status_from_text(_text(event.get("title")))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _local(value: Any) -> datetime | None:
    try:
        return datetime.strptime(str(value), DATE_FORMAT)
    except ValueError:
        return None


def _utc(value: Any) -> datetime | None:
    moment = _local(value)
    return moment.replace(tzinfo=UTC) if moment else None


def _iana(name: Any) -> str | None:
    """The event's zone when it is an IANA name (WordPress also allows "UTC+1" offsets)."""
    if not isinstance(name, str) or "/" not in name:
        return None
    return name if named_zone(name) else None
