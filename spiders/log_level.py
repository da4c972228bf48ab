"""Scrapy's loggers held to LOG_LEVEL.

Scrapy leaves its loggers open to every level and filters in its log handler: below LOG_LEVEL, each
page's "Crawled (200)" and each item's "Scraped from" is built into a log record, then thrown away.
That costs a crawl about 1 % of its CPU, a little more with items. With the loggers' own level set,
such a message costs one comparison.

Settings read: LOG_LEVEL; enabled in EXTENSIONS.
"""

from __future__ import annotations

import logging
from typing import Self

from scrapy.crawler import Crawler


class LogLevel:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        logging.getLogger("scrapy").setLevel(crawler.settings.get("LOG_LEVEL"))
        return cls()
