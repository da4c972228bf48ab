"""Conditional requests: an unchanged page costs a 304.

The validators (ETag, Last-Modified) and body of each URL's last 200 response are kept in the
database; a 304 replays the stored body, so spiders parse it as usual and its listings count as
seen and unchanged.

Settings read: ESS_CONDITIONAL_REQUESTS, ESS_DATABASE_URL, ESS_HTTP_CACHE_MAX_BYTES.
"""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from sqlalchemy.orm import Session

from aggregator.db import get_sessionmaker
from aggregator.models import HttpCache
from aggregator.types import utcnow

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, database_url: str | None, max_bytes: int) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.max_bytes = max_bytes
        self.session: Session | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("ESS_CONDITIONAL_REQUESTS"):
            raise NotConfigured("ESS_CONDITIONAL_REQUESTS is off")
        middleware = cls(
            crawler,
            settings.get("ESS_DATABASE_URL"),
            settings.getint("ESS_HTTP_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES),
        )
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        self.session = get_sessionmaker(self.database_url)()

    def spider_closed(self, spider: Spider) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def process_request(self, request: Request) -> None:
        if self.session is None or request.method != "GET" or request.url.endswith("/robots.txt"):
            return
        cached = self.session.get(HttpCache, request.url)
        if cached is None or cached.body is None:
            return
        if cached.etag:
            request.headers.setdefault(b"If-None-Match", cached.etag)
        if cached.last_modified:
            request.headers.setdefault(b"If-Modified-Since", cached.last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.session is None or request.method != "GET":
            return response
        if response.status == 304:
            return self._replay(request, response)
        if response.status == 200:
            self._remember(request.url, response)
        return response

    def _replay(self, request: Request, response: Response) -> Response:
        assert self.session is not None
        cached = self.session.get(HttpCache, request.url)
        if cached is None or cached.body is None:
            return response
        if self.crawler.stats:
            self.crawler.stats.inc_value("ess/not_modified")
        headers = Headers({"Content-Type": cached.content_type or ""})
        cls = responsetypes.from_args(headers=headers, url=request.url, body=cached.body)
        return cls(
            url=request.url,
            status=200,
            headers=headers,
            body=cached.body,
            flags=["not_modified"],
            request=request,
        )

    def _remember(self, url: str, response: Response) -> None:
        assert self.session is not None
        etag = _header(response, b"ETag")
        last_modified = _header(response, b"Last-Modified")
        if not (etag or last_modified) or len(response.body) > self.max_bytes:
            return
        row = self.session.get(HttpCache, url) or HttpCache(url=url)
        row.etag, row.last_modified = etag, last_modified
        row.content_type = _header(response, b"Content-Type")
        row.body, row.updated_at = response.body, utcnow()
        self.session.add(row)
        self.session.commit()


def _header(response: Response, name: bytes) -> Any:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
