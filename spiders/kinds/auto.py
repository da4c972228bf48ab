"""The ``auto`` kind: only a homepage URL; find how the site publishes its events and crawl the best.

1. Explore: read the homepage (spiders.extract.discover), and its agenda page(s) when the homepage
   declares no calendar feed.
2. Probe the candidates best first (tribe > openagenda > ical > jsonld > rss): fetch each until one
   is what it claims to be; an agenda page without events of its own is a JSON-LD listing when the
   pages it links to carry events.
3. Crawl the chosen one with the code of its own kind (the response is handed to that kind's
   ``parse``).

What was found, tried and chosen goes with the crawl's run; the aggregator keeps it on
``Source.discovered`` (aggregator.discovery, aggregator.finish).

Settings read: ESS_OPENAGENDA_URL (where OpenAgenda embeds point).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from aggregator.discovery import CHOSEN, discovery_report
from spiders.extract.discover import (
    ICAL,
    JSONLD,
    OPENAGENDA,
    OPENAGENDA_URL,
    RANK,
    RSS,
    TRIBE,
    Candidate,
    agenda_pages,
    confirms,
    discover,
    rank,
    sniff,
)
from spiders.extract.links import canonical_url, content_links
from spiders.extract.structured_data import page_events
from spiders.kinds.base import OPTION_SETTINGS, EventSpider, describe_failure
from spiders.kinds.ical import IcalSpider
from spiders.kinds.jsonld import JsonLdSpider
from spiders.kinds.openagenda import OpenAgendaSpider
from spiders.kinds.rss import RssSpider
from spiders.kinds.tribe import TribeSpider

KINDS: dict[str, type[EventSpider]] = {
    TRIBE: TribeSpider,
    OPENAGENDA: OpenAgendaSpider,
    ICAL: IcalSpider,
    JSONLD: JsonLdSpider,
    RSS: RssSpider,
}


class AutoSpider(EventSpider):
    name = "auto"
    kind = "auto"
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
            self._explore_page(response)
        yield from self._next_step()

    def agenda_page_failed(self, failure: Failure) -> Iterator[Any]:
        self.logger.info("agenda page not read: %s", describe_failure(failure))
        yield from self._next_step()

    def _explore_page(self, response: TextResponse) -> None:
        text = self.text_of(response)
        headers = [h.decode("latin-1") for h in response.headers.getlist("Link")]
        openagenda_url = self.settings.get("ESS_OPENAGENDA_URL") or OPENAGENDA_URL
        found = discover(text, response.url, headers, openagenda_url)
        page = canonical_url(response.url)
        if any(c.kind == JSONLD for c in found):
            self._pages[page] = response
        elif response.url != self.homepage:
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
            elif candidate.kind == JSONLD and candidate.url in self._pages:
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
        self._record()
        self.record_error(f"{self.homepage or self.source_url}: no agenda, calendar or feed found")

    def parse_candidate(self, response: Response, candidate: Candidate) -> Iterator[Any]:
        if confirms(candidate.kind, response.body):
            yield from self._choose(candidate, response)
            return
        self.outcomes[candidate] = f"not a {candidate.kind} source ({_content_type(response)})"
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
        yield from self._delegate(candidate).parse(response)

    def _delegate(self, candidate: Candidate) -> EventSpider:
        """A spider of the chosen kind sharing this crawl: its errors and rejections count here."""
        options = {k: v for k, v in self.options.items() if k not in (*OPTION_SETTINGS, "settings")}
        spider = KINDS[candidate.kind].from_crawler(
            self.crawler, source=self.source_name, url=candidate.url, region=self.region, options=options
        )
        spider.crawl_errors = self.crawl_errors
        spider.crawl_warnings = self.crawl_warnings
        spider.rejected = self.rejected
        spider.rejected_keys = self.rejected_keys
        return spider

    def _record(self) -> None:
        """What was found, for the run: the aggregator keeps it on the source, for the operator."""
        self.discovered = discovery_report(
            self.homepage or self.source_url, self.candidates, self.outcomes, self.chosen
        )


def _cb_kwargs(failure: Failure) -> dict[str, Any]:
    """The keyword arguments of the failed request's callback (Scrapy sets ``failure.request``)."""
    request = getattr(failure, "request", None)
    return request.cb_kwargs if isinstance(request, Request) else {}


def _content_type(response: Response) -> str:
    value = response.headers.get("Content-Type") or b"no Content-Type"
    return value.decode("latin-1")
