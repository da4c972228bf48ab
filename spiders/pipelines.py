"""Item pipelines: store, through the crawl's ingest process (aggregator.ingest), which normalizes
(plain text included), stores and deduplicates. A crawl that stores nothing normalizes here.

Settings read: ESS_DATABASE_URL, ESS_STORE_ENABLED, ESS_STORE_BATCH_SIZE.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from aggregator.ingest import CrawlEnd, Ingester, IngestFailed, IngestJob
from aggregator.normalize import NormalizationError, normalize_item
from aggregator.normalize.listing import rejection
from aggregator.runs import DEFAULT_BATCH_SIZE
from spiders.kinds.base import EventSpider

logger = logging.getLogger(__name__)


def source_zone(spider: Any) -> str | None:
    """The zone a source's naive times are read in, when its ``options.timezone`` names one."""
    options = getattr(spider, "options", None) or {}
    return str(options.get("timezone") or "") or None


class NormalizePipeline:
    """Checks and normalizes an item into Listing columns; an impossible item is dropped, counted.

    Only for crawls that store nothing (ESS_STORE_ENABLED off): a stored crawl's ingest process
    normalizes its items itself, off the crawler's process.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if crawler.settings.getbool("ESS_STORE_ENABLED"):
            raise NotConfigured("stored items are normalized by the ingest process")
        return cls(crawler)

    def process_item(self, item: Any) -> dict[str, Any]:
        spider = self.crawler.spider
        region = getattr(spider, "region", None)
        adapter = ItemAdapter(item)
        # A shallow copy: asdict() walks every nested value of the raw payload.
        given = dict(adapter.items())
        try:
            return normalize_item(given, default_region=region, default_zone=source_zone(spider))
        except NormalizationError as exc:
            if isinstance(spider, EventSpider):
                spider.reject(rejection(given, exc), key=adapter.get("key"))
            raise DropItem(f"Invalid event: {exc}") from exc


class StorePipeline:
    """Hands items to the crawl's ingest process (aggregator.ingest), which normalizes, stores and
    deduplicates them as the crawl goes on, then closes the crawl run. The responses the
    conditional-request middleware remembers go the same way."""

    def __init__(self, crawler: Crawler, database_url: str | None, batch_size: int) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = batch_size
        self.ingester: Ingester | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ESS_STORE_ENABLED"):
            raise NotConfigured("ESS_STORE_ENABLED is off")
        pipeline = cls(
            crawler,
            settings.get("ESS_DATABASE_URL"),
            settings.getint("ESS_STORE_BATCH_SIZE", DEFAULT_BATCH_SIZE),
        )
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        if not isinstance(spider, EventSpider):
            logger.warning("%s is not an event spider: nothing will be stored", spider)
            return
        job = IngestJob(
            spider.source_name,
            spider.run_id,
            self.database_url,
            self.batch_size,
            spider.region,
            self.crawler.settings.get("LOG_LEVEL", "INFO"),
            self.crawler.settings.get("LOG_FILE"),
            source_zone(spider),
        )
        self.ingester = Ingester(job)

    def process_item(self, item: Any) -> Any:
        if self.ingester is None:
            raise DropItem("nothing is stored for this crawl")
        try:
            self.ingester.add(dict(ItemAdapter(item).items()))
        except IngestFailed as exc:
            self._give_up(str(exc))
            raise DropItem(str(exc)) from exc
        return item

    def remember(self, response: dict[str, Any]) -> bool:
        """Hand a response to remember (an aggregator.http_cache row) to the ingest process;
        False when this crawl stores nothing."""
        if self.ingester is None:
            return False
        try:
            self.ingester.remember(response)
        except IngestFailed as exc:
            self._give_up(str(exc))
            return False
        return True

    def _give_up(self, message: str) -> None:
        """What is crawled now could not be stored: stop crawling."""
        self.ingester = None
        spider = self.crawler.spider
        if isinstance(spider, EventSpider):
            spider.record_error(message)
        assert self.crawler.engine is not None
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="ingest_failed"))

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Close the run once the ingest process has stored everything; the crawl waits for it."""
        if self.ingester is None or not isinstance(spider, EventSpider):
            return
        ingester, self.ingester = self.ingester, None
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        end = CrawlEnd(
            reason,
            {name: value for name, value in stats.items() if isinstance(value, int | float | str)},
            list(spider.crawl_errors),
            list(spider.crawl_warnings),
            list(spider.rejected),
            sorted(spider.rejected_keys),
        )
        report = await maybe_deferred_to_future(deferToThread(ingester.close, end))
        if report.error:
            spider.record_error(report.error)
        if self.crawler.stats:
            for step, seconds in report.seconds.items():
                self.crawler.stats.set_value(f"ess/{step}_seconds", round(seconds, 3))
