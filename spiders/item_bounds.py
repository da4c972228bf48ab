"""Every item names the page it was read from, and a crawl keeps at most ESS_MAX_EVENTS of them.

The page lets a run say where each event it could not read came from. The cap (a source's
``options.max_events``) keeps one source from filling the agenda: past it, items are dropped and
counted in one error of the run, which then marks nothing removed.

Settings read: ESS_MAX_EVENTS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.http import Response

from spiders.items import EventItem
from spiders.kinds.base import EventSpider

DEFAULT_MAX_EVENTS = 5000


class ItemBoundsMiddleware:
    """A spider middleware: sets each item's ``page``, drops the items past the cap."""

    def __init__(self, crawler: Crawler, cap: int) -> None:
        self.crawler = crawler
        self.cap = cap
        self.kept = 0
        self.dropped = 0
        self._message_at: int | None = None  # where the run's error about the cap is

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, crawler.settings.getint("ESS_MAX_EVENTS", DEFAULT_MAX_EVENTS))

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for output in result:
            if self._keeps(response, output):
                yield output

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for output in result:
            if self._keeps(response, output):
                yield output

    def _keeps(self, response: Response, output: Any) -> bool:
        if not isinstance(output, EventItem):
            return True
        if self.kept >= self.cap:
            self._count_dropped()
            return False
        self.kept += 1
        if not output.get("page"):
            output["page"] = response.url
        return True

    def _count_dropped(self) -> None:
        self.dropped += 1
        spider = self.crawler.spider
        if not isinstance(spider, EventSpider):
            return
        message = (
            f"{self.dropped} events past the cap of {self.cap} per crawl were not kept (options.max_events)"
        )
        if self._message_at is None:
            spider.record_error(message)
            self._message_at = len(spider.crawl_errors) - 1
        else:
            spider.crawl_errors[self._message_at] = message
        spider.count("events_over_cap")
