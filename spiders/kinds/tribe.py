"""The ``tribe`` kind: WordPress "The Events Calendar" REST API, paged by ``next_rest_url``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from scrapy.http import Request, Response

from spiders.items import EventItem
from spiders.kinds.base import EventSpider


class TribeSpider(EventSpider):
    name = "tribe"
    kind = "tribe"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[EventItem | Request]:
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.record_error(f"{response.url}: invalid JSON ({exc})")
            return
        if not isinstance(data, dict) or not isinstance(data.get("events"), list):
            self.record_error(f"{response.url}: no 'events' list in the response")
            return
        for event in data["events"]:
            if isinstance(event, dict):
                yield self._parse_event(event, response)
        next_url = data.get("next_rest_url")
        if isinstance(next_url, str) and next_url:
            yield self.request(response.urljoin(next_url), self.parse)

    def _parse_event(self, event: dict[str, Any], response: Response) -> EventItem:
        venue: dict[str, Any] = event["venue"] if isinstance(event.get("venue"), dict) else {}
        all_day = bool(event.get("all_day"))
        start = self._parse_date(event.get("start_date"))
        end = self._parse_date(event.get("end_date"))
        url = event.get("url")
        return EventItem(
            key=str(event.get("id") or url or ""),
            title=event.get("title") or "",
            description=event.get("description") or "",
            start=start.date() if all_day and start else start,
            end=end.date() if all_day and end else end,
            all_day=all_day,
            timezone=event.get("timezone") or self.default_timezone,
            location_name=venue.get("venue"),
            address=venue.get("address"),
            postcode=venue.get("zip"),
            city=venue.get("city"),
            lat=venue.get("geo_lat"),
            lon=venue.get("geo_lng"),
            organizer=self._parse_organizer(event),
            categories=[c.get("name") for c in event.get("categories") or [] if isinstance(c, dict)],
            url=response.urljoin(url) if isinstance(url, str) and url else None,
            image=(event.get("image") or {}).get("url") if isinstance(event.get("image"), dict) else None,
            status=self.status_from_text(event.get("title")),
            raw=event,
        )

    @staticmethod
    def _parse_date(value: Any) -> datetime | None:
        try:
            return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None

    @staticmethod
    def _parse_organizer(event: dict[str, Any]) -> str | None:
        organizers = event.get("organizer")
        if isinstance(organizers, list) and organizers and isinstance(organizers[0], dict):
            return organizers[0].get("organizer")
        return None
