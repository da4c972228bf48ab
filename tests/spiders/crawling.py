"""Crawling fixture sites in tests: one spider on a saved file, or real crawls into a database."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from scrapy.http import Request, Response, TextResponse
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from aggregator.crawl import run_crawls
from aggregator.db import get_sessionmaker
from aggregator.models import CrawlRun, Listing, Source
from aggregator.sources import upsert_sources, validate_source
from spiders.kinds.base import EventSpider

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_response(relative: str, url: str, content_type: str) -> TextResponse:
    """A response carrying ``tests/fixtures/<relative>`` as if served from ``url``."""
    body = (FIXTURES / relative).read_bytes()
    return TextResponse(url, body=body, headers={"Content-Type": content_type}, request=Request(url))


S = TypeVar("S", bound=EventSpider)


def make_spider(cls: type[S], settings: Mapping[str, Any] | None = None, **kwargs: Any) -> S:
    """A spider of ``cls`` built by its crawler, with no database and no network."""
    crawler = get_crawler(cls, {"ESS_STORE_ENABLED": False, **(settings or {})})
    spider = cls.from_crawler(crawler, url=kwargs.pop("url", "http://127.0.0.1/"), **kwargs)
    crawler.spider = spider
    return spider


def items_of(results: Iterable[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in results if not isinstance(r, Request | Response)]


def crawl(
    database_url: str, base: str, sources: list[dict[str, Any]], workers: int = 4
) -> dict[str, CrawlRun]:
    """Register ``sources`` ({base} in URLs), crawl them in child processes; their runs by name."""
    specs = [validate_source({**s, "url": s["url"].replace("{base}", base)}) for s in sources]
    with get_sessionmaker(database_url).begin() as session:
        upsert_sources(session, specs)
    results = run_crawls(
        [s["name"] for s in specs], trigger="test", database_url=database_url, workers=workers
    )
    with get_sessionmaker(database_url)() as session:
        return {r.source: _loaded(session.get(CrawlRun, r.run_id)) for r in results}


def _loaded(run: CrawlRun | None) -> CrawlRun:
    assert run is not None
    return run


def listings(database_url: str, source: str, removed: bool | None = False) -> dict[str, Listing]:
    """The source's listings by key (by default those not removed)."""
    with get_sessionmaker(database_url)() as session:
        query = select(Listing).join(Source).where(Source.name == source)
        if removed is not None:
            query = query.where(Listing.removed.is_(removed))
        return {listing.key: listing for listing in session.scalars(query)}
