"""Item pipelines: clean → normalize → store. Deduplication runs once the crawl is over.

Settings read: ESS_DATABASE_URL, ESS_STORE_ENABLED.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.spiders import Spider

from aggregator.normalize import NormalizationError, normalize_item
from aggregator.runs import CrawlRecorder
from spiders.extract.text import clean_line, html_to_text
from spiders.kinds.base import EventSpider

logger = logging.getLogger(__name__)

LINE_FIELDS = ("title", "location_name", "address", "postcode", "city", "organizer")


class CleanPipeline:
    """Plain text everywhere: entities decoded, tags dropped, white space folded."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in LINE_FIELDS:
            if adapter.get(name) is not None:
                adapter[name] = clean_line(adapter[name]) or None
        adapter["description"] = html_to_text(adapter.get("description"))
        adapter["categories"] = [c for c in map(clean_line, adapter.get("categories") or []) if c]
        return item


class NormalizePipeline:
    """Checks and normalizes an item into Listing columns; an impossible item is dropped, counted."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> dict[str, Any]:
        spider = self.crawler.spider
        region = getattr(spider, "region", None)
        try:
            return normalize_item(ItemAdapter(item).asdict(), default_region=region)
        except NormalizationError as exc:
            if self.crawler.stats:
                self.crawler.stats.inc_value("ess/items_rejected")
            if isinstance(spider, EventSpider):
                spider.rejected.append(str(exc))
            raise DropItem(f"Invalid event: {exc}") from exc


class StorePipeline:
    """Upserts listings of the crawled source and records the crawl run in the database."""

    def __init__(self, crawler: Crawler, database_url: str | None) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.recorder: CrawlRecorder | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("ESS_STORE_ENABLED"):
            raise NotConfigured("ESS_STORE_ENABLED is off")
        pipeline = cls(crawler, crawler.settings.get("ESS_DATABASE_URL"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        spider = self.crawler.spider
        assert isinstance(spider, EventSpider)
        self.recorder = CrawlRecorder.open(spider.source_name, spider.run_id, self.database_url)
        self.recorder.rejected = spider.rejected

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.recorder is not None
        self.recorder.save(item)
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.recorder is None:
            return
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.recorder.finish(reason, stats, getattr(spider, "crawl_errors", []))
        self.recorder = None
