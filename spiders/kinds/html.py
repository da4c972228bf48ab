"""The ``html`` kind: an agenda block described by CSS selectors in the source's options.

Options (each relative to ``item``; ``::text`` and ``::attr(name)`` as in Scrapy):
  item      one event block (required)
  title     its title (required)
  date      its date: an ISO ``datetime`` attribute, "NOV. 18", "18 | NOV.", "jeudi 28/11"…
  time      its time, when apart from the date: "14h00 - 17h00", "18h30"
  location  "Salle X, 3 rue Y, 21000 Dijon", "Lille (59)", "En ligne"
  link      the event's page (an element, whose ``href`` is taken, or an attribute)
  next      the next agenda page, relative to the page, in either form
  description, image   optional, relative to ``item``
  content   CSS selector of the text on an event page, when one must be read
  reference_date   ISO date year-less dates are read against (default: today), for archived agendas

The event page is fetched only when the agenda lacks the date or the place: its text is then read
like a news post. Pages are decoded by ``response.text`` (HTTP header, BOM, then ``<meta charset>``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from cssselect import SelectorError
from parsel import Selector
from scrapy.http import Request, Response, TextResponse

from core.kinds import HTML
from core.text import clean_line, html_to_text
from spiders.extract.french_dates import When, combine, find_dates, parse_field_dates, times_near
from spiders.extract.french_places import Place, find_place, is_online, parse_location
from spiders.extract.links import LinkSelectorError, canonical_url, select_values, web_url
from spiders.extract.page import main_text
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

REQUIRED_OPTIONS = ("item", "title")


class HtmlSpider(EventSpider):
    name = kind = HTML

    def parse(self, response: Response, **kwargs: Any) -> Iterator[EventItem | Request]:
        if not isinstance(response, TextResponse):
            self.record_error(f"{response.url}: not an HTML page")
            return
        missing = [name for name in REQUIRED_OPTIONS if not self.options.get(name)]
        if missing:
            self.record_error(f"options {', '.join(missing)} required for an html source")
            return
        try:
            blocks = response.css(self.options["item"])
        except (SelectorError, ValueError) as exc:
            self.record_error(f"invalid item selector {self.options['item']!r}: {exc}")
            return
        for block in blocks:
            yield from self._parse_block(block, response)
        next_page = self._link(response.selector, "next", response.url)
        if next_page:
            yield self.request(next_page, self.parse)

    def parse_event_page(self, response: Response, item: EventItem) -> Iterator[EventItem]:
        """Fill what the agenda left out (date, place) from the event page's own text."""
        text = main_text(response, self.options.get("content"))
        if item.get("start") is None:
            when = self._when_in_prose(response, text)
            if when is None:
                self.count("undated")
                return
            item.update(start=when.start, end=when.end, all_day=when.all_day)
        if not self._has_place(item):
            self.set_place(item, find_place(text))
        item["description"] = item.get("description") or text
        yield item

    # -- one agenda block ---------------------------------------------------------------------

    def _parse_block(self, block: Selector, response: Response) -> Iterator[EventItem | Request]:
        title = clean_line(self._text(block, "title"))
        if not title:
            self.count("untitled")
            return
        url = self._link(block, "link", response.url)
        when = self._parse_when(block)
        item = EventItem(
            key=url or self._anonymous_key(response.url, title, when),
            title=title,
            description=html_to_text(self._text(block, "description")),
            start=when.start if when else None,
            end=when.end if when else None,
            all_day=when.all_day if when else None,
            url=url,
            image=self._link(block, "image", response.url, attribute="src"),
            status=self.status_from_text(title, self._text(block, "date")),
            raw={"html": block.get()[:5000]},
        )
        self.set_place(item, parse_location(self._text(block, "location")))
        if not item.get("online") and not self._has_place(item) and is_online(title):
            item["online"] = True
        if url and (when is None or not self._has_place(item)):
            yield Request(url, self.parse_event_page, cb_kwargs={"item": item}, errback=self._page_failed)
        elif when is None:
            self.record_error(f"{response.url}: no date for {title!r}")
        else:
            yield item

    def _parse_when(self, block: Selector) -> When | None:
        """The block's date and time, years inferred from today's date."""
        date_text, time_text = self._text(block, "date"), self._text(block, "time")
        if not date_text:
            return None
        return parse_field_dates(date_text, time_text, self.reference_date())

    def _when_in_prose(self, response: Response, text: str) -> When | None:
        for value in response.css("main time::attr(datetime), article time::attr(datetime)").getall():
            when = parse_field_dates(value, "", self.reference_date())
            if when is not None:
                return when
        found = find_dates(text, self.reference_date())
        return combine(found[0], times_near(text, found[0])) if found else None

    def _page_failed(self, failure: Any) -> Iterator[EventItem]:
        """Record the failure; keep the agenda's item if it has a date."""
        self.on_error(failure)
        item = failure.request.cb_kwargs.get("item") if hasattr(failure, "request") else None
        if isinstance(item, EventItem) and item.get("start") is not None:
            yield item

    # -- selectors ----------------------------------------------------------------------------

    def _text(self, block: Selector, option: str) -> str:
        """The text ``option``'s selector picks in ``block``: strings as they are, elements as text."""
        css = self.options.get(option)
        if not css:
            return ""
        try:
            nodes = block.css(css)
        except (SelectorError, ValueError) as exc:
            self.record_error(f"invalid {option} selector {css!r}: {exc}")
            self.options[option] = None
            return ""
        values = [n.root if isinstance(n.root, str) else html_to_text(n.get()) for n in nodes]
        return " ".join(v.strip() for v in values if v and v.strip())

    def _link(self, selector: Selector, option: str, base_url: str, attribute: str = "href") -> str | None:
        """The URL ``option`` picks: its ``::attr()``, or the element's ``href`` (``src`` for images)."""
        css = self.options.get(option)
        if not css:
            return None
        try:
            if attribute != "href" and "::" not in css:
                values = selector.css(f"{css}::attr({attribute})").getall()
            else:
                values = select_values(selector, css)
        except (LinkSelectorError, SelectorError, ValueError) as exc:
            self.record_error(f"invalid {option} selector {css!r}: {exc}")
            self.options[option] = None
            return None
        for value in values:
            url = web_url(value, base_url)
            if url:
                return canonical_url(url)
        return None

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def set_place(item: EventItem, place: Place) -> None:
        """Fill the item's place fields it lacks from ``place`` (an online place makes it online)."""
        if place.online:
            item["online"] = True
            return
        for name in ("location_name", "address", "postcode", "city", "department"):
            if not item.get(name) and getattr(place, name):
                item[name] = getattr(place, name)

    @staticmethod
    def _has_place(item: EventItem) -> bool:
        return bool(
            item.get("online") or item.get("city") or item.get("postcode") or item.get("location_name")
        )

    @staticmethod
    def _anonymous_key(page_url: str, title: str, when: When | None) -> str:
        """A block without a link: the agenda page plus a digest of its title and date."""
        start = when.start.isoformat() if when else ""
        digest = hashlib.sha1(f"{title}|{start}".encode()).hexdigest()[:12]
        return f"{canonical_url(page_url)}#{digest}"
