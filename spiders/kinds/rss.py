"""The ``rss`` kind: RSS 2.0 and Atom feeds of news posts whose French prose may announce an event.

Each post is read from its title and its content (``content:encoded``, else the description); when the
feed holds only an excerpt, the post's own page is fetched. A post yields an event only when its words
announce one (spiders.extract.announcements): recaps, bilans, digests, job offers and calls with a
deadline yield nothing. The key is the post's canonical URL.

Options: ``fetch_posts`` ("auto": only excerpts, "always", "never"); ``content`` (CSS selector of the
post's text on its page, tried before the usual WordPress/Drupal containers); ``reference_date``
(ISO date a post without a publication date is read against; default: today).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from time import struct_time
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders.extract.announcements import Announcement, find_announced_event, is_not_event_post
from spiders.extract.links import canonical_url, web_url
from spiders.extract.page import main_text, published_on
from spiders.extract.text import clean_line, html_to_text
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

# How excerpts end: WordPress "[…]", "Lire la suite", "Continue reading", a bare ellipsis.
_TRUNCATED = re.compile(
    r"(\[\s*(…|\.\.\.|&#8230;)\s*\]|…|\.\.\.|lire la suite|continue reading|read more)\s*$", re.IGNORECASE
)
FETCH_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class Post:
    """One feed entry as the spider reads it."""

    key: str
    url: str
    title: str
    body: str
    published: date
    truncated: bool
    categories: list[str]
    image: str | None
    raw: dict[str, Any]


class RssSpider(EventSpider):
    name = "rss"
    kind = "rss"

    def parse(self, response: Response, **kwargs: Any) -> Iterator[EventItem | Request]:
        feed = feedparser.parse(
            response.body,
            response_headers={
                "content-location": response.url,
                "content-type": (response.headers.get("Content-Type") or b"application/xml").decode(
                    "latin-1"
                ),
            },
        )
        if not feed.entries:
            if feed.bozo or not feed.get("version"):
                reason = feed.get("bozo_exception") or "not an RSS or Atom feed"
                self.record_error(f"{response.url}: unreadable feed ({reason})")
            return
        for entry in feed.entries:
            post = self._parse_post(entry, response)
            if post is None:
                continue
            if is_not_event_post(post.title, post.categories):
                self.count("not_event")
                continue
            if self._fetch_page(post):
                yield Request(post.url, self.parse_page, cb_kwargs={"post": post}, errback=self.page_failed)
            else:
                yield from self._announce(post)
        for link in feed.feed.get("links", []):
            if link.get("rel") == "next" and link.get("href"):
                yield self.request(response.urljoin(link["href"]), self.parse)

    def parse_page(self, response: Response, post: Post) -> Iterator[EventItem]:
        """The post's own page: its full text, and its date when the feed gave none."""
        text = main_text(response, self.options.get("content"))
        published = post.published if post.raw.get("published") else published_on(response) or post.published
        yield from self._announce(replace(post, body=text or post.body, published=published))

    def page_failed(self, failure: Failure) -> Iterator[EventItem]:
        """Record the failure, and read what the feed's excerpt says."""
        self.on_error(failure)
        post = failure.request.cb_kwargs.get("post") if hasattr(failure, "request") else None
        if isinstance(post, Post):
            yield from self._announce(post)

    # -- posts --------------------------------------------------------------------------------

    def _parse_post(self, entry: Any, response: Response) -> Post | None:
        url = self._parse_url(entry, response)
        title = clean_line(entry.get("title"))
        if not url or not title:
            self.record_error(f"{response.url}: a post without link or title was skipped")
            return None
        content = entry.get("content") or []
        html = content[0].get("value", "") if content else entry.get("summary", "")
        published = self._parse_published(entry)
        return Post(
            key=url,
            url=url,
            title=title,
            body=html_to_text(html),
            published=published or self.reference_date(),
            truncated=not content and bool(_TRUNCATED.search(html_to_text(entry.get("summary", "")))),
            categories=[clean_line(t.get("term")) for t in entry.get("tags", []) if t.get("term")],
            image=self._parse_image(entry, response),
            raw={
                "id": entry.get("id"),
                "link": entry.get("link"),
                "title": entry.get("title"),
                "published": entry.get("published") or entry.get("updated"),
                "summary": entry.get("summary", "")[:2000],
            },
        )

    @staticmethod
    def _parse_url(entry: Any, response: Response) -> str | None:
        """The post's canonical URL: its link, else a permalink guid."""
        for href in (entry.get("link"), entry.get("id") if entry.get("guidislink", True) else None):
            url = web_url(href, response.url) if isinstance(href, str) else None
            if url:
                return canonical_url(url)
        return None

    def _parse_published(self, entry: Any) -> date | None:
        """The publication day in the source's zone (an evening post in UTC is the next day in Paris)."""
        moment = entry.get("published_parsed") or entry.get("updated_parsed")
        if not isinstance(moment, struct_time):
            return None
        instant = datetime(*moment[:6], tzinfo=UTC)
        return instant.astimezone(ZoneInfo(self.default_timezone)).date()

    @staticmethod
    def _parse_image(entry: Any, response: Response) -> str | None:
        for media in [*entry.get("media_content", []), *entry.get("media_thumbnail", [])]:
            if media.get("url"):
                return web_url(media["url"], response.url)
        for link in entry.get("links", []):
            if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
                return web_url(link.get("href", ""), response.url)
        return None

    def _fetch_page(self, post: Post) -> bool:
        mode = self.options.get("fetch_posts", "auto")
        if mode not in FETCH_MODES:
            self.record_error(f"option fetch_posts={mode!r} is not one of {', '.join(FETCH_MODES)}")
            mode = "auto"
        return mode == "always" or (mode == "auto" and post.truncated)

    def _announce(self, post: Post) -> Iterator[EventItem]:
        announced = find_announced_event(post.title, post.body, post.published, post.categories)
        if announced is None:
            self.count("no_event")
            return
        self.count("event")
        yield self._item(post, announced)

    def _item(self, post: Post, announced: Announcement) -> EventItem:
        when, place = announced.when, announced.place
        return EventItem(
            key=post.key,
            title=post.title,
            description=post.body,
            start=when.start,
            end=when.end,
            all_day=when.all_day,
            location_name=place.location_name,
            address=place.address,
            postcode=place.postcode,
            city=place.city,
            department=place.department,
            online=place.online,
            categories=post.categories,
            url=post.url,
            image=post.image,
            status=self.status_from_text(post.title, announced.sentence),
            raw=post.raw | {"evidence": announced.sentence},
        )
