"""Item pipelines, in the crawl's process: normalize each item (plain text included), then store it.

The store pipeline opens its database session when the spider opens, writes listings in batches with
the run's counters, and records how the crawl ended when it closes; the aggregator, in the process
that launched the crawl, then finishes the run (aggregator.finish). Batches are written by the
crawl's writer (spiders.writer), in order: the crawl goes on fetching and parsing while the
database commits, instead of waiting on every write with the whole event loop.

Settings read: ESS_DATABASE_URL, ESS_STORE_ENABLED, ESS_STORE_BATCH_SIZE.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.spiders import Spider

from aggregator.normalize import NormalizationError, normalize_item
from aggregator.normalize.geography import geography
from aggregator.normalize.listing import ListingFields, rejection
from aggregator.runs import DEFAULT_BATCH_SIZE, CrawlNotes, CrawlRecorder
from aggregator.store import DuplicateKey
from spiders import writer
from spiders.kinds.base import EventSpider

logger = logging.getLogger(__name__)


class NormalizePipeline:
    """Checks and normalizes an item into Listing columns; an impossible item is dropped, counted."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        geography()  # the gazetteer is read as the crawl is set up, not on its first item
        return cls(crawler)

    def process_item(self, item: Any) -> ListingFields:
        spider = self.crawler.spider
        region = getattr(spider, "region", None)
        zone = spider.source_zone if isinstance(spider, EventSpider) else None
        adapter = ItemAdapter(item)
        # A shallow copy: asdict() walks every nested value of the raw payload.
        given = dict(adapter.items())
        dropped: list[str] = []
        try:
            fields = normalize_item(given, default_region=region, default_zone=zone, dropped=dropped)
        except NormalizationError as exc:
            if isinstance(spider, EventSpider):
                spider.reject(rejection(given, exc), key=adapter.get("key"))
            raise DropItem(f"Invalid event: {exc}") from exc
        if isinstance(spider, EventSpider):  # URLs that are not http(s), counted on the run
            spider.dropped_urls.extend(dropped)
        return fields


class StorePipeline:
    """Stores normalized items as listings of the crawl's run (aggregator.runs.CrawlRecorder).

    The recorder classifies each item in the crawl's thread; its session is used, after it is
    opened, only by the crawl's writer: one thread, so batches are written one after the other.
    """

    def __init__(self, crawler: Crawler, database_url: str | None, batch_size: int) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = batch_size
        self.recorder: CrawlRecorder | None = None
        self.writer = writer.of(crawler)

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
        # Scrapy tells the close reason only after the pipelines closed: the end is recorded then.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.response_received, signal=signals.response_received)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        if not isinstance(spider, EventSpider):
            logger.warning("%s is not an event spider: nothing will be stored", spider)
            return
        stats = self.crawler.stats
        notes = CrawlNotes(
            spider.crawl_errors,
            spider.crawl_warnings,
            spider.rejected,
            spider.dropped_urls,
            stats.get_stats if stats else dict,
            lambda: spider.discovered,
        )
        try:
            self.recorder = CrawlRecorder.open(
                spider.source_name, spider.run_id, self.database_url, self.batch_size, notes
            )
        except LookupError as exc:  # an ad hoc crawl (-a url=...) has no source to store under
            spider.record_error(f"nothing is stored: {exc}")

    async def process_item(self, item: Any) -> Any:
        if self.recorder is None:
            raise DropItem("nothing is stored for this crawl")
        try:
            ready = self.recorder.add(item)
        except DuplicateKey as exc:  # counted by the recorder, reported on the run
            logger.debug("%s", exc)
            return item
        if ready:
            # The item waits for its batch: a database slower than the site holds the crawl back
            # rather than piling batches up in memory.
            await asyncio.wrap_future(self._write(self.recorder))
        return item

    def response_received(self) -> None:
        """The run's page count and heartbeat follow the crawl even between items."""
        if self.recorder is not None and not self.writer.busy and self.recorder.due():
            self._write(self.recorder).add_done_callback(writer.log_failure)

    async def close_spider(self) -> None:
        spider = self.crawler.spider
        if self.recorder is None or not isinstance(spider, EventSpider):
            return
        for key in sorted(spider.rejected_keys):
            self.recorder.keep(key)
        await asyncio.wrap_future(self._write(self.recorder))

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record how the crawl ended and close the session, after the batches handed over."""
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            await asyncio.wrap_future(self.writer.submit(lambda: recorder.end(reason)))
            if self.crawler.stats:
                self.crawler.stats.set_value("ess/write_seconds", round(recorder.seconds, 3))

    def _write(self, recorder: CrawlRecorder) -> Future[object]:
        batch = recorder.take()
        return self.writer.submit(lambda: recorder.write(batch))
