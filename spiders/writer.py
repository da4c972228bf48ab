"""The crawl's one database writer: every write of a crawl, in order, in a thread of its own.

The store pipeline's batches of listings and the conditional-request middleware's remembered
responses both go through it. Off the event loop, a commit never holds back the responses being
parsed; in one thread, a crawl's writes never wait for each other's locks (on SQLite, two writers of
one process would take turns through the busy timeout).

Enabled in EXTENSIONS; components find it with ``crawler.get_extension(CrawlWriter)``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Self
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
_UNREGISTERED: WeakKeyDictionary[Crawler, CrawlWriter] = WeakKeyDictionary()


class CrawlWriter:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ess-writer")
        self._last: Future[object] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        writer = cls()
        # After every component's own closing: what they handed over last is written before the end.
        crawler.signals.connect(writer.engine_stopped, signal=signals.engine_stopped)
        return writer

    def submit(self, work: Callable[[], object]) -> Future[object]:
        """Run ``work`` after everything handed over before it (``asyncio.wrap_future`` awaits it)."""
        self._last = self._thread.submit(work)
        return self._last

    @property
    def busy(self) -> bool:
        """Whether work handed over is still being written."""
        return self._last is not None and not self._last.done()

    def engine_stopped(self) -> None:
        self._thread.shutdown(wait=True)


def of(crawler: Crawler) -> CrawlWriter:
    """The crawl's writer: the extension, or when it is not enabled (a crawl started with other
    settings) one its components share all the same."""
    writer = crawler.get_extension(CrawlWriter) or _UNREGISTERED.get(crawler)
    if writer is None:
        writer = _UNREGISTERED[crawler] = CrawlWriter.from_crawler(crawler)
    return writer


def log_failure(future: Future[object]) -> None:
    """For work nobody awaits: a failure is logged, never lost silently."""
    if not future.cancelled() and future.exception() is not None:
        logger.error("a write of the crawl failed", exc_info=future.exception())
