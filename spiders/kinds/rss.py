"""The ``rss`` kind: RSS 2.0 and Atom feeds of news posts whose French prose may announce an event.

Each post is read from its title and its content (``content:encoded``, else the description); when the
feed holds only an excerpt, the post's own page is fetched (its boilerplate removed), and the PDFs it
links to (a newsletter, a programme, a flyer) are fetched too. The post and its PDFs become blocks
(spiders.extract.documents) whose every date is a candidate, judged event or not on its own words
(spiders.extract.prose): a post may announce several events, or none. The key is the post's
canonical URL, followed by ``#`` and the first day when the post announces several events. Every
candidate and its verdict is logged (INFO), so the crawl's log says why a post gave no event.

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

from core.kinds import RSS
from core.text import clean_line, html_to_text
from spiders.extract.announcements import NOT_EVENT_TITLE
from spiders.extract.candidates import Candidate
from spiders.extract.documents import Document, UnreadableDocument, html_document, pdf_document
from spiders.extract.links import canonical_url, pdf_links, web_url
from spiders.extract.page import main_text, published_on
from spiders.extract.prose import announced_events, judged_candidates
from spiders.items import EventItem
from spiders.kinds.base import EventSpider

# How excerpts end: WordPress "[…]", "Lire la suite", "Continue reading", a bare ellipsis.
_TRUNCATED = re.compile(
    r"(\[\s*(…|\.\.\.|&#8230;)\s*\]|…|\.\.\.|lire la suite|continue reading|read more)\s*$", re.IGNORECASE
)
FETCH_MODES = ("auto", "always", "never")
MAX_PDFS = 2  # PDFs fetched per post
MAX_NOTED = 30  # candidates' verdicts kept on each listing of a post


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
    html: str = ""
    whole_page: bool = False


def is_report(title: str) -> bool:
    """A compte-rendu, a bilan, a job offer or a call by its title (a newsletter's title is no verdict)."""
    match = NOT_EVENT_TITLE.search(title)
    return match is not None and not re.match(r"lettre|newsletter|au\s+sommaire", match.group(), re.I)


class RssSpider(EventSpider):
    name = kind = RSS

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
            if self._fetch_page(post):
                yield Request(post.url, self.parse_page, cb_kwargs={"post": post}, errback=self.page_failed)
            else:
                yield from self._announce(post)
        for link in feed.feed.get("links", []):
            if link.get("rel") == "next" and link.get("href"):
                yield self.request(response.urljoin(link["href"]), self.parse)

    def parse_page(self, response: Response, post: Post) -> Iterator[EventItem | Request]:
        """The post's own page: its full text, and its date when the feed gave none."""
        text = main_text(response, self.options.get("content"))
        published = post.published if post.raw.get("published") else published_on(response) or post.published
        html = self.text_of(response)
        yield from self._announce(
            replace(post, body=text or post.body, published=published, html=html, whole_page=True)
        )

    def page_failed(self, failure: Failure) -> Iterator[EventItem | Request]:
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
            html=html,
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

    def _announce(self, post: Post) -> Iterator[EventItem | Request]:
        """The post's events, once the PDFs it links to are read."""
        document = html_document(post.html, post.url, post.title, post.published, post.whole_page)
        pdfs = self._pdf_links(post)
        if pdfs:
            yield self._pdf_request(post, [document], pdfs)
            return
        yield from self._items(post, [document])

    def _pdf_links(self, post: Post) -> list[str]:
        return pdf_links(post.html, post.url)[:MAX_PDFS]

    def _pdf_request(self, post: Post, documents: list[Document], pdfs: list[str]) -> Request:
        kwargs = {"post": post, "documents": documents, "pdfs": pdfs[1:]}
        return Request(pdfs[0], self.parse_pdf, cb_kwargs=kwargs, errback=self.pdf_failed, dont_filter=True)

    def parse_pdf(
        self, response: Response, post: Post, documents: list[Document], pdfs: list[str]
    ) -> Iterator[EventItem | Request]:
        """A PDF the post links to: its blocks join the post's."""
        self.count("pdf")
        try:
            documents = [*documents, pdf_document(response.body, response.url, "", post.published)]
        except UnreadableDocument as exc:
            self.record_warning(f"{response.url}: {exc}")
        if pdfs:
            yield self._pdf_request(post, documents, pdfs)
        else:
            yield from self._items(post, documents)

    def pdf_failed(self, failure: Failure) -> Iterator[EventItem | Request]:
        """A PDF that cannot be fetched: the post is read without it."""
        self.on_error(failure)
        kwargs = getattr(failure, "request", None)
        kwargs = kwargs.cb_kwargs if isinstance(kwargs, Request) else {}
        if "post" in kwargs:
            if kwargs["pdfs"]:
                yield self._pdf_request(kwargs["post"], kwargs["documents"], kwargs["pdfs"])
            else:
                yield from self._items(kwargs["post"], kwargs["documents"])

    def _items(self, post: Post, documents: list[Document]) -> Iterator[EventItem]:
        judged = judged_candidates(documents)
        for entry in judged:
            self.count("candidate_event" if entry.verdict.event else "candidate_rejected")
        verdicts = "; ".join(j.describe() for j in judged) or "no dated candidate"
        events = [] if is_report(post.title) else announced_events(judged, post.title)
        self.logger.info(
            "%s: %d event(s) of %d candidate(s): %s", post.url, len(events), len(judged), verdicts
        )
        if not events:
            self.count("no_event")
            return
        notes = [j.describe() for j in judged][:MAX_NOTED]
        for candidate in events:
            self.count("event")
            item = self._item(post, candidate, several=len(events) > 1)
            item["raw"] = item["raw"] | {"verdicts": notes}
            yield item

    def _item(self, post: Post, candidate: Candidate, several: bool) -> EventItem:
        key = f"{post.key}#{candidate.days.first.isoformat()}" if several else post.key
        url = post.url if candidate.document.kind != "pdf" or candidate.in_title else candidate.document.url
        said = (candidate.sentence,) if several else (post.title, candidate.sentence)
        status = "cancelled" if candidate.struck else self.status_from_text(*said)
        return EventItem(
            **candidate.item_fields(),
            key=key,
            description=candidate.block.text if several else post.body,
            categories=post.categories,
            url=url if several else post.url,
            image=post.image,
            status=status,
            raw=post.raw | {"evidence": candidate.sentence},
        )
