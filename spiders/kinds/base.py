"""The base spider: loads its source, owns the shared rules, records errors instead of crashing."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from spiders.constants import CANCELLED, CONFIRMED, DEFAULT_TIMEZONE, POSTPONED

logger = logging.getLogger(__name__)

CANCEL_WORDS = ("annulé", "annule", "annulée", "cancelled", "canceled")
POSTPONE_WORDS = ("reporté", "reportée", "postponed")


class EventSpider(scrapy.Spider):
    """Base of every kind: ``scrapy crawl <kind> -a source=NAME [-a run=ID]``.

    Without a stored source, ``-a url=...`` (and optionally ``-a region=...``) crawls ad hoc.
    """

    kind = ""
    default_timezone = DEFAULT_TIMEZONE

    def __init__(
        self,
        source: str | None = None,
        url: str | None = None,
        run: str | int | None = None,
        region: str | None = None,
        options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_name = source or self.name
        self.source_url = url or ""
        self.run_id = int(run) if run else None
        self.region = region
        self.options: dict[str, Any] = dict(options or {})
        self.crawl_errors: list[str] = []
        self.rejected: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        source = kwargs.get("source")
        if source and not kwargs.get("url"):
            from aggregator.sources import load_source_spec

            spec = load_source_spec(source, crawler.settings.get("ESS_DATABASE_URL"))
            kwargs.update(url=spec.url, region=spec.region, options=spec.options)
        spider = super().from_crawler(crawler, *args, **kwargs)
        return spider

    # -- requests ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        if not self.source_url:
            self.record_error(f"source {self.source_name!r} has no URL")
            return
        yield self.request(self.source_url, self.parse, dont_filter=True)

    def request(self, url: str, callback: Any, **kwargs: Any) -> Request:
        """A request whose failures are recorded on the crawl run."""
        return Request(url, callback=callback, errback=self.on_error, **kwargs)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        self.record_error(f"{url}: {failure.getErrorMessage() or failure.type}")

    def record_error(self, message: str) -> None:
        """Count a problem on the crawl run and keep going."""
        logger.warning(message, extra={"spider": self})
        self.crawl_errors.append(message)
        if self.crawler and self.crawler.stats:
            self.crawler.stats.inc_value("ess/errors")

    def parse(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        raise NotImplementedError

    # -- shared rules -----------------------------------------------------------------------

    @staticmethod
    def status_from_text(*texts: str | None) -> str:
        """Cancelled or postponed when the source's words say so ("complet" is not a cancellation)."""
        words = " ".join(t for t in texts if t).lower()
        if any(w in words for w in CANCEL_WORDS):
            return CANCELLED
        if any(w in words for w in POSTPONE_WORDS):
            return POSTPONED
        return CONFIRMED
