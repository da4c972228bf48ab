"""Item pipelines: clean → normalize → store. Deduplication runs once the crawl is over.

Settings read: ESS_DATABASE_URL, ESS_STORE_ENABLED, ESS_STORE_BATCH_SIZE.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.spiders import Spider

from aggregator.normalize import NormalizationError, normalize_item
from aggregator.runs import DEFAULT_BATCH_SIZE, CrawlRecorder
from aggregator.store import DuplicateKey
from spiders.extract.text import clean_line, html_to_text
from spiders.kinds.base import EventSpider

logger = logging.getLogger(__name__)

LINE_FIELDS = ("title", "location_name", "address", "postcode", "city", "organizer")


_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")


def plain_line(value: object) -> str:
    """One line of text with no markup left, even where decoding entities revealed some."""
    return _cleaned_twice(clean_line, value)


def plain_text(value: object) -> str:
    """Paragraphs of text with no markup left (see ``plain_line``)."""
    return _cleaned_twice(html_to_text, value)


def _cleaned_twice(clean: Callable[[object], str], value: object) -> str:
    text = clean(value)
    return clean(text) if _TAG.search(text) else text  # "&lt;script&gt;" decodes to a tag: strip that too


class CleanPipeline:
    """Plain text everywhere: entities decoded, tags dropped, white space folded."""

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        for name in LINE_FIELDS:
            if adapter.get(name) is not None:
                adapter[name] = plain_line(adapter[name]) or None
        adapter["description"] = plain_text(adapter.get("description"))
        adapter["categories"] = [c for c in map(plain_line, adapter.get("categories") or []) if c]
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
        adapter = ItemAdapter(item)
        try:
            # A shallow copy: asdict() walks every nested value of the raw payload.
            return normalize_item(dict(adapter.items()), default_region=region)
        except NormalizationError as exc:
            if isinstance(spider, EventSpider):
                spider.reject(str(exc), key=adapter.get("key"))
            raise DropItem(f"Invalid event: {exc}") from exc


class StorePipeline:
    """Upserts listings of the crawled source in batches and records the crawl run."""

    def __init__(self, crawler: Crawler, database_url: str | None, batch_size: int) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.batch_size = batch_size
        self.recorder: CrawlRecorder | None = None

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
        try:
            self.recorder = CrawlRecorder.open(
                spider.source_name, spider.run_id, self.database_url, self.batch_size
            )
        except LookupError as exc:
            # An ad hoc crawl (-a url=...) has no source row to store under.
            spider.record_error(f"nothing will be stored: {exc}")
            return
        self.recorder.rejected = spider.rejected

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if self.recorder is None:
            raise DropItem("no source to store under")
        try:
            self.recorder.save(item)
        except DuplicateKey as exc:
            raise DropItem(str(exc)) from exc
        return item

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.recorder is None:
            return
        for key in getattr(spider, "rejected_keys", ()):
            self.recorder.keep(key)
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.recorder.finish(
            reason,
            stats,
            getattr(spider, "crawl_errors", []),
            getattr(spider, "crawl_warnings", []),
        )
        if self.crawler.stats:
            for step, seconds in self.recorder.seconds.items():
                self.crawler.stats.set_value(f"ess/{step}_seconds", round(seconds, 3))
        self.recorder = None
