"""The ``openagenda`` kind: OpenAgenda v2 event exports (``/v2/agendas/<uid>/events``).

Each page has ``events[]`` and an ``after`` cursor: the next page is the same URL with ``after`` set
(``after[]=…`` repeated when the cursor is a list). Each of an event's ``timings[]`` is its own
listing: keyed by the event ``uid`` alone when it has one timing, so that a rescheduled event is
the same listing at its new date; by the ``uid`` and the timing's start when it has several.
Multilingual fields (``{"fr": …}``) are read in French, else in any language given.
``longDescription`` is Markdown.

Options: ``language`` (default "fr").
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import markdown
from scrapy.http import Request, Response

from aggregator.normalize.status import status_from_source
from core.kinds import OPENAGENDA
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

MOVED_ONLINE = 3  # an OpenAgenda status code (aggregator.normalize.status reads them all)
ONLINE_ATTENDANCE = 2  # attendanceMode: 1 in person, 2 online, 3 both
PUBLIC_EVENT_URL = "https://openagenda.com/{agenda}/events/{event}"


class OpenAgendaSpider(EventSpider):
    name = kind = OPENAGENDA

    @property
    def language(self) -> str:
        return str(self.options.get("language") or "fr")

    def parse(self, response: Response, **kwargs: Any) -> Iterator[EventItem | Request]:
        data = self._parse_page(response)
        if data is None:
            return
        for event in data["events"]:
            if not isinstance(event, dict):
                self.reject(f"{response.url}: an event that is not an object")
                continue
            yield from self._parse_event(event, response)
        next_url = self._next_url(response.url, data.get("after"), data["events"])
        if next_url:
            yield self.request(next_url, self.parse)

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

    @staticmethod
    def _next_url(url: str, after: Any, events: list[Any]) -> str | None:
        """The same query with the new cursor; None at the end (no cursor, or an empty page)."""
        if not after or not events:
            return None
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("after", "after[]")]
        if isinstance(after, list):
            query += [("after[]", str(value)) for value in after]
        else:
            query.append(("after", str(after)))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def _parse_event(self, event: dict[str, Any], response: Response) -> Iterator[EventItem]:
        """One item per timing."""
        uid = event.get("uid")
        title = self._translated(event.get("title"))
        timings = event.get("timings")
        if not isinstance(timings, list) or not timings:
            self.reject(f"{response.url}: {title or uid!r}: no timings", key=f"{uid}")
            return
        fields = self._event_fields(event, response)
        raw = {name: value for name, value in event.items() if name != "timings"}
        for timing in timings:
            begin, end = _timing(timing)
            if begin is None:
                self.reject(f"{response.url}: {title or uid!r}: unreadable timing {timing!r}")
                continue
            key = f"{uid}#{_utc_text(begin)}" if len(timings) > 1 else f"{uid}"
            yield EventItem(
                key=key, start=begin, end=end, all_day=False, raw={**raw, "timing": timing}, **fields
            )

    def _event_fields(self, event: dict[str, Any], response: Response) -> dict[str, Any]:
        """What every timing of the event shares."""
        online = event.get("attendanceMode") == ONLINE_ATTENDANCE or event.get("status") == MOVED_ONLINE
        place = {} if online else self._parse_location(event.get("location"))
        title = self._translated(event.get("title"))
        return {
            "title": title,
            "description": self._parse_description(event),
            "timezone": _str(event.get("timezone")) or place.pop("timezone", None),
            "online": online,
            "categories": self._parse_keywords(event),
            "url": self._parse_url(event),
            "image": self._parse_image(event),
            "status": self._parse_status(event, title),
            **{name: value for name, value in place.items() if name != "timezone"},
        }

    def _parse_status(self, event: dict[str, Any], title: str) -> str:
        return status_from_source(event.get("status")) or self.status_from_text(title)

    def _translated(self, value: Any) -> str:
        """A multilingual field in the wanted language, else in any language it has."""
        if isinstance(value, str):
            return value  # exports made with monolingual=…
        if not isinstance(value, dict):
            return ""
        text = value.get(self.language)
        if isinstance(text, str) and text:
            return text
        return next((v for v in value.values() if isinstance(v, str) and v), "")

    def _parse_description(self, event: dict[str, Any]) -> str:
        """The short description, then the long one (Markdown) as HTML, made plain by normalization."""
        short = self._translated(event.get("description"))
        long = self._translated(event.get("longDescription"))
        blocks = [f"<p>{html.escape(short)}</p>"] if short else []
        if long and long.strip() != short.strip():
            blocks.append(markdown.markdown(long))
        return "\n".join(blocks)

    def _parse_location(self, location: Any) -> dict[str, Any]:
        if not isinstance(location, dict):
            return {}
        return {
            "location_name": _str(location.get("name")),
            "address": _str(location.get("address")),
            "postcode": _str(location.get("postalCode")),
            "city": _str(location.get("city")),
            "insee": _str(location.get("insee")),
            "region": _str(location.get("adminLevel1")) or _str(location.get("region")),
            "department": _str(location.get("adminLevel2")) or _str(location.get("department")),
            "lat": location.get("latitude"),
            "lon": location.get("longitude"),
            "timezone": _str(location.get("timezone")),
        }

    def _parse_keywords(self, event: dict[str, Any]) -> list[str]:
        keywords = event.get("keywords")
        if isinstance(keywords, dict):
            keywords = keywords.get(self.language) or next(iter(keywords.values()), [])
        return [word for word in keywords or [] if isinstance(word, str)]

    @staticmethod
    def _parse_url(event: dict[str, Any]) -> str | None:
        """The organizer's own page when the event links one, else its page on OpenAgenda."""
        for link in event.get("links") or []:
            url = link.get("link") if isinstance(link, dict) else None
            if isinstance(url, str) and url.startswith("http"):
                return url
        agenda = event.get("originAgenda")
        slug = event.get("slug")
        if isinstance(agenda, dict) and agenda.get("slug") and slug:
            return PUBLIC_EVENT_URL.format(agenda=agenda["slug"], event=slug)
        return None

    @staticmethod
    def _parse_image(event: dict[str, Any]) -> str | None:
        image = event.get("image")
        if isinstance(image, str):
            return image or None
        if isinstance(image, dict) and image.get("filename"):
            return f"{image.get('base') or ''}{image['filename']}"
        return None


def _timing(timing: Any) -> tuple[datetime | None, datetime | None]:
    if not isinstance(timing, dict):
        return None, None
    return _instant(timing.get("begin")), _instant(timing.get("end"))


def _utc_text(moment: datetime) -> str:
    """A timing's start as key text that does not depend on how the export wrote its offset."""
    if moment.tzinfo is None:
        return moment.strftime("%Y%m%dT%H%M%S")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _str(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None
