"""Middlewares: conditional requests, charsets, and requests dropped for their URL's length named.

Conditional requests: an unchanged page costs a 304. The validators (ETag, Last-Modified) and body
of each URL's last 200 response are kept in the database (aggregator.http_cache); a 304 replays the
stored body, so spiders parse it as usual and its listings count as seen and unchanged. The
conditional-request middleware is the cache's one reader and writer; it writes through the crawl's
writer (spiders.writer), off the event loop.

Charsets: a text response whose bytes contradict the charset it declares is read with the right one.

Settings read: ESS_CONDITIONAL_REQUESTS, ESS_DATABASE_URL, ESS_HTTP_CACHE_MAX_BYTES.
"""

from __future__ import annotations

import logging
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.spidermiddlewares.urllength import UrlLengthMiddleware
from sqlalchemy import Engine, bindparam, or_, select
from sqlalchemy.exc import SQLAlchemyError

from aggregator.db import get_engine
from aggregator.http_cache import fits, upsert_http_cache
from aggregator.models import HttpCache
from aggregator.types import utcnow
from spiders import writer
from spiders.extract.encoding import actual_encoding, charset_note
from spiders.kinds.base import EventSpider

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
BATCH_SIZE = 50  # remembered responses per transaction
REMEMBERED = select(HttpCache.content_type, HttpCache.body).where(HttpCache.url == bindparam("url"))


class ConditionalRequestMiddleware:
    """Sends the validators remembered for a URL; replays the remembered body on a 304.

    Each lookup takes a pooled connection for its one statement, so a crawl holds none between
    requests (a session per lookup would cost more than the rest of a replay). New validators are
    handed to the crawl's writer in batches; a batch the database refuses is dropped (the next
    crawl fetches those pages in full), never the crawl.
    """

    def __init__(self, crawler: Crawler, database_url: str | None, max_bytes: int) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.max_bytes = max_bytes
        self.engine: Engine | None = None
        self.writer = writer.of(crawler)
        self._pending: dict[str, dict[str, Any]] = {}
        self._validators: dict[str, dict[str, tuple[str | None, str | None]]] = {}

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
        self.engine = get_engine(self.database_url)
        self._validators.clear()

    def spider_closed(self, spider: Spider) -> None:
        if self.engine is not None:
            self._hand_over()
            self.engine = None

    def process_request(self, request: Request) -> None:
        if not self._applies(request):
            return
        validators = self._validators_of(urlsplit(request.url).netloc).get(request.url)
        if validators is None:
            return
        etag, last_modified = validators
        if etag:
            request.headers.setdefault(b"If-None-Match", etag)
        if last_modified:
            request.headers.setdefault(b"If-Modified-Since", last_modified)

    def _validators_of(self, host: str) -> dict[str, tuple[str | None, str | None]]:
        """The remembered validators of every URL of ``host``, loaded in one query the first time:
        a crawl asks for many URLs of one site, and one query per request would cost more."""
        if host not in self._validators:
            assert self.engine is not None
            prefixes = [f"{scheme}://{host}/" for scheme in ("http", "https")]
            with self.engine.connect() as connection:
                rows = connection.execute(
                    select(HttpCache.url, HttpCache.etag, HttpCache.last_modified).where(
                        or_(*(HttpCache.url.startswith(prefix, autoescape=True) for prefix in prefixes)),
                        HttpCache.body.is_not(None),
                    )
                )
                self._validators[host] = {url: (etag, modified) for url, etag, modified in rows}
        return self._validators[host]

    def process_response(self, request: Request, response: Response) -> Response:
        if not self._applies(request):
            return response
        if response.status == 304:
            return self._replay(request, response)
        if response.status == 200:
            self._remember(request.url, response)
        return response

    def _applies(self, request: Request) -> bool:
        return self.engine is not None and request.method == "GET" and not request.url.endswith("/robots.txt")

    def _replay(self, request: Request, response: Response) -> Response:
        assert self.engine is not None
        with self.engine.connect() as connection:
            cached = connection.execute(REMEMBERED, {"url": request.url}).first()
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
        etag = _header(response, b"ETag")
        last_modified = _header(response, b"Last-Modified")
        if not (etag or last_modified) or len(response.body) > self.max_bytes:
            return
        row = {
            "url": url,
            "etag": etag,
            "last_modified": last_modified,
            "content_type": _header(response, b"Content-Type"),
            "body": response.body,
            "updated_at": utcnow(),
        }
        if not fits(row):
            return
        self._pending[url] = row
        if len(self._pending) >= BATCH_SIZE:
            self._hand_over()

    def _hand_over(self) -> None:
        """Hand the remembered responses to the crawl's writer, to be written in one statement."""
        if not self._pending or self.engine is None:
            return
        rows = list(self._pending.values())
        self._pending.clear()
        engine = self.engine

        def write() -> None:
            try:
                with engine.begin() as connection:
                    upsert_http_cache(connection, rows)
            except SQLAlchemyError as exc:
                logger.warning("cannot remember %d responses: %s", len(rows), exc)

        self.writer.submit(write).add_done_callback(writer.log_failure)


def _header(response: Response, name: bytes) -> Any:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class NamedUrlLengthMiddleware(UrlLengthMiddleware):
    """Scrapy's URL length limit (URLLENGTH_LIMIT), each request it drops named among the run's
    errors: a source whose URL is too long must not pass for a crawl that found nothing."""

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        kept = super().get_processed_request(request, response)
        spider = self.crawler.spider
        if kept is None and isinstance(spider, EventSpider):
            shown = request.url if len(request.url) <= 120 else request.url[:120] + "…"
            spider.record_error(f"{shown}: not requested: its URL is longer than {self.maxlength} characters")
        return kept


class CharsetMiddleware:
    """Reads each text response with the encoding its bytes are really in (spiders.extract.encoding).

    A page or feed declaring UTF-8 over windows-1252 bytes (or the reverse) is handed to the spider
    with the right encoding, so every kind reads "à 14 h" right; the spider notes the repair on its
    run. It runs after the conditional requests' replay, on remembered bodies too.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if not isinstance(response, TextResponse):
            return response
        declared = response.encoding
        actual = actual_encoding(response.body, declared)
        if actual is None:
            return response
        note = getattr(self.crawler.spider, "record_warning", None)
        if callable(note):
            note(charset_note(response.url, declared, actual))
        return response.replace(encoding=actual)
