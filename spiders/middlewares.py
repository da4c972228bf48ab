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
from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.db import get_sessionmaker
from aggregator.models import HttpCache
from aggregator.types import utcnow

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
BATCH_SIZE = 50  # remembered responses per transaction


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, database_url: str | None, max_bytes: int) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.max_bytes = max_bytes
        self.session: Session | None = None
        self._pending: dict[str, HttpCache] = {}

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
            self._commit()
            self.session.close()
            self.session = None

    def process_request(self, request: Request) -> None:
        if self.session is None or request.method != "GET" or request.url.endswith("/robots.txt"):
            return
        validators = self.session.execute(
            select(HttpCache.etag, HttpCache.last_modified).where(
                HttpCache.url == request.url, HttpCache.body.is_not(None)
            )
        ).first()
        if validators is None:
            return
        etag, last_modified = validators
        if etag:
            request.headers.setdefault(b"If-None-Match", etag)
        if last_modified:
            request.headers.setdefault(b"If-Modified-Since", last_modified)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.session is None or request.method != "GET" or request.url.endswith("/robots.txt"):
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
        replayed = cls(
            url=request.url,
            status=200,
            headers=headers,
            body=cached.body,
            flags=["not_modified"],
            request=request,
        )
        self.session.expunge(cached)  # bodies are not kept in memory
        return replayed

    def _remember(self, url: str, response: Response) -> None:
        assert self.session is not None
        etag = _header(response, b"ETag")
        last_modified = _header(response, b"Last-Modified")
        if not (etag or last_modified) or len(response.body) > self.max_bytes:
            return
        self._pending[url] = HttpCache(
            url=url,
            etag=etag,
            last_modified=last_modified,
            content_type=_header(response, b"Content-Type"),
            body=response.body,
            updated_at=utcnow(),
        )
        if len(self._pending) >= BATCH_SIZE:
            self._commit()

    def _commit(self) -> None:
        """Write the remembered responses in one transaction."""
        assert self.session is not None
        if not self._pending:
            return
        for row in self._pending.values():
            self.session.merge(row, load=True)
        self.session.commit()
        self.session.expunge_all()
        self._pending.clear()


def _header(response: Response, name: bytes) -> Any:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
