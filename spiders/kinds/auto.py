"""The ``auto`` kind: only a homepage URL; find how the site publishes its events and crawl the best.

1. Explore: read the homepage (spiders.extract.discover), and its agenda page(s) when the homepage
   declares no calendar feed.
2. Probe the candidates best first (tribe > openagenda > ical > jsonld > blocks > rss): fetch each
   until one is what it claims to be (and, when only guessed, holds events); an agenda page without
   events of its own is a JSON-LD listing when the pages it links to carry events.
3. Crawl the chosen one with the code of its own kind (the response is handed to that kind's
   ``parse``); an agenda of cards (spiders.extract.agenda_blocks) is read here, from each card's
   event page.
4. Unless an agenda of cards was chosen, read the agenda pages explored as prose too
   (spiders.kinds.prose_pages): an association's "Agenda" page of dated lines gives its events.

What was found, tried and chosen goes with the crawl's run; the aggregator keeps it on
``Source.discovered`` (aggregator.discovery, aggregator.finish).

Settings read: ESS_OPENAGENDA_URL and ESS_GOOGLE_CALENDAR_URL (where OpenAgenda and Google
Calendar embeds are read).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from scrapy.http import Request, Response, TextResponse
from scrapy.spiderloader import get_spider_loader
from twisted.python.failure import Failure

from aggregator.discovery import CHOSEN, discovery_report
from core.kinds import AUTO, BLOCKS, JSONLD
from spiders.extract.agenda_blocks import Card, agenda_cards, event_details
from spiders.extract.discover import (
    GOOGLE_CALENDAR_URL,
    OPENAGENDA_URL,
    RANK,
    Candidate,
    agenda_pages,
    confirms,
    discover,
    events_in,
    looks_like_agenda,
    rank,
    sniff,
)
from spiders.extract.french_places import Place
from spiders.extract.links import canonical_url, content_links
from spiders.extract.page import main_text
from spiders.extract.structured_data import page_events
from spiders.items import EventItem
from spiders.kinds.base import OPTION_SETTINGS, EventSpider, describe_failure
from spiders.kinds.html import HtmlSpider
from spiders.kinds.prose_pages import page_items


class AutoSpider(EventSpider):
    name = kind = AUTO
    max_agenda_pages = 2  # agenda pages read when the homepage declares no calendar
    max_samples = 3  # pages linked from an agenda page fetched to see whether they carry events

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.homepage = ""
        self.candidates: list[Candidate] = []
        self.outcomes: dict[Candidate, str] = {}
        self.chosen: Candidate | None = None
        self._to_explore: list[str] = []
        self._queue: list[Candidate] | None = None
        self._pages: dict[str, Response] = {}  # explored pages, kept to hand to the JSON-LD kind
        self._samples: dict[str, list[str]] = {}
        self._cards: set[str] = set()  # event pages of an agenda of cards already asked for
        self._empty: list[tuple[Candidate, Response]] = []  # guessed sources that work but hold no events
        self._agenda_pages: list[TextResponse] = []  # read as prose once a kind is chosen

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        """The homepage: what it offers, then its agenda pages if it declares no calendar."""
        self.homepage = response.url
        sniffed = sniff(response.url, response.body)
        if sniffed is not None:
            self._found([sniffed])
        elif isinstance(response, TextResponse):
            self._explore_page(response)
            if not any(RANK[c.kind] < RANK[JSONLD] and not c.guessed for c in self.candidates):
                pages = agenda_pages(self.text_of(response), response.url, self.max_agenda_pages)
                self._to_explore = [url for url in pages if url not in self._pages]
        yield from self._next_step()

    # -- exploring --------------------------------------------------------------------------

    def parse_agenda_page(self, response: Response) -> Iterator[Any]:
        """An agenda page: what it offers too, and whether it lists event pages."""
        if isinstance(response, TextResponse):
            self._agenda_pages.append(response)
            self._explore_page(response)
        yield from self._next_step()

    def agenda_page_failed(self, failure: Failure) -> Iterator[Any]:
        self.logger.info("agenda page not read: %s", describe_failure(failure))
        yield from self._next_step()

    def _explore_page(self, response: TextResponse) -> None:
        text = self.text_of(response)
        headers = [h.decode("latin-1") for h in response.headers.getlist("Link")]
        openagenda_url = self.settings.get("ESS_OPENAGENDA_URL") or OPENAGENDA_URL
        google_url = self.settings.get("ESS_GOOGLE_CALENDAR_URL") or GOOGLE_CALENDAR_URL
        found = discover(text, response.url, headers, openagenda_url, google_url)
        page = canonical_url(response.url)
        if any(c.kind in (JSONLD, BLOCKS) for c in found):
            self._pages[page] = response
        elif response.url != self.homepage or looks_like_agenda(response.url):
            samples = content_links(response.selector, response.url)[: self.max_samples]
            if samples:
                self._pages[page], self._samples[page] = response, samples
                found.append(Candidate(JSONLD, page, "the pages its agenda page links to", guessed=True))
        self._found(found)

    def _found(self, candidates: list[Candidate]) -> None:
        self.candidates = rank([*self.candidates, *candidates])

    def _next_step(self) -> Iterator[Request]:
        if self._to_explore:
            url = self._to_explore.pop(0)
            yield Request(url, self.parse_agenda_page, errback=self.agenda_page_failed, dont_filter=True)
            return
        yield from self._probe_next()

    # -- probing ----------------------------------------------------------------------------

    def _probe_next(self) -> Iterator[Any]:
        """Try the best candidate not tried yet; when none is left, say so on the run."""
        if self._queue is None:
            self._queue = list(self.candidates)
        while self._queue:
            candidate = self._queue.pop(0)
            if candidate.kind == JSONLD and candidate.url in self._samples:
                yield from self._probe_samples(candidate, list(self._samples[candidate.url]))
            elif candidate.kind in (JSONLD, BLOCKS) and candidate.url in self._pages:
                yield from self._choose(candidate, self._pages[candidate.url])
            else:
                yield Request(
                    candidate.url,
                    self.parse_candidate,
                    errback=self.candidate_failed,
                    cb_kwargs={"candidate": candidate},
                    dont_filter=True,
                )
            return
        if self._empty:  # nothing holds events: the first working source is crawled all the same
            yield from self._choose(*self._empty[0])
            return
        self._record()
        items = list(self._prose_pages())
        yield from items
        if items:
            return
        self.record_error(f"{self.homepage or self.source_url}: no agenda, calendar or feed found")

    def parse_candidate(self, response: Response, candidate: Candidate) -> Iterator[Any]:
        """A fetched candidate is crawled when it is what it claims; a guessed one only when it holds
        events too (an empty export a plugin's markup suggests is no reason to pass over the rest)."""
        if not confirms(candidate.kind, response.body):
            self.outcomes[candidate] = f"not a {candidate.kind} source ({_content_type(response)})"
        elif candidate.guessed and not events_in(candidate.kind, response.body, response.url):
            self.outcomes[candidate] = "no events"
            self._empty.append((candidate, response))
        else:
            yield from self._choose(candidate, response)
            return
        yield from self._probe_next()

    def candidate_failed(self, failure: Failure) -> Iterator[Any]:
        candidate = _cb_kwargs(failure)["candidate"]
        self.outcomes[candidate] = describe_failure(failure)
        yield from self._probe_next()

    def _probe_samples(self, candidate: Candidate, samples: list[str]) -> Iterator[Any]:
        if not samples:
            self.outcomes[candidate] = "the pages it links to carry no schema.org events"
            yield from self._probe_next()
            return
        kwargs = {"candidate": candidate, "samples": samples[1:]}
        yield Request(
            samples[0], self.parse_sample, errback=self.sample_failed, cb_kwargs=kwargs, dont_filter=True
        )

    def parse_sample(self, response: Response, candidate: Candidate, samples: list[str]) -> Iterator[Any]:
        """A page linked from an agenda page: carrying events, it makes that page a listing."""
        if isinstance(response, TextResponse) and page_events(self.text_of(response), response.url)[0]:
            yield from self._choose(candidate, self._pages[candidate.url])
            return
        yield from self._probe_samples(candidate, samples)

    def sample_failed(self, failure: Failure) -> Iterator[Any]:
        kwargs = _cb_kwargs(failure)
        yield from self._probe_samples(kwargs["candidate"], kwargs["samples"])

    # -- crawling ---------------------------------------------------------------------------

    def _choose(self, candidate: Candidate, response: Response) -> Iterator[Any]:
        """Crawl ``candidate`` with its own kind, starting from the response already fetched."""
        self.chosen = candidate
        self.outcomes[candidate] = CHOSEN
        self._record()
        self.logger.info("crawling %s as %s (%s)", candidate.url, candidate.kind, candidate.how)
        if candidate.kind == BLOCKS:
            yield from self.parse_cards(response, more=True)
        else:
            outputs = list(self._delegate(candidate).parse(response))
            for output in outputs:
                # Reached from an errback (the candidate before failed), the items pass no spider
                # middleware: they name their page here, for a rejection to say where it was.
                if isinstance(output, EventItem) and not output.get("page"):
                    output["page"] = response.url
            yield from outputs
            # A feed's post that was explored as an agenda page is read once, as the feed's post.
            covered = {o.url if isinstance(o, Request) else o.get("url") for o in outputs}
            yield from self._prose_pages({canonical_url(url) for url in covered if url})

    def _prose_pages(self, covered: Collection[str] = ()) -> Iterator[Any]:
        """The events the explored agenda pages write as prose (none when they only link to events),
        but for the pages the chosen source reads itself (``covered``)."""
        pages, self._agenda_pages = self._agenda_pages, []
        for page in pages:
            if canonical_url(page.url) not in covered:
                yield from page_items(self, page)

    def _delegate(self, candidate: Candidate) -> EventSpider:
        """A spider of the chosen kind sharing this crawl: its errors and rejections count here."""
        options = {k: v for k, v in self.options.items() if k not in (*OPTION_SETTINGS, "settings")}
        # The spider Scrapy registered under the kind's name (core.kinds): no second registry here.
        kind = get_spider_loader(self.settings).load(candidate.kind)
        assert issubclass(kind, EventSpider), kind
        spider = kind.from_crawler(
            self.crawler, source=self.source_name, url=candidate.url, region=self.region, options=options
        )
        spider.crawl_errors = self.crawl_errors
        spider.crawl_warnings = self.crawl_warnings
        spider.rejected = self.rejected
        spider.rejected_keys = self.rejected_keys
        spider.dropped_urls = self.dropped_urls
        return spider

    def _record(self) -> None:
        """What was found, for the run: the aggregator keeps it on the source, for the operator."""
        self.discovered = discovery_report(
            self.homepage or self.source_url, self.candidates, self.outcomes, self.chosen
        )

    # -- an agenda of cards -----------------------------------------------------------------------

    def parse_cards(self, response: Response, more: bool = False) -> Iterator[Request]:
        """An agenda of cards: each card's event page, and (once) the pages listing more cards."""
        if not isinstance(response, TextResponse):
            return
        cards, more_pages = agenda_cards(self.text_of(response), response.url, self.reference_date())
        for card in cards:
            if card.url not in self._cards:
                self._cards.add(card.url)
                kwargs = {"card": card}
                yield Request(card.url, self.parse_card_page, errback=self.card_page_failed, cb_kwargs=kwargs)
        for url in more_pages[: self.max_agenda_pages] if more else []:
            if url != canonical_url(response.url):
                yield self.request(url, self.parse_cards)

    def parse_card_page(self, response: Response, card: Card) -> Iterator[EventItem]:
        """An event's page: its labelled lines (or its prose, on the badge's day) give the year, hours
        and address the badge leaves out."""
        details = event_details(self.text_of(response), self.reference_date(), card.when)
        item = self._card_item(card, details.when or card.when, details.place, details.date_text)
        if item is None:
            return
        item["organizer"] = details.organizer
        item["description"] = main_text(response)
        yield item

    def card_page_failed(self, failure: Failure) -> Iterator[EventItem]:
        """The failure is recorded; the card alone still gives its badge's date and place."""
        self.on_error(failure)
        card = _cb_kwargs(failure).get("card")
        if isinstance(card, Card):
            item = self._card_item(card, card.when, Place(), "")
            if item is not None:
                yield item

    def _card_item(self, card: Card, when: Any, place: Place, date_text: str) -> EventItem | None:
        if when is None:
            self.reject(f"{card.url}: no date for {card.title!r}", key=card.url)
            return None
        item = EventItem(
            key=card.url,
            title=card.title,
            start=when.start,
            end=when.end,
            all_day=when.all_day,
            url=card.url,
            status=self.status_from_text(card.title, date_text),
            raw={"card": {"title": card.title, "date": str(card.when.start) if card.when else None}},
        )
        for where in (place, card.place):  # the page's address first, the card's "(13)" fills gaps
            HtmlSpider.set_place(item, where)
        return item


def _cb_kwargs(failure: Failure) -> dict[str, Any]:
    """The keyword arguments of the failed request's callback (Scrapy sets ``failure.request``)."""
    request = getattr(failure, "request", None)
    return request.cb_kwargs if isinstance(request, Request) else {}


def _content_type(response: Response) -> str:
    value = response.headers.get("Content-Type") or b"no Content-Type"
    return value.decode("latin-1")
