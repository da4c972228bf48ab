"""The ``jsonld`` kind: listing pages that lead to pages carrying schema.org Events (JSON-LD or
microdata, read by extruct).

Options (CSS selectors; a link selector may name the element, ``a.next``, or its attribute,
``a.next::attr(href)``):

``follow``  the event links of a listing page. Without it, the listing's own events are taken,
            each followed to its ``url`` when that is another page of the site; a listing with no
            events of its own has the links of its content followed (menus, header, footer, sidebars
            and pagination left out) and keeps the pages that carry events.
``next``    the next listing page; by default ``rel="next"`` links and WordPress or Drupal pagers.

A listing's key is the event page's canonical URL (tracking parameters dropped); a page holding
several events tells them apart by each event's own URL or ``@id``, else by position.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any

from parsel import Selector
from scrapy.http import Request, Response, TextResponse

from aggregator.normalize.zones import stated_zone
from core.kinds import JSONLD
from spiders.extract.french_dates import combine, find_dates, times_near
from spiders.extract.links import (
    LinkSelectorError,
    canonical_url,
    content_links,
    same_site,
    select_links,
    web_url,
)
from spiders.extract.page import main_text
from spiders.extract.schema_org import event_fields, text_of
from spiders.extract.structured_data import page_events
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

SELECTOR_OPTIONS = ("follow", "next")


class JsonLdSpider(EventSpider):
    name = kind = JSONLD
    # rel="next" links, and the pagination WordPress and Drupal themes print without one.
    default_next = 'link[rel~="next"], a[rel~="next"], a.next.page-numbers, li.pager__item--next a'

    async def start(self) -> AsyncIterator[Request]:
        problem = self._options_problem()
        if problem:
            self.record_error(problem)
            return
        async for request in super().start():
            yield request

    def parse(self, response: Response, **kwargs: Any) -> Iterator[EventItem | Request]:
        """A listing page: its events or the links to them, then the next listing page."""
        if not isinstance(response, TextResponse):
            self.record_error(f"{response.url}: not a web page ({response.headers.get('Content-Type')!r})")
            return
        next_pages = self._links(response, self.options.get("next") or self.default_next)
        follow = self.options.get("follow")
        if follow:
            for url in self._links(response, follow):
                yield self.request(url, self.parse_event_page)
        else:
            yield from self._follow_by_default(response, exclude=set(next_pages))
        for url in next_pages:
            yield self.request(url, self.parse)

    def parse_event_page(
        self, response: Response, fallback: tuple[dict[str, Any], str] | None = None
    ) -> Iterator[EventItem]:
        """An event page; ``fallback`` is the listing's own record of its event, used when the page
        carries none."""
        if not isinstance(response, TextResponse):
            self.count("pages_without_events")
            return
        events = self._events(response)
        if events:
            items = list(self._parse_events(events, response.url, listing=False))
            if len(items) == 1:
                self._complete_from_text(items[0], response)
            yield from items
        elif fallback is not None:
            event, listing_url = fallback
            yield self._parse_event(event, listing_url, canonical_url(response.url))
        else:
            self.count("pages_without_events")

    def _complete_from_text(self, item: EventItem, response: TextResponse) -> None:
        """The page's text says what the data does not: the description, and the hours of an
        event the data gives only a day for ("le 14 décembre de 14h à 17h"). The text is read only
        when the data lacks one of them."""
        start = item.get("start")
        hourless = item.get("all_day") and isinstance(start, date) and not isinstance(start, datetime)
        day = start if hourless and item.get("end") in (None, start) else None
        if item["description"] and day is None:
            return
        text = main_text(response)
        if not item["description"]:
            item["description"] = text
        if day is None:
            return
        for days in find_dates(text, day):
            hours = times_near(text, days) if days.first == days.last == day else None
            if hours is not None:
                when = combine(days, hours)
                item.update(start=when.start, end=when.end, all_day=False)
                self.count("hours_from_text")
                return

    # -- following ------------------------------------------------------------------------

    def _follow_by_default(self, response: TextResponse, exclude: set[str]) -> Iterator[EventItem | Request]:
        """The listing's events (followed to their own page when they have one), else its content
        links."""
        events = self._events(response)
        if not events:
            for url in content_links(response.selector, response.url):
                if url not in exclude:
                    yield self.request(url, self.parse_event_page)
            return
        pages = [self._event_page(event, response.url) for event in events]
        counts = Counter(page for page in pages if page)
        direct = []
        for event, page in zip(events, pages, strict=True):
            # Several events pointing to one page (often the home page) cannot be told apart there.
            if page and counts[page] == 1:
                fallback = (event, response.url)
                yield self.request(page, self.parse_event_page, cb_kwargs={"fallback": fallback})
            else:
                direct.append(event)
        yield from self._parse_events(direct, response.url, listing=True)

    @staticmethod
    def _event_page(event: dict[str, Any], page_url: str) -> str | None:
        """The event's own page when it is another page of this site."""
        href = text_of(event.get("url"))
        url = web_url(href, page_url) if href else None
        if not url or not same_site(url, page_url):
            return None
        url = canonical_url(url)
        return url if url != canonical_url(page_url) else None

    def _links(self, response: TextResponse, css: str) -> list[str]:
        return select_links(response.selector, css, response.url)

    def _options_problem(self) -> str | None:
        """Why the source's selectors cannot work, or None."""
        for name in SELECTOR_OPTIONS:
            css = self.options.get(name)
            if css is None:
                continue
            if not isinstance(css, str) or not css.strip():
                return f"option {name!r} must be a CSS selector, not {css!r}"
            try:
                select_links(Selector(text="<html></html>"), css, "http://localhost/")
            except LinkSelectorError as exc:
                return f"option {name!r}: {exc}"
        return None

    # -- events ---------------------------------------------------------------------------

    def _events(self, response: TextResponse) -> list[dict[str, Any]]:
        events, problems = page_events(self.text_of(response), response.url)
        for problem in problems:
            self.record_error(f"{response.url}: {problem}")
        return events

    def _parse_events(
        self, events: list[dict[str, Any]], page_url: str, listing: bool
    ) -> Iterator[EventItem]:
        for event, key in zip(events, event_keys(events, page_url, listing), strict=True):
            yield self._parse_event(event, page_url, key)

    def _parse_event(self, event: dict[str, Any], page_url: str, key: str) -> EventItem:
        fields = event_fields(event, page_url, stated_zone(self.source_zone))
        fields["url"] = fields["url"] or canonical_url(page_url)
        return EventItem(key=key, raw=event, **fields)


def event_keys(events: list[dict[str, Any]], page_url: str, listing: bool) -> list[str]:
    """One key per event: the event page's canonical URL; several events on one page (or events
    listed on another page) by their own URL or ``@id``, else by position on the page."""
    page = canonical_url(page_url)
    if len(events) == 1 and not listing:
        return [page]
    keys = []
    for index, event in enumerate(events, start=1):
        own = _own_url(event, page_url)
        if own and own != page:
            keys.append(own)
        else:
            keys.append(page if len(events) == 1 else f"{page}#{index}")
    counts = Counter(keys)
    return [key if counts[key] == 1 else f"{page}#{index}" for index, key in enumerate(keys, start=1)]


def _own_url(event: dict[str, Any], page_url: str) -> str | None:
    for name in ("url", "@id"):
        href = text_of(event.get(name))
        if not href or href.startswith("_:"):  # a blank node's id changes from one crawl to the next
            continue
        url = web_url(href, page_url)
        if url:
            return canonical_url(url, keep_fragment=True)
    return None
